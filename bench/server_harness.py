"""Processes for ``bench_server.py``: the MLflow virtual environment, the three servers (MLflow,
modelsteward, the trivial FastAPI app) on free 127.0.0.1 ports, and ``wrk`` runs.

Every server runs as its own process with one worker, so that each one has the same share of
the machine; they are stopped by their process handles when the benchmark ends.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent


class BenchError(Exception):
    """Something the benchmark needs could not run; the message says what and what to do."""


def ensure_mlflow(venv: Path) -> Path:
    """The ``mlflow`` executable of ``venv``, creating the environment and installing the full
    ``mlflow`` package (which has ``mlflow server``) into it when missing."""
    executable = venv / "bin" / "mlflow"
    if executable.exists():
        return executable
    print(f"installing mlflow into {venv} (a few minutes, once)…", file=sys.stderr)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                        "mlflow"], check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise BenchError(f"Could not install mlflow into {venv}: {exc}. Install it by hand "
                         f"(python -m venv {venv} && {venv}/bin/pip install mlflow) or pass "
                         "--mlflow-venv.") from None
    if not executable.exists():
        raise BenchError(f"{venv} has no bin/mlflow after installing mlflow.")
    return executable


def package_version(python: Path | str, package: str) -> str:
    """The version of ``package`` installed for the interpreter ``python`` ("?" if unknown)."""
    done = subprocess.run([str(python), "-c", "import importlib.metadata as m, sys; "
                           f"print(m.version({package!r}))"], capture_output=True, text=True)
    return done.stdout.strip() or "?"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    """A server process: its base URL, the authorization header it wants, its log."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    headers: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        if self.process.poll() is None:
            # the server and its own children (MLflow starts job runners): one process group
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()


def start(name: str, command: list[str], url: str, health: str, log: Path,
          env: dict[str, str] | None = None, timeout: float = 120) -> Server:
    """Start ``command`` (which serves ``url``) and wait until ``GET url + health`` answers.
    Raises :class:`BenchError` with the log's tail if it never does."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                   env={**os.environ, **(env or {})}, start_new_session=True)
    server = Server(name, url, process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if httpx.get(url + health, timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    server.stop()
    tail = log.read_text(errors="replace")[-2000:]
    raise BenchError(f"{name} did not start ({' '.join(command)}); its log ends:\n{tail}")


def start_mlflow(mlflow: Path, workdir: Path) -> Server:
    """``mlflow server`` on SQLite with one uvicorn worker (its default server)."""
    port = free_port()
    command = [str(mlflow), "server", "--backend-store-uri",
               f"sqlite:///{workdir / 'mlflow.db'}", "--default-artifact-root",
               str(workdir / "mlflow-artifacts"), "--host", "127.0.0.1", "--port", str(port),
               "--workers", "1"]
    return start("mlflow", command, f"http://127.0.0.1:{port}", "/health",
                 workdir / "mlflow.log")


def start_steward(workdir: Path, log_level: str = "info", *, database_url: str = "",
                  development_policy: bool = True) -> Server:
    """``steward serve`` (uvicorn over ``create_app``, as in production; ``log_level`` info,
    the default, logs every request) on ``database_url`` (default: a fresh SQLite database in
    ``workdir``, or the same one when it is started again); the administrator token it
    bootstraps authorises the client. ``development_policy``: see below; without it the server
    runs under the default policy."""
    home = workdir / "steward"
    port = free_port()
    steward = Path(sys.executable).parent / "steward"
    command = ([str(steward)] if steward.exists()
               else [sys.executable, "-m", "modelsteward.cli.main"])
    home.mkdir(parents=True, exist_ok=True)
    env = {"STEWARD_HOME": str(home),
           "STEWARD_DATABASE_URL": database_url or f"sqlite:///{home / 'registry.db'}",
           "STEWARD_ACTOR": "bench", "STEWARD_POLICY": ""}
    if development_policy:
        # the versions bench_server's write phase creates have no evaluations, and MLflow has
        # no gates: the server runs in the policy's development mode, where every version that
        # is not rejected, retired or blocked is eligible (the resolution still applies the
        # rule, in the same query)
        policy = home / "policy.yaml"
        policy.write_text("eligibility: {minimum_stage: trained}\n")
        env["STEWARD_POLICY"] = str(policy)
    server = start(f"modelsteward ({log_level})",
                   [*command, "serve", "--port", str(port), "--log-level", log_level],
                   f"http://127.0.0.1:{port}", "/healthz", workdir / f"steward-{log_level}.log",
                   env)
    token = (home / "admin-token").read_text().strip()
    server.headers = {"Authorization": f"Bearer {token}"}
    return server


def start_trivial(workdir: Path) -> Server:
    """``bench/trivial_app.py``: the framework's ceiling, served with ``steward serve``'s
    uvicorn settings."""
    port = free_port()
    return start("trivial", [sys.executable, str(HERE / "trivial_app.py"), "--port", str(port)],
                 f"http://127.0.0.1:{port}", "/ping", workdir / "trivial.log")


@dataclass(frozen=True)
class WrkResult:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    first_error: str = ""


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(url: str, connections: int, seconds: float, headers: dict[str, str],
        script: Path | None = None) -> WrkResult:
    """One ``wrk -t1 -c<connections>`` run (one client thread: the client takes as little of
    the two cores as it can). Non-2xx answers and socket errors are counted as errors, and so
    are the answers a script counts as refused (``refused: N`` and ``first refusal: …`` lines,
    as ``server_writes.py``'s scripts print them)."""
    if shutil.which("wrk") is None:
        raise BenchError("wrk is not installed: `apt-get install -y wrk` (Debian), or run with "
                         "--no-wrk.")
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run([*command, url], capture_output=True, text=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    if rate is None or p50 is None or p99 is None:
        raise BenchError(f"Could not read wrk's output for {url}:\n{output}")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                              r"timeout (\d+)", output)
    errors = int(bad.group(1)) if bad else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    refused = re.search(r"^refused: (\d+)$", output, re.M)
    first = re.search(r"^first refusal: (.*)$", output, re.M)
    if refused and not bad:  # wrk counts 3xx as fine; the script counts every non-2xx
        errors += int(refused.group(1))
    return WrkResult(float(rate.group(1)), _ms(p50.group(1)), _ms(p99.group(1)), errors,
                     first.group(1) if first else "")
