"""Lineage: a version derives from another version in the registry or from an upstream model
named by package URL."""

from __future__ import annotations

import enum
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
