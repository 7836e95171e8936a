"""A real server on 127.0.0.1 (uvicorn in a thread, on a free port) and a real HTTP client.

The server authenticates with real tokens: each ``make_server`` makes an administrator token in
the test database and its client sends it (``Server.admin_token``); tests of other roles make
their own tokens and clients."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from modelsteward import Registry
from modelsteward.api.app import create_app
from modelsteward.api.limits import DEFAULT_MAX_BODY_BYTES
from modelsteward.api.settings import DEFAULT_CHANGE_POLL_SECONDS, ServerSettings
from modelsteward.config import Settings
from modelsteward.domain.tokens import Role
from modelsteward.notify.settings import NotifySettings
from tests.conftest import FixedClock


@dataclass
class Server:
    url: str
    app: FastAPI
    client: httpx.Client
    admin_token: str = ""


class _QuickServer(uvicorn.Server):
    """uvicorn's server, stopped as soon as it is asked to.

    uvicorn looks at ``should_exit`` every 0.1 s and, once stopping, pauses 0.1 s for open
    connections to finish: about 150 ms a server, idle, and the suite starts hundreds. Here
    :meth:`stop` wakes the loop at once, and the pause happens only while a connection is still
    open (the tests close their clients first). Everything else, the application's lifespan
    shutdown included, is uvicorn's own."""

    _wake: asyncio.Event
    _loop: asyncio.AbstractEventLoop

    async def main_loop(self) -> None:
        self._wake, self._loop = asyncio.Event(), asyncio.get_running_loop()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 0.1)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.server_state.connections:
            await super().shutdown(sockets)
            return
        for server in self.servers:
            server.close()
        await self._wait_tasks_to_complete()
        await self.lifespan.shutdown()

    def stop(self) -> None:
        self.should_exit = True
        if hasattr(self, "_loop"):
            self._loop.call_soon_threadsafe(self._wake.set)


def run_server(app: FastAPI) -> Generator[str, None, None]:
    """Serve ``app`` on 127.0.0.1 (a free port) until the generator is closed."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                            access_log=False, lifespan="on")
    server = _QuickServer(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.002)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        thread.join(timeout=20)


MakeServer = Callable[..., Server]


def caught_up(server: Server, timeout: float = 10.0) -> int:
    """Wait until ``server`` has seen the database's chain head as it is now (at once on
    SQLite, whose marker is read on each request; within its poll interval on PostgreSQL),
    failing after ``timeout`` seconds; the head's sequence number."""
    store = server.app.state.store
    with store.read() as tx:
        head: int = tx.chain_head()[0]
    deadline = time.monotonic() + timeout
    while (server.app.state.changes.reading().seq or -1) < head:
        assert time.monotonic() < deadline, f"the server did not see seq {head}"
        time.sleep(0.002)
    return head


@pytest.fixture
def make_server(db_url: str) -> Iterator[MakeServer]:
    """Start servers over the test database; each with its own app (settings, clock, auth)."""
    running: list[Generator[str, None, None]] = []
    clients: list[httpx.Client] = []

    def make(*, clock: FixedClock | None = None, notify: NotifySettings | None = None,
             max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
             change_poll_seconds: float = DEFAULT_CHANGE_POLL_SECONDS,
             **kwargs: object) -> Server:
        settings = ServerSettings(Settings(db_url, "alice@example.com"),
                                  notify=notify or NotifySettings(),
                                  max_body_bytes=max_body_bytes,
                                  change_poll_seconds=change_poll_seconds)
        app = create_app(settings, clock=clock, **kwargs)  # type: ignore[arg-type]
        serving = run_server(app)
        url = next(serving)
        running.append(serving)
        # over the store the app opened (its lifespan has run): no second engine per server
        registry = Registry(app.state.store, actor="test-setup", clock=clock)
        admin = registry.tokens.create("test-admin", team="platform",
                                       roles=frozenset({Role.ADMIN})).text
        client = httpx.Client(base_url=url, timeout=30,
                              headers={"Authorization": f"Bearer {admin}"})
        clients.append(client)
        return Server(url, app, client, admin)

    yield make
    for client in clients:
        client.close()
    for serving in running:
        serving.close()


@pytest.fixture
def server(make_server: MakeServer, clock: FixedClock) -> Server:
    return make_server(clock=clock)
