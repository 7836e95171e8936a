"""Locking over HTTP chooses only eligible versions unless the request admits candidates; the
lock records that choice, and ``outdated`` and the audit honour it."""

from __future__ import annotations

from modelsteward import Registry
from modelsteward.domain.policy import Policy
from tests.api.conftest import Server
from tests.api.test_auth import FILES
from tests.service.lifecycle_helpers import to_registered

MANIFEST = ('[application]\nname = "checkout-api"\nteam = "platform"\n\n'
            '[models]\nsupport-bot = "^1.0"\n')


def test_a_lock_admits_candidates_only_when_asked(server: Server, db_url: str) -> None:
    admin = server.client
    assert admin.post("/api/v1/models", json={"name": "support-bot"}).status_code == 201
    for version, digest in (("1.0.0", "ab"), ("1.1.0", "cd")):
        files = [dict(FILES[0], sha256=digest * 32)]
        assert admin.post("/api/v1/models/support-bot/versions", json={
            "version": version, "files": files, "force": True,
            "reason": "test versions"}).status_code == 201, version
    with Registry.open(db_url, actor="alice", policy=Policy()) as registry:
        to_registered(registry, "support-bot@1.0.0")  # 1.1.0 stays trained

    plain = admin.post("/api/v1/locks", json={"manifest": MANIFEST})
    assert plain.status_code == 200, plain.text
    assert plain.json()["models"] == {"support-bot": "1.0.0"}
    staged = admin.post("/api/v1/locks", json={"manifest": MANIFEST, "candidates": True})
    assert staged.status_code == 200, staged.text
    assert staged.json()["models"] == {"support-bot": "1.1.0"}
    lock = staged.json()["lock"]
    assert "candidates = true" in lock
    again = admin.post("/api/v1/locks", json={"manifest": MANIFEST, "lock": lock})
    assert again.json()["lock"] == lock  # the recorded choice is kept

    audit = admin.post("/api/v1/audits", json={"lock": lock}).json()
    assert audit["models"][0]["candidates"] is True and audit["models"][0]["findings"] == []
    plain_audit = admin.post("/api/v1/audits", json={
        "lock": lock.replace("candidates = true\n", "")}).json()
    [finding] = plain_audit["models"][0]["findings"]
    assert (finding["kind"], finding["level"]) == ("ineligible-version", "medium")
    outdated = admin.post("/api/v1/locks/outdated", json={"lock": plain.json()["lock"]})
    assert outdated.json()["items"] == []  # 1.1.0 is newer but not eligible
    assert admin.post("/api/v1/locks", json={"manifest": MANIFEST,
                                             "candidates": "yes"}).status_code == 422
