"""``steward serve`` honours the server's ``STEWARD_*`` variables: a real server started with
``STEWARD_MAX_BODY_BYTES`` refuses a larger body with 413, and the settings it serves with
carry the environment's tick, body limit and change polling, refusing a bad one by name."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import pytest

from modelsteward.cli.context import State
from modelsteward.cli.serve import server_settings
from modelsteward.errors import InvalidInput
from tests.cli.conftest import STEWARD
from tests.cli.test_serve_workers import _free_port
from tests.conftest import stop_server, wait_until_ready


def test_the_settings_take_the_environment_beside_the_options(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STEWARD_MAX_BODY_BYTES", "4096")
    monkeypatch.setenv("STEWARD_TICK_SECONDS", "2.5")
    monkeypatch.setenv("STEWARD_CHANGE_POLL_SECONDS", "0.2")
    state = State(f"sqlite:///{tmp_path / 'r.db'}", "ops@example.com", None)
    settings = server_settings(state, "127.0.0.1", 9999, anonymous_read=True)
    assert (settings.max_body_bytes, settings.tick_seconds, settings.change_poll_seconds) == (
        4096, 2.5, 0.2)
    assert (settings.host, settings.port, settings.anonymous_read) == ("127.0.0.1", 9999, True)
    assert settings.registry.database_url == state.database_url
    assert settings.registry.actor == "ops@example.com"
    monkeypatch.setenv("STEWARD_TICK_SECONDS", "soon")
    with pytest.raises(InvalidInput, match="STEWARD_TICK_SECONDS"):
        server_settings(state, "127.0.0.1", 9999, anonymous_read=False)


def test_a_server_started_with_a_body_limit_refuses_a_larger_body(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    env.update({"STEWARD_DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}",
                "STEWARD_HOME": str(tmp_path / "home"), "STEWARD_MAX_BODY_BYTES": "2048",
                "STEWARD_TICK_SECONDS": "0"})
    log = tmp_path / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen([STEWARD, "serve", "--port", str(port)], env=env,
                                   cwd=tmp_path, stdout=output, stderr=subprocess.STDOUT,
                                   text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(process, url, 60, log.read_text)
        token = (tmp_path / "home" / "admin-token").read_text().strip()
        headers = {"authorization": f"Bearer {token}"}
        small = httpx.post(f"{url}/api/v1/models", headers=headers, timeout=10,
                           json={"name": "m", "team": "t", "description": "x" * 100})
        assert small.status_code != 413, small.text
        large = httpx.post(f"{url}/api/v1/models", headers=headers, timeout=10,
                           json={"name": "m2", "team": "t", "description": "x" * 4000})
        assert large.status_code == 413, large.text
        assert "STEWARD_MAX_BODY_BYTES" in large.text
    finally:
        stop_server(process, 30)
