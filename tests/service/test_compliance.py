"""The compliance report on the demonstration registry, and the drift notice — on memory,
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from modelsteward import Registry
from modelsteward.demo import build
from modelsteward.domain.compliance import DRIFTED, Item, Outcome
from modelsteward.domain.consumers import Consumer, ConsumerKind, ConsumerPin
from modelsteward.errors import InvalidInput, ModelNotFound


@pytest.fixture
def demo(db_url: str, tmp_path: Path) -> Iterator[Registry]:
    with Registry.open(db_url, actor="demo@modelsteward") as registry:
        build(registry, tmp_path / "weights")
        yield registry


def test_every_item_of_every_model_is_shown_with_evidence(demo: Registry) -> None:
    report = demo.compliance.report()
    assert [m.model for m in report.models] == ["acme/support-base", "claude-sonnet",
                                                  "support-bot"]
    for model in report.models:
        assert [f.item for f in model.findings] == list(Item)
        for finding in model.findings:
            assert finding.evidence, (model.model, finding.item)
            assert any(e.seq is not None for e in finding.evidence)
            assert bool(finding.remediation) == (finding.outcome is Outcome.FAIL)
            assert not finding.remediation or finding.remediation.startswith("steward ")
    sonnet = {f.item: f for f in report.models[1].findings}
    assert sonnet[Item.REGISTRY].outcome is Outcome.PASS
    assert sonnet[Item.EVALUATION].outcome is Outcome.PASS
    assert sonnet[Item.PROVIDER_NOTICES].outcome is Outcome.FAIL  # no schedule imported
    assert sonnet[Item.FINE_TUNE_PIPELINE].outcome is Outcome.NOT_APPLICABLE
    bot = {f.item: f for f in report.models[2].findings}
    assert bot[Item.FINE_TUNE_PIPELINE].outcome is Outcome.FAIL
    assert bot[Item.FINE_TUNE_PIPELINE].remediation == (
        "steward pipeline import support-bot pipeline.yaml")
    # only the high-risk model gets an evidence pack, each line citing its event
    assert list(report.packs) == ["support-bot"]
    pack = report.packs["support-bot"]
    assert [s.key for s in pack.annex_iv] == ["1", "2", "6", "9"]
    assert [s.key for s in pack.nist] == ["GOVERN", "MAP", "MEASURE", "MANAGE"]
    derived = [line for line in pack.annex_iv[1].lines if "derived" in line.text]
    assert derived and derived[0].seq is not None


def test_the_report_narrows_to_a_model_or_a_team(demo: Registry) -> None:
    assert [m.model for m in demo.compliance.report(model="support-bot").models] == [
        "support-bot"]
    assert [m.model for m in demo.compliance.report(team="team-ai-platform").models] == [
        "claude-sonnet"]
    with pytest.raises(ModelNotFound):
        demo.compliance.report(model="no-such-model")
    with pytest.raises(InvalidInput):
        demo.compliance.report(model="support-bot", team="team-support")


def test_an_item_that_goes_from_pass_to_fail_is_told_once(demo: Registry) -> None:
    demo.consumers.add(Consumer("summariser", ConsumerKind.APPLICATION, "team-docs",
                                pins=(ConsumerPin("claude-sonnet",
                                                  "claude-sonnet-4-5-20250929"),)))
    first = demo.compliance.record()
    assert first.notices == () and set(first.changed) == {"acme/support-base",
                                                           "claude-sonnet", "support-bot"}
    pinned = {f.item: f for f in first.report.models[1].findings}[Item.PINNED]
    assert pinned.outcome is Outcome.PASS
    assert demo.compliance.record().changed == ()  # unchanged: nothing written

    demo.consumers.pin("summariser", ConsumerPin("claude-sonnet", "claude-sonnet-4-5-*"))
    second = demo.compliance.record()
    assert second.changed == ("claude-sonnet",)
    [notice] = second.notices
    assert notice.kind == DRIFTED and notice.team == "team-ai-platform"
    assert notice.model == "claude-sonnet" and notice.payload["item"] == "pinned"
    assert "steward consumer pin summariser claude-sonnet" in notice.message
    told = [n for n in demo.deprecations.notices("team-ai-platform") if n.kind == DRIFTED]
    assert [n.key for n in told] == [notice.key]
    # recorded again, still failing: not told twice
    assert demo.compliance.record().notices == ()
    assert [n for n in demo.deprecations.notices() if n.kind == DRIFTED] == told
    # the log holds the previous state the drift was measured against
    evaluated = [e for e in demo.log("claude-sonnet")
                 if e.kind == "model:compliance:evaluated"]
    assert len(evaluated) == 2
    assert evaluated[-1].payload["previous"] == evaluated[0].seq
    assert demo.verify_log()[1] is None  # the chain is intact
