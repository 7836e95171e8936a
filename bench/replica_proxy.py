"""A small round-robin HTTP proxy for ``bench_replicas.py``: writes (anything but ``GET`` and
``HEAD``) go to the writer replica, reads to the readers in turn. Each answer says which replica
gave it (``X-Bench-Replica``: the index among ``--reader``, or ``writer``).

    python bench/replica_proxy.py --port 9000 --writer http://127.0.0.1:8001 \
        --reader http://127.0.0.1:8002 --reader http://127.0.0.1:8003
"""

from __future__ import annotations

import argparse
import itertools

import httpx
import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_HOP = {b"host", b"connection", b"content-length", b"transfer-encoding", b"keep-alive"}


def proxy(writer: str, readers: list[str]) -> ASGIApp:
    """The ASGI application forwarding to ``writer`` and ``readers``."""
    turns = itertools.cycle(range(len(readers)))
    client = httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=64))

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message: Message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if scope["method"] in ("GET", "HEAD"):
            index = next(turns)
            base, replica = readers[index], str(index)
        else:
            base, replica = writer, "writer"
        url = base + scope["path"] + ("?" + scope["query_string"].decode()
                                      if scope["query_string"] else "")
        headers = [(k, v) for k, v in scope["headers"] if k not in _HOP]
        answer = await client.request(scope["method"], url, headers=headers, content=body)
        out = [(k, v) for k, v in answer.headers.raw if k.lower() not in _HOP]
        await send({"type": "http.response.start", "status": answer.status_code,
                    "headers": [*out, (b"x-bench-replica", replica.encode())]})
        await send({"type": "http.response.body", "body": answer.content})

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--writer", required=True)
    parser.add_argument("--reader", action="append", required=True)
    args = parser.parse_args()
    uvicorn.run(proxy(args.writer, args.reader), host="127.0.0.1", port=args.port,
                log_level="warning", access_log=False, lifespan="off")


if __name__ == "__main__":
    main()
