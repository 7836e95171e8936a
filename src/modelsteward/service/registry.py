"""The registry's use cases: models, versions, resolution, provenance, lineage and history.

:class:`Registry` is the library's entry point (``Registry.open(url)``); the CLI is a thin layer
over it. Each method is one unit of work: it writes everything, with its events, or nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from modelsteward.config import Settings
from modelsteward.domain import events as ev
from modelsteward.domain.deprecation import DeprecationPlan, Phase, covers
from modelsteward.domain.checkpoint import Checkpoint
from modelsteward.domain.events import ChainBreak, Event, NewEvent
from modelsteward.domain.lineage import Derivation, Relation, validate_purl, walk_lineage
from modelsteward.domain.refs import split_ref
from modelsteward.domain.state import Replay, differences
from modelsteward.domain.metadata import check_metadata
from modelsteward.domain.model import DEFAULT_TEAM, Model, Version, VersionId
from modelsteward.domain.names import validate_label
from modelsteward.domain.policy import Policy
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.pins import (
    Bounds, Pin, PinLevel, SnapshotPin, parse_snapshot_pin, parse_version_pin,
)
from modelsteward.domain.provenance import parse_attestation, validate_metrics
from modelsteward.domain.versioning import (
    ChangeKind, Level, ModelVersion, Snapshot, check_bump, next_version, validate_version_id,
)
from modelsteward.errors import (
    AttestationMismatch, BumpRuleViolation, DocumentInvalid, InvalidInput, ModelExists,
    ModelNotFound, NoMatchingVersion, PinNoLongerResolves, Unresolvable, VersionExists,
    VersionNotFound,
)
from modelsteward.integrity.chain import check_events
from modelsteward.integrity.compare import compare_manifest
from modelsteward.integrity.manifest import Manifest, check_entries, hash_artifact
from modelsteward.ports import Clock, SystemClock, Transaction
from modelsteward.results import HistoryReport, Lineage, Resolution, VerifyResult
from modelsteward.service.history import batches
from modelsteward.store.opening import open_store
from modelsteward.store.sql import SqlStore

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from modelsteward.service.advisories import Advisories
    from modelsteward.service.tokens import Tokens
    from modelsteward.service.audit import Audits
    from modelsteward.service.locking import Locking
    from modelsteward.service.consumers import Consumers
    from modelsteward.service.providers import Providers
    from modelsteward.service.retirement import Retirements
    from modelsteward.service.deletion import Deletions
    from modelsteward.service.deprecations import Deprecations
    from modelsteward.service.lifecycle import Lifecycle

_NO_BOUNDS = Bounds(None, None)
PRODUCTION_ALIAS = "production"
_ALL_BUT_REJECTED = tuple(s for s in Stage if s is not Stage.REJECTED)
_EXPLAINED = 50  # how many matching versions an explanation of an empty resolution looks at
_VARIANT_RELATIONS = {
    ChangeKind.QUANTISATION: Relation.QUANTIZED,
    ChangeKind.DISTILLATION: Relation.DISTILLED,
    ChangeKind.EXPORT: Relation.EXPORT,
}


class Registry:
    """The model registry over a :class:`SqlStore`."""

    def __init__(self, store: SqlStore, *, actor: str, clock: Clock | None = None,
                 workers: int | None = None, policy: Policy | None = None,
                 default_team: str = DEFAULT_TEAM) -> None:
        self.store = store
        self.default_team = default_team  # the owner team of a model made without one
        self.actor = validate_label(actor, "The actor")  # recorded in every event
        self.clock: Clock = clock or SystemClock()
        self.workers = workers
        self.policy = policy or Policy()

    @classmethod
    def open(cls, url: str | None = None, *, actor: str | None = None,
             clock: Clock | None = None, settings: Settings | None = None,
             policy: Policy | None = None) -> Registry:
        """Open (and migrate if needed) the registry at ``url``, default from ``STEWARD_*``
        settings, under ``policy`` (default: the documented default policy). Raises
        :class:`~modelsteward.errors.StorageError` when the database cannot be reached."""
        settings = settings or Settings.from_env()
        store = open_store(url or settings.database_url)
        return cls(store, actor=actor or settings.actor, clock=clock,  # type: ignore[arg-type]
                   workers=settings.workers, policy=policy, default_team=settings.default_team)

    @property
    def advisories(self) -> Advisories:
        """Advisories (OSV records) about models: publish, withdraw, export, match."""
        from modelsteward.service.advisories import Advisories

        return Advisories(self)

    @property
    def tokens(self) -> Tokens:
        """API tokens for the server: create, list, revoke, authenticate."""
        from modelsteward.service.tokens import Tokens

        return Tokens(self)

    @property
    def locking(self) -> Locking:
        """Lock files for applications: lock, upgrade, outdated, verify."""
        from modelsteward.service.locking import Locking

        return Locking(self)

    @property
    def audits(self) -> Audits:
        """The audit of a lock: advisories, deprecations, retirements, overrides, digests."""
        from modelsteward.service.audit import Audits

        return Audits(self)

    @property
    def deprecations(self) -> Deprecations:
        """Deprecation plans, their phases, notices and retirement at the hard deadline."""
        from modelsteward.service.deprecations import Deprecations

        return Deprecations(self)

    @property
    def deletions(self) -> Deletions:
        """Deletion with migration of consumer pins, leaving tombstones."""
        from modelsteward.service.deletion import Deletions

        return Deletions(self)

    @property
    def retirements(self) -> Retirements:
        """Retirement with archived, verified weights, reports and restore."""
        from modelsteward.service.retirement import Retirements

        return Retirements(self)

    @property
    def providers(self) -> Providers:
        """Provider shutdown schedules turned into deprecation plans."""
        from modelsteward.service.providers import Providers

        return Providers(self)

    @property
    def consumers(self) -> Consumers:
        """Consumers of models, their pins, and the impact of a change."""
        from modelsteward.service.consumers import Consumers

        return Consumers(self)

    @property
    def lifecycle(self) -> Lifecycle:
        """Gates, promotion, approvals, aliases, rollback and monitoring under ``policy``."""
        from modelsteward.service.lifecycle import Lifecycle

        return Lifecycle(self, self.policy)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record(self, tx: Transaction, *events: NewEvent) -> list[Event]:
        """Append ``events`` to the hash-chained log inside the write transaction ``tx``, as
        this registry's actor at the clock's time. The building block every service writes its
        events with, so that a change and its event commit together."""
        return tx.append_events(self.actor, self.clock.now(), events)

    # models ---------------------------------------------------------------------------------

    def create_model(self, model: Model) -> Model:
        """Add ``model`` (owned by :attr:`default_team` when it names no team); raises
        :class:`ModelExists` if the name is taken."""
        model = self.owned(model)
        with self.store.write() as tx:
            self.create_model_in(tx, model)
        return model

    def owned(self, model: Model) -> Model:
        """``model`` with an owner team: its own, else :attr:`default_team`."""
        return model if model.owner_team else replace(model, owner_team=self.default_team)

    def transfer_model(self, name: str, team: str, reason: str) -> Model:
        """Give the model ``name`` to ``team`` (an administrator's decision: the caller
        checks), recording who, why and the previous team. Raises :class:`InvalidInput` for
        an empty team or reason and :class:`ModelNotFound`."""
        team = team.strip()
        if not team or len(team) > 200 or not team.isprintable():
            raise InvalidInput(f"The team {team!r} is not a team name; give 1–200 printable "
                               "characters, e.g. --team support.")
        if not reason.strip():
            raise InvalidInput("Say why the model changes owner with --reason.")
        with self.store.write() as tx:
            model = tx.get_model(name)
            if model is None:
                raise ModelNotFound(name)
            if model.owner_team == team:
                return model
            moved = replace(model, owner_team=team)
            tx.update_model(moved)
            self.record(tx, NewEvent(ev.MODEL_UPDATED, name, {
                **model_payload(moved), "owner_team_before": model.owner_team,
                "reason": reason.strip()}))
        return moved

    def create_model_in(self, tx: Transaction, model: Model) -> tuple[datetime, list[Event]]:
        """:meth:`create_model` inside the write transaction ``tx``; returns when the model
        was created (as stored) and the events recorded, so that a caller can answer with
        them without reading them back."""
        model = self.owned(model)
        if tx.get_model(model.name, include_deleted=True) is not None:
            raise ModelExists(model.name)  # a deleted model's name stays taken (tombstone)
        created = self.clock.now()
        tx.add_model(model, created)
        return created, self.record(tx, NewEvent(ev.MODEL_CREATED, model.name,
                                                 model_payload(model)))

    def get_model(self, name: str, include_deleted: bool = False) -> Model:
        with self.store.read() as tx:
            model = tx.get_model(name, include_deleted)
            if model is None:
                raise ModelNotFound(name)  # inside: the store adds the nearest names
        return model

    def list_models(self) -> list[Model]:
        with self.store.read() as tx:
            return _all_models(tx)

    # versions -------------------------------------------------------------------------------

    def register_version(
        self, model_name: str, version: str | None = None, *,
        change: ChangeKind | None = None, variant: str = "", path: Path | None = None,
        manifest: Manifest | None = None, force: bool = False, reason: str = "",
        description: str = "", status: str = "", metadata: Mapping[str, object] | None = None,
        metrics: Mapping[str, object] | None = None, derived_from: str = "",
        relation: Relation | None = None, location: str = "",
        authorize: Callable[[Model], None] | None = None,
    ) -> Version:
        """Register an immutable version of ``model_name``.

        For semantically versioned models the version is computed from the latest release and
        ``change`` when ``version`` is ``None``; an explicit ``version`` is checked against the
        bump rule of ``change`` and refused with :class:`BumpRuleViolation` unless ``force`` with a
        ``reason``. Hosted models take the provider's snapshot id as ``version``. The artefact at
        ``path`` is hashed (or ``manifest`` given, already hashed) before the transaction opens.
        Raises :class:`VersionExists` for a duplicate and :class:`InvalidInput` for bad values.
        ``authorize``, when given, is called with the model, read in the write transaction,
        before anything is written; it raises to refuse the registration.
        """
        if force and not reason.strip():
            raise InvalidInput("--force needs --reason: say why the versioning rule is overridden.")
        if path is not None:
            check_metadata(metadata or {})  # before hashing a large artefact
        if metrics:
            problems = validate_metrics(dict(metrics))
            if problems:
                raise DocumentInvalid("metrics", problems)
        parent = self._check_parent(derived_from, relation)
        if manifest is None and path is not None:
            manifest = hash_artifact(path, workers=self.workers)
        if manifest is not None and path is None:  # given whole: hashing a folder checks names
            problems = check_entries(manifest.files)
            if problems:
                raise DocumentInvalid(f"The files of the new version of {model_name}", problems)
        if path is not None and not location:
            location = str(path.resolve())
        with self.store.write() as tx:
            model = tx.get_model(model_name)
            if model is None:
                raise ModelNotFound(model_name)
            if authorize is not None:
                authorize(model)
            new, _ = self.register_recorded(
                tx, model_name, version, change=change, variant=variant, manifest=manifest,
                force=force, reason=reason, description=description, status=status,
                metadata=metadata, metrics=metrics, parent=parent, relation=relation,
                model=model)
            if location and manifest is not None:
                # where the weights were registered from: retirement archives them from there
                tx.add_location(model_name, str(new.id), "source", location, new.registered_at,
                                manifest.root_digest)
            return new

    def register_in(
        self, tx: Transaction, model_name: str, version: str | None, *,
        change: ChangeKind | None, variant: str, manifest: Manifest | None, force: bool,
        reason: str, description: str, status: str, metadata: Mapping[str, object] | None,
        metrics: Mapping[str, object] | None, parent: str, relation: Relation | None,
    ) -> Version:
        """:meth:`register_version` inside the write transaction ``tx`` (``parent`` and
        ``relation`` already checked)."""
        return self.register_recorded(
            tx, model_name, version, change=change, variant=variant, manifest=manifest,
            force=force, reason=reason, description=description, status=status,
            metadata=metadata, metrics=metrics, parent=parent, relation=relation)[0]

    def register_recorded(
        self, tx: Transaction, model_name: str, version: str | None, *,
        change: ChangeKind | None, variant: str, manifest: Manifest | None, force: bool,
        reason: str, description: str, status: str, metadata: Mapping[str, object] | None,
        metrics: Mapping[str, object] | None, parent: str, relation: Relation | None,
        model: Model | None = None,
    ) -> tuple[Version, list[Event]]:
        """:meth:`register_in`, also returning the events it recorded (their times answer
        "last updated" without reading them back). ``model``: the live model
        ``model_name`` when the caller has already read it in ``tx``."""
        if model is None:
            model = tx.get_model(model_name)
        if model is None:
            raise ModelNotFound(model_name)
        check_metadata(metadata or {})
        vid, explanation = self._next_id(tx, model, version, change, variant)
        validate_version_id(str(vid))
        forced = ""
        if explanation:
            if not force:
                raise BumpRuleViolation(model_name, str(vid), explanation)
            forced = reason.strip()
        if tx.get_version(model_name, str(vid), include_deleted=True) is not None:
            raise VersionExists(model_name, str(vid))  # a deleted version's number stays taken
        if parent and not parent.startswith("pkg:"):
            self.require_version(tx, parent)
        new = Version(
            model=model_name, id=vid, registered_at=self.clock.now(),
            registered_by=self.actor, digest=manifest.root_digest if manifest else "",
            files=manifest.files if manifest else (), change=change, forced_reason=forced,
            description=description, status=status, metadata=dict(metadata or {}),
            metrics=dict(metrics or {}))
        tx.add_version(new)
        if not parent and change in _VARIANT_RELATIONS and isinstance(vid, ModelVersion):
            parent, relation = f"{model_name}@{vid.base}", _VARIANT_RELATIONS[change]
        recorded = [NewEvent(ev.VERSION_REGISTERED, new.ref, version_payload(new))]
        if parent and relation is not None:
            tx.add_derivation(Derivation(new.ref, parent, relation))
            recorded.append(NewEvent(ev.VERSION_DERIVED, new.ref,
                                     {"parent": parent, "relation": relation.value}))
        return new, self.record(tx, *recorded)

    def _check_parent(self, derived_from: str, relation: Relation | None) -> str:
        if not derived_from:
            if relation is not None:
                raise InvalidInput("--relation needs --derived-from: name the parent version.")
            return ""
        if relation is None:
            raise InvalidInput(
                "--derived-from needs --relation (finetune, adapter, merge, quantized, distilled "
                "or export).")
        if derived_from.startswith("pkg:"):
            return validate_purl(derived_from)
        split_ref(derived_from)
        return derived_from

    def require_version(self, tx: Transaction, ref: str) -> Version:
        """The version ``ref`` (``MODEL@VERSION``) read in ``tx``; raises
        :class:`ModelNotFound` or :class:`VersionNotFound`."""
        model, version = split_ref(ref)
        if tx.get_model(model) is None:
            raise ModelNotFound(model)
        found = tx.get_version(model, version)
        if found is None:
            raise VersionNotFound(model, version)
        return found

    def _next_id(self, tx: Transaction, model: Model, version: str | None,
                 change: ChangeKind | None, variant: str) -> tuple[VersionId, str]:
        """The id of the version to register and, if it contradicts the rules, why."""
        if model.uses_snapshots:
            if change is not None or variant:
                raise InvalidInput(
                    f"{model.name} is a provider model whose versions are the provider's "
                    "snapshot ids; --change and --variant do not apply to it.")
            if not version:
                raise InvalidInput(
                    f"{model.name} is a provider model: give the provider's snapshot id as the "
                    f"version, e.g. `steward version register {model.name} "
                    f"{model.provider_model or 'model-20250101'}`.")
            return Snapshot.parse(version), ""
        latest = tx.latest_release(model.name)
        latest_id = latest.id if latest and isinstance(latest.id, ModelVersion) else None
        if version is None:
            if change is None:
                raise InvalidInput(
                    "Say what changed with --change (architecture, retrain, config, prompt, "
                    "quantisation, distillation, export) or give the version explicitly.")
            return next_version(latest_id, change, variant), ""
        new = ModelVersion.parse(version)
        if variant:
            new = new.with_variant(variant)
        if change is None:
            if latest_id is None:
                return new, ""
            return new, (f"the model already has versions, so say what changed with --change "
                         f"to check {new} against the versioning rules.")
        if change.level is Level.VARIANT:
            base = new.base
            if new.variant and tx.get_version(model.name, str(base)) is None:
                raise VersionNotFound(model.name, str(base))
            return new, check_bump(base, new, change) or ""
        probe = Version(model.name, new, self.clock.now(), self.actor)
        predecessor = tx.predecessor(model.name, probe)
        previous = (predecessor.id if predecessor and isinstance(predecessor.id, ModelVersion)
                    else None)
        return new, check_bump(previous, new, change) or ""

    def get_version(self, model: str, version: str, include_deleted: bool = False) -> Version:
        with self.store.read() as tx:
            if include_deleted and tx.get_model(model, include_deleted=True) is not None:
                found = tx.get_version(model, version, include_deleted=True)
                if found is not None:
                    return found
            return self.require_version(tx, f"{model}@{version}")

    def list_versions(self, model: str, include_deleted: bool = False) -> list[Version]:
        with self.store.read() as tx:
            if tx.get_model(model, include_deleted) is None:
                raise ModelNotFound(model)
            return tx.list_versions(model, include_deleted)

    def is_deleted(self, model: str, version: str = "") -> bool:
        with self.store.read() as tx:
            return tx.is_deleted(model, version)

    # resolution -----------------------------------------------------------------------------

    def parse_pin(self, model: Model, pin: str) -> Pin:
        return parse_snapshot_pin(pin) if model.uses_snapshots else parse_version_pin(pin)

    def resolve(self, model_name: str, pin: str, *, candidates: bool = False) -> Version:
        """The best eligible version of ``model_name`` that ``pin`` accepts: the highest
        matching semantic version, or the newest matching snapshot (see :meth:`resolution`).
        Raises :class:`NoMatchingVersion`."""
        return self.resolution(model_name, pin, candidates=candidates).version

    def resolution(self, model_name: str, pin: str, *, candidates: bool = False) -> Resolution:
        """:meth:`resolve` with what the policy and a deprecation plan say about the result.

        A non-strict pin chooses only versions the policy's eligibility rule admits
        (:mod:`modelsteward.domain.eligibility`; ``candidates`` also admits versions that have
        not reached its minimum stage). A strict pin gives exactly its version, with
        :attr:`Resolution.ineligible` saying why it is not eligible when it is not. A plan
        warns once announced (louder after the soft deadline); from the hard deadline the
        version no longer resolves (the next best does) — or, when the plan redirects, resolves
        to its replacement, before and after the version is retired. When nothing resolves,
        raises :class:`PinNoLongerResolves` naming the version the pin would have given, what
        happened to it, when, why and its replacement; else :class:`NoMatchingVersion`."""
        with self.store.read() as tx:
            model = tx.get_model(model_name)
            if model is None:
                raise ModelNotFound(model_name)
            parsed = self.parse_pin(model, pin)
            found = self.resolve_in(tx, model, parsed, candidates=candidates)
            if found is None:
                why = self.unresolvable_in(tx, model, parsed, candidates=candidates)
                if why is not None:
                    raise PinNoLongerResolves(model_name, pin, why)
        if found is None:
            raise NoMatchingVersion(model_name, pin)
        return found

    def resolve_in(self, tx: Transaction, model: Model, pin: Pin, redirects: int = 3, *,
                   candidates: bool = False) -> Resolution | None:
        """The resolution of ``pin`` inside an open transaction (see :meth:`resolution`);
        ``None`` when nothing resolves."""
        today = self.clock.now().date()
        rule = self.policy.eligibility
        strict = pin.level is PinLevel.STRICT
        plans = [(plan, self.plan_pin(model, plan)) for plan in reversed(tx.plans(model.name))]
        # retired versions stay in view: their plan may redirect them to the replacement
        stages = _ALL_BUT_REJECTED if strict else (*rule.admitted(candidates), Stage.RETIRED)
        for candidate in _candidates(tx, model.name, pin, stages, unblocked=not strict):
            if not pin.matches(candidate.id):  # type: ignore[arg-type]  # same scheme
                continue
            plan = next((p for p, parsed in plans if covers(p, parsed, str(candidate.id))), None)
            if candidate.stage is Stage.RETIRED or (
                    plan is not None and plan.phase(today) is Phase.RETIRED):
                moved = self._redirect(tx, candidate, plan, today, redirects, candidates)
                if moved is not None:
                    return moved
                if plan is not None and candidate.stage is not Stage.RETIRED and \
                        _holds_production(tx, candidate):
                    # overdue: retirement waits until production has moved; until then the
                    # version serves, loudly
                    instead = f" Use {plan.replacement} instead." if plan.replacement else ""
                    return Resolution(candidate, f"OVERDUE: {candidate.ref} passed its hard "
                                      f"deadline ({plan.hard_deadline}, {plan.reason.value}) but "
                                      "still holds production, so it retires once a replacement "
                                      f"is promoted.{instead}", plan,
                                      ineligible=self.ineligible_in(tx, candidate) if strict
                                      else "")
                continue
            if (not strict and candidate.stage is Stage.DEPRECATED and rule.deprecation_matters
                    and not rule.deprecated_ok(deprecated_from(tx, candidate.ref), candidates)):
                continue
            ineligible = self.ineligible_in(tx, candidate) if strict else ""
            if plan is None:
                inherited = self.inherited_plan(tx, candidate.ref, today)
                if inherited is None:
                    return Resolution(candidate, ineligible=ineligible)
                ancestor, cause = inherited
                return Resolution(candidate, f"inherited from {ancestor}, which {candidate.ref} "
                                             f"derives from: {cause.warning(today)}",
                                  inherited_from=ancestor, ineligible=ineligible)
            return Resolution(candidate, plan.warning(today), plan, ineligible=ineligible)
        return None

    def _redirect(self, tx: Transaction, candidate: Version, plan: DeprecationPlan | None,
                  today: date, redirects: int, candidates: bool) -> Resolution | None:
        """Where a version past its hard deadline (or retired) resolves when its plan
        redirects: the replacement's resolution, stating the redirect; else ``None``."""
        if plan is None or not plan.redirect or not plan.replacement or redirects <= 0:
            return None
        target_model, _, target_pin = plan.replacement.partition("@")
        replacement = tx.get_model(target_model)
        if replacement is None:
            return None
        moved = self.resolve_in(tx, replacement, self.parse_pin(replacement, target_pin),
                                redirects - 1, candidates=candidates)
        if moved is None or moved.ineligible:
            return None  # a redirect never leads to a version the policy does not allow
        return Resolution(moved.version, plan.warning(today), plan,
                          redirected_from=candidate.ref, ineligible=moved.ineligible)

    def unresolvable_in(self, tx: Transaction, model: Model, pin: Pin, *,
                        candidates: bool = False) -> Unresolvable | None:
        """Why ``pin`` resolves to nothing although versions match it: the best of them and
        what became of it — retired (or past its hard deadline), deleted, rejected, or not
        eligible — with the date, the reason and the replacement a plan or deletion named.
        ``None`` when no version, in any state, matches."""
        today = self.clock.now().date()
        plans = [(plan, self.plan_pin(model, plan)) for plan in reversed(tx.plans(model.name))]
        for checked, candidate in enumerate(_candidates(tx, model.name, pin, tuple(Stage),
                                                        include_deleted=True)):
            if checked >= _EXPLAINED:
                break
            if not pin.matches(candidate.id):  # type: ignore[arg-type]  # same scheme
                continue
            vid = str(candidate.id)
            plan = next((p for p, parsed in plans if covers(p, parsed, vid)), None)
            history = {e.kind: e for e in tx.events(subject_prefix=candidate.ref)
                       if e.subject == candidate.ref}
            if tx.is_deleted(model.name, vid):
                event = history.get(ev.VERSION_DELETED)
                payload = event.payload if event else {}
                return Unresolvable(candidate.ref, "deleted", _day(event),
                                    str(payload.get("reason") or "no reason recorded"),
                                    str(payload.get("replacement") or ""))
            if candidate.stage is Stage.RETIRED or (
                    plan is not None and plan.phase(today) is Phase.RETIRED):
                event = history.get(ev.VERSION_RETIRED)
                since = _day(event) or (plan.hard_deadline.isoformat() if plan else "")
                if plan is not None:
                    reason = (f"{plan.reason.value}: hard deadline {plan.hard_deadline} of its "
                              "deprecation plan")
                else:
                    reason = str((event.payload if event else {}).get("reason") or
                                 "no reason recorded")
                return Unresolvable(candidate.ref, "retired", since, reason,
                                    plan.replacement if plan else "")
            if candidate.stage is Stage.REJECTED:
                event = history.get(ev.VERSION_REJECTED)
                return Unresolvable(candidate.ref, "rejected", _day(event),
                                    str((event.payload if event else {}).get("reason") or
                                        "no reason recorded"))
            why = self.ineligible_in(tx, candidate, candidates=candidates)
            if why:
                return Unresolvable(candidate.ref, "ineligible", "", why)
        return None

    def ineligible_in(self, tx: Transaction, version: Version, *,
                      candidates: bool = False) -> str:
        """Why ``version`` may not be chosen for an application under the policy's
        eligibility rule (``candidates``: versions below its minimum stage admitted), as
        :meth:`EligibilityRule.why_not` says it; ``""`` when it may."""
        return self.why_not_in(tx, version.ref, version.stage, version.blocked_reason,
                               candidates=candidates)

    def why_not_in(self, tx: Transaction, ref: str, stage: Stage, blocked_reason: str, *,
                   candidates: bool = False) -> str:
        """:meth:`ineligible_in` for the version ``ref`` known only by its stage and blocked
        reason (the deprecation event is read only when the rule needs it)."""
        rule = self.policy.eligibility
        return rule.why_not(stage, blocked_reason,
                            deprecated_from=deprecated_from(tx, ref)
                            if stage is Stage.DEPRECATED and rule.deprecation_matters else None,
                            candidates=candidates)

    def inherited_plan(self, tx: Transaction, ref: str,
                       today: date) -> tuple[str, DeprecationPlan] | None:
        """The nearest ancestor of ``ref`` (through lineage, transitively) under a deprecation
        plan that is announced or later, with that plan."""
        seen = {ref}
        frontier = [ref]
        upstream: list[DeprecationPlan] | None = None
        while frontier:
            following = []
            for current in frontier:
                for derivation in tx.parents(current):
                    parent = derivation.parent
                    if parent in seen:
                        continue
                    if parent.startswith("pkg:"):
                        seen.add(parent)
                        upstream = tx.upstream_plans() if upstream is None else upstream
                        hit = next((p for p in reversed(upstream) if p.covers_purl(parent)
                                    and p.phase(today) is not Phase.ACTIVE), None)
                        if hit is not None:
                            return parent, hit
                        continue
                    seen.add(parent)
                    following.append(parent)
                    found = self.own_plan(tx, parent, today)
                    if found is not None:
                        return parent, found
            frontier = following
        return None

    def own_plan(self, tx: Transaction, ref: str, today: date) -> DeprecationPlan | None:
        """The deprecation plan covering ``ref`` itself (not inherited), read in ``tx``."""
        model_name, _, version = ref.partition("@")
        model = tx.get_model(model_name)
        if model is None:
            return None
        for plan in reversed(tx.plans(model_name)):
            if covers(plan, self.plan_pin(model, plan), version) and \
                    plan.phase(today) is not Phase.ACTIVE:
                return plan
        return None

    def plan_pin(self, model: Model, plan: DeprecationPlan) -> Pin | None:
        """The pin a plan's target stands for on ``model``, or ``None`` for an exact version
        that is not a pin."""
        try:
            return self.parse_pin(model, plan.target)
        except InvalidInput:
            return None

    # provenance -----------------------------------------------------------------------------

    def attest(self, ref: str, statement: object, metrics: object | None = None) -> None:
        """Attach a training attestation (in-toto Statement v1, SLSA Provenance v1) and its
        metrics to a version. Raises :class:`DocumentInvalid` for a malformed statement or metrics
        and :class:`AttestationMismatch` when no subject digest equals the version's root digest."""
        attestation, problems = parse_attestation(statement)
        if metrics is not None:
            problems += validate_metrics(metrics)
        if attestation is None or problems:
            raise DocumentInvalid("attestation", problems)
        with self.store.write() as tx:
            version = self.require_version(tx, ref)
            if not version.digest:
                raise InvalidInput(
                    f"{ref} has no artefact digest, so an attestation cannot be checked against "
                    "it. Register the version with --path.")
            if version.digest not in attestation.subject_digests:
                raise AttestationMismatch(version.model, str(version.id), version.digest,
                                          ", ".join(attestation.subject_digests))
            metric_values = dict(metrics) if isinstance(metrics, Mapping) else {}
            tx.add_attestation(version.model, str(version.id), attestation.statement,
                               metric_values, self.clock.now(), self.actor)
            self.record(tx, NewEvent(ev.VERSION_ATTESTED, version.ref, {
                "builder": attestation.builder_id, "build_type": attestation.build_type,
                "metrics": sorted(metric_values)}))

    def attestations(self, ref: str) -> list[dict[str, object]]:
        model, version = split_ref(ref)
        with self.store.read() as tx:
            self.require_version(tx, ref)
            return tx.attestations(model, version)

    # lineage --------------------------------------------------------------------------------

    def lineage(self, ref: str) -> Lineage:
        """Ancestors and descendants of ``model@version`` (or of every version of ``model``),
        transitively, each with its depth."""
        model, version = split_ref(ref, version_required=False)
        with self.store.read() as tx:
            if tx.get_model(model) is None:
                raise ModelNotFound(model)
            roots = ([self.require_version(tx, ref).ref] if version
                     else [v.ref for v in tx.list_versions(model)])
            ancestors = walk_lineage(roots, tx.parents, lambda d: d.parent)
            descendants = walk_lineage(roots, tx.children, lambda d: d.child)
        return Lineage(ref, tuple(ancestors), tuple(descendants))

    # integrity ------------------------------------------------------------------------------

    def verify(self, ref: str, path: Path, *,
               progress: Callable[[int], None] | None = None) -> VerifyResult:
        """Hash ``path`` and compare it with the registered files of ``ref``."""
        self._verifiable(ref)
        return self.compare(ref, hash_artifact(path, workers=self.workers, progress=progress))

    def compare(self, ref: str, manifest: Manifest) -> VerifyResult:
        """Compare an already computed manifest with the registered files of ``ref``."""
        version = self._verifiable(ref)
        return VerifyResult(version, manifest, compare_manifest(version.files, manifest))

    def _verifiable(self, ref: str) -> Version:
        version = self.get_version(*split_ref(ref))
        if not version.digest:
            raise InvalidInput(f"{ref} was registered without an artefact; there is nothing to "
                               "verify against.")
        return version

    # history --------------------------------------------------------------------------------

    def log(self, model: str = "", *, after_seq: int = 0, limit: int | None = None) -> list[Event]:
        with self.store.read() as tx:
            if model and tx.get_model(model, include_deleted=True) is None:
                raise ModelNotFound(model)
            return tx.events(subject_prefix=model, after_seq=after_seq, limit=limit)

    def log_tail(self, model: str = "", *, limit: int, before_seq: int = 0) -> list[Event]:
        """The newest ``limit`` events (of ``model``), before ``before_seq`` when given, oldest
        first."""
        with self.store.read() as tx:
            if model and tx.get_model(model, include_deleted=True) is None:
                raise ModelNotFound(model)
            return tx.events_before(subject_prefix=model, before_seq=before_seq, limit=limit)

    def verify_log(self) -> tuple[int, ChainBreak | None]:
        """Check the whole event chain; return the number of events and the first break."""
        report = self.verify_history(state=False)
        return report.events, report.broken

    def verify_history(self, *, state: bool = True, checkpoint: Checkpoint | None = None,
                       trusted: Ed25519PublicKey | None = None) -> HistoryReport:
        """Check the hash chain against the chain-head record, ``checkpoint`` (signed by
        ``trusted`` when given) and, with ``state``, the tables against the state the events
        determine. Reads events in batches in one consistent snapshot."""
        replay = Replay() if state else None
        with self.store.snapshot() as tx:
            head_seq, head_hash = tx.chain_head()
            walk, problem = check_events(
                batches(lambda after, size: tx.events(after_seq=after, limit=size)),
                checkpoint=checkpoint, trusted=trusted, replay=replay)
            broken = walk.broken
            if broken is None and walk.count and (walk.last_seq, walk.last_hash) != (
                    head_seq, head_hash):
                last = walk.last_seq
                broken = (ChainBreak(last + 1, "it is missing: the chain head records "
                                               f"{head_seq} events")
                          if head_seq > last else
                          ChainBreak(last, "the chain head does not match the last event"))
            if broken is None and not walk.count and head_seq:
                broken = ChainBreak(1, "events are missing: the chain head records "
                                       f"{head_seq} events")
            found = (tuple(differences(replay, tx.table_state()))
                     if replay is not None and broken is None else None)
        return HistoryReport(walk.count, walk.last_seq, walk.last_hash, broken, checkpoint,
                             problem, found)


def deprecated_from(tx: Transaction, ref: str) -> Stage | None:
    """The stage ``ref`` was at when it was deprecated (its latest deprecation event), or
    ``None`` when no event says."""
    found: Stage | None = None
    for event in tx.events(subject_prefix=ref):
        if event.subject == ref and event.kind == ev.VERSION_DEPRECATED:
            try:
                found = Stage(str(event.payload.get("from")))
            except ValueError:
                found = None
    return found


def _holds_production(tx: Transaction, version: Version) -> bool:
    return any(a.version == str(version.id) for a in tx.current_aliases(version.model,
                                                                         PRODUCTION_ALIAS))


def _day(event: Event | None) -> str:
    return event.time[:10] if event is not None else ""


def _candidates(tx: Transaction, model: str, pin: Pin,
                stages: Collection[Stage] | None = None, *, unblocked: bool = False,
                include_deleted: bool = False) -> Iterator[Version]:
    if isinstance(pin, SnapshotPin):
        return tx.candidates(model, _NO_BOUNDS, "", True, stages=stages, unblocked=unblocked,
                             include_deleted=include_deleted)
    return tx.candidates(model, pin.bounds(), pin.variant, pin.allows_prerelease,
                         stages=stages, unblocked=unblocked, include_deleted=include_deleted)


def _all_models(tx: Transaction) -> list[Model]:
    found: list[Model] = []
    after = ""
    while True:
        page = tx.list_models(after=after, limit=500)
        found.extend(page)
        if len(page) < 500:
            return found
        after = page[-1].name


def model_payload(model: Model) -> dict[str, object]:
    return {
        "kind": model.kind.value, "versioning": str(model.versioning),
        "description": model.description, "purpose": model.purpose,
        "owner_team": model.owner_team, "owner_contact": model.owner_contact,
        "provider": model.provider, "provider_model": model.provider_model,
        "risk_tier": model.risk_tier.value, "license": model.license, "tags": list(model.tags),
        "support_months": model.support.active_months, "support_after": model.support.afterwards,
        "extra": dict(model.extra),
    }


def version_payload(version: Version) -> dict[str, object]:
    return {
        "version": str(version.id), "digest": version.digest, "files": len(version.files),
        "change": version.change.value if version.change else None,
        "forced_reason": version.forced_reason, "status": version.status,
        "metrics": dict(version.metrics), "metadata": dict(version.metadata),
    }

