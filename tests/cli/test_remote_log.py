"""Remote mode reads long histories: pagination follows every ``next`` link exactly once and
stops, ``log verify`` streams the pages, ``log --limit`` shows the newest events."""

# ruff: noqa: F811  (the fixtures of test_remote are imported, and named as parameters)
from __future__ import annotations

import json
import tracemalloc
from itertools import islice
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from modelsteward import Registry
from modelsteward.domain.model import Model
from modelsteward.domain.tokens import Role
from modelsteward.remote import client as client_module
from modelsteward.remote.client import Client
from modelsteward.remote.registry import RemoteRegistry
from tests.cli.conftest import Steward
from tests.cli.test_remote import remote, served, server_db  # noqa: F401  (fixtures)

PAGE = 3


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of three events, so that a short history spans several."""
    monkeypatch.setattr(client_module, "PAGE", PAGE)


def _history(remote: Steward) -> int:
    """Write events through the server; return how many the server holds."""
    remote("model", "create", "support-bot", "--owner-team", "support")
    for change in ("architecture", "retrain", "retrain", "config", "prompt"):
        remote("version", "register", "support-bot", "--change", change)
    remote("alias", "set", "support-bot@1.2.0", "champion")
    return 1 + 1 + 5 + 1  # the fixture's token, the model, five versions, the alias


@pytest.mark.usefixtures("small_pages")
def test_pages_follow_next_links_once_each_and_stop(
        remote: Steward, served: tuple[str, str]) -> None:
    total = _history(remote)
    url, token = served
    with Client(url, token) as client:
        seen = [e["seq"] for e in islice(client.pages("/events"), total + 10)]
    assert seen == list(range(1, total + 1))
    listed = remote("log", "--json").json()
    assert isinstance(listed, list)
    assert [e["seq"] for e in listed] == list(range(1, total + 1))
    result = remote("log", "verify")
    assert (f"The history is intact: {total} events, hash chain verified, the tables match "
            "the events") in result.stdout


@pytest.mark.usefixtures("small_pages")
def test_remote_log_limit_shows_the_newest_events_and_pages_back(remote: Steward) -> None:
    total = _history(remote)
    latest = remote("log", "--limit", "4", "--json").json()
    assert isinstance(latest, list)
    assert [e["seq"] for e in latest] == list(range(total - 3, total + 1))
    older = remote("log", "--limit", "4", "--before", str(total - 3), "--json").json()
    assert isinstance(older, list)
    assert [e["seq"] for e in older] == list(range(total - 7, total - 3))
    model = remote("log", "support-bot", "--limit", "2", "--json").json()
    assert isinstance(model, list)
    assert [e["kind"] for e in model] == ["model:version:registered", "model:alias:set"]


@pytest.mark.usefixtures("small_pages")
def test_remote_verification_holds_a_page_in_memory_not_the_history(
        served: tuple[str, str], server_db: str) -> None:
    big = "x" * 100_000
    with Registry.open(server_db, actor="setup") as registry:
        for number in range(60):  # 6 MB of payloads
            registry.create_model(Model(f"model-{number}", owner_team="t", description=big))
    url, token = served
    with RemoteRegistry(url, token) as remote_registry:
        remote_registry.verify_log()  # warm up: connection open, routes compiled
        tracemalloc.start()
        try:
            count, broken = remote_registry.verify_log()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert (count, broken) == (61, None)  # the fixture's token, then the models
    # a page is about 1.5 MB here, both sides of the connection counted (the server runs in
    # this process); the history is 6 MB
    assert peak < 2_500_000, peak


def test_a_checkpoint_taken_through_a_server_is_verified_through_it(
        remote: Steward, tmp_path: Path) -> None:
    total = _history(remote)
    key, checkpoint = tmp_path / "log.key", tmp_path / "checkpoint.json"
    remote("log", "checkpoint", "--key", str(key), "--new-key", "-o", str(checkpoint))
    assert json.loads(checkpoint.read_text())["seq"] == total
    remote("model", "create", "later", "--owner-team", "support")
    result = remote("log", "verify", "--checkpoint", str(checkpoint), "--key", f"{key}.pub")
    assert f"it extends the checkpoint of event {total}" in result.stdout


def test_the_server_makes_the_state_check_for_an_administrator(
        remote: Steward, steward: Steward, served: tuple[str, str], server_db: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _history(remote)
    engine = create_engine(server_db)
    with engine.begin() as connection:
        connection.execute(text("UPDATE versions SET stage = 'production' "
                                "WHERE version = '1.1.0'"))
    engine.dispose()
    result = remote("log", "verify", expect=1)
    assert ("version support-bot@1.1.0: stage is \"production\" in the tables but \"trained\" "
            "by the events") in result.stdout
    # a viewer's token may not ask: the chain is checked here, the state check is not made
    with Registry.open(server_db, actor="setup") as registry:
        viewer = registry.tokens.create("reader", team="support",
                                         roles=frozenset({Role.VIEWER})).text
    monkeypatch.setenv("STEWARD_URL", served[0])
    monkeypatch.setenv("STEWARD_TOKEN", viewer)
    result = steward("log", "verify")
    assert "hash chain verified" in result.stdout and "tables" not in result.stdout
    assert "The state check was not made" in result.stderr
