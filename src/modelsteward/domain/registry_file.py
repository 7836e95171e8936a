"""The ``model-registry.yaml`` file: a mapping of model names to what is deployed under them.

The shape (15-factor "Factor 15: Model Lifecycle Management")::

    models:
      summarization-primary:          # the registry model name
        provider: anthropic           # set → kind ``hosted`` unless ``type`` says otherwise
        model_id: claude-sonnet-4-5-20250929
        purpose: "Document summarization"
        status: active
        deployed_date: "2025-03-15"
        eval_scores: {accuracy: 0.94}
        owner: team-ai-platform       # or {team: ..., contact: ...}
      embedding-production:
        provider: openai
        model_id: text-embedding-3-small
        embedding: {dimension: 1536, distance: cosine, normalized: true}
      classification-v2:
        type: fine-tuned
        base_model: gpt-4o-mini
        fine_tune_id: ft:gpt-4o-mini:org:classification-v2:abc123

This module is pure: the caller loads the YAML (``yaml.safe_load``) and passes the Python value
to :func:`parse_registry_file`; :func:`render_registry_file` returns a value for the caller to
dump. Nothing here reads or writes files.

Where each key goes:

* model-level keys become :class:`Model` fields: ``type`` (kind), ``provider``, ``model_id``
  (``provider_model``), ``versioning``, ``description``, ``purpose``, ``owner``
  (``owner_team``/``owner_contact``), ``risk_tier``, ``license``, ``tags``, ``support``;
* ``embedding`` (``{dimension, distance, normalized}``, the fields of
  :class:`~modelsteward.domain.embedding.EmbeddingSpec`) declares an embedding model, kept in
  ``Model.extra["embedding"]`` as ``steward model create --embedding-dimension`` keeps it. The
  older ``dimension`` key, a positive whole number, declares one too (with the default
  distance, ``cosine``, not normalised) unless ``embedding`` is given, and is also kept in the
  version's metadata as before; both together must agree on the dimension;
* ``version``, ``status``, ``eval_scores`` (metrics) and ``base_model`` become
  :class:`RegistryEntry` fields; ``status`` names a lifecycle stage through
  :data:`STATUS_STAGES` (below), and a status that table does not know is a problem;
* every other key — the known version-describing ones (``api_version``, ``deployed_date``,
  ``fine_tune_id``, ``training_data``, ``training_date``, ``retrain_schedule``, ``dimension``,
  ``notes``) **and unknown keys** — goes to :attr:`RegistryEntry.metadata`. An entry of this file
  describes what is deployed, i.e. a version, so unknown keys travel with the version's metadata
  rather than with ``Model.extra``, which parsing leaves empty but for the embedding
  declaration. Unknown values are kept as they are, except that dates become ISO strings so
  that metadata stays JSON.

Inference, when keys are left out: the kind is ``type``, else ``hosted`` when ``provider`` is
set, else ``self-hosted``. The version to register is ``version``, else ``fine_tune_id``, else
``model_id``. Versions are named by snapshot ids (``versioning: snapshot``) for provider models
and when the version is taken from ``fine_tune_id``/``model_id`` — so the example's
``ft:gpt-4o-mini:org:classification-v2:abc123`` is a snapshot id — and by model semver
otherwise; an explicit ``versioning`` key overrides this and the version must fit the scheme.

``status`` is read through one table, :data:`STATUS_STAGES` (docs/registry-file.md and the
README show it): each lifecycle stage with the words that mean it, matched ignoring case and
surrounding spaces. An empty or missing status means ``trained``. The first word of each row is
the one an export writes for a stage when the version's own status does not already name it.

An unknown key that is one typo away from a known key (``eval_score``, ``licence``, ``Owner``)
is reported as a problem instead of being kept: silently filing ``eval_score`` under metadata
would lose the scores.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import cast

from modelsteward.domain.documents import describe
from modelsteward.domain.embedding import (
    MAX_DIMENSION,
    Distance,
    EmbeddingSpec,
    embedding_of,
    with_embedding,
)
from modelsteward.domain.lifecycle import Evaluation, Stage
from modelsteward.domain.model import (
    Model,
    ModelKind,
    RiskTier,
    SupportPolicy,
    VersionScheme,
    parse_enum,
)
from modelsteward.domain.names import validate_model_name
from modelsteward.domain.versioning import ModelVersion, Snapshot
from modelsteward.errors import DocumentInvalid, InvalidInput, Problem

# Keys read into Model or RegistryEntry fields.
_FIELD_KEYS = frozenset({
    "type", "provider", "model_id", "version", "versioning", "base_model", "description",
    "purpose", "status", "risk_tier", "license", "tags", "eval_scores", "owner", "support",
    "embedding",
})
# Known keys that describe the version; they are validated, then kept in metadata.
_METADATA_KEYS = frozenset({
    "api_version", "deployed_date", "fine_tune_id", "training_data", "training_date",
    "retrain_schedule", "dimension", "notes",
})
_KNOWN_KEYS = _FIELD_KEYS | _METADATA_KEYS
# The order render_registry_file writes keys in (that of the Factor 15 example); unknown
# metadata keys follow in their own order.
_RENDER_ORDER = (
    "type", "provider", "model_id", "version", "versioning", "base_model", "fine_tune_id",
    "api_version",
    "training_data", "training_date", "description", "purpose", "status", "deployed_date",
    "risk_tier", "license", "tags", "eval_scores", "retrain_schedule", "dimension", "embedding",
    "owner", "support", "notes",
)
assert frozenset(_RENDER_ORDER) == _KNOWN_KEYS  # every known key has its place

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

STATUS_STAGES: tuple[tuple[Stage, tuple[str, ...]], ...] = (
    (Stage.TRAINED, ("experimental", "development", "training", "trained")),
    (Stage.EVALUATED, ("evaluated", "evaluating", "evaluation")),
    (Stage.REGISTERED, ("registered", "approved", "candidate")),
    (Stage.STAGING, ("staging", "testing")),
    (Stage.PRODUCTION, ("active", "production", "deployed", "serving")),
    (Stage.DEPRECATED, ("deprecated",)),
    (Stage.RETIRED, ("retired", "archived", "decommissioned")),
    (Stage.REJECTED, ("rejected",)),
)
"""The registry file's ``status`` words and the lifecycle stage each one means, one row per
stage in lifecycle order; the first word of a row is the one written for its stage. An empty or
missing status means :attr:`Stage.TRAINED`. The only table of it: parsing, import, export and
the documentation all read this one."""

_STAGE_OF_STATUS = {word: stage for stage, words in STATUS_STAGES for word in words}
assert len(_STAGE_OF_STATUS) == sum(len(w) for _, w in STATUS_STAGES)  # no word in two rows
assert [stage for stage, _ in STATUS_STAGES] == list(Stage)  # every stage has its row


def stage_of_status(status: str) -> Stage | None:
    """The stage ``status`` means (case and surrounding spaces ignored): :attr:`Stage.TRAINED`
    for an empty status, ``None`` for a word :data:`STATUS_STAGES` does not know."""
    word = status.strip().lower()
    return _STAGE_OF_STATUS.get(word) if word else Stage.TRAINED


def status_of_stage(stage: Stage, recorded: str = "") -> str:
    """The status to write for a version in ``stage``: ``recorded`` (the version's own status,
    e.g. ``deployed``) when it means that stage, else the first word of the stage's row."""
    if recorded and stage_of_status(recorded) is stage:
        return recorded
    return next(words[0] for row, words in STATUS_STAGES if row is stage)


def accepted_statuses() -> str:
    """The accepted status words, for messages: ``experimental, development, …``."""
    return ", ".join(word for _, words in STATUS_STAGES for word in words)


def merged_scores(recorded: Mapping[str, object],
                  evaluations: Sequence[Evaluation]) -> dict[str, float]:
    """The ``eval_scores`` of a version: its own numeric metrics (what a registry file gave it),
    then, suite by suite, the metrics of each suite's newest evaluation (with its
    ``cost_per_1k_requests`` when recorded). Suites are applied in the order of their newest
    evaluation, so when two suites name the same metric the more recently evaluated suite wins,
    and an evaluation's value replaces the file's."""
    scores = {k: float(v) for k, v in recorded.items()
              if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)}
    newest: dict[str, Evaluation] = {}
    for evaluation in sorted(evaluations, key=lambda e: (e.recorded_at, e.seq)):
        newest.pop(evaluation.suite, None)  # re-inserted last: suites in order of their newest
        newest[evaluation.suite] = evaluation
    for evaluation in newest.values():
        scores.update((k, float(v)) for k, v in evaluation.metrics.items())
        if evaluation.cost_per_1k_requests is not None:
            scores["cost_per_1k_requests"] = float(evaluation.cost_per_1k_requests)
    return scores


@dataclass(frozen=True)
class RegistryEntry:
    """One model of the registry file and the version deployed under it.

    ``version`` is the version to register: an explicit ``version`` key if given, else the
    ``fine_tune_id``, else the provider's ``model_id`` (which is then also
    ``model.provider_model``), else ``""`` (nothing to register). ``status`` is the file's word
    as written (``active``, ``Deployed``, ``""``…); parsing accepts only words of
    :data:`STATUS_STAGES`, and :attr:`stage` is the stage it means. ``metrics`` come from
    ``eval_scores``. ``metadata`` holds every other key of the entry, unknown keys included
    (see the module docstring).
    """

    model: Model
    version: str = ""
    status: str = ""
    metrics: dict[str, float] = field(default_factory=dict, hash=False)
    base_model: str = ""
    metadata: dict[str, object] = field(default_factory=dict, hash=False)

    @property
    def stage(self) -> Stage:
        """The lifecycle stage ``status`` means (``trained`` when it is empty). Raises
        :class:`InvalidInput` naming the accepted words for a status the table does not know
        (parsing never produces one)."""
        stage = stage_of_status(self.status)
        if stage is None:
            raise InvalidInput(unknown_status(self.status))
        return stage


def unknown_status(status: str) -> str:
    """Why ``status`` is refused, naming every accepted word."""
    return (f"{status!r} is not a status this registry knows; use one of "
            f"{accepted_statuses()} (case is ignored), or leave status out for 'trained'")


def parse_registry_file(doc: object, source: str = "model-registry.yaml") -> list[RegistryEntry]:
    """Read the already-loaded registry file ``doc`` into entries, in document order.

    Raises :class:`DocumentInvalid` naming ``source`` with *every* problem found, each located
    by a path such as ``models.classification-v2.eval_scores.f1`` (``$`` is the document
    itself). A ``models:`` key with nothing under it (``null``) counts as no models.
    """
    problems: list[Problem] = []
    if not isinstance(doc, Mapping):
        problems.append(Problem("$", f"the registry file must be a mapping with a 'models' key, "
                                     f"found {describe(doc)}"))
        raise DocumentInvalid(source, problems)
    top = cast(Mapping[object, object], doc)
    problems.extend(Problem(str(key), "is not part of a model registry file: only "
                                      "'models' is read; move this section elsewhere")
                    for key in top if key != "models")
    entries: list[RegistryEntry] = []
    if "models" not in top:
        problems.append(Problem("models", "is required: a mapping of model names to their "
                                          "entries (provider, model_id, purpose, status, …)"))
    else:
        models = top["models"]
        if models is None:
            models = {}
        if not isinstance(models, Mapping):
            problems.append(Problem("models", f"must be a mapping of model names to their "
                                              f"entries, found {describe(models)}"))
        else:
            for name, raw in cast(Mapping[object, object], models).items():
                entry = _parse_entry(name, raw, problems)
                if entry is not None:
                    entries.append(entry)
    if problems:
        raise DocumentInvalid(source, problems)
    return entries


def render_registry_file(entries: Sequence[RegistryEntry]) -> dict[str, object]:
    """The registry file holding ``entries``: ``{"models": {name: {key: value, …}}}``.

    Keys come in a stable order (that of the Factor 15 example) and only non-empty fields are
    written; ``type`` and ``versioning`` only when they differ from what parsing would infer,
    ``version`` only when it differs from the ``fine_tune_id``/``model_id`` it would be inferred
    from, ``risk_tier`` only when not ``medium``. ``Model.extra`` keys are written as entry keys
    too (parsing files them under metadata). For entries produced by
    :func:`parse_registry_file`, ``parse_registry_file(render_registry_file(entries)) ==
    entries``. An entry with no version whose model has a ``provider_model`` cannot say so:
    parsing it back registers the ``model_id`` as its version.

    Raises :class:`InvalidInput` when two entries share a model name or when a metadata or
    ``Model.extra`` key would overwrite another key of the entry.
    """
    models: dict[str, object] = {}
    for entry in entries:
        name = entry.model.name
        if name in models:
            raise _twins(name)
        models[name] = _render_entry(entry)
    return {"models": models}


def rendered_entries(entries: Iterable[RegistryEntry]) -> Iterator[tuple[str, dict[str, object]]]:
    """(name, fields) of each of ``entries``, an entry at a time, as
    :func:`render_registry_file` writes them under ``models``: for a writer that streams.
    ``entries`` come by name, as the registry lists them; :class:`InvalidInput` as
    :func:`render_registry_file` raises it, for a name following its twin too."""
    last = None
    for entry in entries:
        name = entry.model.name
        if name == last:
            raise _twins(name)
        last = name
        yield name, _render_entry(entry)


def _twins(name: str) -> InvalidInput:
    return InvalidInput(f"Two registry entries are named {name!r}: a registry file holds one "
                        "entry per model; merge them or rename one.")


# --- parsing -------------------------------------------------------------------------------


def _parse_entry(name: object, raw: object, problems: list[Problem]) -> RegistryEntry | None:
    """Check one ``models.<name>`` entry, appending its problems; the entry if it has none."""
    where = f"models.{name}"
    before = len(problems)
    if not isinstance(name, str):
        problems.append(Problem(where, f"a model name must be a string, found {describe(name)}"))
    else:
        try:
            validate_model_name(name)
        except InvalidInput as exc:
            problems.append(Problem(where, str(exc)))
    if not isinstance(raw, Mapping):
        problems.append(Problem(where, f"must be a mapping of the model's fields (provider, "
                                       f"model_id, purpose, status, eval_scores, owner, …), "
                                       f"found {describe(raw)}"))
        return None
    f = _Fields(cast(Mapping[object, object], raw), where, problems)

    provider = f.text("provider")
    model_id = f.snapshot("model_id")
    fine_tune_id = f.snapshot("fine_tune_id")
    kind = f.kind(default=ModelKind.HOSTED if provider else ModelKind.SELF_HOSTED)
    if kind is ModelKind.HOSTED:
        if "provider" not in f.raw:
            problems.append(Problem(f"{where}.provider", "a hosted model needs a provider, the "
                                    "company serving it (e.g. anthropic, openai, google)"))
        if "model_id" not in f.raw:
            problems.append(Problem(f"{where}.model_id", "a hosted model needs model_id, the "
                                    "provider's snapshot id (e.g. claude-sonnet-4-5-20250929)"))
    explicit = f.text("version", example="1.4.2")
    version = explicit or fine_tune_id or model_id
    scheme = f.scheme() or _inferred_scheme(kind, provider, derived=bool(version) and not explicit)
    if version and (explicit or "version" not in f.raw):  # a wrong 'version' is reported once
        f.check_version(version, scheme, "version" if explicit else
                        "fine_tune_id" if fine_tune_id else "model_id")
    team, contact = f.owner()
    description = f.text("description", allow_empty=True)
    purpose = f.text("purpose", allow_empty=True)
    license_ = f.text("license", example="apache-2.0")
    risk = f.risk_tier()
    tags = f.tags()
    support = f.support()
    status = f.status()
    base_model = f.text("base_model")
    metrics = f.metrics()
    metadata = f.metadata(fine_tune_id)
    embedding = f.embedding(metadata.get("dimension"))

    if len(problems) > before or not isinstance(name, str):
        return None
    try:
        model = Model(
            name=name, kind=kind, provider=provider, provider_model=model_id,
            description=description, purpose=purpose, owner_team=team, owner_contact=contact,
            risk_tier=risk, license=license_, tags=tags, support=support, versioning=scheme,
            extra=with_embedding({}, embedding),
        )
    except InvalidInput as exc:
        problems.append(Problem(where, str(exc)))
        return None
    return RegistryEntry(
        model=model, version=version, status=status,
        metrics=metrics, base_model=base_model, metadata=metadata,
    )


def _inferred_scheme(kind: ModelKind, provider: str, *, derived: bool) -> VersionScheme:
    """How versions are named when ``versioning`` is not given: snapshot ids for provider
    models and for versions taken from ``fine_tune_id``/``model_id`` (``derived``), else
    model semver."""
    if provider or kind is ModelKind.HOSTED or derived:
        return VersionScheme.SNAPSHOT
    return VersionScheme.SEMVER


class _Fields:
    """Reads the keys of one entry; each reader appends problems and returns a safe default."""

    def __init__(self, raw: Mapping[object, object], where: str,
                 problems: list[Problem]) -> None:
        self.raw = raw
        self.where = where
        self.problems = problems

    def _problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(f"{self.where}.{key}", message))

    def text(self, key: str, *, allow_empty: bool = False, example: str = "") -> str:
        """The string under ``key``, or ``""`` when absent or wrong."""
        if key not in self.raw:
            return ""
        value = self.raw[key]
        if isinstance(value, str) and (allow_empty or value.strip()):
            return value
        what = "a string" if allow_empty else "a non-empty string"
        hint = f" such as {example!r}" if example else ""
        self._problem(key, f"must be {what}{hint}, found {describe(value)}")
        return ""

    def status(self) -> str:
        """``status`` as written, when :data:`STATUS_STAGES` knows it; empty or null is ``""``."""
        if "status" not in self.raw or self.raw["status"] is None:
            return ""
        value = self.text("status", allow_empty=True, example="active")
        if stage_of_status(value) is None:
            self._problem("status", unknown_status(value))
            return ""
        return value

    def snapshot(self, key: str) -> str:
        """A provider snapshot id (``claude-sonnet-4-5-20250929``, ``ft:gpt-4o-mini:org:x:1``)."""
        value = self.text(key, example="claude-sonnet-4-5-20250929")
        if not value:
            return ""
        try:
            Snapshot.parse(value)
        except InvalidInput as exc:
            self._problem(key, str(exc))
            return ""
        return value

    def check_version(self, version: str, scheme: VersionScheme, key: str) -> None:
        """Check that ``version`` (read from ``key``) is named the way ``scheme`` says."""
        try:
            if scheme is VersionScheme.SNAPSHOT:
                Snapshot.parse(version)
            else:
                ModelVersion.parse(version)
        except InvalidInput as exc:
            hint = "" if key == "version" else (
                " (this model's versions are semantic versions: give one with 'version:', "
                "or set 'versioning: snapshot')")
            self._problem(key, f"{exc}{hint}")

    def scheme(self) -> VersionScheme | None:
        """An explicit ``versioning`` (``semver`` or ``snapshot``), else ``None``."""
        value = self.text("versioning", example=VersionScheme.SEMVER.value)
        if not value:
            return None
        try:
            return parse_enum(VersionScheme, value, "versioning scheme")
        except InvalidInput as exc:
            self._problem("versioning", str(exc))
            return None

    def kind(self, default: ModelKind) -> ModelKind:
        value = self.text("type", example=ModelKind.FINE_TUNED.value)
        if not value:
            return default
        try:
            return parse_enum(ModelKind, value, "model type")
        except InvalidInput as exc:
            self._problem("type", str(exc))
            return default

    def risk_tier(self) -> RiskTier:
        value = self.text("risk_tier", example=RiskTier.MEDIUM.value)
        if not value:
            return RiskTier.MEDIUM
        try:
            return parse_enum(RiskTier, value, "risk tier")
        except InvalidInput as exc:
            self._problem("risk_tier", str(exc))
            return RiskTier.MEDIUM

    def owner(self) -> tuple[str, str]:
        """(team, contact) from ``owner: team`` or ``owner: {team: …, contact: …}``."""
        if "owner" not in self.raw:
            return "", ""
        value = self.raw["owner"]
        if isinstance(value, str) and value.strip():
            return value, ""
        if not isinstance(value, Mapping):
            self._problem("owner", f"must be a team name (e.g. team-ai-platform) or a mapping "
                                   f"{{team, contact}}, found {describe(value)}")
            return "", ""
        owner = _Fields(cast(Mapping[object, object], value), f"{self.where}.owner",
                        self.problems)
        for key in owner.raw:
            if key not in ("team", "contact"):
                owner._problem(str(key), "is not an owner field: use 'team' and 'contact'")
        if not owner.raw:
            self._problem("owner", "must name at least a team or a contact")
        return owner.text("team", example="team-ai-platform"), owner.text("contact")

    def tags(self) -> tuple[str, ...]:
        if "tags" not in self.raw:
            return ()
        value = self.raw["tags"]
        if not isinstance(value, list):
            self._problem("tags", f"must be a list of strings, found {describe(value)}")
            return ()
        tags: list[str] = []
        for i, tag in enumerate(cast(list[object], value)):
            if isinstance(tag, str) and tag.strip():
                tags.append(tag)
            else:
                self._problem(f"tags[{i}]", f"must be a non-empty string, found {describe(tag)}")
        return tuple(tags)

    def support(self) -> SupportPolicy:
        """``support: {active_months: 12, afterwards: "security fixes only"}``."""
        if "support" not in self.raw:
            return SupportPolicy()
        value = self.raw["support"]
        if not isinstance(value, Mapping):
            self._problem("support", f"must be a mapping {{active_months, afterwards}}, "
                                     f"found {describe(value)}")
            return SupportPolicy()
        support = _Fields(cast(Mapping[object, object], value), f"{self.where}.support",
                          self.problems)
        for key in support.raw:
            if key not in ("active_months", "afterwards"):
                support._problem(str(key), "is not a support field: use 'active_months' and "
                                           "'afterwards'")
        months: int | None = None
        if "active_months" in support.raw:
            raw_months = support.raw["active_months"]
            if isinstance(raw_months, int) and not isinstance(raw_months, bool) and raw_months >= 0:
                months = raw_months
            else:
                support._problem("active_months", f"must be a whole number of months, 0 or "
                                                  f"more, found {describe(raw_months)}")
        return SupportPolicy(months, support.text("afterwards", example="security fixes only"))

    def embedding(self, dimension: object) -> EmbeddingSpec | None:
        """The embedding declaration: ``embedding: {dimension, distance, normalized}``, else
        the older ``dimension`` key (already checked into ``dimension``) with the default
        distance; ``None`` when neither declares one."""
        if "embedding" not in self.raw:
            if isinstance(dimension, int) and not isinstance(dimension, bool):
                if dimension <= MAX_DIMENSION:
                    return EmbeddingSpec(dimension)
                self._problem("dimension", f"is the embedding dimension, at most "
                                           f"{MAX_DIMENSION}, found {dimension}")
            return None
        value = self.raw["embedding"]
        example = "{dimension: 1536, distance: cosine, normalized: true}"
        if not isinstance(value, Mapping):
            self._problem("embedding", f"must be a mapping such as {example}, "
                                       f"found {describe(value)}")
            return None
        spec = _Fields(cast(Mapping[object, object], value), f"{self.where}.embedding",
                       self.problems)
        count = len(self.problems)
        fields = ("dimension", "distance", "normalized")
        for key in spec.raw:
            if key not in fields:
                hint = " (spelt 'normalized')" if key == "normalised" else ""
                spec._problem(str(key), f"is not an embedding field: use {', '.join(fields)}"
                                        f"{hint}")
        size = spec.raw.get("dimension")
        if "dimension" not in spec.raw:
            spec._problem("dimension", "is required: the number of dimensions of the vectors "
                                       "(e.g. 1536)")
        elif (not isinstance(size, int) or isinstance(size, bool)
              or not 0 < size <= MAX_DIMENSION):
            spec._problem("dimension", f"must be a whole number from 1 to {MAX_DIMENSION} "
                                       f"(e.g. 1536), found {describe(size)}")
        distance = Distance.COSINE
        if "distance" in spec.raw:
            word = spec.text("distance", example="cosine")
            if word:
                try:
                    distance = parse_enum(Distance, word, "embedding distance")
                except InvalidInput as exc:
                    spec._problem("distance", str(exc))
        normalized = spec.raw.get("normalized", False)
        if not isinstance(normalized, bool):
            spec._problem("normalized", f"must be true or false, found {describe(normalized)}")
        if (isinstance(size, int) and isinstance(dimension, int)
                and not isinstance(dimension, bool) and size != dimension):
            self._problem("dimension", f"says {dimension} but embedding.dimension says {size}; "
                                       "give the dimension once, under embedding")
        if len(self.problems) > count:
            return None
        assert isinstance(size, int) and isinstance(normalized, bool)
        return EmbeddingSpec(size, distance, normalized)

    def metrics(self) -> dict[str, float]:
        """``eval_scores``: names to finite numbers (booleans are not numbers here)."""
        if "eval_scores" not in self.raw:
            return {}
        value = self.raw["eval_scores"]
        if not isinstance(value, Mapping):
            self._problem("eval_scores", f"must be a mapping of score names to numbers "
                                         f"(e.g. accuracy: 0.94), found {describe(value)}")
            return {}
        metrics: dict[str, float] = {}
        for key, score in cast(Mapping[object, object], value).items():
            where = f"eval_scores.{key}"
            if not isinstance(key, str) or not key.strip():
                self._problem(where, f"a score name must be a non-empty string, "
                                     f"found {describe(key)}")
            elif isinstance(score, bool) or not isinstance(score, (int, float)):
                self._problem(where, f"must be a number (e.g. 0.94), found {describe(score)}")
            elif not math.isfinite(score):
                self._problem(where, f"must be a finite number, found {score}")
            else:
                metrics[key] = float(score)
        return metrics

    def metadata(self, fine_tune_id: str) -> dict[str, object]:
        """The known version-describing keys, checked, and the unknown keys, kept.

        ``fine_tune_id`` was already checked (it can be the version) and is taken as given.
        """
        metadata: dict[str, object] = {}
        for key, value in self.raw.items():
            if not isinstance(key, str):
                self._problem(str(key), f"keys must be strings, found {describe(key)}")
            elif key in _FIELD_KEYS:
                continue
            elif key == "fine_tune_id":
                if fine_tune_id:
                    metadata[key] = fine_tune_id
            elif key in _METADATA_KEYS:
                checked = self._known_metadata(key)
                if checked is not None:
                    metadata[key] = checked
            elif (near := _near_miss(key)) is not None:
                self._problem(key, f"is not a known key; did you mean {near!r}? (Unknown keys "
                                   "are kept as metadata, but this one looks like a typo.)")
            else:
                metadata[key] = _plain(value, f"{self.where}.{key}", self.problems)
        return metadata

    def _known_metadata(self, key: str) -> object | None:
        if key in ("deployed_date", "training_date"):
            return self.iso_date(key) or None
        if key == "api_version":
            # Providers name API versions by date; unquoted, YAML loads them as dates.
            value = self.raw[key]
            if isinstance(value, date) and not isinstance(value, datetime):
                return value.isoformat()
            return self.text(key, example="2025-01-01") or None
        if key == "dimension":
            value = self.raw[key]
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                return value
            self._problem(key, f"must be a positive whole number (e.g. 1536), "
                               f"found {describe(value)}")
            return None
        if key == "notes" and isinstance(self.raw[key], str):
            return self.raw[key]  # free text: an empty note is still a note
        return self.text(key) or None

    def iso_date(self, key: str) -> str:
        """A calendar date ``YYYY-MM-DD``, given as a string or as a YAML date."""
        value = self.raw[key]
        if isinstance(value, date) and not isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, str) and _ISO_DATE.match(value):
            try:
                return date.fromisoformat(value).isoformat()
            except ValueError:
                pass
        self._problem(key, f"must be a date written YYYY-MM-DD (e.g. \"2025-03-15\"), "
                           f"found {describe(value)}")
        return ""


def _near_miss(key: str) -> str | None:
    """The known key that ``key`` is one typo away from (ignoring case and ``-``), if any."""
    norm = key.lower().replace("-", "_").replace(" ", "_")
    for known in sorted(_KNOWN_KEYS):
        if norm == known or _one_edit_apart(norm, known):
            return known
    return None


def _one_edit_apart(a: str, b: str) -> bool:
    """True when one insertion, deletion, substitution or swap of neighbours turns a into b."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) < len(b):
        return a[i:] == b[i + 1:]
    if a[i + 1:] == b[i + 1:]:
        return True
    return a[i:i + 2] == b[i:i + 2][::-1] and a[i + 2:] == b[i + 2:]


def _plain(value: object, where: str, problems: list[Problem]) -> object:
    """``value`` as JSON-compatible data (dates as ISO strings), reporting what cannot be."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        problems.append(Problem(where, f"must be a finite number, found {value}"))
        return None
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(item, f"{where}[{i}]", problems)
                for i, item in enumerate(cast(list[object], value))]
    if isinstance(value, Mapping):
        plain: dict[str, object] = {}
        for key, item in cast(Mapping[object, object], value).items():
            if not isinstance(key, str):
                problems.append(Problem(f"{where}.{key}",
                                        f"keys must be strings, found {describe(key)}"))
            else:
                plain[key] = _plain(item, f"{where}.{key}", problems)
        return plain
    problems.append(Problem(where, f"must be plain data (text, numbers, lists, mappings), "
                                   f"found {describe(value)}"))
    return None


def _render_entry(entry: RegistryEntry) -> dict[str, object]:
    model = entry.model
    fields: dict[str, object] = {}
    inferred_kind = ModelKind.HOSTED if model.provider else ModelKind.SELF_HOSTED
    if model.kind is not inferred_kind:
        fields["type"] = model.kind.value
    fields["provider"] = model.provider
    fields["model_id"] = model.provider_model
    fine_tune_id = entry.metadata.get("fine_tune_id")
    inferred_version = fine_tune_id if isinstance(fine_tune_id, str) and fine_tune_id else (
        model.provider_model)
    derived = entry.version == inferred_version
    if not derived:
        fields["version"] = entry.version
    scheme = _inferred_scheme(model.kind, model.provider, derived=bool(entry.version) and derived)
    if model.versioning is not None and model.versioning is not scheme:
        fields["versioning"] = model.versioning.value
    fields["base_model"] = entry.base_model
    fields["description"] = model.description
    fields["purpose"] = model.purpose
    fields["status"] = entry.status
    if model.risk_tier is not RiskTier.MEDIUM:
        fields["risk_tier"] = model.risk_tier.value
    fields["license"] = model.license
    fields["tags"] = list(model.tags)
    fields["eval_scores"] = dict(entry.metrics)
    if model.owner_contact:
        fields["owner"] = {k: v for k, v in (("team", model.owner_team),
                                             ("contact", model.owner_contact)) if v}
    else:
        fields["owner"] = model.owner_team
    support: dict[str, object] = {}
    if model.support.active_months is not None:
        support["active_months"] = model.support.active_months
    if model.support.afterwards:
        support["afterwards"] = model.support.afterwards
    fields["support"] = support
    fields = {k: v for k, v in fields.items() if v not in ("", [], {})}

    for key in entry.metadata:
        if key in _FIELD_KEYS:
            raise InvalidInput(f"The metadata of {model.name!r} has a key {key!r}, which the "
                               "registry file uses for a model field; rename or drop it.")
    extra = dict(model.extra)
    extra.pop("embedding", None)  # written below when it is a declaration
    spec = embedding_of(model)
    implied = entry.metadata.get("dimension") == (spec.dimension if spec else None)
    if spec is not None and (spec != EmbeddingSpec(spec.dimension) or not implied):
        fields["embedding"] = spec.as_extra()  # the older dimension key does not say it all
    for key in extra:
        if key in _KNOWN_KEYS or key in entry.metadata:
            raise InvalidInput(f"Model {model.name!r} has an extra field {key!r}, which would "
                               "overwrite another key of its registry entry; rename it.")
    known = {**fields, **{k: v for k, v in entry.metadata.items() if k in _METADATA_KEYS}}
    ordered: dict[str, object] = {k: known[k] for k in _RENDER_ORDER if k in known}
    ordered.update((k, v) for k, v in _unknown(entry.metadata))
    ordered.update(extra)
    return ordered


def _unknown(metadata: Mapping[str, object]) -> Iterator[tuple[str, object]]:
    return ((k, v) for k, v in metadata.items() if k not in _KNOWN_KEYS)
