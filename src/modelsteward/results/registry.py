"""What the registry's own use cases return: a resolution, a version's lineage, an
artefact's verification, the history's check and a registry file's import."""

from __future__ import annotations

from dataclasses import dataclass

from modelsteward.domain.checkpoint import Checkpoint
from modelsteward.domain.deprecation import DeprecationPlan
from modelsteward.domain.events import ChainBreak
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.lineage import LineageNode
from modelsteward.domain.model import Version
from modelsteward.domain.state import StateDifference
from modelsteward.integrity.compare import ManifestDiff
from modelsteward.integrity.manifest import Manifest


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
