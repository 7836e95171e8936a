"""Deprecation plans checked and ticked, and provider schedules imported and upcoming."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from modelsteward.domain.deprecation import DeprecationPlan
from modelsteward.domain.model import Model, Version


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
    """``compliance``: what a server's tick recorded of the compliance outcomes (``changed``,
    ``drifted``), when the tick ran on a server; a local tick records them separately."""

    retired: tuple[str, ...]
    notices: int
    failures: tuple[str, ...] = ()
    reminders: int = 0
    overdue: tuple[Overdue, ...] = ()
    compliance: Mapping[str, object] | None = None


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
