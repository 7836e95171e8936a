"""The audit of an application's locked models: findings, the fail policy, ignores, the report.

``steward audit`` checks every model of a lock file and reports *findings*: advisories (direct
or inherited through lineage), deprecations with their phase, retirements, locked versions the
policy does not call eligible (never gated, degraded, rolled back, rejected), gate overrides,
artefacts whose digest differs from the registry's, models the registry does not know, and
ignore entries that have expired. This module is the pure model of that result; gathering the
findings is the service's job and drawing them is the report layer's (``modelsteward.reports``).

Whether a finding *fails* the audit follows from :class:`FailOn` (``--fail-on``):

* an advisory fails when its level ranks at or above the threshold (an advisory without a
  severity ranks like ``high``, see :class:`~modelsteward.domain.severity.Level`);
* a deprecation fails when its phase is at or after the threshold
  (announced < soft-deadline-passed < retired); a deprecation already **retired** always fails;
* an ineligible version fails like an advisory of its level: ``high`` when it was degraded by
  production monitoring, rolled back from production or rejected, ``medium`` when it has not
  reached the policy's ``eligibility.minimum_stage`` — so both fail under the default
  ``low,soft-deadline-passed``, and ``--fail-on critical`` or ``none`` lets them pass;
* a version past the end of its active support (its model's support policy) is an
  ``end-of-support`` finding of level ``low``, and fails like an advisory of that level: under
  the default ``low,soft-deadline-passed``, not under ``--fail-on medium`` or higher;
* a gate override fails only when ``gate-override`` is asked for;
* the kinds in :data:`ALWAYS_FAIL` fail whatever ``--fail-on`` says;
* a finding covered by a live ignore entry never fails — except an expired ignore, which cannot
  itself be ignored.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from modelsteward.domain.deprecation import Phase
from modelsteward.domain.ignores import Ignore
from modelsteward.domain.severity import Level, parse_level
from modelsteward.errors import InvalidInput

__all__ = [
    "ALWAYS_FAIL", "DEFAULT_FAIL_ON", "AuditReport", "AuditedModel", "FailOn", "Finding",
    "FindingKind", "apply_ignores", "fails", "parse_fail_on", "sort_findings", "sort_key",
]


class FindingKind(enum.StrEnum):
    """What a finding is about; the member order is the order findings of one model are listed."""

    ADVISORY = "advisory"
    DEPRECATION = "deprecation"
    RETIRED = "retired"
    INELIGIBLE = "ineligible-version"
    END_OF_SUPPORT = "end-of-support"
    GATE_OVERRIDE = "gate-override"
    DIGEST_MISMATCH = "digest-mismatch"
    NOT_IN_REGISTRY = "not-in-registry"
    EXPIRED_IGNORE = "expired-ignore"


_KIND_ORDER = {kind: index for index, kind in enumerate(FindingKind)}


@dataclass(frozen=True)
class AuditedModel:
    """One locked model that was audited (with or without findings)."""

    name: str
    version: str
    purl: str
    root_digest: str = ""  # 64 lowercase hex, "" for hosted models without files
    pin: str = ""
    candidates: bool = False  # locked with versions below the minimum stage admitted

    @property
    def ref(self) -> str:
        """``name@version``."""
        return f"{self.name}@{self.version}" if self.version else self.name


@dataclass(frozen=True)
class Finding:
    """One thing the audit found about one locked model.

    ``id`` is the advisory id for advisories (``x_MSA-2026-0001``) and otherwise a finding id:
    ``deprecation:<model>@<version>``, ``retired:<model>@<version>``,
    ``ineligible:<model>@<version>``, ``end-of-support:<model>@<version>``,
    ``override:<model>@<version>:<gate>``,
    ``digest:<model>@<version>``,
    ``missing:<model>@<version>`` or ``ignore:<ignored id>``. Ignore entries name these ids.
    """

    kind: FindingKind
    model: str
    version: str
    id: str
    title: str  # one line
    detail: str = ""
    level: Level | None = None  # advisories, ineligible versions, end of support
    phase: Phase | None = None  # deprecations
    inherited_from: str = ""  # the ancestor (model@version or package URL) it comes from
    fixed_in: tuple[str, ...] = ()  # advisories: versions that fix it
    replacement: str = ""  # deprecations: MODEL@PIN
    dates: Mapping[str, str] = field(default_factory=dict, hash=False)
    aliases: tuple[str, ...] = ()
    references: tuple[str, ...] = ()  # URLs
    atlas: tuple[str, ...] = ()
    avid: tuple[str, ...] = ()
    fix: str = ""  # what would fix it, one sentence
    ignored_reason: str = ""  # non-empty when an ignore entry covers it

    @property
    def ref(self) -> str:
        """``model@version`` (just ``model`` when the version is unknown)."""
        return f"{self.model}@{self.version}" if self.version else self.model

    @property
    def ignored(self) -> bool:
        return bool(self.ignored_reason)


# --- the fail policy --------------------------------------------------------------------------

# Deprecation phases in the order they pass; ACTIVE (a plan not yet announced) never fails.
_PHASE_RANK = {Phase.ACTIVE: 0, Phase.ANNOUNCED: 1, Phase.SOFT_DEADLINE_PASSED: 2,
               Phase.RETIRED: 3}
_PHASE_TOKENS = (Phase.ANNOUNCED, Phase.SOFT_DEADLINE_PASSED, Phase.RETIRED)
_LEVEL_TOKENS = ("low", "medium", "moderate", "high", "critical")
_GATE_OVERRIDE_TOKEN = "gate-override"
_NONE_TOKEN = "none"

DEFAULT_FAIL_ON = "low,soft-deadline-passed"


@dataclass(frozen=True)
class FailOn:
    """Which findings fail the audit besides the ones that always do (see :data:`ALWAYS_FAIL`)."""

    level: Level | None  # advisories at or above this rank fail (None: advisories never fail)
    phase: Phase | None  # deprecations at or after this phase fail
    gate_overrides: bool = False

    def __str__(self) -> str:
        """The canonical ``--fail-on`` text: level, phase, ``gate-override``, or ``none``;
        ``parse_fail_on(str(f)) == f``."""
        tokens = [str(self.level)] if self.level is not None else []
        if self.phase is not None:
            tokens.append(str(self.phase))
        if self.gate_overrides:
            tokens.append(_GATE_OVERRIDE_TOKEN)
        return ",".join(tokens) if tokens else _NONE_TOKEN


def _choices() -> str:
    phases = ", ".join(str(p) for p in _PHASE_TOKENS)
    return (f"a level ({', '.join(_LEVEL_TOKENS)}), a phase ({phases}), "
            f"{_GATE_OVERRIDE_TOKEN!r}, or {_NONE_TOKEN!r} alone")


def parse_fail_on(text: str) -> FailOn:
    """Parse ``--fail-on``: comma-separated tokens, case and spaces ignored.

    Each token is a level (``low``, ``medium`` or ``moderate``, ``high``, ``critical``), a phase
    (``announced``, ``soft-deadline-passed``, ``retired``) or ``gate-override``; at most one level
    and one phase. ``none`` alone means that only the always-failing kinds fail.

    Raises :class:`InvalidInput` naming every unknown, repeated or misplaced token and listing
    the choices.
    """
    tokens = [token.strip().lower() for token in text.split(",")]
    problems: list[str] = []
    levels: list[Level] = []
    phases: list[Phase] = []
    gate_overrides = False
    if tokens == [""]:
        raise InvalidInput(
            f"--fail-on is empty. Give {_choices()}, e.g. {DEFAULT_FAIL_ON!r}.")
    if _NONE_TOKEN in tokens and len(tokens) > 1:
        problems.append(f"{_NONE_TOKEN!r} cannot be combined with other tokens")
    for raw, token in zip(text.split(","), tokens, strict=True):
        if token == _NONE_TOKEN:
            continue
        if token == _GATE_OVERRIDE_TOKEN:
            gate_overrides = True
        elif token in _LEVEL_TOKENS:
            levels.append(parse_level(token))
        elif token in {str(p) for p in _PHASE_TOKENS}:
            phases.append(Phase(token))
        elif not token:
            problems.append("an empty token (two commas in a row, or a trailing comma)")
        else:
            problems.append(f"unknown token {raw.strip()!r}")
    if len(levels) > 1:
        problems.append(f"more than one level ({', '.join(str(v) for v in levels)}); keep the "
                        "lowest one that should fail")
    if len(phases) > 1:
        problems.append(f"more than one phase ({', '.join(str(p) for p in phases)}); keep the "
                        "earliest one that should fail")
    if problems:
        raise InvalidInput(
            f"--fail-on {text!r} is not valid: {'; '.join(problems)}. Use {_choices()}, "
            f"e.g. {DEFAULT_FAIL_ON!r}.")
    return FailOn(level=levels[0] if levels else None, phase=phases[0] if phases else None,
                  gate_overrides=gate_overrides)


ALWAYS_FAIL: frozenset[FindingKind] = frozenset({
    FindingKind.RETIRED, FindingKind.DIGEST_MISMATCH, FindingKind.NOT_IN_REGISTRY,
    FindingKind.EXPIRED_IGNORE,
})
"""Kinds that fail whatever ``--fail-on`` says (all but an expired ignore can still be ignored)."""


def fails(finding: Finding, fail_on: FailOn) -> bool:
    """Whether ``finding`` fails the audit under ``fail_on``.

    An ignored finding never fails, except an expired ignore, which always fails. The kinds in
    :data:`ALWAYS_FAIL` and deprecations whose phase is retired always fail. Advisories,
    ineligible versions and ends of support fail when their level ranks at or above
    ``fail_on.level``; an advisory without a level ranks like ``unknown`` (that is, like
    ``high``); a deprecation without a phase counts as announced.
    """
    if finding.kind is FindingKind.EXPIRED_IGNORE:
        return True
    if finding.ignored:
        return False
    if finding.kind in ALWAYS_FAIL:
        return True
    match finding.kind:
        case FindingKind.ADVISORY | FindingKind.INELIGIBLE | FindingKind.END_OF_SUPPORT:
            if fail_on.level is None:
                return False
            level = finding.level if finding.level is not None else Level.UNKNOWN
            return level.rank >= fail_on.level.rank
        case FindingKind.DEPRECATION:
            phase = finding.phase if finding.phase is not None else Phase.ANNOUNCED
            if phase is Phase.RETIRED:
                return True
            if fail_on.phase is None:
                return False
            return _PHASE_RANK[phase] >= _PHASE_RANK[fail_on.phase]
        case FindingKind.GATE_OVERRIDE:
            return fail_on.gate_overrides
    # The remaining kinds are all in ALWAYS_FAIL and returned above.
    raise AssertionError(f"unhandled finding kind {finding.kind}")  # pragma: no cover


# --- ignores ----------------------------------------------------------------------------------


def sort_key(finding: Finding) -> tuple[str, str, int, str]:
    """The order of findings everywhere: model, version, kind (as declared), id."""
    return (finding.model, finding.version, _KIND_ORDER[finding.kind], finding.id)


def sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """``findings`` in :func:`sort_key` order."""
    return tuple(sorted(findings, key=sort_key))


def _matches(ignore: Ignore, finding: Finding) -> bool:
    if finding.kind is FindingKind.EXPIRED_IGNORE:
        return False  # an expired ignore cannot be silenced by another ignore
    if ignore.model and ignore.model != finding.model:
        return False
    return ignore.id == finding.id or ignore.id in finding.aliases


def apply_ignores(findings: Iterable[Finding], ignores: Iterable[Ignore],
                  today: date) -> tuple[Finding, ...]:
    """Mark the findings that live ignore entries cover, and report the expired entries.

    An ignore matches a finding when its id equals the finding's id or one of the finding's
    aliases and, if the ignore names a model, that model is the finding's. The first live
    matching entry (in the given order) sets ``ignored_reason``; a finding already ignored keeps
    its reason. An expired entry (``today`` after its expiry) does not apply; instead it adds one
    :attr:`FindingKind.EXPIRED_IGNORE` finding per model it would have matched, with id
    ``ignore:<id>``. The result is sorted by :func:`sort_key`.
    """
    entries = tuple(ignores)
    result: list[Finding] = []
    expired: dict[tuple[int, str], Finding] = {}
    for finding in sort_findings(findings):
        live: Ignore | None = None
        for index, ignore in enumerate(entries):
            if not _matches(ignore, finding):
                continue
            if ignore.expired(today):
                expired.setdefault((index, finding.model), _expired_finding(ignore, finding))
            elif live is None:
                live = ignore
        if live is not None and not finding.ignored:
            finding = replace(finding, ignored_reason=live.reason)
        result.append(finding)
    return sort_findings([*result, *expired.values()])


def _expired_finding(ignore: Ignore, covered: Finding) -> Finding:
    when = ignore.expires.isoformat() if ignore.expires is not None else "an unknown date"
    return Finding(
        kind=FindingKind.EXPIRED_IGNORE,
        model=covered.model,
        version=covered.version,
        id=f"ignore:{ignore.id}",
        title=f"ignore of {ignore.id} expired on {when}",
        detail=f"The ignore entry's reason was: {ignore.reason}",
        fix="review it: renew the expiry or fix the finding",
    )


# --- the report -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditReport:
    """The result of auditing one application's lock: what was audited and what was found.

    ``findings`` are expected in :func:`sort_key` order (as :func:`apply_ignores` returns them);
    the report formats sort them again, so any order renders the same.
    """

    application: str
    source: str  # what was audited against: a registry URL or an advisory directory
    audited: tuple[AuditedModel, ...]
    findings: tuple[Finding, ...]
    fail_on: FailOn

    @property
    def failing(self) -> tuple[Finding, ...]:
        """The findings that fail under :attr:`fail_on`, in :func:`sort_key` order."""
        return tuple(f for f in sort_findings(self.findings) if fails(f, self.fail_on))

    @property
    def ignored(self) -> tuple[Finding, ...]:
        """The findings an ignore entry covers, in :func:`sort_key` order."""
        return tuple(f for f in sort_findings(self.findings) if f.ignored)

    @property
    def passed(self) -> bool:
        """True when no finding fails (an audit of nothing passes; the CLI tells that apart)."""
        return not self.failing

    def for_model(self, name: str) -> tuple[Finding, ...]:
        """The findings about the model ``name``, in :func:`sort_key` order."""
        return tuple(f for f in sort_findings(self.findings) if f.model == name)
