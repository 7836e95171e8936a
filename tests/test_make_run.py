"""``make run`` serves the demonstration registry on 127.0.0.1: this test starts it the same way
(the Makefile's own command, on a free port and in a temporary folder) and calls it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_make_run_serves_the_demonstration_registry(tmp_path: Path) -> None:
    makefile = (ROOT / "Makefile").read_text()
    command = re.search(r"^run: .*\n\t\$\(PY\) (.+)$", makefile, re.MULTILINE)
    assert command is not None, "the run target's command"
    args = command.group(1).replace("--home .demo", f"--home {tmp_path / 'demo'}").split()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    env["STEWARD_PORT"] = str(port)
    process = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not become ready"
            time.sleep(0.2)
        token_file = tmp_path / "demo" / "admin-token"  # written on the first start
        assert httpx.get(f"{url}/api/v1/models", timeout=10).status_code == 401
        headers = {"Authorization": f"Bearer {token_file.read_text().strip()}"}
        models = httpx.get(f"{url}/api/v1/models", headers=headers, timeout=10).json()
        assert {m["name"] for m in models["items"]} == {
            "claude-sonnet", "acme/support-base", "support-bot"}
        resolved = httpx.get(f"{url}/api/v1/resolve", headers=headers, timeout=10,
                             params={"model": "acme/support-base", "pin": "^1.0"}).json()
        assert resolved["ref"] == "acme/support-base@1.1.0"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
