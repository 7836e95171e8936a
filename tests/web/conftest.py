"""The demonstration registry (what ``make run`` serves) behind a real server on 127.0.0.1, and
browser-like clients of its web pages: a cookie jar, forms sent with their CSRF token."""

from __future__ import annotations

import os
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

from modelsteward.api.app import create_app
from modelsteward.api.settings import ServerSettings
from modelsteward.config import Settings
from modelsteward.demo import build_home
from tests.api.conftest import run_server

CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@dataclass
class Demo:
    url: str
    app: FastAPI
    home: Path
    db_url: str

    def token(self, who: str) -> str:
        """``admin``, ``approver`` (rita@example.com) or ``author`` (sam@example.com)."""
        return (self.home / f"{who}-token").read_text().strip()

    def browser(self, who: str = "") -> httpx.Client:
        """A client with a cookie jar, signed in as ``who`` (not signed in for ``""``)."""
        client = httpx.Client(base_url=self.url, timeout=30)
        if who:
            signed = post_form(client, "/signin", {"token": self.token(who)}, page="/signin")
            assert signed.status_code == 303, signed.text
        return client


def csrf_of(client: httpx.Client, page: str = "/signin") -> str:
    found = CSRF.search(client.get(page).text)
    assert found is not None, f"{page} has no form with a CSRF token"
    return found.group(1)


def post_form(client: httpx.Client, path: str, form: dict[str, str], *, page: str = "/signin",
              **kwargs: object) -> httpx.Response:
    """Send ``form`` to ``path`` as a browser would: with the CSRF token of a page it opened."""
    return client.post(path, data={**form, "csrf": csrf_of(client, page)},
                       **kwargs)  # type: ignore[arg-type]


def build_demo(home: Path) -> str:
    return build_home(home)


def serve_demo(home: Path, *, anonymous_read: bool = False) -> Generator[Demo, None, None]:
    db_url = build_demo(home) if not (home / "registry.db").exists() else \
        f"sqlite:///{home / 'registry.db'}"
    app = create_app(ServerSettings(Settings(db_url, "demo@modelsteward"),
                                    anonymous_read=anonymous_read, tick_seconds=0))
    serving = run_server(app)
    url = next(serving)
    try:
        yield Demo(url, app, home, db_url)
    finally:
        serving.close()


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demonstration registry, built once for the module."""
    home = tmp_path_factory.mktemp("demo")
    build_demo(home)
    return home


@pytest.fixture(scope="module")
def demo(demo_home: Path) -> Iterator[Demo]:
    yield from serve_demo(demo_home)


# --- Debian's Chromium through Playwright -------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
# headless, and quiet: without the background-networking flags Chromium calls Google's services
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"  # git-ignored
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def chromium_or_skip() -> Path:
    """Debian's Chromium (``make test`` installs it: scripts/ensure-chromium.sh). Without it
    the browser tests skip, except under CI=true, where they fail."""
    if CHROMIUM.exists():
        return CHROMIUM
    reason = (f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium, "
              "or `make test` as root) to run the web pages' browser tests")
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    executable = chromium_or_skip()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable),
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Guarded:
    """Browser contexts whose every request to a host other than 127.0.0.1 is refused and
    remembered (:attr:`foreign`); the fixture fails the test when there was one."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.foreign: list[str] = []
        self.contexts: list[BrowserContext] = []

    def _guard(self, route: Route) -> None:
        if urlsplit(route.request.url).hostname != "127.0.0.1":
            self.foreign.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    def context(self, *, viewport: dict[str, int] | None = None,
                javascript: bool = True) -> BrowserContext:
        context = self.browser.new_context(base_url=self.base_url,
                                           viewport=viewport or DESKTOP,  # type: ignore[arg-type]
                                           java_script_enabled=javascript)
        context.route("**/*", self._guard)
        self.contexts.append(context)
        return context


@pytest.fixture
def guarded(chromium: Browser, demo: Demo) -> Iterator[Guarded]:
    made = Guarded(chromium, demo.url)
    yield made
    for context in made.contexts:
        context.close()
    assert not made.foreign, f"the pages asked other hosts: {made.foreign}"


def screenshot(page: Page, name: str) -> None:
    """``build/screenshots/<name>-desktop.png`` and ``-phone.png`` (not committed)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)  # type: ignore[arg-type]
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    if size is not None:
        page.set_viewport_size(size)


def sign_in(page: Page, token: str) -> None:
    """Sign in with the keyboard only: the token field, then Enter."""
    page.goto("/signin")
    page.focus("#token")
    page.keyboard.type(token)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def sign_out(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    assert page.url.endswith("/signin")
