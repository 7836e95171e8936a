"""``steward serve --workers N``: a real server of several processes on one port. Requests
spread over the workers, ``/metrics`` counts every worker's, the metrics folder the server made
is gone when it stops, and a token revoked through one worker is refused by all of them."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from modelsteward.api.settings import ServerSettings
from modelsteward.cli.serve import _environment
from modelsteward.config import Settings
from tests.cli.conftest import STEWARD, Steward
from tests.conftest import stop_server, wait_until_ready


@dataclass
class Served:
    url: str
    token: str
    temp: Path  # the server's TMPDIR
    log: Path  # what it printed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def two_workers(db_url: str, tmp_path: Path) -> Iterator[Served]:
    port = _free_port()
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("STEWARD_") and k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update({"STEWARD_DATABASE_URL": db_url, "STEWARD_HOME": str(tmp_path / "home"),
                "STEWARD_WORKERS": "2", "TMPDIR": str(temp)})
    log = tmp_path / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen([STEWARD, "serve", "--port", str(port), "--log-level", "info"],
                                   env=env, cwd=tmp_path, stdout=output,
                                   stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(process, url, 90, log.read_text)
        token = (tmp_path / "home" / "admin-token").read_text().strip()
        yield Served(url, token, temp, log)
    finally:
        stop_server(process, 30)
    assert list(temp.glob("steward-metrics-*")) == []  # the server removed its folder


def healthz_count(url: str) -> float:
    text = httpx.get(f"{url}/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if (sample.name == "steward_http_request_duration_seconds_count"
                    and sample.labels.get("route") == "/healthz"):
                return sample.value
    return 0.0


def test_metrics_count_the_requests_of_every_worker(two_workers: Served) -> None:
    [folder] = two_workers.temp.glob("steward-metrics-*")  # made by the server for its workers

    def once(_: int) -> int:  # a new connection each: the kernel hands it to either worker
        return httpx.get(f"{two_workers.url}/healthz", timeout=10,
                         headers={"Connection": "close"}).status_code

    sent = 0
    deadline = time.monotonic() + 120  # the second worker may still be starting
    with ThreadPoolExecutor(8) as pool:
        while time.monotonic() < deadline:
            assert set(pool.map(once, range(16))) == {200}
            sent += 16
            if len(list(folder.glob("histogram_*.db"))) >= 2:  # one file per serving process
                break
            time.sleep(0.05)
    # (a worker replaced meanwhile leaves its file: its counts still count)
    assert len(list(folder.glob("histogram_*.db"))) >= 2, two_workers.log.read_text()
    deadline = time.monotonic() + 10  # a worker counts a request just after answering it
    while (counted := healthz_count(two_workers.url)) < sent and time.monotonic() < deadline:
        time.sleep(0.1)
    assert counted == sent


def test_a_token_revoked_through_one_worker_is_refused_by_every_worker(
        two_workers: Served) -> None:
    admin = {"Authorization": f"Bearer {two_workers.token}"}
    made = httpx.post(f"{two_workers.url}/api/v1/tokens", headers=admin, timeout=10,
                      json={"name": "ci", "roles": ["viewer"]})
    assert made.status_code == 201, made.text
    ci = {"Authorization": f"Bearer {made.json()['token']}", "Connection": "close"}

    def status(_: int) -> int:
        return httpx.get(f"{two_workers.url}/api/v1/models", headers=ci, timeout=10).status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(status, range(32))) == {200}  # cached by both workers, likely
        revoked = httpx.delete(f"{two_workers.url}/api/v1/tokens/{made.json()['id']}",
                               headers=admin, timeout=10)
        assert revoked.status_code == 200
        assert set(pool.map(status, range(32))) == {401}


def test_workers_need_a_database_every_process_opens(steward: Steward, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEWARD_DATABASE_URL", "sqlite://")
    refused = steward("serve", "--workers", "2", expect=2)
    assert "in-memory SQLite database is each process's own" in refused.stderr
    assert "--workers" in steward("serve", "--workers", "0", expect=2).stderr
    monkeypatch.setenv("STEWARD_DATABASE_URL", f"sqlite:///{tmp_path / 'registry.db'}")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "missing"))
    refused = steward("serve", "--workers", "2", expect=2)
    assert "PROMETHEUS_MULTIPROC_DIR=" in refused.stderr and "is not a folder" in refused.stderr
    assert not (tmp_path / "registry.db").exists()  # refused before anything was written


def test_every_worker_polls_the_chain_head_as_often_as_the_server_was_told() -> None:
    settings = ServerSettings(Settings("sqlite:///r.db", "a"), change_poll_seconds=0.2)
    assert ServerSettings.from_env(_environment(settings)).change_poll_seconds == 0.2
