"""The card as Markdown, deterministically: the same :class:`Card` gives the same bytes.

Everything is in a fixed order (sections by :class:`CardSection`, versions by version, the
changelog and known issues by event number) and nothing reads a clock: the card names the time
it was rebuilt at (``--at``) and the last event it read, never the time it was rendered.
"""

from __future__ import annotations

import difflib
from datetime import datetime

from modelsteward.domain.card import (
    Card,
    CardSection,
    DeprecationStatus,
    IssueKind,
    KnownIssue,
    VersionFacts,
)
from modelsteward.domain.events import format_time

__all__ = ["card_diff", "render_markdown"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or "—"


def _incident(issue: KnownIssue) -> str:
    """``- 1.1.0: incident 42 (high, open since 2026-11-02) — summary — link (event 42)``."""
    state = (f"resolved {issue.resolved}, started {issue.started}" if issue.resolved
             else f"open since {issue.started}")
    link = f" — <{issue.link}>" if issue.link else ""
    return (f"- {issue.version}: incident {issue.reference} ({issue.severity}, {state}) — "
            f"{issue.title}{link} (event {issue.seq})")


def _banner(status: DeprecationStatus) -> list[str]:
    lines = [f"> **Deprecated** ({status.phase}): {', '.join(status.versions)} — reason "
             f"{status.reason}. Announced {status.announced}, soft deadline "
             f"{status.soft_deadline}, hard deadline {status.hard_deadline}.",
             f"> Replacement: {status.replacement or 'none'}. Impact: {status.impact} "
             f"(event {status.seq}).".replace("  ", " ")]
    if status.migration_steps:
        lines.append(">")
        lines.append("> Migration steps:")
        lines.extend(f"> {n}. {step}" for n, step in enumerate(status.migration_steps, 1))
    return [*lines, ""]


def _version(facts: VersionFacts) -> list[str]:
    lines = [f"### {facts.version}", "",
             f"- Stage: {facts.stage}" + (f"; aliases: {', '.join(facts.aliases)}"
                                           if facts.aliases else ""),
             f"- Registered: {facts.registered} (event {facts.registered_seq})",
             f"- Digest: {'sha256:' + facts.digest if facts.digest else 'none'}",
             f"- Base model: {facts.base} ({facts.relation})" if facts.base
             else "- Base model: none",
             "- Training attestation: " + (f"present (event {facts.attestation_seq})"
                                           if facts.attestation_seq is not None else "none")]
    if facts.end_of_active_support:
        lines.append(f"- End of active support: {facts.end_of_active_support}")
    lines.append("")
    if facts.evaluations:
        lines += ["| suite | dataset | date | metrics | event |", "|---|---|---|---|---|"]
        lines += [f"| {_cell(e.suite)} | {_cell(e.dataset_digest)} | {e.date} | "
                  f"{_cell(', '.join(f'{k}={v:g}' for k, v in e.metrics))} | {e.seq} |"
                  for e in facts.evaluations]
        lines.append("")
    lines += [f"- Approved as {a.role} by {a.by} on {a.date}"
              + (f", next review {a.next_review}" if a.next_review else "") + f" (event {a.seq})"
              for a in facts.approvals]
    if facts.approvals:
        lines.append("")
    return lines


def render_markdown(card: Card) -> str:
    """The card as a Markdown document (UTF-8 text ending in one newline)."""
    when = f"the event history as of {card.at}" if card.at else "the whole event history"
    lines = [f"# Model card: {card.subject}", "",
             f"_Rebuilt from {when} (last event {card.head})._", ""]
    for status in card.deprecations:
        lines += _banner(status)
    for section in CardSection:
        lines += [f"## {section.heading}", ""]
        text = card.section(section).strip()
        lines += [text if text else
                  f"_Not written yet: `steward card edit {card.model} --section "
                  f"{section.value} --text …`._", ""]
    lines += ["## Facts", "",
              f"- Owner team: {card.owner_team or 'none'}",
              f"- Risk tier: {card.risk_tier or 'none'}",
              f"- Licence: {card.license or 'not declared'}",
              f"- Support window: {card.support}", "",
              "## Versions", ""]
    for facts in card.versions:
        lines += _version(facts)
    if not card.versions:
        lines += ["_No versions._", ""]
    lines += ["## Compatibility", ""]
    tested = [v for v in card.versions if v.requirements is not None]
    if tested:
        lines += ["| version | framework | tested range | tokenizer | hardware | "
                  "serving config | event |", "|---|---|---|---|---|---|---|"]
        for v in tested:
            r = v.requirements
            assert r is not None
            lines.append(f"| {v.version} | {_cell(r.framework)} | {_cell(r.framework_version)} "
                         f"| {_cell(r.tokenizer)} | {_cell(r.hardware)} | "
                         f"{_cell(r.serving_config_digest)} | {v.requirements_seq} |")
    else:
        lines.append("_No runtime requirements recorded: `steward version requirements "
                     "MODEL@VERSION --file F`._")
    lines += ["", "## Known issues", ""]
    for issue in card.known_issues:
        if issue.kind is IssueKind.INCIDENT:
            lines.append(_incident(issue))
            continue
        source = f" — inherited from {issue.inherited_from}" if issue.inherited_from else ""
        name = f"{issue.reference}: " if issue.reference else ""
        lines.append(f"- {issue.version}: {issue.kind.value} — {name}{issue.title}{source} "
                     f"(event {issue.seq})")
    if not card.known_issues:
        lines.append("_None known._")
    lines += ["", "## Deprecation status", ""]
    for status in card.deprecations:
        lines.append(f"- {', '.join(status.versions)}: {status.phase} ({status.reason}); "
                     f"hard deadline {status.hard_deadline}; impact {status.impact} "
                     f"(event {status.seq})")
    if not card.deprecations:
        lines.append("_Not deprecated._")
    lines += ["", "## Changelog", ""]
    lines += [f"- {e.time[:10]} — {e.text} ({e.actor}, event {e.seq})" for e in card.changelog]
    return "\n".join(lines).rstrip("\n") + "\n"


def card_diff(ref: str, before: str, after: str, start: datetime,
              end: datetime | None) -> str:
    """A unified diff from ``before`` (the card of ``ref`` rendered at ``start``) to ``after``
    (at ``end``, None: now); "" when they are the same."""
    return "".join(difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True),
        f"{ref} at {format_time(start)}",
        f"{ref} at {format_time(end)}" if end is not None else f"{ref} now"))
