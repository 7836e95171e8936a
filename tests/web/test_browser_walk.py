"""The web pages in Debian's Chromium over a real socket, on the demonstration data: sign in →
the dashboard shows the upcoming deadline with its impact → the model page shows the
deprecation banner, the lineage shading and the timeline as of an earlier date → the author of
the high-risk version is refused with the reason; an independent approver approves it and it
reaches production → an uploaded models.lock shows its findings → sign out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.web.conftest import Demo, Guarded, screenshot, sign_in, sign_out

OLD = "claude-sonnet@claude-sonnet-4-20250514"
NEW = "claude-sonnet@claude-sonnet-4-5-20250929"
MANIFEST = ('[application]\nname = "helpdesk"\nteam = "team-support"\n\n[models]\n'
            'claude-sonnet = "claude-sonnet-4-20250514"\nsupport-bot = "^1.0"\n')


def _approve(page: Page) -> None:
    form = page.locator("form.approve").first
    form.get_by_label("Evidence").fill("Eval report 2026-12-04: accuracy 0.97, f1 0.96")
    form.get_by_label("Risks accepted").fill("Prompt change may shift tone on rare tickets")
    form.get_by_label("Monitoring plan").fill("Error-rate dashboard, alert at 5%")
    form.get_by_label("Rollback plan").fill("steward rollback support-bot")
    with page.expect_navigation():
        form.get_by_role("button", name="Approve").click()


def _approve_with_the_keyboard(page: Page) -> None:
    """Fill the approval form and send it with the keyboard alone: Tab from field to field,
    Enter on the button."""
    page.locator("form.approve").first.get_by_label("Role").focus()
    for text in ("Eval report 2026-12-04: accuracy 0.97, f1 0.96",
                 "Prompt change may shift tone on rare tickets",
                 "Error-rate dashboard, alert at 5%", "steward rollback support-bot"):
        page.keyboard.press("Tab")
        page.keyboard.type(text)
    # past the next review date (filled in already; Tab walks its month, day and year)
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Approve":
            break
    else:
        raise AssertionError("Tab never reached the Approve button")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_the_must_show_walk(guarded: Guarded, demo: Demo, tmp_path: Path) -> None:
    page = guarded.context().new_page()

    # sign in (keyboard only) → the dashboard
    page.goto("/")
    assert "/signin" in page.url
    screenshot(page, "signin")
    sign_in(page, demo.token("approver"))
    assert page.url == demo.url + "/"
    deadline = page.locator("tr.deadline", has_text=OLD)
    expect(deadline).to_contain_text("provider-shutdown")
    expect(deadline.locator(".impact")).to_have_text("3 services, 2 teams")
    expect(page.get_by_text("support-bot@1.0.1", exact=True)).to_be_visible()
    screenshot(page, "dashboard")

    # the model page: the banner, then the registry as it was a week ago
    with page.expect_navigation():
        page.locator("tr.deadline a", has_text=OLD).click()
    with page.expect_navigation():
        page.get_by_role("link", name="claude-sonnet", exact=True).click()
    banner = page.locator("section.banner")
    expect(banner).to_contain_text("provider-shutdown")
    expect(banner).to_contain_text(NEW)
    expect(banner.locator(".impact")).to_have_text("3 services, 2 teams")
    now_events = page.locator("ol.timeline li").count()
    screenshot(page, "model")
    week_ago = (datetime.now(UTC) - timedelta(days=7)).date().isoformat()
    page.get_by_label("Show the registry as of").fill(week_ago)
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    expect(page.locator(".asof-note")).to_contain_text(f"As of {week_ago}")
    expect(page.locator("section.banner")).to_have_count(0)  # planned since
    assert 0 < page.locator("ol.timeline li").count() < now_events
    screenshot(page, "model-as-of")

    # lineage: the base's advisory shades its fine-tune
    page.goto("/models/acme/support-base")
    expect(page.locator('svg.lineage g.node.marked[data-ref="acme/support-base@1.1.0"]')
           ).to_have_count(1)
    expect(page.locator('svg.lineage g.node.shaded[data-ref="support-bot@1.0.0"]')
           ).to_have_count(1)
    expect(page.locator("ul.legend li.shaded")).to_contain_text(
        "derived from acme/support-base@1.1.0")
    screenshot(page, "lineage")
    sign_out(page)

    # the author of the high-risk version sees why and is refused with the reason
    sign_in(page, demo.token("author"))
    page.goto("/approvals")
    reason = "sam@example.com registered support-bot@1.0.1 and may not approve it"
    expect(page.locator("main")).to_contain_text(reason)
    _approve(page)
    expect(page.locator("p.problem")).to_contain_text(
        "high-risk models need an independent approver")
    sign_out(page)

    # an independent approver approves; the version is promoted and reaches production
    sign_in(page, demo.token("approver"))
    page.goto("/approvals")
    screenshot(page, "approvals")
    _approve_with_the_keyboard(page)
    expect(page.locator("p.done")).to_contain_text("Approved support-bot@1.0.1 as "
                                                   "risk-committee")
    expect(page.locator("section[aria-labelledby=gates]")).to_contain_text(
        "Every production gate passes")
    with page.expect_navigation():
        page.get_by_role("button", name="Promote to production").click()
    expect(page.locator("p.done")).to_contain_text("Promoted support-bot@1.0.1 to production")
    expect(page.locator("p.meta").first).to_contain_text("Stage production")
    expect(page.locator("p.meta").first).to_contain_text("aliases production")
    screenshot(page, "version")

    # an application's models.lock, uploaded: the findings steward audit prints
    locked = httpx.post(f"{demo.url}/api/v1/locks", json={"manifest": MANIFEST}, timeout=30,
                        headers={"Authorization": f"Bearer {demo.token('admin')}"})
    assert locked.status_code == 200, locked.text
    lock_file = tmp_path / "models.lock"
    lock_file.write_text(locked.json()["lock"])
    page.goto("/audit")
    page.get_by_label("or a file").set_input_files(str(lock_file))
    with page.expect_navigation():
        page.get_by_role("button", name="Audit").click()
    findings = page.locator("table.findings")
    expect(findings.locator("tr", has_text=OLD)).to_contain_text("deprecation")
    expect(findings.locator("tr", has_text=OLD)).to_contain_text(f"move to {NEW}")
    expect(page.locator("p.summary")).to_contain_text("2 models audited against")
    screenshot(page, "audit")

    # sign out: the session is gone
    sign_out(page)
    page.goto("/")
    assert "/signin" in page.url
