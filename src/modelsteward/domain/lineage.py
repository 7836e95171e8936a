"""Lineage: a version derives from another version in the registry or from an upstream model
named by package URL; :func:`walk_lineage` follows derivations up or down from some versions."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from packageurl import PackageURL

from modelsteward.errors import InvalidInput


class Relation(enum.StrEnum):
    FINETUNE = "finetune"
    ADAPTER = "adapter"
    MERGE = "merge"
    QUANTIZED = "quantized"
    DISTILLED = "distilled"
    EXPORT = "export"


@dataclass(frozen=True)
class Derivation:
    """``child`` (``model@version``) derives from ``parent`` by ``relation``.

    ``parent`` is either ``model@version`` in this registry or a package URL (``pkg:…``).
    """

    child: str
    parent: str
    relation: Relation

    @property
    def upstream(self) -> bool:
        return self.parent.startswith("pkg:")


def validate_purl(text: str) -> str:
    """Return the canonical form of a package URL, or raise :class:`InvalidInput`."""
    try:
        purl = PackageURL.from_string(text)
    except ValueError as exc:
        raise InvalidInput(
            f"{text!r} is not a valid package URL ({exc}). Name upstream models like "
            "'pkg:huggingface/meta-llama/Llama-3.1-8B@<revision>'."
        ) from None
    return str(purl.to_string())


MODEL_PURL_NAMESPACE = "modelsteward"


def model_purl(model: str, version: str) -> str:
    """The package URL of a version in this registry: ``pkg:generic/modelsteward/NAME@VERSION``
    (a variant's ``+`` is percent-encoded, as the purl specification requires)."""
    return str(PackageURL(type="generic", namespace=MODEL_PURL_NAMESPACE, name=model,
                          version=version).to_string())


@dataclass(frozen=True)
class LineageNode:
    depth: int
    derivation: Derivation


def walk_lineage(roots: Sequence[str], step: Callable[[str], list[Derivation]],
                 follow: Callable[[Derivation], str]) -> list[LineageNode]:
    """Everything reachable from ``roots`` by ``step`` (parents or children), breadth first,
    each derivation once with its depth; ``follow`` names the next node of a derivation."""
    return walk_lineage_many(roots, lambda refs: {ref: step(ref) for ref in refs}, follow)


def walk_lineage_many(roots: Sequence[str],
                      step: Callable[[Sequence[str]], Mapping[str, list[Derivation]]],
                      follow: Callable[[Derivation], str]) -> list[LineageNode]:
    """:func:`walk_lineage` with a ``step`` that takes a whole generation at once (each of its
    refs → its derivations), so that a generation costs one read, not one per node."""
    seen = set(roots)
    frontier = list(roots)
    found: list[LineageNode] = []
    depth = 0
    while frontier:
        depth += 1
        following: list[str] = []
        stepped = step(frontier)
        for ref in frontier:
            for derivation in stepped[ref]:
                found.append(LineageNode(depth, derivation))
                target = follow(derivation)
                if target not in seen:
                    seen.add(target)
                    following.append(target)
        frontier = following
    return found
