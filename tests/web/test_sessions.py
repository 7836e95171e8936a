"""Signing in and out of the web pages, CSRF, and who may do what: over a real server with the
demonstration registry, with an HTTP client keeping cookies as a browser does."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from modelsteward import Registry
from modelsteward.domain.model import Model
from modelsteward.domain.tokens import Role
from modelsteward.service.tokens import session_hash
from tests.web.conftest import Demo, csrf_of, post_form, serve_demo

PAGES = ("/", "/models", "/models/claude-sonnet", "/models/acme/support-base",
         "/models/support-bot@1.0.1", "/approvals", "/audit", "/deprecations", "/advisories",
         "/consumers", "/events")


def _sessions(demo: Demo) -> list[tuple[str, str, object]]:
    engine = create_engine(demo.db_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(  # type: ignore[misc]
                text("SELECT id_hash, token_id, revoked_at FROM web_sessions"))]
    finally:
        engine.dispose()


def test_pages_need_a_session_when_anonymous_reading_is_off(demo: Demo) -> None:
    with httpx.Client(base_url=demo.url, timeout=30) as anonymous:
        for page in PAGES:
            answer = anonymous.get(page)
            assert answer.status_code == 303, page
            assert answer.headers["location"].startswith("/signin?next=/"), page
        signin = anonymous.get("/signin")
        assert signin.status_code == 200 and 'name="token"' in signin.text


def test_anonymous_reading_opens_the_pages_but_no_form_writes(demo_home: Path) -> None:
    for demo in serve_demo(demo_home, anonymous_read=True):
        with httpx.Client(base_url=demo.url, timeout=30) as anonymous:
            for page in PAGES:
                assert anonymous.get(page).status_code == 200, page
            refused = post_form(anonymous, "/promotions/support-bot@1.0.1",
                                {"to": "production"}, page="/audit")
            assert refused.status_code == 401 and "Sign in" in refused.text


def test_sign_in_keeps_only_a_hash_and_sets_a_strict_cookie(demo: Demo) -> None:
    with httpx.Client(base_url=demo.url, timeout=30) as browser:
        before = len(_sessions(demo))
        signed = post_form(browser, "/signin", {"token": demo.token("approver"),
                                                "next": "/approvals"})
        assert signed.status_code == 303 and signed.headers["location"] == "/approvals"
        cookie = signed.headers["set-cookie"]
        assert "steward_session=" in cookie and "HttpOnly" in cookie
        assert "samesite=lax" in cookie.lower() and "secure" not in cookie.lower()
        session_id = browser.cookies["steward_session"]
        rows = _sessions(demo)
        assert len(rows) == before + 1
        assert (session_hash(session_id), demo.token("approver").split("_")[1], None) in rows
        assert all(session_id not in str(row) for row in rows)  # the id itself is not kept
        page = browser.get("/approvals")
        assert "Signed in as <strong>rita@example.com</strong>" in page.text


def test_the_cookie_is_secure_over_https(demo: Demo) -> None:
    # uvicorn trusts X-Forwarded-Proto from 127.0.0.1, as from a TLS proxy in front of it
    with httpx.Client(base_url=demo.url, timeout=30) as browser:
        csrf = csrf_of(browser)
        signed = browser.post("/signin", data={"token": demo.token("approver"), "csrf": csrf},
                              headers={"X-Forwarded-Proto": "https"})
        assert signed.status_code == 303
        assert "secure" in signed.headers["set-cookie"].lower()


def test_sign_in_refuses_a_bad_token_or_a_missing_csrf_token(demo: Demo) -> None:
    with httpx.Client(base_url=demo.url, timeout=30) as browser:
        before = len(_sessions(demo))
        wrong = post_form(browser, "/signin", {"token": "stw_0123456789abcdef_" + "A" * 43})
        assert wrong.status_code == 401 and "is not known to this registry" in wrong.text
        forged = browser.post("/signin", data={"token": demo.token("approver"),
                                               "csrf": "0" * 64})
        assert forged.status_code == 401 and "security token" in forged.text
        assert "steward_session" not in browser.cookies
        assert len(_sessions(demo)) == before


def test_next_never_leads_to_another_site(demo: Demo) -> None:
    with httpx.Client(base_url=demo.url, timeout=30) as browser:
        for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
            signed = post_form(browser, "/signin", {"token": demo.token("approver"),
                                                    "next": target})
            assert signed.headers["location"] == "/", target


def test_sign_out_revokes_the_session_on_the_server(demo: Demo) -> None:
    with closing(demo.browser("approver")) as browser:
        session_id = browser.cookies["steward_session"]
        assert browser.get("/").status_code == 200
        out = post_form(browser, "/signout", {}, page="/")
        assert out.status_code == 303 and out.headers["location"] == "/signin"
    # the stolen cookie is refused from now on, whoever holds it
    with httpx.Client(base_url=demo.url, timeout=30,
                      cookies={"steward_session": session_id}) as thief:
        assert thief.get("/").status_code == 303
    assert any(row[0] == session_hash(session_id) and row[2] is not None
               for row in _sessions(demo))


def test_sign_out_needs_the_csrf_token(demo: Demo) -> None:
    with closing(demo.browser("approver")) as browser:
        refused = browser.post("/signout", data={"csrf": "f" * 64})
        assert refused.status_code == 401
        assert browser.get("/").status_code == 200  # still signed in


def test_revoking_the_token_ends_its_sessions(demo: Demo) -> None:
    with Registry.open(demo.db_url, actor="test") as registry:
        issued = registry.tokens.create("short-lived", team="team-support",
                                        roles=frozenset({Role.VIEWER}))
    with httpx.Client(base_url=demo.url, timeout=30) as browser:
        assert post_form(browser, "/signin", {"token": issued.text}).status_code == 303
        assert browser.get("/").status_code == 200
        with Registry.open(demo.db_url, actor="test") as registry:
            registry.tokens.revoke(issued.token.id)
        assert browser.get("/").status_code == 303


def test_a_form_without_its_csrf_token_changes_nothing(demo: Demo) -> None:
    with closing(demo.browser("admin")) as browser:
        refused = browser.post("/promotions/support-bot@1.0.1", data={"to": "production"})
        assert refused.status_code == 401 and "security token" in refused.text
        with closing(demo.browser("approver")) as other:  # another session's token
            stolen = csrf_of(other, "/")
        refused = browser.post("/promotions/support-bot@1.0.1",
                               data={"to": "production", "csrf": stolen})
        assert refused.status_code == 401
    with Registry.open(demo.db_url, actor="test") as registry:
        assert registry.get_version("support-bot", "1.0.1").stage.value == "staging"


def test_the_author_of_a_high_risk_version_sees_why_and_is_refused(demo: Demo) -> None:
    with closing(demo.browser("author")) as author:
        queue = author.get("/approvals").text
        assert "You cannot approve this version" in queue
        assert "sam@example.com registered support-bot@1.0.1 and may not approve it" in queue
        refused = post_form(author, "/approvals/support-bot@1.0.1", {
            "role": "risk-committee", "evidence": "eval", "risks_accepted": "none",
            "monitoring_plan": "dashboards", "rollback_plan": "alias back",
            "next_review": "2099-01-01"}, page="/approvals")
        assert refused.status_code == 400
        assert "may not approve it: high-risk models need an independent approver" in (
            refused.text)
        # the queue again, with what was typed kept
        assert "support-bot@1.0.1 was not approved" in refused.text
        assert ">dashboards</textarea>" in refused.text and 'value="2099-01-01"' in refused.text
    with Registry.open(demo.db_url, actor="test") as registry:
        assert registry.lifecycle.approvals("support-bot@1.0.1") == []


@pytest.fixture
def viewer(demo: Demo) -> Iterator[httpx.Client]:
    with Registry.open(demo.db_url, actor="test") as registry:
        issued = registry.tokens.create("legal-viewer", team="team-legal",
                                        roles=frozenset({Role.VIEWER}))
    with httpx.Client(base_url=demo.url, timeout=30) as browser:
        assert post_form(browser, "/signin", {"token": issued.text}).status_code == 303
        yield browser


def test_a_viewer_reads_but_may_not_approve_or_promote(demo: Demo,
                                                       viewer: httpx.Client) -> None:
    for page in PAGES:
        assert viewer.get(page).status_code == 200, page
    assert "Promote to production" not in viewer.get("/models/support-bot@1.0.1").text
    refused = post_form(viewer, "/promotions/support-bot@1.0.1", {"to": "production"},
                        page="/")
    assert refused.status_code == 403 and "may only read" in refused.text
    refused = post_form(viewer, "/approvals/support-bot@1.0.1", {
        "role": "risk-committee", "evidence": "e", "risks_accepted": "r",
        "monitoring_plan": "m", "rollback_plan": "b", "next_review": "2099-01-01"}, page="/")
    assert refused.status_code == 403 and "may not approve" in refused.text


def test_an_unknown_model_or_version_is_a_404_page(demo: Demo) -> None:
    with closing(demo.browser("approver")) as browser:
        missing = browser.get("/models/no-such-model")
        assert missing.status_code == 404 and "no-such-model" in missing.text
        assert browser.get("/models/support-bot@9.9.9").status_code == 404
        bad_date = browser.get("/models/support-bot", params={"at": "yesterday"})
        assert bad_date.status_code == 400 and "YYYY-MM-DD" in bad_date.text


def test_a_deprecated_version_shows_the_banner_and_the_past_shows_what_existed(
        demo: Demo) -> None:
    with closing(demo.browser("approver")) as browser:
        version = browser.get("/models/claude-sonnet@claude-sonnet-4-20250514").text
        assert "Deprecated: claude-sonnet@claude-sonnet-4-20250514" in version
        assert "3 services, 2 teams" in version and "provider-shutdown" in version
        assert "Deprecated:" not in browser.get(
            "/models/claude-sonnet@claude-sonnet-4-5-20250929").text
        before = browser.get("/models/support-bot", params={"at": "2000-01-01"}).text
        assert "support-bot was not in the registry yet" in before


def test_every_page_links_its_json_twin(demo: Demo) -> None:
    admin = httpx.Client(base_url=demo.url, timeout=30,
                         headers={"Authorization": f"Bearer {demo.token('admin')}"})
    with closing(demo.browser("approver")) as browser, admin:
        for page in PAGES:
            footer = browser.get(page).text.split("<footer>")[1]
            twins = [html.unescape(link) for link in re.findall(r'href="(/api/v1/[^"]+)"',
                                                                footer)]
            if page == "/audit":
                assert "POST /api/v1/audits" in footer
                continue
            assert twins, f"{page} links no JSON twin"
            for twin in twins:
                answer = admin.get(twin)
                assert answer.status_code == 200, (page, twin, answer.text)
                assert answer.headers["content-type"].startswith("application/json"), twin


def test_a_model_with_many_versions_shows_the_newest_and_links_the_rest(demo: Demo) -> None:
    with Registry.open(demo.db_url, actor="test") as registry:
        registry.create_model(Model("many-versions", owner_team="team-support"))
        for minor in range(55):
            registry.register_version("many-versions", f"1.{minor}.0", force=True,
                                      reason="test")
    with closing(demo.browser("approver")) as browser:
        page = browser.get("/models/many-versions").text
    rows = re.findall(r'<a href="/models/many-versions@(1\.\d+\.0)">', page)
    assert rows[:2] == ["1.54.0", "1.53.0"] and "1.4.0" not in rows and len(set(rows)) == 50
    assert "The newest 50 are shown; 5 older ones are in" in page
    assert "Drawn around the newest 20 versions." in page
    assert "earlier events:" in page


def test_the_dashboard_shows_degraded_versions_and_expiring_approvals(demo: Demo) -> None:
    """(Last in this module: it changes the demonstration registry.)"""
    with Registry.open(demo.db_url, actor="rita@example.com") as registry:
        registry.lifecycle.record_measurements("acme/support-base@1.1.0", {"error_rate": 0.4})
        registry.lifecycle.approve(
            "support-bot@1.0.1", role="risk-committee", evidence="eval", risks_accepted="none",
            monitoring_plan="dashboards", rollback_plan="alias back",
            next_review=registry.clock.now().date() + timedelta(days=10))
        expires = registry.lifecycle.approvals("support-bot@1.0.1")[0].expires_at
    with closing(demo.browser("approver")) as browser:
        dashboard = browser.get("/").text
    assert "acme/support-base@1.1.0</a> is degraded" in dashboard
    assert (f"support-bot@1.0.1</a>: approval expires <time datetime=\"{expires.date()}\">"
            in dashboard)
