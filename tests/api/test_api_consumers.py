"""Consumers, impact, deletion, deprecation plans, tick, retirement, provider schedules, lock
files and audits over a real socket — the API of the CLI's ``consumer``, ``impact``,
``delete``, ``deprecate``/``plan``/``tick``, ``retire``/``restore``, ``providers`` and
``lock``/``outdated``/``audit``."""

from __future__ import annotations

import tomllib
from datetime import timedelta

import httpx

from modelsteward import Registry
from modelsteward.domain.tokens import Role
from tests.api.conftest import Server
from tests.conftest import FixedClock
from tests.service.eligibility_helpers import DEVELOPMENT, POLICY, through_gates


def seed(server: Server, *, gated: bool = True) -> None:
    """Two models and their versions; ``gated``: taken through the gates by an
    administrator's overrides (which an audit reports), else left trained (for a server in
    the development mode, where they are eligible anyway)."""
    c = server.client
    for name, team in (("support-bot", "support"), ("embedder", "search")):
        assert c.post("/api/v1/models", json={"name": name, "owner_team": team}
                      ).status_code == 201
    for version in ("2.0.0", "2.1.0", "3.0.0"):
        made = c.post("/api/v1/models/support-bot/versions", json={
            "version": version, "force": True, "reason": "seed",
            "files": [{"path": "model.safetensors", "sha256": version[0] * 64, "size": 10}]})
        assert made.status_code == 201, made.text
    assert c.post("/api/v1/models/embedder/versions", json={
        "version": "1.0.0", "files": [{"path": "w.bin", "sha256": "e" * 64, "size": 3}]}
                  ).status_code == 201
    if not gated:
        return
    with Registry.open(server.app.state.settings.registry.database_url, actor="alice",
                       clock=server.app.state.clock, policy=POLICY) as registry:
        for ref in ("support-bot@2.0.0", "support-bot@2.1.0", "support-bot@3.0.0",
                    "embedder@1.0.0"):
            through_gates(registry, ref)


def client_as(server: Server, name: str, team: str, *roles: Role) -> httpx.Client:
    settings = server.app.state.settings.registry
    with Registry.open(settings.database_url, actor="test-setup") as registry:
        token = registry.tokens.create(name, team=team, roles=frozenset(roles)).text
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"})


def test_consumers_pins_and_impact(server: Server) -> None:
    seed(server)
    c = server.client
    made = c.post("/api/v1/consumers", json={
        "name": "checkout-api", "team": "payments", "environment": "production",
        "uses": [{"model": "support-bot", "pin": "^2"}]})
    assert made.status_code == 201, made.text
    assert made.json()["uses"] == [{"model": "support-bot", "pin": "^2"}]
    assert c.post("/api/v1/consumers", json={"name": "nightly", "kind": "pipeline",
                                             "team": "search"}).status_code == 201
    assert c.put("/api/v1/consumers/nightly/pins/embedder", json={"pin": "^1"}
                 ).json()["resolves_to"] == "1.0.0"
    shown = c.get("/api/v1/consumers/checkout-api").json()
    assert shown["resolves_to"] == {"support-bot": "2.1.0"}
    first = c.get("/api/v1/consumers", params={"limit": 1})
    assert [x["name"] for x in first.json()["items"]] == ["checkout-api"]
    rest = c.get(first.links["next"]["url"]).json()
    assert [x["name"] for x in rest["items"]] == ["nightly"] and rest["next"] is None
    assert [x["name"] for x in c.get("/api/v1/consumers", params={"model": "embedder"}
                                     ).json()["items"]] == ["nightly"]
    impact = c.get("/api/v1/impact", params={"target": "support-bot@2.1.0"}).json()
    assert impact["consumers"] == 1 and impact["by_team"] == {"payments": 1}
    assert impact["affected"][0]["resolves_to"] == "2.1.0"
    assert c.get("/api/v1/impact", params={"target": "support-bot@3.0.0"}).json()[
        "consumers"] == 0
    # refusals are problem documents
    duplicate = c.post("/api/v1/consumers", json={"name": "nightly", "team": "search"})
    assert duplicate.status_code == 409
    nowhere = c.post("/api/v1/consumers", json={"name": "x", "team": "t", "uses": [
        {"model": "support-bot", "pin": "^9"}]})
    assert nowhere.status_code == 404 and nowhere.json()["type"] == "/problems/not-found"
    assert c.delete("/api/v1/consumers/nightly/pins/embedder").status_code == 204
    assert c.get("/api/v1/consumers/nightly").json()["uses"] == []
    assert c.delete("/api/v1/consumers/nightly", params={"reason": "gone"}).status_code == 204
    assert c.get("/api/v1/consumers/nightly").status_code == 404


def test_a_consumer_whose_pin_no_longer_resolves_says_why(server: Server,
                                                         clock: FixedClock) -> None:
    seed(server)
    c = server.client
    today = clock.now().date()
    for name, pin in (("retired-user", "2.0.0"), ("deleted-user", "2.1.0"),
                      ("family", "^2")):
        assert c.post("/api/v1/consumers", json={
            "name": name, "team": "payments", "uses": [{"model": "support-bot", "pin": pin}]}
                      ).status_code == 201
    # deleting 2.1.0: the exact pin is cleared, ^2 still resolves (to 2.0.0) and is kept
    deleted = c.post("/api/v1/deletions", json={"target": "support-bot@2.1.0",
                                                "reason": "leaks prompts"}).json()
    assert [x["consumer"] for x in deleted["changes"]] == ["deleted-user"]
    assert deleted["unchanged"] == [{"consumer": "family", "team": "payments",
                                     "pin": "support-bot ^2", "resolves_to": "2.0.0"}]
    made = c.post("/api/v1/deprecations", json={
        "target": "support-bot@2.0.0", "reason": "replaced", "replacement": "support-bot@^3",
        "soft_deadline": str(today + timedelta(days=5)),
        "hard_deadline": str(today + timedelta(days=10))})
    assert made.status_code == 201, made.text
    clock.advance(days=10)
    assert c.post("/api/v1/deprecations/tick").json()["retired"] == ["support-bot@2.0.0"]
    shown = c.get("/api/v1/consumers/retired-user")
    assert shown.status_code == 200, shown.text
    assert shown.json()["resolves_to"] == {"support-bot": None}
    why = shown.json()["unresolvable"]["support-bot"]
    assert (why["version"], why["state"], why["since"], why["replacement"]) == (
        "support-bot@2.0.0", "retired", str(today + timedelta(days=10)), "support-bot@^3")
    # ^2: the best match is the deleted 2.1.0
    family = c.get("/api/v1/consumers/family").json()
    assert family["resolves_to"] == {"support-bot": None}
    assert family["unresolvable"]["support-bot"] == {
        "version": "support-bot@2.1.0", "state": "deleted", "since": str(today),
        "reason": "leaks prompts", "replacement": None}
    impact = c.get("/api/v1/impact", params={"target": "support-bot@2.0.0"}).json()
    assert [(a["consumer"], a["resolves_to"], a["unresolvable"]["state"])
            for a in impact["affected"]] == [("retired-user", None, "retired")]
    # an exact pin to a version that passed no gate: accepted, and the answer says why
    c.post("/api/v1/models/support-bot/versions", json={
        "version": "3.1.0", "force": True, "reason": "seed",
        "files": [{"path": "model.safetensors", "sha256": "f" * 64, "size": 10}]})
    pinned = c.put("/api/v1/consumers/family/pins/support-bot", json={"pin": "3.1.0"}).json()
    assert pinned["resolves_to"] == "3.1.0" and "still trained" in pinned["ineligible"]
    assert "still trained" in c.get("/api/v1/consumers/family").json()["ineligible"][
        "support-bot"]


def test_maintainers_change_only_their_teams_consumers(server: Server) -> None:
    seed(server)
    server.client.post("/api/v1/consumers", json={"name": "checkout-api", "team": "payments"})
    with client_as(server, "bob", "search", Role.MAINTAINER) as bob:
        mine = bob.post("/api/v1/consumers", json={"name": "indexer"})
        assert mine.status_code == 201 and mine.json()["team"] == "search"
        theirs = bob.put("/api/v1/consumers/checkout-api/pins/support-bot", json={"pin": "^2"})
        assert theirs.status_code == 403 and theirs.json()["type"] == "/problems/not-authorised"
        assert bob.post("/api/v1/deletions", json={"target": "support-bot", "reason": "x"}
                        ).status_code == 403
        assert bob.post("/api/v1/deprecations/tick").status_code == 403
        assert bob.post("/api/v1/restorations", json={"ref": "support-bot@2.0.0",
                                                      "destination": "/tmp/x"}
                        ).status_code == 403
    with client_as(server, "vera", "search", Role.VIEWER) as vera:
        assert vera.get("/api/v1/consumers").status_code == 200
        assert vera.post("/api/v1/locks", json={"manifest": ""}).status_code == 403


def test_deletion_dry_run_then_for_real(server: Server) -> None:
    seed(server)
    c = server.client
    c.post("/api/v1/consumers", json={"name": "checkout-api", "team": "payments",
                                      "uses": [{"model": "support-bot", "pin": "~2.0"}]})
    body = {"target": "support-bot@2.0.0", "reason": "leaks prompts",
            "replacement": "support-bot@^3", "dry_run": True}
    preview = c.post("/api/v1/deletions", json=body).json()
    assert preview["dry_run"] and preview["changes"] == [{
        "consumer": "checkout-api", "team": "payments", "before": "support-bot ~2.0",
        "after": "support-bot ^3"}]
    assert c.get("/api/v1/models/support-bot/versions/2.0.0").status_code == 200
    done = c.post("/api/v1/deletions", json={**body, "dry_run": False}).json()
    assert not done["dry_run"] and done["by_team"] == {"payments": 1}
    assert c.get("/api/v1/models/support-bot/versions/2.0.0").status_code == 404
    assert c.get("/api/v1/consumers/checkout-api").json()["uses"] == [
        {"model": "support-bot", "pin": "^3"}]


def test_deprecation_plans_tick_and_retirement(server: Server, clock: FixedClock) -> None:
    seed(server)
    c = server.client
    today = clock.now().date()
    c.post("/api/v1/consumers", json={"name": "checkout-api", "team": "payments",
                                      "uses": [{"model": "support-bot", "pin": "~2.0"}]})
    made = c.post("/api/v1/deprecations", json={
        "target": "support-bot@~2.0", "reason": "replaced", "replacement": "support-bot@^3",
        "soft_deadline": str(today + timedelta(days=30)),
        "hard_deadline": str(today + timedelta(days=90)),
        "migration_steps": ["Pin ^3.", "Re-run the evals."]})
    assert made.status_code == 201, made.text
    assert made.json()["phase"] == "announced" and made.json()["announced"] == str(today)
    listed = c.get("/api/v1/deprecations", params={"model": "support-bot"}).json()["items"]
    assert [p["id"] for p in listed] == [made.json()["id"]]
    assert c.get("/api/v1/deprecations/missing").json()["items"] == ["embedder"]
    backwards = c.post("/api/v1/deprecations", json={
        "target": "support-bot@3.0.0", "reason": "replaced",
        "soft_deadline": str(today + timedelta(days=30)), "hard_deadline": str(today)})
    assert backwards.status_code == 400
    tick = c.post("/api/v1/deprecations/tick").json()
    # notices went at planning; the soft deadline is 30 days away: the 30-day reminder
    compliance = tick.pop("compliance")
    assert tick == {"retired": [], "notices": 0, "reminders": 1, "failures": [], "overdue": []}
    # the tick also recorded the compliance outcomes: the model's first record, no drift
    assert compliance["drifted"] == [] and "support-bot" in compliance["changed"]
    assert c.post("/api/v1/deprecations/tick").json()["reminders"] == 0
    assert any(n["team"] == "payments" for n in c.get("/api/v1/notices").json()["items"])
    # a deprecated version retires; naming a server-side archive needs an administrator
    with client_as(server, "sam", "support", Role.MAINTAINER) as sam:
        refused = sam.post("/api/v1/retirements", json={
            "ref": "support-bot@2.0.0", "reason": "replaced", "archive": "/srv/elsewhere"})
        assert refused.status_code == 403
    retired = c.post("/api/v1/retirements", json={"ref": "support-bot@2.0.0",
                                                  "reason": "replaced", "source": "/nowhere"})
    assert retired.status_code in (400, 422), retired.text  # the source holds no weights
    assert c.get("/api/v1/models/support-bot/versions/2.0.0").json()["stage"] != "retired"


def test_provider_schedules(server: Server) -> None:
    c = server.client
    c.post("/api/v1/models", json={"name": "gpt", "kind": "hosted", "provider": "openai"})
    assert c.post("/api/v1/models/gpt/versions", json={"version": "gpt-4-0613"}
                  ).status_code == 201
    table = {"shutdowns": [{"provider": "openai", "model": "gpt-4-0613",
                            "shutdown": "2026-12-23", "announced": "2026-06-01",
                            "source": "https://platform.openai.com/docs/deprecations"},
                           {"provider": "openai", "model": "gpt-3.5-turbo-0125",
                            "shutdown": "2026-12-23",
                            "source": "https://platform.openai.com/docs/deprecations"}]}
    first = c.post("/api/v1/providers/shutdowns", json=table)
    assert first.status_code == 200, first.text
    assert first.json()["planned"] == ["gpt@gpt-4-0613"]
    [skipped] = first.json()["skipped"]  # a row naming no registered snapshot
    assert {k: skipped[k] for k in ("file", "row", "ref", "replacement")} == {
        "file": "body", "row": 2, "ref": "openai/gpt-3.5-turbo-0125", "replacement": None}
    assert c.post("/api/v1/providers/shutdowns", json=table).json()["unchanged"] == [
        "gpt@gpt-4-0613"]
    upcoming = c.get("/api/v1/providers/upcoming", params={"within_days": 60}).json()["items"]
    assert [u["ref"] for u in upcoming] == ["gpt@gpt-4-0613"]
    bad = c.post("/api/v1/providers/shutdowns", json={"shutdowns": [{"provider": 7}]})
    assert bad.status_code == 422 and bad.json()["errors"]
    # a (rejected) hosted snapshot holds no weights: it retires without an archive
    with Registry.open(server.app.state.settings.registry.database_url) as registry:
        registry.lifecycle.reject("gpt@gpt-4-0613", "shut down")
    retired = c.post("/api/v1/retirements", json={"ref": "gpt@gpt-4-0613",
                                                  "reason": "provider shutdown"})
    assert retired.status_code == 201, retired.text
    assert retired.json() == {"ref": "gpt@gpt-4-0613", "stage": "retired", "archive": None,
                              "report": None}


MANIFEST = ('[application]\nname = "checkout-api"\nteam = "payments"\n\n'
            '[models]\nsupport-bot = "^2.0"\n')


def test_lock_outdated_and_audit(server: Server) -> None:
    # locking and auditing are the subject, not the gates: the development mode, where every
    # trained version is eligible (and no override shows up as a finding)
    server.app.state.policy = DEVELOPMENT
    seed(server, gated=False)
    c = server.client
    locked = c.post("/api/v1/locks", json={"manifest": MANIFEST})
    assert locked.status_code == 200, locked.text
    body = locked.json()
    assert body["models"] == {"support-bot": "2.1.0"} and body["changes"]
    assert tomllib.loads(body["lock"])["models"][0]["version"] == "2.1.0"
    again = c.post("/api/v1/locks", json={"manifest": MANIFEST, "lock": body["lock"]}).json()
    assert again["lock"] == body["lock"] and again["changes"] == []
    c.post("/api/v1/models/support-bot/versions", json={
        "version": "2.2.0", "force": True, "reason": "seed",
        "files": [{"path": "model.safetensors", "sha256": "f" * 64, "size": 10}]})
    outdated = c.post("/api/v1/locks/outdated", json={"lock": body["lock"]}).json()
    assert outdated["items"] == [{"model": "support-bot", "locked": "2.1.0", "wanted": "2.2.0",
                                  "latest": "3.0.0"}]
    c.post("/api/v1/advisories", json=[{
        "id": "x_MSA-2026-0042", "modified": "2026-11-01T12:00:00Z", "summary": "jailbreak",
        "affected": [{"package": {"ecosystem": "modelsteward", "name": "support-bot"},
                      "ranges": [{"type": "SEMVER",
                                  "events": [{"introduced": "2.0.0"}, {"fixed": "2.2.0"}]}]}],
        "database_specific": {"severity": "HIGH"}}])
    report = c.post("/api/v1/audits", json={"lock": body["lock"]}).json()
    assert report["passed"] is False and report["summary"]["findings"] == 1
    assert report["models"][0]["findings"][0]["id"] == "x_MSA-2026-0042"
    ignored = c.post("/api/v1/audits", json={
        "lock": body["lock"], "ignore_file": '[[ignore]]\nid = "x_MSA-2026-0042"\n'
        'reason = "mitigated by the gateway"\nexpires = "2099-01-01"\n'}).json()
    assert ignored["passed"] is True and ignored["summary"]["ignored"] == 1
    assert c.post("/api/v1/audits", json={"lock": body["lock"], "fail_on": "none"}
                  ).json()["passed"] is True
    broken = c.post("/api/v1/locks", json={"manifest": '[models]\nsupport-bot = "^9"\n'})
    assert broken.status_code == 422 and broken.json()["errors"]
    assert c.post("/api/v1/audits", json={"lock": "not = [toml"}).status_code == 422
    assert c.post("/api/v1/audits", json={"lock": body["lock"], "fail_on": "sometimes"}
                  ).status_code == 400


def test_the_consumers_list_pages_by_name_in_the_database(server: Server) -> None:
    """Pages of ``limit`` by name, following ``next``, give every consumer once in order, of
    one model with ``?model=``; an unknown model is a 404."""
    seed(server)
    c = server.client
    names = ["e-svc", "a-svc", "d-svc", "b-svc", "c-svc"]
    for i, name in enumerate(names):
        model = "support-bot" if i % 2 == 0 else "embedder"
        pin = "^2" if model == "support-bot" else "^1"
        made = c.post("/api/v1/consumers", json={"name": name, "team": "payments",
                                                 "uses": [{"model": model, "pin": pin}]})
        assert made.status_code == 201, made.text

    def walk(query: str) -> list[str]:
        seen: list[str] = []
        after = ""
        while True:
            answer = c.get(f"/api/v1/consumers?limit=2{query}&after={after}")
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert len(body["items"]) <= 2
            seen += [item["name"] for item in body["items"]]
            if body["next"] is None:
                return seen
            after = body["next"]

    assert walk("") == sorted(names)
    assert walk("&model=support-bot") == sorted(names[0::2])
    assert c.get("/api/v1/consumers?model=no-such-model").status_code == 404
