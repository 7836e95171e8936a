"""Provider schedules: a file in LiteLLM's real format marks the matching hosted models and
lists upcoming shutdowns (both databases)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from modelsteward import Registry
from modelsteward.data import load_curated
from modelsteward.domain.consumers import Consumer, ConsumerKind, parse_uses
from modelsteward.domain.model import Model, ModelKind
from modelsteward.domain.provider_schedules import parse_litellm
from tests.conftest import FixedClock

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
                                      "claude@claude-3-sonnet-20240229", "gemini@gemini-1.5-pro-001",
                                      "gpt@gpt-4-0613"]
    plan = registry.deprecations.plans("claude")[-1]
    assert plan.reason.value == "provider-shutdown"
    sonnet = [p for p in registry.deprecations.plans("claude")
              if p.target == "claude-3-sonnet-20240229"][0]
    assert (sonnet.hard_deadline, sonnet.soft_deadline) == (date(2025, 7, 21), date(2025, 6, 21))
    soon = registry.providers.upcoming(30)
    assert [u.ref for u in soon] == ["gemini@gemini-1.5-pro-001"]
    later = registry.providers.upcoming(90)
    assert [u.ref for u in later] == ["gemini@gemini-1.5-pro-001",
                                      "claude@claude-3-5-sonnet-20240620", "gpt@gpt-4-0613",
                                      "claude@claude-3-sonnet-20240229"]
    affected = {u.ref: (u.consumers, u.teams) for u in later}
    assert affected["claude@claude-3-sonnet-20240229"] == (3, 2)
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
