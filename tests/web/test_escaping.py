"""Every page shows what people typed as text: a model's description and purpose, a card
section, a version's description, an approval's evidence, a deprecation's migration step, an
advisory's summary, a consumer's contact and environment, an evaluation's suite and metric, a
measurement's metric, an experiment's description, the events' payloads, a search and a pasted
lock file, each holding script and HTML."""

from __future__ import annotations

from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest

from modelsteward import Registry
from modelsteward.domain.advisory import (
    ECOSYSTEM,
    Advisory,
    Affected,
    AffectedRange,
    EventKind,
    RangeEvent,
)
from modelsteward.domain.consumers import Consumer, ConsumerKind, ConsumerPin
from modelsteward.domain.deprecation import DeprecationReason
from modelsteward.domain.evaluation_file import EvaluationResult
from modelsteward.domain.experiment_file import parse_experiment
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.model import Model, RiskTier
from tests.web.conftest import Demo, post_form

HOSTILE = '<script>alert("owned")</script><b onmouseover="alert(1)">bold</b><!--'
ESCAPED = "&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt;&lt;b onmouseover="


@pytest.fixture(scope="module")
def hostile(demo: Demo) -> Demo:
    with Registry.open(demo.db_url, actor="lead@example.com") as registry:
        registry.create_model(Model("hostile-model", description=HOSTILE, purpose=HOSTILE,
                                    owner_team="team-support", risk_tier=RiskTier.LOW))
        registry.register_version("hostile-model", "1.0.0", description=HOSTILE,
                                  metrics={"accuracy": 0.9})
        registry.register_version("hostile-model", "1.1.0", description=HOSTILE, force=True,
                                  reason=HOSTILE)
        registry.cards.edit("hostile-model", "summary", HOSTILE)
        with registry.store.write() as tx:
            tx.set_stage("hostile-model", "1.0.0", Stage.STAGING)
        registry.lifecycle.approve(
            "hostile-model@1.0.0", role="lead", evidence=HOSTILE, risks_accepted=HOSTILE,
            monitoring_plan="dashboards", rollback_plan="alias back",
            next_review=registry.clock.now().date() + timedelta(days=30))
        today = registry.clock.now().date()
        registry.deprecations.plan(
            "hostile-model@1.1.0", reason=DeprecationReason.REPLACED,
            replacement="hostile-model@1.0.0", announced=today,
            soft_deadline=today + timedelta(days=10), hard_deadline=today + timedelta(days=20),
            migration_steps=(HOSTILE,))
        registry.advisories.create(Advisory(
            "", registry.clock.now(), summary=HOSTILE, details=HOSTILE,
            affected=(Affected(ECOSYSTEM, "hostile-model", ranges=(AffectedRange("SEMVER", (
                RangeEvent(EventKind.INTRODUCED, "0"),)),)),),
            database_specific={"severity": "LOW"}))
        registry.consumers.add(Consumer(
            "hostile-consumer", ConsumerKind.APPLICATION, "team-support", contact=HOSTILE,
            environment=HOSTILE, pins=(ConsumerPin("hostile-model", "1.0.0"),)))
        registry.lifecycle.record_evaluation("hostile-model@1.0.0", EvaluationResult(
            HOSTILE, "sha256:" + "0" * 64, {HOSTILE: 0.5}, 1.0, {HOSTILE: 10.0}))
        registry.lifecycle.record_measurements("hostile-model@1.0.0", {HOSTILE: 1.0})
        registry.experiments.start(parse_experiment({
            "name": "hostile-ab", "model": "support-bot", "control": "production",
            "treatment": "1.0.1", "description": HOSTILE,
            # metric names of experiments are lowercase words: refused otherwise, never shown
            "primary": [{"metric": "resolved", "kind": "proportion", "direction": "higher"}]}))
        registry.experiments.ingest("hostile-ab", [
            {"unit": f"u{i}", "metrics": {"resolved": i % 2}} for i in range(20)])
    return demo


def _shown_as_text(page: str, where: str) -> None:
    assert "<script>alert" not in page, where
    assert "<b onmouseover" not in page, where
    assert ESCAPED in page, where


@pytest.mark.parametrize("page", [
    "/", "/models", "/models?q=hostile", "/models/hostile-model",
    "/models/hostile-model?at=2099-01-01", "/models/hostile-model@1.0.0",
    "/models/hostile-model@1.1.0", "/approvals", "/deprecations", "/advisories",
    "/consumers", "/consumers?model=hostile-model", "/experiments",
    "/experiments/hostile-ab", "/events", "/events?model=hostile-model"])
def test_user_text_is_shown_as_text(hostile: Demo, page: str) -> None:
    with closing(hostile.browser("admin")) as browser:
        answer = browser.get(page)
        assert answer.status_code == 200, answer.text
        _shown_as_text(answer.text, page)


def test_a_search_and_a_pasted_lock_are_echoed_as_text(hostile: Demo, tmp_path: Path) -> None:
    with closing(hostile.browser("admin")) as browser:
        search = browser.get("/models", params={"q": HOSTILE})
        _shown_as_text(search.text, "search")
        audited = post_form(browser, "/audit", {"lock": HOSTILE}, page="/audit")
        assert audited.status_code in (400, 422)
        _shown_as_text(audited.text, "audit")


def test_pages_forbid_inline_script_and_other_hosts(hostile: Demo) -> None:
    with closing(hostile.browser("admin")) as browser:
        answer = browser.get("/models/hostile-model")
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "default-src 'none'" in policy
        assert answer.headers["x-content-type-options"] == "nosniff"


def test_a_refused_approval_keeps_what_was_typed_as_text(hostile: Demo) -> None:
    with closing(hostile.browser("admin")) as browser:
        refused = post_form(browser, "/approvals/hostile-model@1.0.0", {
            "role": "lead", "evidence": HOSTILE, "risks_accepted": HOSTILE,
            "monitoring_plan": HOSTILE, "rollback_plan": HOSTILE,
            "next_review": "2000-01-01"}, page="/approvals")
        assert refused.status_code == 400 and "must be after today" in refused.text
        _shown_as_text(refused.text, "refused approval")
