"""Who owns an advisory, and what publishing, reporting and matching advisories gave."""

from __future__ import annotations

from dataclasses import dataclass

from modelsteward.domain.advisory import Advisory
from modelsteward.domain.osv_match import Match
from modelsteward.errors import Problem


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
