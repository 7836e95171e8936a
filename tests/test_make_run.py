"""``make run`` serves the demonstration registry on 127.0.0.1: this test starts it the same way
(the Makefile's own command, on a free port and in a temporary folder) and calls it. A second
test (marked ``install``: it builds a virtualenv from the package index, about a minute) checks
that the run target installs what running needs and nothing of the test extra."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import httpx
import pytest

from tests.conftest import stop_server, wait_until_ready

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
        wait_until_ready(process, url, 60,
                         lambda: process.stdout.read() if process.stdout else "")
        token_file = tmp_path / "demo" / "admin-token"  # written on the first start
        assert httpx.get(f"{url}/api/v1/models", timeout=10).status_code == 401
        headers = {"Authorization": f"Bearer {token_file.read_text().strip()}"}
        models = httpx.get(f"{url}/api/v1/models", headers=headers, timeout=10).json()
        assert {m["name"] for m in models["items"]} == {
            "claude-sonnet", "acme/support-base", "support-bot"}
        resolved = httpx.get(f"{url}/api/v1/resolve", headers=headers, timeout=10,
                             params={"model": "acme/support-base", "pin": "^1.0"}).json()
        assert resolved["ref"] == "acme/support-base@1.1.0"
        # the web pages: / asks for a sign-in, then shows the dashboard with the deadline
        with httpx.Client(base_url=url, timeout=10) as browser:
            assert browser.get("/").headers["location"] == "/signin?next=/"
            form = re.search(r'name="csrf" value="([0-9a-f]+)"', browser.get("/signin").text)
            assert form is not None
            token = (tmp_path / "demo" / "approver-token").read_text().strip()
            signed = browser.post("/signin", data={"csrf": form.group(1), "token": token})
            assert signed.status_code == 303
            dashboard = browser.get("/").text
            assert "claude-sonnet@claude-sonnet-4-20250514" in dashboard
            assert "3 services, 2 teams" in dashboard
    finally:
        stop_server(process, 20)


def _make(checkout: Path, *args: str) -> str:
    done = subprocess.run(["make", "--no-print-directory", f"PYTHON={sys.executable}", *args],
                          cwd=checkout, capture_output=True, text=True, timeout=540)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.install
def test_the_run_install_brings_no_test_package(tmp_path: Path) -> None:
    """What ``make run`` installs before serving — the prerequisites of its ``run`` target, built
    in a copy of the checkout — runs the server's code and holds no package of the test extra."""
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    for name in ("Makefile", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, checkout / name)
    shutil.copytree(ROOT / "src", checkout / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    makefile = (ROOT / "Makefile").read_text()
    prerequisites = re.search(r"^run: (.+)$", makefile, re.MULTILINE)
    assert prerequisites is not None, "the run target"
    targets = _make(checkout, f"--eval=_run_prerequisites: ; @echo {prerequisites.group(1)}",
                    "_run_prerequisites").split()
    assert targets, "the run target installs something first"
    _make(checkout, *targets)

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    test_extra = [re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0]
                  for requirement in pyproject["project"]["optional-dependencies"]["test"]]
    probe = ("import importlib.metadata as m, importlib.util as u, sys\n"
             "import modelsteward.api.app, modelsteward.cli.main, modelsteward.demo\n"
             "from modelsteward.api.docs import assets_directory\n"
             "assert open(assets_directory() + '/swagger-ui-bundle.js').read(64)\n"
             "found = []\n"
             "for name in sys.argv[1:]:\n"
             "    try: m.distribution(name)\n"
             "    except m.PackageNotFoundError: continue\n"
             "    found.append(name)\n"
             "print(' '.join(found), u.find_spec('pytest') is not None)\n")
    python = checkout / ".venv" / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run([str(python), "-c", probe, *test_extra], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False"], f"installed by the run target: {done.stdout}"
    assert not (checkout / ".venv" / ".test-stamp").exists()
