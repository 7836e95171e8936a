"""The demonstration registry (what ``make run`` serves) behind a real server on 127.0.0.1, and
browser-like clients of its web pages: a cookie jar, forms sent with their CSRF token."""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from modelsteward import Registry
from modelsteward.api.app import create_app
from modelsteward.api.settings import ServerSettings
from modelsteward.config import Settings
from modelsteward.demo import build, write_tokens
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
    url = f"sqlite:///{home / 'registry.db'}"
    with Registry.open(url, actor="demo@modelsteward") as registry:
        build(registry, home / "weights")
        write_tokens(registry, home)
    return url


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
