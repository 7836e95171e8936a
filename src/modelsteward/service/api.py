"""The public surface that the local :class:`~modelsteward.service.registry.Registry` and the
remote :class:`~modelsteward.remote.registry.RemoteRegistry` share, as protocols: code written
against :class:`RegistryApi` (the CLI's commands) works with either, and a type check of both
against it (``tests/test_surfaces.py``) reports any drift between the two.

Each protocol lists the methods both implementations offer, with the narrower of their
signatures: the local registry also takes what only makes sense next to the database (a local
``path`` to hash, an ``authorize`` callback), which a remote call cannot carry.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from modelsteward.domain.advisory import Advisory
from modelsteward.domain.app_manifest import AppManifest
from modelsteward.domain.audit import AuditReport, FailOn
from modelsteward.domain.checkpoint import Checkpoint
from modelsteward.domain.comparison import Comparison
from modelsteward.domain.consumers import Consumer, ConsumerPin, ConsumerStatus, Impact, PinStatus
from modelsteward.domain.deprecation import DeprecationPlan, DeprecationReason
from modelsteward.domain.embedding import ReembeddingPlan, ReembeddingRecord
from modelsteward.domain.evaluation_file import EvaluationResult
from modelsteward.domain.events import ChainBreak, Event
from modelsteward.domain.gates import GateReport
from modelsteward.domain.ignores import Ignore
from modelsteward.domain.lifecycle import (
    AliasAssignment,
    Approval,
    Evaluation,
    Gate,
    GateOverride,
    Stage,
    StagingCheck,
)
from modelsteward.domain.lineage import Relation
from modelsteward.domain.lockfile import Lock
from modelsteward.domain.model import Model, Version
from modelsteward.domain.notices import Notice
from modelsteward.domain.provider_schedules import Shutdown
from modelsteward.domain.requirements import Requirements
from modelsteward.domain.tokens import Role, Token
from modelsteward.domain.versioning import ChangeKind
from modelsteward.integrity.manifest import Manifest
from modelsteward.results import (
    DeletionReport,
    Fixed,
    Found,
    HistoryReport,
    IssuedToken,
    Lineage,
    Locked,
    MonitorResult,
    Outdated,
    ProviderImport,
    Published,
    Reported,
    Resolution,
    RetirementResult,
    RollbackResult,
    TickReport,
    Upcoming,
    VerifyResult,
)

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class LifecycleApi(Protocol):
    """What :class:`Lifecycle` and :class:`RemoteLifecycle` both offer."""

    def gate_report(self, ref: str, target: Stage) -> GateReport: ...
    def promote(self, ref: str, target: Stage) -> Version: ...
    def reject(self, ref: str, reason: str) -> Version: ...
    def retire(self, ref: str, reason: str) -> Version: ...
    def override(self, ref: str, gate: Gate, reason: str) -> GateOverride: ...
    def overrides(self, ref: str) -> list[GateOverride]: ...
    def approve(
        self,
        ref: str,
        *,
        role: str,
        evidence: str,
        risks_accepted: str,
        monitoring_plan: str,
        rollback_plan: str,
        next_review: date,
    ) -> Approval: ...
    def approvals(self, ref: str) -> list[Approval]: ...
    def record_check(self, ref: str, name: str, passed: bool, evidence: str) -> StagingCheck: ...
    def checks(self, ref: str) -> list[StagingCheck]: ...
    def record_evaluation(
        self, ref: str, result: EvaluationResult, source: str = ...
    ) -> Evaluation: ...
    def evaluations(self, ref: str) -> list[Evaluation]: ...
    def compare(self, candidate: str, against: str = ...) -> Comparison: ...
    def record_measurements(self, ref: str, values: Mapping[str, float]) -> MonitorResult: ...
    def set_alias(self, ref: str, alias: str, reason: str = ...) -> str: ...
    def remove_alias(self, ref: str, alias: str) -> None: ...
    def aliases(self, model: str) -> list[AliasAssignment]: ...
    def alias_history(self, model: str, alias: str = ...) -> list[AliasAssignment]: ...
    def aliases_at(self, model: str, moment: datetime) -> dict[str, list[str]]: ...
    def rollback(self, model: str, alias: str = ..., reason: str = ...) -> RollbackResult: ...


class ConsumersApi(Protocol):
    """What :class:`Consumers` and :class:`RemoteConsumers` both offer."""

    def add(self, consumer: Consumer) -> Consumer: ...
    def pin(self, name: str, pin: ConsumerPin) -> PinStatus: ...
    def unpin(self, name: str, model: str) -> None: ...
    def remove(self, name: str, reason: str) -> None: ...
    def get(self, name: str) -> Consumer: ...
    def show(self, name: str) -> ConsumerStatus: ...
    def list(self, model: str = ...) -> list[Consumer]: ...
    def impact(self, target: str) -> Impact: ...


class DeprecationsApi(Protocol):
    """What :class:`Deprecations` and :class:`RemoteDeprecations` both offer."""

    def plan(
        self,
        target: str,
        *,
        reason: DeprecationReason,
        replacement: str,
        announced: date,
        soft_deadline: date,
        hard_deadline: date,
        migration_steps: tuple[str, ...] = ...,
        support_window: str = ...,
        redirect: bool = ...,
        reembedding: ReembeddingPlan | None = ...,
    ) -> DeprecationPlan: ...
    def record_reembedding(self, source: str, plan: ReembeddingPlan, *, target: str = ...,
                           consumer: str = ...) -> ReembeddingRecord: ...
    def plans(self, model: str) -> list[DeprecationPlan]: ...
    def missing(self) -> list[str]: ...
    def notices(self, team: str = ...) -> list[Notice]: ...
    # the local tick also takes reminder_days; the server's uses its own settings
    def tick(self, archive: str = ...) -> TickReport: ...


class DeletionsApi(Protocol):
    """What :class:`Deletions` and :class:`RemoteDeletions` both offer."""

    def delete(
        self, target: str, *, reason: str, replacement: str = ..., dry_run: bool = ...
    ) -> DeletionReport: ...


class ProvidersApi(Protocol):
    """What :class:`Providers` and :class:`RemoteProviders` both offer."""

    def import_shutdowns(
        self, shutdowns: list[Shutdown], *, soft_days: int = ...
    ) -> ProviderImport: ...
    def upcoming(self, within_days: int) -> list[Upcoming]: ...


class AdvisoriesApi(Protocol):
    """What :class:`Advisories` and :class:`RemoteAdvisories` both offer."""

    def create(self, draft: Advisory) -> Published: ...
    def import_documents(self, documents: Sequence[tuple[str, object]]) -> list[Published]: ...
    def report(self, draft: Advisory) -> Reported: ...
    def withdraw(self, advisory_id: str, reason: str) -> Advisory: ...
    def get(self, advisory_id: str) -> Advisory: ...
    def all(self, *, model: str = ..., include_withdrawn: bool = ...) -> list[Advisory]: ...
    def affecting(self, ref: str) -> list[Found]: ...
    def export(self, directory: Path) -> list[Path]: ...


class LockingApi(Protocol):
    """What :class:`Locking` and :class:`RemoteLocking` both offer."""

    def lock(
        self,
        manifest: AppManifest,
        previous: Lock | None = ...,
        *,
        upgrade: Collection[str] | bool = ...,
        candidates: bool = ...,
    ) -> Locked: ...
    def outdated(self, lock: Lock) -> list[Outdated]: ...


class AuditsApi(Protocol):
    """What :class:`Audits` and :class:`RemoteAudits` both offer."""

    def audit(
        self, lock: Lock, *, fail_on: FailOn, ignores: Iterable[Ignore] = ..., source: str = ...
    ) -> AuditReport: ...
    def fix(self, manifest_text: str, lock: Lock, report: AuditReport) -> Fixed: ...


class RetirementsApi(Protocol):
    """What :class:`Retirements` and :class:`RemoteRetirements` both offer."""

    def retire(
        self,
        ref: str,
        archive: str,
        *,
        reason: str,
        source: Path | None = ...,
        interview: dict[str, str] | None = ...,
    ) -> RetirementResult: ...
    def restore(self, ref: str, destination: Path) -> Path: ...


class TokensApi(Protocol):
    """What :class:`Tokens` and :class:`RemoteTokens` both offer."""

    def create(
        self,
        name: str,
        *,
        team: str,
        roles: frozenset[Role],
        approval_roles: frozenset[str] = ...,
        expires_at: datetime | None = ...,
    ) -> IssuedToken: ...
    def list(self, *, name: str | None = ...) -> list[Token]: ...
    def revoke(self, token_id: str) -> Token: ...


class RegistryApi(Protocol):
    """What :class:`Registry` and :class:`RemoteRegistry` both offer."""

    def close(self) -> None: ...
    def create_model(self, model: Model) -> Model: ...
    def transfer_model(self, name: str, team: str, reason: str) -> Model: ...
    def get_model(self, name: str, include_deleted: bool = ...) -> Model: ...
    def list_models(self) -> list[Model]: ...
    def register_version(
        self,
        model_name: str,
        version: str | None = ...,
        *,
        change: ChangeKind | None = ...,
        variant: str = ...,
        manifest: Manifest | None = ...,
        force: bool = ...,
        reason: str = ...,
        description: str = ...,
        status: str = ...,
        metadata: Mapping[str, object] | None = ...,
        metrics: Mapping[str, object] | None = ...,
        derived_from: str = ...,
        relation: Relation | None = ...,
        location: str = ...,
        requirements: Requirements | None = ...,
    ) -> Version: ...
    def get_version(self, model: str, version: str, include_deleted: bool = ...) -> Version: ...
    def list_versions(self, model: str, include_deleted: bool = ...) -> list[Version]: ...
    def is_deleted(self, model: str, version: str = ...) -> bool: ...
    def resolution(self, model_name: str, pin: str, *, candidates: bool = ...) -> Resolution: ...
    def resolve(self, model_name: str, pin: str, *, candidates: bool = ...) -> Version: ...
    def attest(self, ref: str, statement: object, metrics: object | None = ...) -> None: ...
    def attestations(self, ref: str) -> list[dict[str, object]]: ...
    def lineage(self, ref: str) -> Lineage: ...
    def compare(self, ref: str, manifest: Manifest) -> VerifyResult: ...
    def log(
        self, model: str = ..., *, after_seq: int = ..., limit: int | None = ...
    ) -> list[Event]: ...
    def log_tail(self, model: str = ..., *, limit: int, before_seq: int = ...) -> list[Event]: ...
    def verify_log(self) -> tuple[int, ChainBreak | None]: ...
    def verify_history(
        self,
        *,
        state: bool = ...,
        checkpoint: Checkpoint | None = ...,
        trusted: Ed25519PublicKey | None = ...,
    ) -> HistoryReport: ...

    # the services, each a property of Registry and an attribute of RemoteRegistry
    @property
    def lifecycle(self) -> LifecycleApi: ...
    @property
    def consumers(self) -> ConsumersApi: ...
    @property
    def deprecations(self) -> DeprecationsApi: ...
    @property
    def deletions(self) -> DeletionsApi: ...
    @property
    def providers(self) -> ProvidersApi: ...
    @property
    def advisories(self) -> AdvisoriesApi: ...
    @property
    def locking(self) -> LockingApi: ...
    @property
    def audits(self) -> AuditsApi: ...
    @property
    def retirements(self) -> RetirementsApi: ...
    @property
    def tokens(self) -> TokensApi: ...
