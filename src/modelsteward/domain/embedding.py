"""Embedding models and re-embedding plans.

A model declared an *embedding* model (:class:`EmbeddingSpec`: dimension, distance,
normalisation; kept in the model's ``extra["embedding"]``) produces vectors that only compare
with vectors of the same version. Moving a consumer to another version or model is therefore a
data migration: every document is embedded again and the index rebuilt. A
:class:`ReembeddingPlan` (documents, estimated cost and duration, the index to rebuild) records
that migration; a :class:`ReembeddingRecord` says which move it is for (from a version or pin
of the model, to a ``MODEL@PIN`` or anywhere), carried by a deprecation plan or recorded for a
consumer's move. ``lock --upgrade`` and ``audit --fix`` refuse to move an embedding pin that no
record covers.

Pure: records live in the event log (``model:reembedding:planned``); the service matches pins.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from modelsteward.domain.field_reader import is_number, is_text
from modelsteward.domain.model import Model, parse_enum
from modelsteward.errors import DocumentInvalid, InvalidInput, Problem

__all__ = ["Distance", "EmbeddingSpec", "ReembeddingPlan", "ReembeddingRecord",
           "embedding_of", "parse_reembedding"]

_EXTRA_KEY = "embedding"
MAX_DIMENSION = 1_000_000


class Distance(enum.StrEnum):
    COSINE = "cosine"
    DOT = "dot"
    EUCLIDEAN = "euclidean"


@dataclass(frozen=True)
class EmbeddingSpec:
    """What an embedding model's vectors are: ``dimension`` numbers compared by ``distance``,
    normalised to unit length or not."""

    dimension: int
    distance: Distance = Distance.COSINE
    normalized: bool = False

    def __post_init__(self) -> None:
        if not 0 < self.dimension <= MAX_DIMENSION:
            raise InvalidInput(f"The embedding dimension must be between 1 and {MAX_DIMENSION}, "
                               f"not {self.dimension}; e.g. --embedding-dimension 1536.")

    @classmethod
    def declared(cls, dimension: int | None, distance: str = "",
                 normalized: bool = False) -> EmbeddingSpec | None:
        """The spec of ``--embedding-dimension``/``--embedding-distance``/
        ``--embedding-normalized`` (``None`` when no dimension is given; a distance or
        normalisation without one is refused)."""
        if dimension is None:
            if distance or normalized:
                raise InvalidInput("--embedding-distance and --embedding-normalized describe an "
                                   "embedding model: give --embedding-dimension too.")
            return None
        return cls(dimension, parse_enum(Distance, distance or "cosine", "embedding distance"),
                   normalized)

    def as_extra(self) -> dict[str, object]:
        return {"dimension": self.dimension, "distance": self.distance.value,
                "normalized": self.normalized}

    def describe(self) -> str:
        return (f"{self.dimension} dimensions, {self.distance.value} distance"
                + (", normalised" if self.normalized else ""))


def embedding_of(model: Model) -> EmbeddingSpec | None:
    """The embedding spec stored with ``model``, or ``None`` when it is not an embedding model
    (a registry file's ``embedding``, or its integer ``dimension``, stores one on import)."""
    raw = model.extra.get(_EXTRA_KEY)
    if not isinstance(raw, Mapping):
        return None
    dimension, distance = raw.get("dimension"), raw.get("distance")
    if not isinstance(dimension, int) or isinstance(dimension, bool) or dimension <= 0:
        return None
    try:
        return EmbeddingSpec(dimension, Distance(distance) if isinstance(distance, str)
                             else Distance.COSINE, raw.get("normalized") is True)
    except (ValueError, InvalidInput):
        return None


def with_embedding(extra: Mapping[str, object], spec: EmbeddingSpec | None) -> dict[str, object]:
    """``extra`` with the embedding spec set (unchanged when ``spec`` is ``None``)."""
    found = dict(extra)
    if spec is not None:
        found[_EXTRA_KEY] = spec.as_extra()
    return found


@dataclass(frozen=True)
class ReembeddingPlan:
    """The data migration a move between embedding versions needs: how many ``documents`` are
    embedded again, the estimated ``cost`` (in dollars) and ``hours``, and the ``index`` that is
    rebuilt."""

    documents: int
    cost: float | None = None
    hours: float | None = None
    index: str = ""

    def __post_init__(self) -> None:
        if self.documents <= 0:
            raise InvalidInput("A re-embedding plan needs the number of documents to embed "
                               "again, e.g. --reembed-documents 2000000.")
        for what, value in (("cost", self.cost), ("hours", self.hours)):
            if value is not None and value < 0:
                raise InvalidInput(f"The re-embedding {what} cannot be negative.")

    @classmethod
    def given(cls, documents: int | None, cost: float | None = None,
              hours: float | None = None, index: str = "") -> ReembeddingPlan | None:
        """The plan of the ``--reembed-*`` options (``None`` when none is given); the other
        options without ``--reembed-documents`` are refused."""
        if documents is None:
            if cost is not None or hours is not None or index:
                raise InvalidInput("--reembed-cost, --reembed-hours and --reembed-index describe "
                                   "a re-embedding plan: give --reembed-documents too.")
            return None
        return cls(documents, cost, hours, index.strip())

    def describe(self) -> str:
        """``re-embed ~2M documents (~$500, ~4h), rebuilding the index docs-v2``."""
        estimates = [f"~${_short(self.cost)}" for _ in (0,) if self.cost is not None]
        estimates += [f"~{_short(self.hours)}h" for _ in (0,) if self.hours is not None]
        text = f"re-embed ~{_count(self.documents)} documents"
        text += f" ({', '.join(estimates)})" if estimates else ""
        return text + (f", rebuilding the index {self.index}" if self.index else "")

    def as_payload(self) -> dict[str, object]:
        return {"documents": self.documents, "cost": self.cost, "hours": self.hours,
                "index": self.index or None}

    @classmethod
    def from_payload(cls, payload: Mapping[str, object]) -> ReembeddingPlan | None:
        documents, cost, hours, index = (payload.get(k) for k in
                                         ("documents", "cost", "hours", "index"))
        if not isinstance(documents, int) or documents <= 0:
            return None
        return cls(documents, float(cost) if is_number(cost) else None,
                   float(hours) if is_number(hours) else None,
                   index if isinstance(index, str) else "")


def _short(value: float) -> str:
    return f"{value:g}"


def _count(documents: int) -> str:
    for size, unit in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if documents >= size:
            return f"{documents / size:g}{unit}"
    return str(documents)


def parse_reembedding(tree: object, source: str) -> ReembeddingPlan:
    """A re-embedding plan from a YAML/JSON document ``{documents, cost, hours, index}``
    (``cost``/``estimated_cost``, ``hours``/``estimated_hours`` accepted). Raises
    :class:`DocumentInvalid` naming ``source`` with every problem and its location."""
    if not isinstance(tree, Mapping):
        raise DocumentInvalid(source, [Problem("$", "must be a mapping with documents, cost, "
                                                    "hours and index")])
    problems: list[Problem] = []
    known = {"documents", "cost", "estimated_cost", "hours", "estimated_hours", "index"}
    problems += [Problem(str(key), f"unknown field; use {', '.join(sorted(known))}")
                 for key in tree if key not in known]
    documents = tree.get("documents")
    if not isinstance(documents, int) or isinstance(documents, bool) or documents <= 0:
        problems.append(Problem("documents", "must be a positive whole number of documents"))

    def number(*keys: str) -> float | None:
        for key in keys:
            if key in tree:
                value = tree[key]
                if is_number(value) and value >= 0:
                    return float(value)
                problems.append(Problem(key, "must be a number, zero or more"))
        return None

    cost, hours = number("cost", "estimated_cost"), number("hours", "estimated_hours")
    index = tree.get("index", "")
    if "index" in tree and not is_text(index):
        problems.append(Problem("index", "must be text naming the index to rebuild"))
    index = index if isinstance(index, str) else ""
    if problems:
        raise DocumentInvalid(source, problems)
    assert isinstance(documents, int)
    return ReembeddingPlan(documents, cost, hours, index.strip())


@dataclass(frozen=True)
class ReembeddingRecord:
    """A re-embedding plan and the move it is for: consumers of ``model`` at ``source`` (a
    version or pin; ``""`` for any) moving to ``target`` (``MODEL@PIN``; ``""`` for anywhere),
    carried by the deprecation plan ``deprecation_plan`` or recorded for ``consumer``'s move."""

    model: str
    plan: ReembeddingPlan
    source: str = ""
    target: str = ""
    deprecation_plan: str = ""
    consumer: str = ""
    seq: int = 0  # the event that recorded it

    def payload(self) -> dict[str, object]:
        return {"model": self.model, "from": self.source or None, "to": self.target or None,
                "plan": self.deprecation_plan or None, "consumer": self.consumer or None,
                "reembedding": self.plan.as_payload()}

    @classmethod
    def from_event(cls, payload: Mapping[str, object], seq: int) -> ReembeddingRecord | None:
        raw = payload.get("reembedding")
        plan = ReembeddingPlan.from_payload(raw) if isinstance(raw, Mapping) else None
        model = payload.get("model")
        if plan is None or not isinstance(model, str):
            return None

        def text(key: str) -> str:
            value = payload.get(key)
            return value if isinstance(value, str) else ""

        return cls(model, plan, text("from"), text("to"), text("plan"), text("consumer"), seq)
