"""The composition root: :class:`Registry` wires the services over one store.

:class:`Registry` is the library's entry point (``Registry.open(url)``); the CLI and the API are
thin layers over it. It builds the :class:`~modelsteward.service.context.Context`, the
:class:`~modelsteward.service.resolution.Resolver` and each service once, hands each only the
collaborators it uses, and answers its own methods by delegating to them. Each use case is one
unit of work: it writes everything, with its events, or nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from modelsteward.config import Settings
from modelsteward.domain.checkpoint import Checkpoint
from modelsteward.domain.deprecation import DeprecationPlan
from modelsteward.domain.events import ChainBreak, Event, NewEvent
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.lineage import Relation
from modelsteward.domain.model import DEFAULT_TEAM, Model, Version
from modelsteward.domain.names import validate_label
from modelsteward.domain.pins import (
    Pin,
)
from modelsteward.domain.policy import Policy
from modelsteward.domain.requirements import Requirements
from modelsteward.domain.versioning import (
    ChangeKind,
)
from modelsteward.errors import (
    Unresolvable,
)
from modelsteward.integrity.manifest import Manifest
from modelsteward.ports import Clock, Store, SystemClock, Transaction
from modelsteward.results import HistoryReport, Lineage, Resolution, VerifyResult
from modelsteward.service.catalog import Catalog
from modelsteward.service.context import Context
from modelsteward.service.resolution import Resolver

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from modelsteward.domain.subscriptions import Channel
    from modelsteward.notify.settings import NotifySettings
    from modelsteward.ports import Notifier
    from modelsteward.service.advisories import Advisories
    from modelsteward.service.audit import Audits
    from modelsteward.service.cards import Cards
    from modelsteward.service.compliance import Compliance
    from modelsteward.service.consumers import Consumers
    from modelsteward.service.deletion import Deletions
    from modelsteward.service.deprecations import Deprecations
    from modelsteward.service.experiments import Experiments
    from modelsteward.service.exports import Exports
    from modelsteward.service.history import History
    from modelsteward.service.lifecycle import Lifecycle
    from modelsteward.service.locking import Locking
    from modelsteward.service.mlflow_compat import MlflowRegistry
    from modelsteward.service.notifications import Notifications
    from modelsteward.service.osv_queries import OsvQueries
    from modelsteward.service.pipelines import Pipelines
    from modelsteward.service.providers import Providers
    from modelsteward.service.registration import Registrar
    from modelsteward.service.registry_file import RegistryFiles
    from modelsteward.service.retirement import Retirements
    from modelsteward.service.tokens import Tokens

class Registry:
    """The model registry over a :class:`~modelsteward.ports.Store` (SQL or in memory).

    Services (built on first access, then the same object on every access): ``resolver``,
    ``catalog``, ``registrar``, ``history``, ``lifecycle``, ``retirements``, ``deprecations``,
    ``consumers``, ``deletions``, ``providers``, ``advisories``, ``osv``, ``locking``,
    ``audits``, ``tokens``, ``registry_files``, ``experiments``, ``pipelines``, ``cards``,
    ``exports``, ``compliance``;
    :meth:`mlflow` and :meth:`notifications` build the two that take options. Setting
    :attr:`actor` or :attr:`policy` changes the context they share."""

    def __init__(self, store: Store, *, actor: str, clock: Clock | None = None,
                 workers: int | None = None, policy: Policy | None = None,
                 default_team: str = DEFAULT_TEAM) -> None:
        self.store = store
        self.context = Context(store, validate_label(actor, "The actor"), clock or SystemClock(),
                               policy or Policy(), default_team, workers)

    # Each service is built on first use, once, over the one shared context: a registry made
    # per request (the HTTP server's) pays only for the services the request uses.

    @cached_property
    def resolver(self) -> Resolver:
        return Resolver(self.context)

    @cached_property
    def catalog(self) -> Catalog:
        return Catalog(self.context, self.resolver)

    @cached_property
    def registrar(self) -> Registrar:
        from modelsteward.service.registration import Registrar

        return Registrar(self.context, self.resolver)

    @cached_property
    def history(self) -> History:
        from modelsteward.service.history import History

        return History(self.context)

    @cached_property
    def lifecycle(self) -> Lifecycle:
        """Gates, promotion, approvals, aliases, rollback and monitoring under ``policy``."""
        from modelsteward.service.lifecycle import Lifecycle

        return Lifecycle(self.context, self.resolver, self.catalog)

    @cached_property
    def retirements(self) -> Retirements:
        """Retirement with archived, verified weights, reports and restore."""
        from modelsteward.service.retirement import Retirements

        return Retirements(self.context, self.resolver)

    @cached_property
    def deprecations(self) -> Deprecations:
        """Deprecation plans, their phases, notices and retirement at the hard deadline."""
        from modelsteward.service.deprecations import Deprecations

        return Deprecations(self.context, self.resolver, self.lifecycle, self.retirements)

    @cached_property
    def consumers(self) -> Consumers:
        """Consumers of models, their pins, and the impact of a change."""
        from modelsteward.service.consumers import Consumers

        return Consumers(self.context, self.resolver)

    @cached_property
    def deletions(self) -> Deletions:
        """Deletion with migration of consumer pins, leaving tombstones."""
        from modelsteward.service.deletion import Deletions

        return Deletions(self.context, self.resolver)

    @cached_property
    def providers(self) -> Providers:
        """Provider shutdown schedules turned into deprecation plans."""
        from modelsteward.service.providers import Providers

        return Providers(self.context, self.catalog, self.deprecations, self.consumers)

    @cached_property
    def advisories(self) -> Advisories:
        """Advisories (OSV records) about models: publish, withdraw, export, match."""
        from modelsteward.service.advisories import Advisories

        return Advisories(self.context, self.resolver)

    @cached_property
    def exports(self) -> Exports:
        """A version as a Hugging Face card, a CycloneDX ML-BOM or an SPDX AI document; the
        import of a Hugging Face card."""
        from modelsteward.service.exports import Exports

        return Exports(self.context, self.resolver, self.catalog, self.advisories)

    @cached_property
    def experiments(self) -> Experiments:
        """A/B/n experiments and canaries: start, route, outcomes, analysis, decision."""
        from modelsteward.service.experiments import Experiments

        return Experiments(self.context, self.resolver, self.lifecycle)

    @cached_property
    def pipelines(self) -> Pipelines:
        """Fine-tuning pipelines: import, retrain triggers, runs recorded step by step."""
        from modelsteward.service.pipelines import Pipelines

        return Pipelines(self.context)

    @cached_property
    def cards(self) -> Cards:
        """Living model cards: rebuilt from the history at any time, edited by section."""
        from modelsteward.service.cards import Cards

        return Cards(self.context, self.resolver)

    @cached_property
    def compliance(self) -> Compliance:
        """Factor 15's compliance checklist, evidence packs and drift notices."""
        from modelsteward.service.compliance import Compliance

        return Compliance(self.context)

    @cached_property
    def osv(self) -> OsvQueries:
        from modelsteward.service.osv_queries import OsvQueries

        return OsvQueries(self.context)

    @cached_property
    def locking(self) -> Locking:
        """Lock files for applications: lock, upgrade, outdated, verify."""
        from modelsteward.service.locking import Locking
        from modelsteward.store.engine import safe_url

        return Locking(self.context, self.resolver, location=safe_url(self.store.url))

    @cached_property
    def audits(self) -> Audits:
        """The audit of a lock: advisories, deprecations, retirements, overrides, digests."""
        from modelsteward.service.audit import Audits

        return Audits(self.context, self.resolver, self.locking)

    @cached_property
    def tokens(self) -> Tokens:
        """API tokens for the server: create, list, revoke, authenticate."""
        from modelsteward.service.tokens import Tokens

        return Tokens(self.context)

    @cached_property
    def registry_files(self) -> RegistryFiles:
        from modelsteward.service.registry_file import RegistryFiles

        return RegistryFiles(self.context, self.resolver, self.catalog, self.registrar,
                             self.lifecycle)

    @cached_property
    def _mlflow(self) -> MlflowRegistry:
        return self._new_mlflow(None)

    def _new_mlflow(self, authorize: Callable[[Model], None] | None) -> MlflowRegistry:
        from modelsteward.service.mlflow_compat import MlflowRegistry

        return MlflowRegistry(self.context, self.catalog, self.registrar, self.lifecycle,
                              self.deletions, authorize)

    @property
    def actor(self) -> str:
        """Who acts: recorded in every event."""
        return self.context.actor

    @actor.setter
    def actor(self, actor: str) -> None:
        self.context.actor = validate_label(actor, "The actor")

    @property
    def clock(self) -> Clock:
        return self.context.clock

    @property
    def policy(self) -> Policy:
        return self.context.policy

    @policy.setter
    def policy(self, policy: Policy) -> None:
        self.context.policy = policy

    @property
    def workers(self) -> int | None:
        return self.context.workers

    @property
    def default_team(self) -> str:
        """The owner team of a model made without one."""
        return self.context.default_team

    @classmethod
    def open(cls, url: str | None = None, *, actor: str | None = None,
             clock: Clock | None = None, settings: Settings | None = None,
             policy: Policy | None = None) -> Registry:
        """Open (and migrate if needed) the registry at ``url``, default from ``STEWARD_*``
        settings, under ``policy`` (default: the documented default policy). Raises
        :class:`~modelsteward.errors.StorageError` when the database cannot be reached."""
        from modelsteward.store.opening import open_store

        settings = settings or Settings.from_env()
        store = open_store(url or settings.database_url)
        return cls(store, actor=actor or settings.actor, clock=clock,
                   workers=settings.workers, policy=policy, default_team=settings.default_team)

    def mlflow(self, authorize: Callable[[Model], None] | None = None) -> MlflowRegistry:
        """The MLflow Model Registry operations, with the API's permission check
        ``authorize`` when given (see :class:`MlflowRegistry`)."""
        return self._mlflow if authorize is None else self._new_mlflow(authorize)

    def notifications(self, settings: NotifySettings | None = None, *,
                      notifiers: Mapping[Channel, Notifier] | None = None) -> Notifications:
        """The notification outbox and its delivery worker under ``settings`` (see
        :class:`Notifications`; a context manager that stops the worker)."""
        from modelsteward.notify.dispatcher import Dispatcher
        from modelsteward.service.notifications import Notifications

        def dispatcher(checked: NotifySettings) -> Dispatcher:
            return Dispatcher(self.store, clock=self.clock, settings=checked, notifiers=notifiers)

        return Notifications(self.context, self.deprecations, dispatcher, settings)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record(self, tx: Transaction, *events: NewEvent) -> list[Event]:
        """Append ``events`` to the hash-chained log inside the write transaction ``tx`` (see
        :meth:`Context.record`)."""
        return self.context.record(tx, *events)

    # models ---------------------------------------------------------------------------------

    def create_model(self, model: Model) -> Model:
        """Add ``model`` (owned by :attr:`default_team` when it names no team); raises
        :class:`ModelExists` if the name is taken."""
        return self.catalog.create_model(model)

    def owned(self, model: Model) -> Model:
        """``model`` with an owner team: its own, else :attr:`default_team`."""
        return self.catalog.owned(model)

    def transfer_model(self, name: str, team: str, reason: str) -> Model:
        """See :meth:`Catalog.transfer_model`."""
        return self.catalog.transfer_model(name, team, reason)

    def create_model_in(self, tx: Transaction, model: Model) -> tuple[datetime, list[Event]]:
        """See :meth:`Catalog.create_model_in`."""
        return self.catalog.create_model_in(tx, model)

    def get_model(self, name: str, include_deleted: bool = False) -> Model:
        return self.catalog.get_model(name, include_deleted)

    def list_models(self) -> list[Model]:
        return self.catalog.list_models()

    # versions -------------------------------------------------------------------------------

    def register_version(
        self, model_name: str, version: str | None = None, *,
        change: ChangeKind | None = None, variant: str = "", path: Path | None = None,
        manifest: Manifest | None = None, force: bool = False, reason: str = "",
        description: str = "", status: str = "", metadata: Mapping[str, object] | None = None,
        metrics: Mapping[str, object] | None = None, derived_from: str = "",
        relation: Relation | None = None, location: str = "",
        authorize: Callable[[Model], None] | None = None,
        requirements: Requirements | None = None,
    ) -> Version:
        """Register an immutable version of ``model_name``.

        For semantically versioned models the version is computed from the latest release and
        ``change`` when ``version`` is ``None``; an explicit ``version`` is checked against the
        bump rule of ``change`` and refused with :class:`BumpRuleViolation` unless ``force`` with a
        ``reason``. Hosted models take the provider's snapshot id as ``version``. The artefact at
        ``path`` is hashed (or ``manifest`` given, already hashed) before the transaction opens.
        Raises :class:`VersionExists` for a duplicate and :class:`InvalidInput` for bad values.
        ``authorize``, when given, is called with the model, read in the write transaction,
        before anything is written; it raises to refuse the registration. ``requirements``
        (what the version was tested with) are recorded in the same transaction.
        """
        from modelsteward.service.registration import Registration

        return self.registrar.register(Registration(
            model_name, version, change, variant, manifest, force, reason, description, status,
            metadata, metrics, derived_from, relation, requirements), path=path,
            location=location, authorize=authorize)

    def register_in(
        self, tx: Transaction, model_name: str, version: str | None, *,
        change: ChangeKind | None, variant: str, manifest: Manifest | None, force: bool,
        reason: str, description: str, status: str, metadata: Mapping[str, object] | None,
        metrics: Mapping[str, object] | None, parent: str, relation: Relation | None,
    ) -> Version:
        """:meth:`register_version` inside the write transaction ``tx`` (``parent`` and
        ``relation`` already checked)."""
        from modelsteward.service.registration import Registration

        return self.registrar.register_recorded(tx, Registration(
            model_name, version, change, variant, manifest, force, reason, description, status,
            metadata, metrics, parent, relation))[0]

    def register_recorded(
        self, tx: Transaction, model_name: str, version: str | None, *,
        change: ChangeKind | None, variant: str, manifest: Manifest | None, force: bool,
        reason: str, description: str, status: str, metadata: Mapping[str, object] | None,
        metrics: Mapping[str, object] | None, parent: str, relation: Relation | None,
        model: Model | None = None,
    ) -> tuple[Version, list[Event]]:
        """:meth:`register_in`, also returning the events it recorded (see
        :meth:`Registrar.register_recorded`)."""
        from modelsteward.service.registration import Registration

        return self.registrar.register_recorded(tx, Registration(
            model_name, version, change, variant, manifest, force, reason, description, status,
            metadata, metrics, parent, relation), model=model)

    def get_version(self, model: str, version: str, include_deleted: bool = False) -> Version:
        return self.catalog.get_version(model, version, include_deleted)

    def list_versions(self, model: str, include_deleted: bool = False) -> list[Version]:
        return self.catalog.list_versions(model, include_deleted)

    def is_deleted(self, model: str, version: str = "") -> bool:
        return self.catalog.is_deleted(model, version)

    # resolution -----------------------------------------------------------------------------

    def resolve(self, model_name: str, pin: str, *, candidates: bool = False) -> Version:
        """The best eligible version of ``model_name`` that ``pin`` accepts: the highest
        matching semantic version, or the newest matching snapshot (see :meth:`resolution`).
        Raises :class:`NoMatchingVersion`."""
        return self.resolution(model_name, pin, candidates=candidates).version

    def resolution(self, model_name: str, pin: str, *, candidates: bool = False) -> Resolution:
        """See :meth:`Resolver.resolution`."""
        return self.resolver.resolution(model_name, pin, candidates=candidates)

    def parse_pin(self, model: Model, pin: str) -> Pin:
        return self.resolver.parse_pin(model, pin)

    def plan_pin(self, model: Model, plan: DeprecationPlan) -> Pin | None:
        return self.resolver.plan_pin(model, plan)

    def require_version(self, tx: Transaction, ref: str) -> Version:
        return self.resolver.require_version(tx, ref)

    def resolve_in(self, tx: Transaction, model: Model, pin: Pin, redirects: int = 3, *,
                   candidates: bool = False) -> Resolution | None:
        return self.resolver.resolve_in(tx, model, pin, redirects, candidates=candidates)

    def unresolvable_in(self, tx: Transaction, model: Model, pin: Pin, *,
                        candidates: bool = False) -> Unresolvable | None:
        return self.resolver.unresolvable_in(tx, model, pin, candidates=candidates)

    def ineligible_in(self, tx: Transaction, version: Version, *,
                      candidates: bool = False) -> str:
        return self.resolver.ineligible_in(tx, version, candidates=candidates)

    def why_not_in(self, tx: Transaction, ref: str, stage: Stage, blocked_reason: str, *,
                   candidates: bool = False) -> str:
        return self.resolver.why_not_in(tx, ref, stage, blocked_reason, candidates=candidates)

    def inherited_plan(self, tx: Transaction, ref: str,
                       today: date) -> tuple[str, DeprecationPlan] | None:
        return self.resolver.inherited_plan(tx, ref, today)

    def own_plan(self, tx: Transaction, ref: str, today: date) -> DeprecationPlan | None:
        return self.resolver.own_plan(tx, ref, today)

    # provenance, lineage, integrity ---------------------------------------------------------

    def attest(self, ref: str, statement: object, metrics: object | None = None) -> None:
        """See :meth:`Catalog.attest`."""
        self.catalog.attest(ref, statement, metrics)

    def attestations(self, ref: str) -> list[dict[str, object]]:
        return self.catalog.attestations(ref)

    def lineage(self, ref: str) -> Lineage:
        """See :meth:`Catalog.lineage`."""
        return self.catalog.lineage(ref)

    def verify(self, ref: str, path: Path, *,
               progress: Callable[[int], None] | None = None) -> VerifyResult:
        """Hash ``path`` and compare it with the registered files of ``ref``."""
        return self.catalog.verify(ref, path, progress=progress)

    def compare(self, ref: str, manifest: Manifest) -> VerifyResult:
        """Compare an already computed manifest with the registered files of ``ref``."""
        return self.catalog.compare(ref, manifest)

    # history --------------------------------------------------------------------------------

    def log(self, model: str = "", *, after_seq: int = 0, limit: int | None = None) -> list[Event]:
        return self.history.log(model, after_seq=after_seq, limit=limit)

    def log_tail(self, model: str = "", *, limit: int, before_seq: int = 0) -> list[Event]:
        """See :meth:`History.log_tail`."""
        return self.history.log_tail(model, limit=limit, before_seq=before_seq)

    def verify_log(self) -> tuple[int, ChainBreak | None]:
        """Check the whole event chain; return the number of events and the first break."""
        return self.history.verify_log()

    def verify_history(self, *, state: bool = True, checkpoint: Checkpoint | None = None,
                       trusted: Ed25519PublicKey | None = None) -> HistoryReport:
        """See :meth:`History.verify_history`."""
        return self.history.verify_history(state=state, checkpoint=checkpoint, trusted=trusted)

