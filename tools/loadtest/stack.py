"""What a load test runs against, started and stopped by it: an embedded Redis it may kill, the tests'
scripted upstream (tests/support/upstream.py, the project's one fake OpenAI server) answering after a fixed
latency, and the service in a subprocess (its own interpreter, as in production), all on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx

from semcache.errors import LaunchError
from semcache.local.process import free_port, tail, terminate
from semcache.local.redis import EmbeddedRedis
from tests.support.upstream import Upstream

PREFIX = "load"
MODEL = "load-model"


class Stack:
    def __init__(self, work_dir: Path, *, upstream_latency_s: float) -> None:
        self.work_dir = work_dir
        self.redis_port = free_port()
        self.service_port = free_port()
        self.redis = EmbeddedRedis(work_dir / "redis", port=self.redis_port)
        self.upstream = Upstream()
        self.upstream.state.delay_s = upstream_latency_s  # the model "thinking" before its first token
        self.upstream.state.model = MODEL
        self._service: subprocess.Popen[bytes] | None = None

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.service_port}"

    @property
    def service_log(self) -> Path:
        return self.work_dir / "service.log"

    def service_env(self) -> dict[str, str]:
        # A minimal environment, not ours: no API key or endpoint of a real provider may leak in and send
        # traffic off this machine, and no .env is read (the service runs in the work directory).
        keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH", "TMPDIR")}
        return {
            **keep,
            "REDIS_URL": self.redis_url,
            "REDIS_TIMEOUT_S": "0.5",
            "LLM_PROVIDER": "compatible",
            "LLM_BASE_URL": self.upstream.url,
            "LLM_MAX_RETRIES": "0",
            "EMBEDDING_PROVIDER": "local",
            "CACHE_PREFIX": PREFIX,
            "SEMCACHE_DATA_DIR": str(self.work_dir / "data"),
            "LOG_LEVEL": "WARNING",
        }

    async def __aenter__(self) -> Stack:
        await self.redis.start()
        self.upstream.start()
        args = [sys.executable, "-m", "semcache.cli", "serve", "--host", "127.0.0.1", "--port", str(self.service_port)]
        with self.service_log.open("ab") as log:
            # Popen returns at once (fork + exec); waiting for it to be healthy is the async part below.
            self._service = subprocess.Popen(  # noqa: ASYNC220
                args, env=self.service_env(), cwd=self.work_dir, stdin=subprocess.DEVNULL, stdout=log, stderr=log
            )
        await self._wait_healthy(90.0)
        return self

    async def _wait_healthy(self, timeout_s: float) -> None:
        assert self._service is not None
        deadline = time.monotonic() + timeout_s
        async with httpx.AsyncClient(base_url=self.url, timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self._service.poll() is not None:
                    raise LaunchError(f"the service exited during start-up:\n{tail(self.service_log)}")
                try:
                    if (await client.get("/health")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise LaunchError(f"the service was not healthy after {timeout_s:.0f}s:\n{tail(self.service_log)}")

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._service is not None:
            await terminate(self._service)
        self.upstream.stop()
        await self.redis.stop()

    async def kill_redis(self) -> None:
        await self.redis.kill()

    async def restart_redis(self) -> None:
        self.redis = EmbeddedRedis(self.work_dir / "redis", port=self.redis_port)
        await self.redis.start()
