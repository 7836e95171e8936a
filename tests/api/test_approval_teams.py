"""Approvals are per team, over a real socket with real tokens: an approver approves only its
own team's versions, unless the policy names its team a cross-team committee for the approval
role (``approval.committees``)."""

from __future__ import annotations

from datetime import timedelta

from modelsteward import Registry
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.policy import Policy
from tests.api.conftest import Server
from tests.api.test_auth import FILES, client, make_token
from tests.conftest import FixedClock


def test_approvers_approve_their_own_team_unless_a_committee(server: Server,
                                                             clock: FixedClock) -> None:
    admin = server.client
    for name, team in (("support-bot", "support"), ("billing-bot", "billing")):
        assert admin.post("/api/v1/models", json={"name": name, "owner_team": team,
                                                  "risk_tier": "low"}).status_code == 201
        assert admin.post(f"/api/v1/models/{name}/versions", json={
            "version": "1.0.0", "files": FILES}).status_code == 201
    with (Registry.open(server.app.state.settings.registry.database_url, clock=clock) as reg,
          reg.store.write() as tx):
        for name in ("support-bot", "billing-bot"):
            tx.set_stage(name, "1.0.0", Stage.REGISTERED)
    body = {"role": "lead", "evidence": "eval run 42", "risks_accepted": "none known",
            "monitoring_plan": "dashboards", "rollback_plan": "alias back",
            "next_review": (clock.now() + timedelta(days=30)).date().isoformat()}
    billing_lead = make_token(server, "bill", "approver", team="billing",
                              approval_roles=("lead",))
    committee = make_token(server, "rita", "approver", team="risk-office",
                           approval_roles=("lead",))
    url = "/api/v1/models/support-bot/versions/1.0.0/approvals"
    with client(server, billing_lead) as bill, client(server, committee) as rita:
        refused = bill.post(url, json=body)
        assert refused.status_code == 403 and "'support'" in refused.json()["detail"]
        assert rita.post(url, json=body).status_code == 403
        assert admin.get(url).json()["items"] == []
        assert bill.post("/api/v1/models/billing-bot/versions/1.0.0/approvals",
                         json=body).status_code == 201
        # the policy names the risk office a committee for the lead role
        server.app.state.policy = Policy(committees={"lead": ("risk-office",)})
        assert bill.post(url, json=body).status_code == 403
        approved = rita.post(url, json=body)
        assert approved.status_code == 201, approved.text
        assert approved.json()["approver"] == "rita"
