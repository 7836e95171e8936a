"""The values the registry's use cases return: plain frozen records of what a call found or did.

Both the local services (:mod:`modelsteward.service`) and the HTTP client
(:mod:`modelsteward.remote`) return them, so this module depends only on the domain, the errors
and the integrity values — never on the store, a database driver or the web server.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from modelsteward.domain.advisory import Advisory
from modelsteward.domain.checkpoint import Checkpoint
from modelsteward.domain.consumers import ConsumerPin
from modelsteward.domain.deprecation import DeprecationPlan
from modelsteward.domain.events import ChainBreak
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.lineage import LineageNode
from modelsteward.domain.lockfile import Lock, LockedModel
from modelsteward.domain.model import Model, Version
from modelsteward.domain.osv_match import Match
from modelsteward.domain.state import StateDifference
from modelsteward.domain.tokens import Token
from modelsteward.errors import Problem
from modelsteward.integrity.compare import ManifestDiff
from modelsteward.integrity.manifest import Manifest

# models, versions, resolution and history -----------------------------------------------------

@dataclass(frozen=True)
class Resolution:
    """The version a pin resolves to and what a deprecation plan says about it."""

    version: Version
    warning: str = ""
    plan: DeprecationPlan | None = None
    redirected_from: str = ""  # the retired version whose plan sent the pin here
    inherited_from: str = ""  # the deprecated ancestor the warning comes from
    ineligible: str = ""  # why a strict pin's version is not eligible ("" when it is)

    @property
    def eligible(self) -> bool:
        return not self.ineligible


@dataclass(frozen=True)
class Lineage:
    ref: str
    ancestors: tuple[LineageNode, ...]
    descendants: tuple[LineageNode, ...]


@dataclass(frozen=True)
class VerifyResult:
    version: Version
    manifest: Manifest
    diff: ManifestDiff

    @property
    def ok(self) -> bool:
        return self.diff.clean and self.manifest.root_digest == self.version.digest


@dataclass(frozen=True)
class HistoryReport:
    """What :func:`~modelsteward.integrity.chain.check_events` (and the registries'
    ``verify_history``) found."""

    events: int
    head_seq: int  # the last event of an intact chain
    head_hash: str
    broken: ChainBreak | None = None
    checkpoint: Checkpoint | None = None
    checkpoint_problem: str = ""  # "" when no checkpoint was given or it holds
    differences: tuple[StateDifference, ...] | None = None  # None: the state was not checked

    @property
    def intact(self) -> bool:
        return self.broken is None and not self.checkpoint_problem and not self.differences


@dataclass(frozen=True)
class ImportReport:
    created_models: tuple[str, ...] = ()
    updated_models: tuple[str, ...] = ()
    registered_versions: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    stages: tuple[tuple[str, Stage], ...] = ()  # (ref, stage) set by the import, not by gates
    aliases: tuple[tuple[str, str], ...] = ()  # (ref, alias) assigned by the import

    @property
    def changed(self) -> bool:
        return bool(self.created_models or self.updated_models or self.registered_versions)


# lifecycle ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MonitorResult:
    breaches: tuple[str, ...]
    rolled_back_to: str = ""
    rollback_failed: str = ""  # why an automatic rollback was impossible


@dataclass(frozen=True)
class RollbackResult:
    alias: str
    from_version: str
    to_version: str
    blocked_reason: str = ""  # set when the rollback blocked ``from_version``
    seq: int = 0  # the model:alias:rolled-back event


# lock files and audits ------------------------------------------------------------------------

@dataclass(frozen=True)
class Locked:
    lock: Lock
    text: str  # the lock file's bytes, deterministic
    changes: tuple[str, ...]  # "support-bot 2.1.2 → 2.1.3", "embedder 1.2.0 (new)"
    warnings: tuple[str, ...]  # deprecation warnings of what was locked


@dataclass(frozen=True)
class Outdated:
    model: str
    locked: str
    wanted: str  # the newest eligible version the pin accepts now
    latest: str  # the newest eligible version of the model, whatever the pin


@dataclass(frozen=True)
class LockVerify:
    model: LockedModel
    manifest: Manifest
    diff: ManifestDiff

    @property
    def ok(self) -> bool:
        return self.diff.clean and self.manifest.root_digest == self.model.root_digest


@dataclass(frozen=True)
class Fixed:
    manifest_text: str
    locked: Locked
    fixed: tuple[str, ...]  # what was changed, one line each
    unfixed: tuple[str, ...]  # what could not be fixed, and why


# advisories -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Ownership:
    """Who owns advisory ``advisory``: ``teams``, the owner teams of the registry models it
    names (``""`` for a model without one); ``deriving``, the teams owning a registry model
    derived from an upstream repository it names (they own an advisory that names no registry
    model)."""

    advisory: str
    teams: frozenset[str] = frozenset()
    deriving: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Reported:
    """A report delivered as drafts: the teams it reached and the notices written (0 when the
    same report reached them before)."""

    teams: tuple[str, ...]
    models: tuple[str, ...]
    notices: int


@dataclass(frozen=True)
class Found:
    """An advisory that affects a version, directly or through ``inherited_from``."""

    match: Match
    inherited_from: str = ""  # the ancestor (model@version or package URL) it affects

    @property
    def advisory(self) -> Advisory:
        return self.match.advisory


@dataclass(frozen=True)
class Published:
    advisory: Advisory
    new: bool
    affected: tuple[str, ...]  # versions in this registry affected directly
    inherited: tuple[str, ...]  # versions derived from an affected one
    notices: int
    warnings: tuple[Problem, ...] = ()


# deprecations and provider schedules ----------------------------------------------------------

@dataclass(frozen=True)
class CheckedPlan:
    """A plan :meth:`~modelsteward.service.deprecations.Deprecations.check_plan` accepted: the
    model, the plan and the versions it covers, read in the transaction it is to be written
    in."""

    model: Model
    plan: DeprecationPlan
    covered: tuple[Version, ...]


@dataclass(frozen=True)
class Overdue:
    """A version past its plan's hard deadline that was not retired, and why (it holds
    production and the replacement could not take it)."""

    ref: str
    plan: str
    why: str


@dataclass(frozen=True)
class TickReport:
    retired: tuple[str, ...]
    notices: int
    failures: tuple[str, ...] = ()
    reminders: int = 0
    overdue: tuple[Overdue, ...] = ()


@dataclass(frozen=True)
class SkippedShutdown:
    """Something of an imported schedule that was not applied, and where it was read.

    ``file`` and ``row`` are the shutdown's (:class:`Shutdown`: the 1-based entry number). ``ref``
    is the registry version the row names (``MODEL@SNAPSHOT``), or ``PROVIDER/MODEL`` when no
    registered version matches it. With ``replacement`` empty the whole row was skipped for
    ``ref``; otherwise the row was planned *without* that replacement (``MODEL@SNAPSHOT``),
    which could not be used. ``reason`` is a sentence naming the problem (a refusal's message
    states its own fix); ``fix`` a sentence saying what to do, or ``""``.
    """

    file: str
    row: int
    ref: str
    reason: str
    fix: str = ""
    replacement: str = ""


@dataclass(frozen=True)
class ProviderImport:
    planned: tuple[str, ...]  # model@snapshot given a plan (new or with changed dates)
    unchanged: tuple[str, ...]
    unmatched: int  # shutdowns naming no snapshot in the registry (also in ``skipped``)
    skipped: tuple[SkippedShutdown, ...] = ()


@dataclass(frozen=True)
class Upcoming:
    ref: str
    hard_deadline: date
    phase: str
    reason: str
    replacement: str
    consumers: int
    teams: int


# deletion and retirement ----------------------------------------------------------------------

@dataclass(frozen=True)
class PinChange:
    consumer: str
    team: str
    before: ConsumerPin
    after: ConsumerPin | None  # None: the pin is cleared


@dataclass(frozen=True)
class PinKept:
    """A pin that gave the deleted version and, without it, still resolves: kept as it is."""

    consumer: str
    team: str
    pin: ConsumerPin
    resolves_to: str  # the version it resolves to once the deleted one is gone


@dataclass(frozen=True)
class DeletionReport:
    """What a deletion changes: the pins moved to the replacement or cleared, the pins kept
    because they still resolve without the deleted version (only without a replacement: with
    one, every pin that gave the version moves), and the aliases removed."""

    target: str
    replacement: str
    changes: tuple[PinChange, ...]
    aliases_removed: tuple[str, ...]
    dry_run: bool
    unchanged: tuple[PinKept, ...] = ()

    @property
    def by_team(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for change in self.changes:
            counts[change.team] += 1
        return dict(sorted(counts.items()))


@dataclass(frozen=True)
class RetirementResult:
    ref: str
    archive: str
    report_markdown: str
    report_json: str


# notifications --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Chores:
    """What one day's chores did: reminders written and old deliveries pruned."""

    reminders: int
    pruned: int


@dataclass(frozen=True)
class Replayed:
    """What a replay did: dead deliveries made pending again, or deliveries of older notices
    written for a subscription."""

    count: int


# tokens ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class IssuedToken:
    """A token just made and its text: the only time the text exists outside the caller."""

    token: Token
    text: str
