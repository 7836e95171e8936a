"""The values the registry's use cases return: plain frozen records of what a call found or did.

Both the local services (:mod:`modelsteward.service`) and the HTTP client
(:mod:`modelsteward.remote`) return them, so this package depends only on the domain, the errors
and the integrity values — never on the store, a database driver or the web server.

One module per concern; every value is importable from here.
"""

from modelsteward.results.advisories import Found, Ownership, Published, Reported
from modelsteward.results.deprecations import (
    CheckedPlan,
    Overdue,
    ProviderImport,
    SkippedShutdown,
    TickReport,
    Upcoming,
)
from modelsteward.results.experiments import CanaryMove, ExperimentReport, Ingested, Routing
from modelsteward.results.lifecycle import MonitorResult, RollbackResult
from modelsteward.results.locks import Fixed, Locked, LockVerify, Outdated
from modelsteward.results.mlflow import ModelSummary, ModelView, VersionView
from modelsteward.results.notifications import Chores, Replayed
from modelsteward.results.pipelines import RetrainDue, RunView
from modelsteward.results.registry import (
    HistoryReport,
    ImportReport,
    Lineage,
    Resolution,
    VerifyResult,
)
from modelsteward.results.removal import DeletionReport, PinChange, PinKept, RetirementResult
from modelsteward.results.tokens import IssuedToken

__all__ = [
    "CanaryMove",
    "CheckedPlan",
    "Chores",
    "DeletionReport",
    "ExperimentReport",
    "Fixed",
    "Found",
    "HistoryReport",
    "ImportReport",
    "Ingested",
    "IssuedToken",
    "Lineage",
    "LockVerify",
    "Locked",
    "ModelSummary",
    "ModelView",
    "MonitorResult",
    "Outdated",
    "Overdue",
    "Ownership",
    "PinChange",
    "PinKept",
    "ProviderImport",
    "Published",
    "Replayed",
    "Reported",
    "Resolution",
    "RetirementResult",
    "RetrainDue",
    "RollbackResult",
    "Routing",
    "RunView",
    "SkippedShutdown",
    "TickReport",
    "Upcoming",
    "VerifyResult",
    "VersionView",
]
