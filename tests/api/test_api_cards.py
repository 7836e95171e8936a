"""The living card over a real socket: sections edited by the owning team's maintainer (another
team's is refused, 403), requirements with located problems (422), the card as Markdown and as
JSON, of a model and of one version, and ``?at=`` rebuilding what it was then, byte for byte."""

from __future__ import annotations

from datetime import timedelta

from tests.api.conftest import Server
from tests.api.test_auth import make_token
from tests.conftest import FixedClock

PROBLEM = "application/problem+json"


def test_card_over_http(server: Server, clock: FixedClock) -> None:
    client = server.client
    assert client.post("/api/v1/models", json={"name": "org/support-bot",
                                               "owner_team": "support"}).status_code == 201
    assert client.post("/api/v1/models/org/support-bot/versions", json={
        "version": "1.0.0", "files": [{"path": "w.bin", "sha256": "a" * 64, "size": 3}]}
    ).status_code == 201
    owner = make_token(server, "owner", "maintainer", team="support")
    other = make_token(server, "other", "maintainer", team="billing")
    section = "/api/v1/models/org/support-bot/card/sections/summary"
    refused = client.put(section, json={"text": "Mine."},
                         headers={"Authorization": f"Bearer {other}"})
    assert refused.status_code == 403 and refused.headers["content-type"] == PROBLEM
    edited = client.put(section, json={"text": "Answers tickets."},
                        headers={"Authorization": f"Bearer {owner}"})
    assert edited.status_code == 200, edited.text
    assert edited.json()["kind"] == "model:card:edited"
    assert client.put("/api/v1/models/org/support-bot/card/sections/history",
                      json={"text": "x"}).status_code == 422
    clock.advance(hours=1)
    t1 = clock.now()
    card = client.get("/api/v1/models/org/support-bot/card")
    assert card.status_code == 200 and card.headers["content-type"].startswith("text/markdown")
    assert card.text.startswith("# Model card: org/support-bot\n")
    assert "Answers tickets." in card.text
    clock.advance(hours=1)

    bad = client.put("/api/v1/models/org/support-bot/versions/1.0.0/requirements",
                     json={"framework_version": "new", "gpu": 1})
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM
    assert {"framework", "framework_version", "gpu"} <= {
        p["location"] for p in bad.json()["errors"]}, bad.json()
    ok = client.put("/api/v1/models/org/support-bot/versions/1.0.0/requirements",
                    json={"framework": "vllm", "framework_version": ">=0.6,<0.7"},
                    headers={"Authorization": f"Bearer {owner}"})
    assert ok.status_code == 200, ok.text

    now = client.get("/api/v1/models/org/support-bot/versions/1.0.0/card",
                     params={"format": "json"})
    assert now.status_code == 200
    data = now.json()
    assert data["version"] == "1.0.0"
    assert data["versions"][0]["requirements"]["framework"] == "vllm"
    assert data["sections"][0]["text"] == "Answers tickets."
    then = client.get("/api/v1/models/org/support-bot/card", params={"at": t1.isoformat()})
    assert then.status_code == 200
    assert "vllm" not in then.text and "Answers tickets." in then.text
    again = client.get("/api/v1/models/org/support-bot/card", params={"at": t1.isoformat()})
    assert again.content == then.content
    before = client.get("/api/v1/models/org/support-bot/versions/1.0.0/card",
                        params={"at": (t1 - timedelta(days=1)).isoformat()})
    assert before.status_code == 404 and before.headers["content-type"] == PROBLEM
    assert client.get("/api/v1/models/nobody/card").status_code == 404


def test_incidents_over_http(server: Server, clock: FixedClock) -> None:
    client = server.client
    assert client.post("/api/v1/models", json={"name": "org/support-bot",
                                               "owner_team": "support"}).status_code == 201
    assert client.post("/api/v1/models/org/support-bot/versions", json={
        "version": "1.0.0", "files": [{"path": "w.bin", "sha256": "a" * 64, "size": 3}]}
    ).status_code == 201
    owner = {"Authorization": f"Bearer {make_token(server, 'owner', 'maintainer', team='support')}"}
    other = {"Authorization": f"Bearer {make_token(server, 'other', 'maintainer', team='billing')}"}
    incidents = "/api/v1/models/org/support-bot/versions/1.0.0/incidents"
    body = {"summary": "Answers in the wrong language", "severity": "high",
            "started": "2026-11-20", "link": "https://status.example.com/incidents/81"}
    assert client.post(incidents, json=body, headers=other).status_code == 403
    for bad, field in (({"summary": " "}, "summary"), ({"severity": "urgent"}, "severity"),
                       ({"started": "20/11/2026"}, "YYYY-MM-DD"),
                       ({"link": "ftp://x"}, "http(s)")):
        refused = client.post(incidents, json={**body, **bad}, headers=owner)
        assert refused.status_code == 400 and refused.headers["content-type"] == PROBLEM
        assert field in refused.json()["detail"], refused.json()
    assert client.post(incidents, json={**body, "impact": "big"},
                       headers=owner).status_code == 422
    assert client.post("/api/v1/models/org/support-bot/versions/9.9.9/incidents", json=body,
                       headers=owner).status_code == 404
    made = client.post(incidents, json=body, headers=owner)
    assert made.status_code == 201, made.text
    assert made.json()["kind"] == "model:version:incident"
    number = made.json()["seq"]
    card = client.get("/api/v1/models/org/support-bot/card", params={"format": "json"}).json()
    assert [(i["kind"], i["reference"], i["open"]) for i in card["known_issues"]] == [
        ("incident", str(number), True)]

    resolution = f"{incidents}/{number}/resolution"
    assert client.post(resolution, json={}, headers=other).status_code == 403
    assert client.post(f"{incidents}/{number + 50}/resolution", json={},
                       headers=owner).status_code == 404
    done = client.post(resolution, json={"resolved": "2026-11-21"}, headers=owner)
    assert done.status_code == 200, done.text
    assert done.json()["kind"] == "model:version:incident-resolved"
    assert client.post(resolution, json={}, headers=owner).status_code == 409
    text = client.get("/api/v1/models/org/support-bot/versions/1.0.0/card").text
    assert f"incident {number} (high, resolved 2026-11-21, started 2026-11-20)" in text
