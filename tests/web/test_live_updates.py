"""Live pages in Debian's Chromium: a change made through the API shows on an open page within
2 seconds without a navigation, and a form someone has started to fill is not replaced."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, Request, expect

from tests.web.conftest import Demo, Guarded, sign_in

FILES = [{"path": "model.safetensors", "sha256": "ab" * 32, "size": 10}]
MARKER = "window.stewardLiveMarker"  # set on the page; a navigation would lose it


@pytest.fixture
def api(demo: Demo) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=demo.url, timeout=30, headers={
            "authorization": f"Bearer {demo.token('admin')}"}) as client:
        yield client


@pytest.fixture
def page(guarded: Guarded, demo: Demo) -> Page:
    opened = guarded.context().new_page()
    sign_in(opened, demo.token("approver"))
    return opened


def _mark(page: Page) -> None:
    page.evaluate(f"{MARKER} = 'still here'")


def _not_navigated(page: Page) -> None:
    assert page.evaluate(MARKER) == "still here"


def test_a_version_registered_through_the_api_appears_on_the_open_model_page(
        page: Page, api: httpx.Client) -> None:
    page.goto("/models/support-bot")
    _mark(page)
    seq = page.locator("body").get_attribute("data-seq")
    expect(page.locator("main")).not_to_contain_text("7.7.7")
    made = api.post("/api/v1/models/support-bot/versions",
                    json={"version": "7.7.7", "files": FILES, "force": True,
                          "reason": "a live-update test"})
    assert made.status_code == 201, made.text
    expect(page.locator("main")).to_contain_text("support-bot@7.7.7", timeout=2000)
    expect(page.locator("#live")).to_have_text("Updated")
    assert page.locator("body").get_attribute("data-seq") != seq
    _not_navigated(page)


def test_a_half_filled_form_is_not_replaced(page: Page, api: httpx.Client) -> None:
    page.goto("/events")
    _mark(page)
    asked: list[str] = []
    page.on("request", lambda request: _note(asked, request))
    page.get_by_label("Model").fill("support")  # typed, not sent
    page.locator("h1").click()  # not typing any more, but the field differs from the page's
    seq = int(page.locator("body").get_attribute("data-seq") or 0)
    made = api.post("/api/v1/models/support-bot/versions",
                    json={"version": "7.7.8", "files": FILES, "force": True,
                          "reason": "a live-update test"})
    assert made.status_code == 201, made.text
    # the page learns of the change, twice (an answer already on its way may still be the
    # old head), and still does not fetch itself again
    told = 0
    for _ in range(4):
        with page.expect_response(lambda r: r.url.endswith("/live")) as answer:
            pass
        told += answer.value.json()["seq"] > seq
        if told == 2:
            break
    assert told == 2
    assert not [url for url in asked if "/events" in url]
    expect(page.get_by_label("Model")).to_have_value("support")
    expect(page.locator("main")).not_to_contain_text("support-bot@7.7.8")
    _not_navigated(page)
    page.get_by_label("Model").fill("")  # back as it was: now the page may follow
    page.locator("h1").click()
    expect(page.locator("main")).to_contain_text("support-bot@7.7.8", timeout=2000)
    _not_navigated(page)


def _note(asked: list[str], request: Request) -> None:
    asked.append(request.url)
