"""Rebuilding a :class:`~modelsteward.domain.card.Card` from the event history.

:func:`build_card` folds events (oldest first, already cut at the card's time) into the facts a
card shows. It reads the events *about the model* (subject ``model`` or ``model@…``), the
lineage events of every model (so that an advisory on an ancestor is found), the advisory
events and the consumer events; it ignores the rest. Nothing here reads a table or a clock, so
the card at a time is whatever the events up to that time say, and the same events always give
the same card.

What the events do not carry is derived as follows: a consumer's version is the one its pin
resolved to when the pin was recorded (``consumer:registered`` / ``consumer:pin:set``), not a
fresh resolution; pins that lock files recorded (``consumer:lock:written``) and pins moved by a
deletion (whose target version the event does not name) are not counted in the impact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from modelsteward.domain import events as ev
from modelsteward.domain.card import (
    Approval,
    Card,
    CardSection,
    ChangelogEntry,
    DeprecationStatus,
    EvaluationFact,
    IssueKind,
    KnownIssue,
    VersionFacts,
)
from modelsteward.domain.changelog_text import describe_event
from modelsteward.domain.events import Event
from modelsteward.domain.incident import Incident
from modelsteward.domain.model import SupportPolicy
from modelsteward.domain.requirements import Requirements
from modelsteward.domain.support import add_months

__all__ = ["MAX_ANCESTRY", "build_card"]

_ADVISORY_KINDS = {ev.ADVISORY_PUBLISHED, ev.ADVISORY_UPDATED, ev.ADVISORY_WITHDRAWN}
_CONSUMER_KINDS = {ev.CONSUMER_REGISTERED, ev.CONSUMER_PINNED, ev.CONSUMER_UNPINNED,
                   ev.CONSUMER_REMOVED}
_STAGE_KINDS = {ev.VERSION_PROMOTED, ev.VERSION_REJECTED, ev.VERSION_DEPRECATED,
                ev.VERSION_RETIRED}
MAX_ANCESTRY = 32
"""The most generations of bases a card follows (a longer chain, or a cycle, stops there)."""


def _mapping(value: object) -> dict[str, object]:
    """A payload's JSON object (``{}`` when it holds something else)."""
    return {str(k): v for k, v in value.items()} if isinstance(value, Mapping) else {}


def _number(value: object) -> int:
    """A payload's integer (0 when it holds something else)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _texts(value: object) -> tuple[str, ...]:
    """A payload's JSON list as texts (``()`` when it holds something else)."""
    return tuple(str(item) for item in value) if isinstance(value, list) else ()


@dataclass
class _Version:
    digest: str
    registered: str
    registered_seq: int
    stage: str = "trained"
    deleted: bool = False
    attestation_seq: int | None = None
    evaluations: list[EvaluationFact] = field(default_factory=list)
    approvals: list[Approval] = field(default_factory=list)
    requirements: tuple[Requirements, int] | None = None


@dataclass
class _Advisory:
    summary: str
    level: str
    affected: tuple[str, ...]
    inherited: tuple[str, ...]
    seq: int
    withdrawn: bool = False


@dataclass
class _Plan:
    versions: tuple[str, ...]
    payload: Mapping[str, object]
    seq: int
    phase: str = "announced"


class _Fold:
    def __init__(self, model: str) -> None:
        self.model = model
        self.facts: dict[str, object] = {}
        self.sections: dict[CardSection, tuple[str, int]] = {}
        self.versions: dict[str, _Version] = {}
        self.aliases: dict[str, set[str]] = {}
        self.parents: dict[str, tuple[str, str]] = {}  # ref → (parent, relation), every model
        self.advisories: dict[str, _Advisory] = {}
        self.consumers: dict[str, tuple[str, dict[str, str]]] = {}  # name → team, model → version
        self.plans: dict[str, _Plan] = {}
        self.issues: list[KnownIssue] = []
        self.incidents: dict[int, tuple[str, Incident]] = {}  # id (seq) → version, incident
        # (the versions an entry is about, empty for the model itself; the entry)
        self.changelog: list[tuple[frozenset[str], ChangelogEntry]] = []
        self.head = 0

    def apply(self, event: Event) -> None:
        self.head = max(self.head, event.seq)
        payload = event.payload
        if event.kind == ev.VERSION_DERIVED:
            self.parents[event.subject] = (str(payload.get("parent", "")),
                                           str(payload.get("relation", "")))
        if event.kind in _ADVISORY_KINDS:
            self._advisory(event, payload)
            return
        if event.kind in _CONSUMER_KINDS:
            self._consumer(event, payload)
            return
        name, _, version = event.subject.partition("@")
        if name != self.model:
            return
        self.changelog.append((frozenset({version} - {""}), ChangelogEntry(
            event.seq, event.time, event.actor, describe_event(event))))
        if version:
            self._version(event, version, payload)
        elif event.kind in (ev.MODEL_CREATED, ev.MODEL_UPDATED):
            self.facts.update(payload)
        elif event.kind == ev.CARD_EDITED:
            self.sections[CardSection(str(payload["section"]))] = (str(payload["text"]),
                                                                   event.seq)

    def _version(self, event: Event, version: str, payload: Mapping[str, object]) -> None:
        kind = event.kind
        if kind == ev.VERSION_REGISTERED:
            self.versions[version] = _Version(str(payload.get("digest", "")), event.time[:10],
                                              event.seq)
            return
        found = self.versions.get(version)
        if kind == ev.ALIAS_SET:
            previous = payload.get("previous")
            holders = self.aliases.setdefault(str(payload.get("alias")), set())
            holders.discard(str(previous))
            holders.add(version)
        elif kind == ev.ALIAS_REMOVED:
            self.aliases.get(str(payload.get("alias")), set()).discard(version)
        elif kind == ev.ALIAS_ROLLED_BACK:
            left = str(payload.get("from"))
            holders = self.aliases.setdefault(str(payload.get("alias")), set())
            holders.discard(left)
            holders.add(version)
            self.issues.append(KnownIssue(
                IssueKind.ROLLBACK, left, f"{payload.get('alias')} rolled back from {left} to "
                f"{version}: {payload.get('reason', '')}".rstrip(": "), event.seq))
        elif kind == ev.VERSION_BREACHED:
            self.issues.append(KnownIssue(
                IssueKind.BREACH, version, f"{payload.get('metric')} measured "
                f"{payload.get('value')}, beyond its threshold {payload.get('threshold')}",
                event.seq))
        elif kind == ev.INCIDENT_RECORDED:
            self.incidents[event.seq] = (version, Incident.from_payload(payload))
        elif kind == ev.INCIDENT_RESOLVED:
            recorded = self.incidents.get(_number(payload.get("incident")))
            if recorded is not None and recorded[0] == version:
                self.incidents[_number(payload.get("incident"))] = (version, replace(
                    recorded[1], resolved=str(payload.get("resolved") or event.time[:10])))
        elif kind == ev.DEPRECATION_PLANNED:
            self.plans[str(payload.get("plan"))] = _Plan(
                _texts(payload.get("versions")) or (version,), payload, event.seq)
        elif kind == ev.DEPRECATION_PHASE:
            plan = self.plans.get(str(payload.get("plan")))
            if plan is not None:
                plan.phase = str(payload.get("phase"))
        if found is None:
            return
        if kind in _STAGE_KINDS and "to" in payload:
            found.stage = str(payload["to"])
        elif kind == ev.VERSION_DELETED:
            found.deleted = True
        elif kind == ev.VERSION_RESTORED:
            found.deleted = False
        elif kind == ev.VERSION_ATTESTED:
            found.attestation_seq = event.seq
        elif kind == ev.VERSION_EVALUATED:
            metrics = _mapping(payload.get("metrics"))
            found.evaluations.append(EvaluationFact(
                str(payload.get("suite", "")), str(payload.get("dataset_digest", "")),
                event.time[:10], tuple(sorted((k, float(v)) for k, v in metrics.items()
                                              if isinstance(v, int | float))),
                event.seq))
        elif kind == ev.VERSION_APPROVED:
            found.approvals.append(Approval(str(payload.get("role", "")), event.actor,
                                            event.time[:10],
                                            str(payload.get("next_review") or ""), event.seq))
        elif kind == ev.REQUIREMENTS_SET:
            found.requirements = (Requirements.from_payload(payload), event.seq)

    def _advisory(self, event: Event, payload: Mapping[str, object]) -> None:
        if event.kind == ev.ADVISORY_WITHDRAWN:
            found = self.advisories.get(event.subject)
            if found is not None:
                found.withdrawn = True
            return
        self.advisories[event.subject] = _Advisory(
            str(payload.get("summary", "")), str(payload.get("level", "")),
            _texts(payload.get("affected")), _texts(payload.get("inherited")),
            event.seq)
        affected = self._advisory_reach(self.advisories[event.subject])
        if affected:
            self.changelog.append((frozenset(affected), ChangelogEntry(
                event.seq, event.time, event.actor,
                f"advisory {event.subject} ({payload.get('level')}) "
                f"{'published' if event.kind == ev.ADVISORY_PUBLISHED else 'updated'}: "
                f"{payload.get('summary')} — affects {', '.join(sorted(affected))}")))

    def _consumer(self, event: Event, payload: Mapping[str, object]) -> None:
        name = event.subject.removeprefix("consumer:")
        if event.kind == ev.CONSUMER_REGISTERED:
            pins: dict[str, str] = {}
            for text, resolved in _mapping(payload.get("pins")).items():
                pins[str(text).partition(" ")[0]] = str(resolved or "")
            self.consumers[name] = (str(payload.get("team", "")), pins)
        elif event.kind == ev.CONSUMER_REMOVED:
            self.consumers.pop(name, None)
        elif name in self.consumers:
            model = str(payload.get("model"))
            current = self.consumers[name][1]
            if event.kind == ev.CONSUMER_PINNED and "pin" in payload:
                current[model] = str(payload.get("resolves_to") or "")
            else:  # unpinned, or moved by a deletion (the event names no version)
                current.pop(model, None)

    # reading --------------------------------------------------------------------------------

    def ancestors(self, ref: str) -> list[str]:
        """``ref``'s base, its base's base, …, nearest first (a cycle stops the walk)."""
        chain: list[str] = []
        while ref in self.parents and len(chain) < MAX_ANCESTRY:
            ref = self.parents[ref][0]
            if ref in chain:
                break
            chain.append(ref)
        return chain

    def _advisory_reach(self, advisory: _Advisory) -> dict[str, str]:
        """This model's versions the advisory reaches: version → the ancestor it matched
        ("" when the version itself is affected)."""
        reach: dict[str, str] = {}
        for version in self.versions:
            ref = f"{self.model}@{version}"
            if ref in advisory.affected:
                reach[version] = ""
                continue
            matched = next((a for a in self.ancestors(ref) if a in advisory.affected), "")
            if matched or ref in advisory.inherited:
                reach[version] = matched or self.parents.get(ref, ("upstream", ""))[0]
        return reach

    def incident_issues(self) -> list[KnownIssue]:
        return [KnownIssue(IssueKind.INCIDENT, version, incident.summary, seq,
                           reference=str(seq), severity=incident.severity.value,
                           started=incident.started, resolved=incident.resolved,
                           link=incident.link)
                for seq, (version, incident) in self.incidents.items()]

    def advisory_issues(self) -> list[KnownIssue]:
        issues = []
        for advisory_id, advisory in self.advisories.items():
            if advisory.withdrawn:
                continue
            for version, ancestor in self._advisory_reach(advisory).items():
                issues.append(KnownIssue(IssueKind.ADVISORY, version,
                                         f"{advisory.summary} ({advisory.level})", advisory.seq,
                                         ancestor, advisory_id))
        return issues


def _support(facts: Mapping[str, object]) -> SupportPolicy:
    months = facts.get("support_months")
    return SupportPolicy(months if isinstance(months, int) else None,
                         str(facts.get("support_after") or ""))


def _version_facts(fold: _Fold, version: str, found: _Version,
                   support: SupportPolicy) -> VersionFacts:
    ref = f"{fold.model}@{version}"
    base, relation = fold.parents.get(ref, ("", ""))
    end = ""
    if support.active_months is not None:
        end = add_months(date.fromisoformat(found.registered), support.active_months).isoformat()
    requirements, requirements_seq = found.requirements or (None, None)
    return VersionFacts(
        version, found.digest, found.registered, found.registered_seq, found.stage,
        tuple(sorted(a for a, holders in fold.aliases.items() if version in holders)),
        base, relation, found.attestation_seq,
        tuple(sorted(found.evaluations, key=lambda e: e.seq)),
        tuple(sorted(found.approvals, key=lambda a: a.seq)), requirements, requirements_seq,
        end)


def _deprecation(fold: _Fold, plan_id: str, plan: _Plan) -> DeprecationStatus:
    payload = plan.payload
    affected = [(team, name) for name, (team, pins) in fold.consumers.items()
                if pins.get(fold.model) in plan.versions]
    return DeprecationStatus(
        plan_id, tuple(sorted(plan.versions)), str(payload.get("reason", "")),
        str(payload.get("announced") or ""), str(payload.get("soft_deadline") or ""),
        str(payload.get("hard_deadline") or ""), str(payload.get("replacement") or ""),
        _texts(payload.get("migration_steps")), plan.phase,
        len(affected), len({team for team, _ in affected}), plan.seq)


def build_card(model: str, version: str, events: Iterable[Event], *, at: str = "") -> Card:
    """The card of ``model`` (``version`` "") or of ``model@version`` from ``events`` —
    oldest first, every event up to the card's time ``at`` (an event time, or "" for the whole
    history): the model's own, the derivations of its ancestors, and the advisories' and
    consumers' that concern it (other models' events only count towards the card's last event
    number). A deleted version is left out of the facts but stays in the changelog."""
    fold = _Fold(model)
    for event in events:
        fold.apply(event)
    support = _support(fold.facts)
    scope = ({version} if version else
             {v for v, found in fold.versions.items() if not found.deleted})
    versions = tuple(_version_facts(fold, v, fold.versions[v], support)
                     for v in sorted(scope, key=_version_order) if v in fold.versions)
    changelog = tuple(entry for about, entry in fold.changelog
                      if not version or not about or version in about)
    issues = tuple(sorted((i for i in [*fold.issues, *fold.incident_issues(),
                                                 *fold.advisory_issues()]
                           if i.version in scope),
                          key=lambda i: (i.seq, i.version, i.kind.value, i.reference)))
    deprecations = tuple(sorted((_deprecation(fold, plan_id, plan)
                                 for plan_id, plan in fold.plans.items()
                                 if scope & set(plan.versions)), key=lambda d: d.seq))
    sections = tuple((s, *fold.sections[s]) for s in CardSection if s in fold.sections)
    return Card(model, version, at, fold.head, str(fold.facts.get("owner_team") or ""),
                str(fold.facts.get("risk_tier") or ""), str(fold.facts.get("license") or ""),
                support.describe(), sections, versions, changelog, issues, deprecations)


def _version_order(version: str) -> tuple[tuple[int, int | str], ...]:
    """Numeric parts numerically (1.10.0 after 1.9.0), text parts as text: a total order."""
    return tuple((0, int(piece)) if piece.isdigit() else (1, piece)
                 for piece in version.replace("+", ".").replace("-", ".").split("."))
