"""``steward card show|edit|diff``: the living model card, rebuilt from the history; and
``steward version requirements`` (what a version was tested with, shown on its card) and
``steward version incident`` (an incident found after release: a known issue on the card).

Each works on a local database and, with STEWARD_URL, through a server (the same Markdown)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from modelsteward.cli.context import State, emit_json, json_option, out, pass_state
from modelsteward.domain.card import CardSection
from modelsteward.errors import InvalidInput

_SECTIONS = [s.value for s in CardSection]


def _moment(text: str | None) -> datetime | None:
    from modelsteward.cli.aliases import parse_moment

    return parse_moment(text) if text else None


@click.group()
def card() -> None:
    """The living model card: rendered from the registry's events, at any time."""


@card.command("show")
@click.argument("ref", metavar="MODEL[@VERSION]")
@click.option("--at", "at", metavar="TIME",
              help="The card as the history made it at TIME (ISO 8601, e.g. 2026-03-01T12:00Z).")
@json_option
@pass_state
def card_show(state: State, ref: str, at: str | None, as_json: bool) -> None:
    """The card of a model (all its versions) or of one version: authored sections, facts,
    compatibility, known issues, deprecation status and the changelog. Rendered with Rich in a
    terminal; the Markdown itself when stdout is a file or a pipe."""
    cards = state.registry.cards
    if as_json:
        emit_json(cards.card(ref, at=_moment(at)).as_json())
        return
    text = cards.markdown(ref, at=_moment(at))
    if sys.stdout.isatty():
        from rich.markdown import Markdown

        out.print(Markdown(text))
    else:
        sys.stdout.write(text)


@card.command("edit")
@click.argument("model")
@click.option("--section", required=True, type=click.Choice(_SECTIONS),
              help="The authored section to replace.")
@click.option("--text", default=None, help="The section's new text (Markdown).")
@click.option("--file", "file", type=click.Path(path_type=Path, dir_okay=False),
              help="Read the section's new text (Markdown) from this file.")
@pass_state
def card_edit(state: State, model: str, section: str, text: str | None,
              file: Path | None) -> None:
    """Replace one authored section of MODEL's card (recorded as an event; an empty text
    clears it)."""
    if (text is None) == (file is None):
        raise InvalidInput("Give the section's text with exactly one of --text or --file.")
    if file is not None:
        from modelsteward.document_reader import read_text

        text = read_text(file, what="section file")
    assert text is not None
    event = state.registry.cards.edit(model, section, text)
    out.print(f"Recorded the {section} section of {model}'s card (event {event.seq}).",
              highlight=False)


@card.command("diff")
@click.argument("ref", metavar="MODEL[@VERSION]")
@click.option("--from", "start", required=True, metavar="TIME",
              help="The earlier time (ISO 8601).")
@click.option("--to", "end", metavar="TIME", help="The later time (ISO 8601; default: now).")
@pass_state
def card_diff(state: State, ref: str, start: str, end: str | None) -> None:
    """A unified diff of the card's Markdown between two times (nothing when it did not
    change)."""
    moment = _moment(start)
    assert moment is not None
    sys.stdout.write(state.registry.cards.diff(ref, moment, _moment(end)))


@click.command("requirements")
@click.argument("ref", metavar="MODEL@VERSION")
@click.option("--file", "file", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="YAML or JSON: framework, framework_version, tokenizer, hardware, "
                   "serving_config_digest.")
@pass_state
def version_requirements(state: State, ref: str, file: Path) -> None:
    """Record what a version was tested with (its card's compatibility notes)."""
    from modelsteward.cli.files import read_structured
    from modelsteward.domain.requirements import parse_requirements

    requirements = parse_requirements(read_structured(file), str(file))
    event = state.registry.cards.set_requirements(ref, requirements)
    out.print(f"Recorded the runtime requirements of {ref}: {requirements.framework} "
              f"{requirements.framework_version} (event {event.seq}).", highlight=False)


def version_incident(state: State, ref: str, summary: str | None, severity: str | None,
                     started: str, resolved: str, link: str, incident: int | None,
                     as_json: bool) -> None:
    """``steward version incident`` (its options are in :mod:`modelsteward.cli.versions`):
    record an incident, or resolve one with ``incident``."""
    cards = state.registry.cards
    if incident is not None:
        if summary is not None or severity is not None or started or link:
            raise InvalidInput("--resolve ID takes only --resolved DATE: the incident's "
                               "summary, severity, start and link were recorded with it.")
        change = cards.resolve_incident(ref, incident, resolved=resolved)
        done = f"Resolved incident {incident} of {ref} (event {change.seq})."
    else:
        if summary is None:
            raise InvalidInput("Say what went wrong with --summary TEXT, or resolve an "
                               "incident with --resolve ID.")
        change = cards.record_incident(ref, summary, severity=(severity or "medium").lower(),
                                       started=started, resolved=resolved, link=link)
        done = (f"Recorded incident {change.seq} of {ref} (its id: the event's number); resolve "
                f"it with `steward version incident {ref} --resolve {change.seq}`.")
    if as_json:
        emit_json({"seq": change.seq, "kind": change.kind, "subject": change.subject,
                   "incident": incident if incident is not None else change.seq})
        return
    out.print(done, highlight=False)
