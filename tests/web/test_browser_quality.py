"""Every page in Debian's Chromium: no accessibility violation (axe-core, shipped with
axe-playwright-python and injected locally), no request to another host, at most 60 kB
gzipped with its stylesheet and script, readable with JavaScript off; and screenshots at
desktop and phone widths (build/screenshots, not committed)."""

from __future__ import annotations

import gzip
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, Response, expect

from tests.web.conftest import Demo, Guarded, screenshot, sign_in

MAX_GZIPPED = 60 * 1024
# page, a name for its screenshots, and a text it must show (with or without JavaScript)
PAGES = [
    ("/", "dashboard", "3 services, 2 teams"),
    ("/models", "models", "acme/support-base"),
    ("/models?risk=high", "models-filtered", "support-bot"),
    ("/models/claude-sonnet", "model-deprecated", "provider-shutdown"),
    ("/models/acme/support-base", "model-lineage", "derived from acme/support-base@1.1.0"),
    ("/models/support-bot@1.0.1", "version-staging", "risk-committee"),
    ("/approvals", "approvals-queue", "support-bot@1.0.1"),
    ("/audit", "audit-form", "models.lock"),
    ("/deprecations", "deprecations", "3 services, 2 teams"),
    ("/advisories", "advisories", "support-bot@"),
    ("/consumers?model=claude-sonnet", "consumers", "3 services, 2 teams"),
    ("/events", "events", "Intact on this page"),
    ("/experiments", "experiments", "support-bot-prompt-ab"),
    ("/experiments/support-bot-prompt-ab", "experiment-charts", "Traffic per arm"),
    ("/models/support-bot@1.0.0", "version-monitoring", "latency_p95_ms"),
]


@pytest.fixture
def signed_in(guarded: Guarded, demo: Demo) -> Iterator[BrowserContext]:
    context = guarded.context()
    sign_in(context.new_page(), demo.token("approver"))
    yield context


def _weight(page: Page, path: str) -> int:
    """The gzipped bytes of ``path`` and of everything it loads."""
    loaded: list[Response] = []
    page.on("response", lambda response: loaded.append(response))
    page.goto(path)
    page.wait_for_load_state("networkidle")
    return sum(len(gzip.compress(r.body())) for r in loaded if r.status < 300)


def test_every_page_is_accessible_light_and_local(signed_in: BrowserContext) -> None:
    axe = Axe()
    for path, name, shown in PAGES:
        page = signed_in.new_page()
        weight = _weight(page, path)
        assert weight <= MAX_GZIPPED, f"{path} weighs {weight} bytes gzipped"
        expect(page.locator("main")).to_contain_text(shown)
        results = axe.run(page)
        assert results.violations_count == 0, f"{path}:\n{results.generate_report()}"
        screenshot(page, name)
        page.close()


def test_the_sign_in_page_is_accessible(guarded: Guarded) -> None:
    page = guarded.context().new_page()
    page.goto("/signin")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    assert _weight(page, "/signin") <= MAX_GZIPPED


def test_an_audit_with_findings_is_accessible(signed_in: BrowserContext, demo: Demo) -> None:
    page = signed_in.new_page()
    page.goto("/audit")
    page.get_by_label("models.lock").fill(
        'lock-version = "1.0"\ncreated-by = "modelsteward"\napplication = "helpdesk"\n\n'
        '[[models]]\nname = "claude-sonnet"\nversion = "claude-sonnet-4-20250514"\n'
        'pin = "claude-sonnet-4-20250514"\n'
        'purl = "pkg:generic/modelsteward/claude-sonnet@claude-sonnet-4-20250514"\n')
    with page.expect_navigation():
        page.get_by_role("button", name="Audit").click()
    expect(page.locator("table.findings")).to_contain_text("deprecation")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    screenshot(page, "audit-findings")


def test_pages_are_readable_with_javascript_off(guarded: Guarded, demo: Demo) -> None:
    context = guarded.context(javascript=False)
    page = context.new_page()
    sign_in(page, demo.token("approver"))  # the form works without a script
    for path, _, shown in PAGES:
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        expect(page.locator("main")).to_contain_text(shown)
    # the filters and the "as of" date are plain forms
    page.goto("/models")
    page.get_by_label("Risk tier").select_option("high")
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()
    expect(page.locator("main table")).to_contain_text("support-bot")
    expect(page.locator("main table")).not_to_contain_text("claude-sonnet")
