"""modelsteward: model lifecycle management.

The library's entry point is :class:`Registry`::

    from modelsteward import Registry
    with Registry.open("sqlite:///registry.db") as registry:
        registry.resolve("support-bot", "^2.1")

The public surface is :data:`__all__`: the registry (local, remote, and the in-memory store to
test against), the ports a caller may implement or pass (:class:`Store`, :class:`Clock`), the
values the use cases return (:mod:`modelsteward.results`) and the whole exception tree
(:mod:`modelsteward.errors`). Everything is imported on first use, so ``import modelsteward``
loads neither the database nor the HTTP client.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from modelsteward.errors import (
        AdvisoryNotFound,
        ApprovalRefused,
        ArchiveEscapes,
        ArchiveMismatch,
        ArchiveProtocolUnavailable,
        ArchiveUnreadable,
        ArchiveUnwritable,
        ArtifactError,
        AttestationMismatch,
        BumpRuleViolation,
        Conflict,
        ConsumerNotFound,
        DeliveryFailed,
        DeliveryNotFound,
        DestinationUnwritable,
        DocumentInvalid,
        ExperimentExists,
        ExperimentNotFound,
        FileNameUnusable,
        GateRefused,
        IdempotencyKeyReused,
        IdempotentRequestRunning,
        IdempotentSecretNotKept,
        IllegalTransition,
        InvalidInput,
        InvalidName,
        InvalidPin,
        InvalidVersion,
        ModelExists,
        ModelNotFound,
        NoMatchingVersion,
        NoRollbackTarget,
        NotAuthenticated,
        NotAuthorised,
        NotFound,
        PathUnreadable,
        PinNoLongerResolves,
        PipelineNotFound,
        Problem,
        ReembeddingRequired,
        RunNotFound,
        ServerUnreachable,
        StepRefused,
        StewardError,
        StorageError,
        SubscriptionNotFound,
        SymlinkEscapes,
        TokenNotFound,
        Unresolvable,
        VersionExists,
        VersionNotFound,
    )
    from modelsteward.ports import Clock, Store, SystemClock
    from modelsteward.remote.registry import RemoteRegistry
    from modelsteward.results import (
        CanaryMove,
        CheckedPlan,
        Chores,
        DeletionReport,
        ExperimentReport,
        Fixed,
        Found,
        HistoryReport,
        ImportReport,
        Ingested,
        IssuedToken,
        Lineage,
        Locked,
        LockVerify,
        ModelSummary,
        ModelView,
        MonitorResult,
        Outdated,
        Overdue,
        Ownership,
        PinChange,
        PinKept,
        ProviderImport,
        Published,
        Replayed,
        Reported,
        Resolution,
        RetirementResult,
        RetrainDue,
        RollbackResult,
        Routing,
        RunView,
        SkippedShutdown,
        TickReport,
        Upcoming,
        VerifyResult,
        VersionView,
    )
    from modelsteward.service.registry import Registry
    from modelsteward.store.memory import MemoryStore

_ERRORS = (
    "AdvisoryNotFound", "ApprovalRefused", "ArchiveEscapes", "ArchiveMismatch",
    "ArchiveProtocolUnavailable", "ArchiveUnreadable", "ArchiveUnwritable", "ArtifactError",
    "AttestationMismatch", "BumpRuleViolation", "Conflict", "ConsumerNotFound", "DeliveryFailed",
    "DeliveryNotFound", "DestinationUnwritable", "DocumentInvalid", "ExperimentExists",
    "ExperimentNotFound", "FileNameUnusable", "GateRefused", "IdempotencyKeyReused",
    "IdempotentRequestRunning", "IdempotentSecretNotKept", "IllegalTransition", "InvalidInput",
    "InvalidName", "InvalidPin", "InvalidVersion", "ModelExists", "ModelNotFound",
    "NoMatchingVersion", "NoRollbackTarget", "NotAuthenticated", "NotAuthorised", "NotFound",
    "PathUnreadable", "PinNoLongerResolves", "PipelineNotFound", "Problem",
    "ReembeddingRequired", "RunNotFound", "ServerUnreachable", "StepRefused", "StewardError",
    "StorageError", "SubscriptionNotFound",
    "SymlinkEscapes", "TokenNotFound", "Unresolvable", "VersionExists", "VersionNotFound",
)
_RESULTS = (
    "CanaryMove", "CheckedPlan", "Chores", "DeletionReport", "ExperimentReport", "Fixed", "Found",
    "HistoryReport", "ImportReport", "Ingested", "IssuedToken", "Lineage", "LockVerify", "Locked",
    "ModelSummary", "ModelView", "MonitorResult", "Outdated", "Overdue", "Ownership", "PinChange",
    "PinKept", "ProviderImport", "Published", "Replayed", "Reported", "Resolution",
    "RetirementResult", "RetrainDue", "RollbackResult", "Routing", "RunView", "SkippedShutdown",
    "TickReport", "Upcoming", "VerifyResult", "VersionView",
)
# where each public name lives, imported on first use
_HOMES: dict[str, str] = {
    **dict.fromkeys(_ERRORS, "modelsteward.errors"),
    **dict.fromkeys(_RESULTS, "modelsteward.results"),
    "Clock": "modelsteward.ports",
    "MemoryStore": "modelsteward.store.memory",
    "Registry": "modelsteward.service.registry",
    "RemoteRegistry": "modelsteward.remote.registry",
    "Store": "modelsteward.ports",
    "SystemClock": "modelsteward.ports",
}

__all__ = [
    "AdvisoryNotFound", "ApprovalRefused", "ArchiveEscapes", "ArchiveMismatch",
    "ArchiveProtocolUnavailable", "ArchiveUnreadable", "ArchiveUnwritable", "ArtifactError",
    "AttestationMismatch", "BumpRuleViolation", "CanaryMove", "CheckedPlan", "Chores", "Clock",
    "Conflict", "ConsumerNotFound", "DeletionReport", "DeliveryFailed", "DeliveryNotFound",
    "DestinationUnwritable", "DocumentInvalid", "ExperimentExists", "ExperimentNotFound",
    "ExperimentReport", "FileNameUnusable", "Fixed", "Found", "GateRefused", "HistoryReport",
    "IdempotencyKeyReused", "IdempotentRequestRunning", "IdempotentSecretNotKept",
    "IllegalTransition", "ImportReport", "Ingested", "InvalidInput", "InvalidName", "InvalidPin",
    "InvalidVersion", "IssuedToken", "Lineage", "LockVerify", "Locked", "MemoryStore",
    "ModelExists", "ModelNotFound", "ModelSummary", "ModelView", "MonitorResult",
    "NoMatchingVersion", "NoRollbackTarget", "NotAuthenticated", "NotAuthorised", "NotFound",
    "Outdated", "Overdue", "Ownership", "PathUnreadable", "PinChange", "PinKept",
    "PinNoLongerResolves", "PipelineNotFound", "Problem", "ProviderImport", "Published",
    "ReembeddingRequired", "Registry",
    "RemoteRegistry", "Replayed", "Reported", "Resolution", "RetirementResult", "RetrainDue",
    "RollbackResult", "Routing", "RunNotFound", "RunView", "ServerUnreachable", "SkippedShutdown",
    "StepRefused", "StewardError", "StorageError", "Store", "SubscriptionNotFound",
    "SymlinkEscapes", "SystemClock", "TickReport", "TokenNotFound", "Unresolvable", "Upcoming",
    "VerifyResult", "VersionExists", "VersionNotFound", "VersionView",
]


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'modelsteward' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # the next access is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
