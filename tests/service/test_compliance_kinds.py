"""The report reads only the event kinds it judges (``REPORT_KINDS``, filtered by the store); on
a registry with events of every kind it says exactly what it says when it reads the whole log —
on memory, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from modelsteward import Registry
from modelsteward.demo import build
from modelsteward.domain import events as ev
from modelsteward.domain.compliance import COMPLIANCE_EVALUATED
from modelsteward.domain.consumers import Consumer, ConsumerKind, ConsumerPin
from modelsteward.domain.events import NewEvent
from modelsteward.service import compliance

EVERY_KIND = sorted({value for name, value in vars(ev).items()
                     if name.isupper() and isinstance(value, str) and ":" in value}
                    | {COMPLIANCE_EVALUATED})
MODELS = ("acme/support-base", "claude-sonnet", "support-bot")


@pytest.fixture
def busy(db_url: str, tmp_path: Path) -> Iterator[Registry]:
    """The demonstration registry, with consumers, recorded outcomes, and then events of every
    kind about every model, its versions and the consumers."""
    with Registry.open(db_url, actor="demo@modelsteward") as registry:
        build(registry, tmp_path / "weights")
        registry.consumers.add(Consumer(
            "summariser", ConsumerKind.APPLICATION, "team-docs",
            pins=(ConsumerPin("claude-sonnet", "claude-sonnet-4-5-*"),
                  ConsumerPin("support-bot", "1.0.0"))))
        registry.compliance.record()
        new = []
        for model in MODELS:
            payload: dict[str, object] = {
                "to": "production", "gates": ["evaluation"], "evaluation": {"suite": "s"},
                "plan": "p1", "name": "ab", "model": model, "models": {model: "1.0.0"},
                "reembedding": {"documents": 2_000_000, "index": "docs"},
                "items": {"pinned": "pass"}, "values": {"error_rate": 0.01}}
            new += [NewEvent(kind, subject, payload) for kind in EVERY_KIND
                    for subject in (model, f"{model}@1.0.0", "summariser",
                                    "consumer:summariser")]
        with registry.store.write() as tx:
            tx.append_events("demo@modelsteward", datetime(2026, 11, 22, tzinfo=UTC), new)
        yield registry


def _everything(registry: Registry, monkeypatch: pytest.MonkeyPatch,
                **scope: str) -> dict[str, object]:
    """The report as it is when the whole log is read (no kind left out)."""
    with monkeypatch.context() as patched:
        patched.setattr(compliance, "REPORT_KINDS", frozenset())
        return _judged(registry, **scope)


def _judged(registry: Registry, **scope: str) -> dict[str, object]:
    """The report's payload but its time."""
    payload = registry.compliance.report(**scope).as_payload()
    del payload["at"]
    return payload


def test_the_report_on_the_kinds_it_reads_is_the_report_on_the_whole_log(
        busy: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    with busy.store.read() as tx:
        assert {e.kind for e in tx.events()} >= set(EVERY_KIND)
        assert len(tx.events(kinds=compliance.REPORT_KINDS)) < len(tx.events())
    report = _judged(busy)
    assert report == _everything(busy, monkeypatch)
    assert report["evidence_packs"] and report["models"]
    for model in MODELS:
        assert _judged(busy, model=model) == _everything(busy, monkeypatch, model=model)
    assert (_judged(busy, team="team-support")
            == _everything(busy, monkeypatch, team="team-support"))
