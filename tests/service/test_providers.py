"""Provider schedules: a file in LiteLLM's real format marks the matching hosted models and
lists upcoming shutdowns (both databases)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

import modelsteward.data
from modelsteward import Registry
from modelsteward.data import CURATED_SHUTDOWNS, load_curated
from modelsteward.domain.consumers import Consumer, ConsumerKind, parse_uses
from modelsteward.domain.deprecation import DeprecationPlan
from modelsteward.domain.model import Model, ModelKind
from modelsteward.domain.provider_schedules import parse_litellm, parse_shutdown_table
from modelsteward.errors import Conflict
from modelsteward.ports import Transaction
from modelsteward.results import CheckedPlan
from modelsteward.service.deprecations import Deprecations
from tests.conftest import FixedClock
from tests.service.eligibility_helpers import through_gates

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "litellm_model_prices_sample.json"


@pytest.fixture
def registry(db_url: str) -> Iterator[Registry]:
    clock = FixedClock(datetime(2025, 5, 1, 9, 0, tzinfo=UTC))
    with Registry.open(db_url, actor="alice", clock=clock) as reg:
        for name, provider, snapshots in (
                ("claude", "anthropic", ["claude-3-sonnet-20240229", "claude-3-5-sonnet-20240620",
                                         "claude-sonnet-4-20250514"]),
                ("gpt", "openai", ["gpt-4-0613", "gpt-4o-2024-08-06"]),
                ("gemini", "google", ["gemini-1.5-pro-001"])):
            reg.create_model(Model(name, kind=ModelKind.HOSTED, provider=provider))
            for snapshot in snapshots:
                reg.register_version(name, snapshot)
        for i, team in enumerate(("team-a", "team-b", "team-b")):
            reg.consumers.add(Consumer(f"app-{i}", ConsumerKind.APPLICATION, team, pins=(
                parse_uses("claude claude-3-sonnet-20240229"),)))
        yield reg


def test_litellm_file_marks_hosted_models_and_lists_upcoming(registry: Registry) -> None:
    shutdowns = parse_litellm(json.loads(SAMPLE.read_text()))
    result = registry.providers.import_shutdowns(shutdowns)
    assert sorted(result.planned) == ["claude@claude-3-5-sonnet-20240620",
                                      "claude@claude-3-sonnet-20240229",
                                      "gemini@gemini-1.5-pro-001", "gpt@gpt-4-0613"]
    plan = registry.deprecations.plans("claude")[-1]
    assert plan.reason.value == "provider-shutdown"
    sonnet = next(p for p in registry.deprecations.plans("claude")
                  if p.target == "claude-3-sonnet-20240229")
    assert (sonnet.hard_deadline, sonnet.soft_deadline) == (date(2025, 7, 21), date(2025, 6, 21))
    soon = registry.providers.upcoming(30)
    assert [u.ref for u in soon] == ["gemini@gemini-1.5-pro-001"]
    later = registry.providers.upcoming(90)
    assert [u.ref for u in later] == ["gemini@gemini-1.5-pro-001",
                                      "claude@claude-3-5-sonnet-20240620", "gpt@gpt-4-0613",
                                      "claude@claude-3-sonnet-20240229"]
    affected = {u.ref: (u.consumers, u.teams) for u in later}
    assert affected["claude@claude-3-sonnet-20240229"] == (3, 2)
    # the plans a caller read already give the same answer as those read for it
    every = [p for m in ("claude", "gemini", "gpt") for p in registry.deprecations.plans(m)]
    every.sort(key=lambda p: (p.created_at, p.id))
    for days in (30, 90):
        assert registry.providers.upcoming(days, plans=every) == registry.providers.upcoming(days)
    notices = registry.deprecations.notices()
    assert sorted(n.team for n in notices) == ["team-a", "team-b"]
    # importing again updates nothing and writes no event
    events = len(registry.log())
    again = registry.providers.import_shutdowns(shutdowns)
    assert again.planned == () and len(again.unchanged) == 4
    assert len(registry.log()) == events
    warning = registry.resolution("claude", "claude-3-sonnet-20240229").warning
    assert "provider-shutdown" in warning


def test_the_curated_table_loads_and_matches(registry: Registry) -> None:
    curated = load_curated()
    assert curated and all(s.source.startswith("https://") for s in curated)
    result = registry.providers.import_shutdowns(curated)
    assert "claude@claude-3-sonnet-20240229" in result.planned


CURATED_FILE = Path(modelsteward.data.__file__).with_name(CURATED_SHUTDOWNS)


def _curated_row(model: str) -> int:
    """The 1-based number of ``model``'s row in the shipped table, read from the YAML itself."""
    rows = yaml.safe_load(CURATED_FILE.read_text())["shutdowns"]
    return [row["model"] for row in rows].index(model) + 1


def _retire(registry: Registry, ref: str) -> None:
    registry.lifecycle.reject(ref, "the provider stopped serving it")
    registry.lifecycle.retire(ref, "provider shutdown")


def test_curated_import_skips_a_retired_snapshot_and_plans_the_rest(
        registry: Registry) -> None:
    _retire(registry, "claude@claude-3-5-sonnet-20240620")
    result = registry.providers.import_shutdowns(load_curated())
    assert sorted(result.planned) == ["claude@claude-3-sonnet-20240229",
                                      "claude@claude-sonnet-4-20250514", "gpt@gpt-4-0613"]
    retired = [s for s in result.skipped if s.ref == "claude@claude-3-5-sonnet-20240620"]
    assert len(retired) == 1
    assert (retired[0].file, retired[0].row, retired[0].replacement) == (
        "modelsteward/data/provider_shutdowns.yaml", _curated_row("claude-3-5-sonnet-20240620"),
        "")
    assert "already retired" in retired[0].reason
    # every curated row naming nothing registered is reported too, with its row
    unknown = {s.ref: s.row for s in result.skipped if not s.ref.startswith(("claude@", "gpt@"))}
    assert unknown["anthropic/claude-1.0"] == 1
    assert unknown["google/gemini-1.5-pro-002"] == _curated_row("gemini-1.5-pro-002")
    assert len(unknown) == result.unmatched == len(load_curated()) - 4
    assert {p.target for p in registry.deprecations.plans("claude")} == {
        "claude-3-sonnet-20240229", "claude-sonnet-4-20250514"}


TABLE = {"shutdowns": [
    {"provider": "openai", "model": "gpt-4-0613", "shutdown": "2025-10-23",
     "replacement": "gpt-4o-2024-08-06", "source": "https://platform.openai.com/docs/deprecations"},
    {"provider": "openai", "model": "gpt-3.5-turbo-0125", "shutdown": "2025-10-23",
     "source": "https://platform.openai.com/docs/deprecations"},
    {"provider": "anthropic", "model": "claude-3-sonnet-20240229", "shutdown": "2025-07-21",
     "replacement": "claude-9-20990101",
     "source": "https://docs.anthropic.com/en/docs/about-claude/model-deprecations"},
    {"provider": "anthropic", "model": "claude-sonnet-4-20250514", "shutdown": "2026-06-15",
     "replacement": "claude-3-5-sonnet-20240620",
     "source": "https://docs.anthropic.com/en/docs/about-claude/model-deprecations"},
]}


def test_table_rows_that_cannot_apply_are_reported_with_file_and_row(
        registry: Registry) -> None:
    _retire(registry, "gpt@gpt-4o-2024-08-06")
    # row 4's replacement passed the gates, so a plan may send people to it
    through_gates(registry, "claude@claude-3-5-sonnet-20240620")
    shutdowns = parse_shutdown_table(TABLE, source="shutdowns.yaml")
    result = registry.providers.import_shutdowns(shutdowns)
    # a retired (row 1) or unknown (row 3) replacement: planned without it, and said so
    assert result.planned == ("gpt@gpt-4-0613", "claude@claude-3-sonnet-20240229",
                              "claude@claude-sonnet-4-20250514")
    gpt = [p for p in registry.deprecations.plans("gpt") if p.target == "gpt-4-0613"]
    assert [p.replacement for p in gpt] == [""]
    by_row = {s.row: s for s in result.skipped}
    assert sorted(by_row) == [1, 2, 3] and {s.file for s in result.skipped} == {
        "shutdowns.yaml"}
    assert (by_row[1].ref, by_row[1].replacement) == ("gpt@gpt-4-0613", "gpt@gpt-4o-2024-08-06")
    assert "retired" in by_row[1].reason and "--replacement" in by_row[1].fix
    assert (by_row[3].ref, by_row[3].replacement) == (
        "claude@claude-3-sonnet-20240229", "claude@claude-9-20990101")
    # the snapshot of row 2 is not registered
    assert (by_row[2].ref, by_row[2].replacement) == ("openai/gpt-3.5-turbo-0125", "")
    assert "steward version register" in by_row[2].fix and result.unmatched == 1
    # row 4's replacement is usable: planned with it, nothing reported
    sonnet4 = [p for p in registry.deprecations.plans("claude")
               if p.target == "claude-sonnet-4-20250514"]
    assert [p.replacement for p in sonnet4] == ["claude@claude-3-5-sonnet-20240620"]


def test_importing_again_writes_nothing_new(registry: Registry) -> None:
    _retire(registry, "gpt@gpt-4o-2024-08-06")
    _retire(registry, "claude@claude-3-5-sonnet-20240620")
    clock = registry.clock
    assert isinstance(clock, FixedClock)
    for shutdowns in (parse_shutdown_table(TABLE, source="shutdowns.yaml"), load_curated()):
        clock.advance(minutes=1)  # the curated plans supersede the table's: later, not tied
        first = registry.providers.import_shutdowns(shutdowns)
        assert first.planned and first.skipped
        events = len(registry.log())
        plans = [len(registry.deprecations.plans(m)) for m in ("claude", "gpt")]
        again = registry.providers.import_shutdowns(shutdowns)
        assert again.planned == () and sorted(again.unchanged) == sorted(first.planned)
        assert len(registry.log()) == events
        assert [len(registry.deprecations.plans(m)) for m in ("claude", "gpt")] == plans
        # still reported: the rows that cannot apply (not the replacements of unchanged plans)
        assert {(s.row, s.ref) for s in again.skipped} == {
            (s.row, s.ref) for s in first.skipped if not s.replacement}


def test_a_row_is_written_whole_or_not_at_all(registry: Registry,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # a second hosted model serving the same snapshot: one row names two versions
    registry.create_model(Model("gpt-eu", kind=ModelKind.HOSTED, provider="openai"))
    registry.register_version("gpt-eu", "gpt-4-0613")
    write_plan = Deprecations.write_plan
    written: list[str] = []

    def fail_on_gpt_eu(self: Deprecations, tx: Transaction,
                       checked: CheckedPlan) -> DeprecationPlan:
        if checked.plan.model == "gpt-eu":
            raise Conflict("the store refused the plan; try again.")
        written.append(checked.plan.ref)
        return write_plan(self, tx, checked)

    monkeypatch.setattr(Deprecations, "write_plan", fail_on_gpt_eu)
    events = len(registry.log())
    stage = registry.get_version("gpt", "gpt-4-0613").stage
    result = registry.providers.import_shutdowns(parse_shutdown_table(TABLE, source="t.yaml"))
    assert "gpt@gpt-4-0613" in written  # written in the row's transaction, then rolled back
    assert registry.deprecations.plans("gpt") == [] and registry.deprecations.plans(
        "gpt-eu") == []
    assert registry.get_version("gpt", "gpt-4-0613").stage is stage
    assert sorted(s.ref for s in result.skipped if s.row == 1) == [
        "gpt-eu@gpt-4-0613", "gpt@gpt-4-0613"]
    # the other rows were written
    assert "claude@claude-3-sonnet-20240229" in result.planned
    assert len(registry.log()) > events


def test_a_replacement_that_has_not_passed_the_gates_is_not_named(registry: Registry) -> None:
    # claude-3-5-sonnet-20240620 is registered but never evaluated: no plan may send people there
    shutdowns = parse_shutdown_table({"shutdowns": [TABLE["shutdowns"][3]]},
                                     source="shutdowns.yaml")
    result = registry.providers.import_shutdowns(shutdowns)
    assert result.planned == ("claude@claude-sonnet-4-20250514",)
    [skipped] = result.skipped
    assert (skipped.row, skipped.replacement) == (1, "claude@claude-3-5-sonnet-20240620")
    assert "not eligible" in skipped.reason and "evaluation gate" in skipped.reason
    assert [p.replacement for p in registry.deprecations.plans("claude")] == [""]
