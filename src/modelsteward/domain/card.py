"""The living model card as a value: what the registry's history says about a model (or one
of its versions) at a point in time.

A :class:`Card` is never stored: :func:`modelsteward.domain.card_history.build_card` rebuilds it
from the events up to a time, so that it cannot drift from the history, and
:func:`modelsteward.domain.card_markdown.render_markdown` renders it deterministically (the same
history gives the same bytes). Every fact carries the sequence number of the event it came from.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from modelsteward.domain.requirements import Requirements

__all__ = ["Approval", "Card", "CardSection", "ChangelogEntry", "DeprecationStatus",
           "EvaluationFact", "IssueKind", "KnownIssue", "VersionFacts"]


class CardSection(enum.StrEnum):
    """The authored sections, in the order the card shows them."""

    SUMMARY = "summary"
    INTENDED_USE = "intended-use"
    OUT_OF_SCOPE_USE = "out-of-scope-use"
    LIMITATIONS = "limitations"
    ETHICAL_CONSIDERATIONS = "ethical-considerations"

    @property
    def heading(self) -> str:
        """The section's heading on the card: ``Out-of-scope use``."""
        return _HEADINGS[self]


_HEADINGS = {CardSection.SUMMARY: "Summary", CardSection.INTENDED_USE: "Intended use",
             CardSection.OUT_OF_SCOPE_USE: "Out-of-scope use",
             CardSection.LIMITATIONS: "Limitations",
             CardSection.ETHICAL_CONSIDERATIONS: "Ethical considerations"}


class IssueKind(enum.StrEnum):
    ADVISORY = "advisory"
    BREACH = "monitoring-breach"
    ROLLBACK = "rollback"
    INCIDENT = "incident"


@dataclass(frozen=True)
class EvaluationFact:
    suite: str
    dataset_digest: str
    date: str  # the day the result was recorded (UTC)
    metrics: tuple[tuple[str, float], ...]  # sorted by metric
    seq: int


@dataclass(frozen=True)
class Approval:
    role: str
    by: str
    date: str
    next_review: str
    seq: int


@dataclass(frozen=True)
class VersionFacts:
    """One version as its events describe it."""

    version: str
    digest: str
    registered: str  # the day it was registered (UTC)
    registered_seq: int
    stage: str
    aliases: tuple[str, ...]
    base: str  # the version (or upstream URL) it derives from; "" when none
    relation: str
    attestation_seq: int | None  # the last training attestation, if any
    evaluations: tuple[EvaluationFact, ...]
    approvals: tuple[Approval, ...]
    requirements: Requirements | None
    requirements_seq: int | None
    end_of_active_support: str  # "" when the model declares no support window


@dataclass(frozen=True)
class ChangelogEntry:
    seq: int
    time: str
    actor: str
    text: str


@dataclass(frozen=True)
class KnownIssue:
    kind: IssueKind
    version: str
    title: str
    seq: int
    inherited_from: str = ""  # the ancestor an advisory matched, when inherited
    reference: str = ""  # an advisory's id; an incident's (its event's sequence number)
    severity: str = ""  # an incident's: low, medium, high or critical
    started: str = ""  # an incident's start date
    resolved: str = ""  # an incident's resolution date ("" while it is open)
    link: str = ""  # an incident's write-up

    @property
    def open(self) -> bool:
        """An incident not resolved (as of the card's time); other kinds are never "open"."""
        return self.kind is IssueKind.INCIDENT and not self.resolved


@dataclass(frozen=True)
class DeprecationStatus:
    """One deprecation plan covering the card's versions, with the consumers it affects."""

    plan: str
    versions: tuple[str, ...]
    reason: str
    announced: str
    soft_deadline: str
    hard_deadline: str
    replacement: str
    migration_steps: tuple[str, ...]
    phase: str
    consumers: int
    teams: int
    seq: int

    @property
    def impact(self) -> str:
        """``14 services, 3 teams``: consumers resolving to the plan's versions."""
        services = "service" if self.consumers == 1 else "services"
        teams = "team" if self.teams == 1 else "teams"
        return f"{self.consumers} {services}, {self.teams} {teams}"


@dataclass(frozen=True)
class Card:
    """The card of ``model`` (all its versions) or of ``model@version``, as of ``at`` ("" for
    the whole history) and event ``head`` (the last event the card read)."""

    model: str
    version: str
    at: str
    head: int
    owner_team: str
    risk_tier: str
    license: str
    support: str  # "12 months active support, then community-maintained"
    sections: tuple[tuple[CardSection, str, int], ...]  # authored text and its event
    versions: tuple[VersionFacts, ...]
    changelog: tuple[ChangelogEntry, ...]
    known_issues: tuple[KnownIssue, ...]
    deprecations: tuple[DeprecationStatus, ...]

    @property
    def subject(self) -> str:
        return f"{self.model}@{self.version}" if self.version else self.model

    def section(self, name: CardSection) -> str:
        return next((text for section, text, _ in self.sections if section == name), "")

    def as_json(self) -> dict[str, object]:
        """The card as plain JSON values (the ``--json`` and ``?format=json`` output)."""
        data = asdict(self)
        data["sections"] = [{"section": s.value, "text": t, "seq": q}
                            for s, t, q in self.sections]
        for item in data["versions"]:
            for evaluation in item["evaluations"]:
                evaluation["metrics"] = dict(evaluation["metrics"])
        for issue, known in zip(data["known_issues"], self.known_issues, strict=True):
            issue["kind"] = str(issue["kind"])
            if known.kind is IssueKind.INCIDENT:
                issue["open"] = known.open
        for status, plan in zip(data["deprecations"], self.deprecations, strict=True):
            status["impact"] = plan.impact
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Card:
        """The card :meth:`as_json` gave (a server's ``?format=json``): ``from_json(c.as_json())
        == c``. Raises ``KeyError``/``TypeError``/``ValueError`` for something else."""
        def pick(made: type, item: Mapping[str, Any], /, **values: object) -> Any:
            names = [f.name for f in fields(made)]
            return made(**{n: values[n] if n in values else item[n]
                           for n in names if n in values or n in item})

        def version(item: Mapping[str, Any]) -> VersionFacts:
            found = item.get("requirements")
            facts: VersionFacts = pick(VersionFacts, item, aliases=tuple(item["aliases"]),
                        evaluations=tuple(pick(EvaluationFact, e, metrics=tuple(
                            sorted((str(k), float(v)) for k, v in e["metrics"].items())))
                            for e in item["evaluations"]),
                        approvals=tuple(pick(Approval, a) for a in item["approvals"]),
                        requirements=pick(Requirements, found) if found else None)
            return facts

        card: Card = pick(
            cls, data,
            sections=tuple((CardSection(s["section"]), s["text"], s["seq"])
                           for s in data["sections"]),
            versions=tuple(version(v) for v in data["versions"]),
            changelog=tuple(pick(ChangelogEntry, e) for e in data["changelog"]),
            known_issues=tuple(pick(KnownIssue, i, kind=IssueKind(i["kind"]))
                               for i in data["known_issues"]),
            deprecations=tuple(pick(DeprecationStatus, d, versions=tuple(d["versions"]),
                                    migration_steps=tuple(d["migration_steps"]))
                               for d in data["deprecations"]))
        return card
