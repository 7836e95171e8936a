"""``steward providers import|upcoming`` through the CLI."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Steward
from tests.service.test_providers import SAMPLE, _curated_row


def test_import_and_bad_files(steward: Steward, tmp_path: Path) -> None:
    steward("model", "create", "gpt", "--kind", "hosted", "--provider", "openai")
    steward("version", "register", "gpt", "gpt-4o-2024-08-06")
    imported = steward("providers", "import", str(SAMPLE), "--json").json_object()
    assert imported["planned"] == [] and imported["unchanged"] == []  # openai's gpt-4o is not in it
    assert steward("providers", "upcoming", "--within", "400d", "--json").json() == []
    (tmp_path / "bad.json").write_text('{"gpt-4-0613": {"litellm_provider": 7, '
                                       '"deprecation_date": "soon"}}')
    run = steward("providers", "import", str(tmp_path / "bad.json"), expect=2)
    assert "gpt-4-0613.deprecation_date" in run.stderr and "gpt-4-0613.litellm_provider" in \
        run.stderr
    assert "Give either FILE or --curated" in steward("providers", "import", expect=2).stderr
    assert "90d" in steward("providers", "upcoming", "--within", "soon", expect=2).stderr


CURATED = "modelsteward/data/provider_shutdowns.yaml"


def _events(steward: Steward) -> int:
    return len(steward("log", "--json").json())  # type: ignore[arg-type]


def _row_line(table: str, ref: str) -> str:
    """The first line of the skipped table's row for ``ref`` (long cells wrap)."""
    return next(line for line in table.splitlines() if f" {ref} " in line)


def _hosted(steward: Steward, name: str, provider: str, *snapshots: str) -> None:
    steward("model", "create", name, "--kind", "hosted", "--provider", provider)
    for snapshot in snapshots:
        steward("version", "register", name, snapshot)


def _retire(steward: Steward, ref: str) -> None:
    steward("reject", ref, "--reason", "the provider stopped serving it")
    steward("retire", ref, "--reason", "provider shutdown")


def test_curated_import_reports_a_retired_snapshot_and_imports_the_rest(
        steward: Steward) -> None:
    _hosted(steward, "claude", "anthropic", "claude-3-sonnet-20240229",
            "claude-3-5-sonnet-20240620")
    _hosted(steward, "gpt", "openai", "gpt-4-0613")
    _retire(steward, "claude@claude-3-5-sonnet-20240620")
    run = steward("providers", "import", "--curated", "--json").json()
    assert isinstance(run, dict)
    assert sorted(run["planned"]) == ["claude@claude-3-sonnet-20240229", "gpt@gpt-4-0613"]
    skipped = {s["ref"]: s for s in run["skipped"]}
    retired = skipped["claude@claude-3-5-sonnet-20240620"]
    assert (retired["file"], retired["row"], retired["replacement"]) == (
        CURATED, _curated_row("claude-3-5-sonnet-20240620"), None)
    assert "already retired" in retired["reason"]
    unknown = skipped["anthropic/claude-1.0"]
    assert (unknown["file"], unknown["row"]) == (CURATED, 1)
    assert "steward version register" in unknown["fix"]
    assert len(run["skipped"]) == run["shutdowns"] - 2
    # the human form: planned rows and the summary on stdout, the skipped rows on stderr
    events = _events(steward)
    again = steward("providers", "import", "--curated")
    assert _events(steward) == events
    assert "0 plan(s) written, 2 unchanged" in again.stdout
    assert f"Not applied from {CURATED}" in again.stderr
    row = _row_line(again.stderr, "claude@claude-3-5-sonnet-20240620")
    assert f" {_curated_row('claude-3-5-sonnet-20240620')} " in row and "already" in row
    assert "claude-3-5-sonnet" not in again.stdout


def test_table_import_reports_rows_with_file_and_row(steward: Steward, tmp_path: Path) -> None:
    _hosted(steward, "gpt", "openai", "gpt-4-0613", "gpt-4o-2024-08-06")
    _retire(steward, "gpt@gpt-4o-2024-08-06")
    table = tmp_path / "shutdowns.yaml"
    table.write_text(
        "shutdowns:\n"
        "  - {provider: openai, model: gpt-4-0613, shutdown: 2027-10-23,\n"
        "     replacement: gpt-4o-2024-08-06,\n"
        "     source: 'https://platform.openai.com/docs/deprecations'}\n"
        "  - {provider: openai, model: gpt-3.5-turbo-0125, shutdown: 2027-10-23,\n"
        "     source: 'https://platform.openai.com/docs/deprecations'}\n")
    run = steward("providers", "import", str(table))
    assert "planned   gpt@gpt-4-0613" in run.stdout
    assert "1 skipped (1 naming no registered snapshot), 1 planned without" in run.stdout
    assert f"Not applied from {table}" in run.stderr
    assert "replacement" in _row_line(run.stderr, "gpt@gpt-4-0613")
    assert " 2 " in _row_line(run.stderr, "openai/gpt-3.5-turbo-0125")
    plans = steward("plan", "gpt", "--json").json()
    assert isinstance(plans, dict) and [p["replacement"] for p in plans["plans"]] == [None]
    events = _events(steward)
    again = steward("providers", "import", str(table), "--json").json()
    assert isinstance(again, dict) and _events(steward) == events
    assert again["planned"] == [] and again["unchanged"] == ["gpt@gpt-4-0613"]
    assert again["skipped"] == [{
        "file": str(table), "row": 2, "ref": "openai/gpt-3.5-turbo-0125", "replacement": None,
        "reason": "No hosted model of provider openai has this version in the registry.",
        "fix": "If you use it, register it (steward version register MODEL gpt-3.5-turbo-0125) "
               "and import again."}]
