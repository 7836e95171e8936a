"""The framework's ceiling: a FastAPI app with one trivial endpoint, served like ``steward serve``.

``GET /ping`` returns ``{"ok": true}`` from an ``async def`` (no thread hop, no I/O);
``GET /ping-sync`` returns the same from a plain ``def``, which FastAPI runs in its thread pool,
as it runs modelsteward's database-bound routes. ``bench/bench_server.py`` starts this file as a
server process::

    python bench/trivial_app.py --port 8766
"""

from __future__ import annotations

import argparse

import uvicorn
from fastapi import FastAPI


def create_app() -> FastAPI:
    """The trivial application (two endpoints, no middleware, no dependencies)."""
    app = FastAPI(title="trivial")

    @app.get("/ping")
    async def ping() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/ping-sync")
    def ping_sync() -> dict[str, bool]:
        return {"ok": True}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args()
    # the settings `steward serve` passes to uvicorn.run
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level=args.log_level,
                access_log=False, log_config=None)


if __name__ == "__main__":
    main()
