"""A live uvicorn server on loopback, in a thread with its own event loop: tests talk real HTTP to it."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

from semcache.local.process import free_port


class LiveServer:
    def __init__(self, app: FastAPI, *, port: int = 0) -> None:
        self.app = app
        self.port = port or free_port()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on", loop="asyncio"
        )
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, name=f"uvicorn-{self.port}", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 60.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the live server exited during start-up (see the log above)")
            if time.monotonic() > deadline:
                raise TimeoutError("the live server did not start")
            time.sleep(0.02)

    def loop(self) -> asyncio.AbstractEventLoop:
        """The event loop uvicorn serves on (its listening socket knows it)."""
        servers = self.server.servers
        assert servers, "the live server is not listening"
        return servers[0].get_loop()

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=30)


@contextmanager
def serve(app: FastAPI) -> Iterator[LiveServer]:
    server = LiveServer(app)
    server.start()
    try:
        yield server
    finally:
        server.stop()
