"""A monitoring breach and a rollback reach the owner team's webhook through the outbox, once,
on SQLite and PostgreSQL, with a real local receiver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from modelsteward import Registry
from modelsteward.domain.model import Model, RiskTier
from modelsteward.domain.policy import ModelRules, Policy, Threshold
from modelsteward.domain.versioning import ChangeKind
from modelsteward.notify.settings import NotifySettings
from tests.conftest import FixedClock
from tests.notify.conftest import Receiver
from tests.service.lifecycle_helpers import to_production, trained

SETTINGS = NotifySettings(allow_private=True, backoff_base=2, backoff_cap=60, timeout=2,
                          lease=10, max_attempts=8)
POLICY = Policy(monitoring=(Threshold("error_rate", "<=", 0.05),),
                models={"bot": ModelRules(auto_rollback=True)})


@pytest.fixture
def registry(db_url: str, clock: FixedClock) -> Iterator[Registry]:
    with Registry.open(db_url, actor="alice", clock=clock, policy=POLICY) as reg:
        reg.create_model(Model("bot", owner_team="team-ml", risk_tier=RiskTier.LOW))
        yield reg


def test_a_breach_and_its_automatic_rollback_reach_the_owner_teams_webhook_once(
        registry: Registry, receiver: Receiver) -> None:
    v1 = trained(registry, "bot")
    to_production(registry, v1)
    v2 = trained(registry, "bot", change=ChangeKind.RETRAIN)
    to_production(registry, v2)
    with registry.notifications(SETTINGS) as notifications:
        made = notifications.subscribe("team-ml", webhook=receiver.url("/ml"),
                                       kinds=("monitoring*",))
        receiver.secrets["/ml"] = made.secret
        registry.lifecycle.record_measurements(v2, {"error_rate": 0.2})
        assert notifications.deliver_once().delivered == 1
        assert notifications.deliver_once().claimed == 0  # nothing is sent twice
    [received] = receiver.accepted
    assert receiver.bad_signatures == 0
    assert received.body["type"] == "monitoring:degraded"
    data = received.body["data"]
    assert data["team"] == "team-ml" and data["model"] == "bot"
    assert "error_rate measured 0.2, threshold error_rate <= 0.05" in data["message"]
    assert "rolled back automatically from bot@1.1.0 to bot@1.0.0" in data["message"]
    assert data["payload"]["breaches"] == [
        {"metric": "error_rate", "value": 0.2, "threshold": "error_rate <= 0.05"}]
    assert data["payload"]["production"] == "1.0.0"
