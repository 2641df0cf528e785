"""Processes the benchmark starts: the embedded Redis, the fixed-latency upstream and the semcache service.

All on 127.0.0.1. The service runs in its own process (its own GIL), as `semcache serve` would.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from semcache.local.process import free_port

REPO = Path(__file__).resolve().parent.parent
PREFIX = "bench"
MODEL = "bench-model"


@dataclass
class Proc:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _spawn(args: list[str], env: dict[str, str], workdir: Path, name: str) -> tuple[subprocess.Popen[bytes], Path]:
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / f"{name}.log"
    # cwd is the work dir, not the repo: a developer's .env must not change what is measured.
    proc = subprocess.Popen(args, env=env, cwd=workdir, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    return proc, log


async def _wait_http(proc: Proc, path: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if proc.proc.poll() is not None:
                raise RuntimeError(f"process exited early; see {proc.log}:\n{proc.log.read_text()[-2000:]}")
            try:
                if (await client.get(proc.url + path, timeout=2.0)).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    proc.stop()
    raise RuntimeError(f"{path} not ready in {timeout_s}s; see {proc.log}")


def _base_env() -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "backend" / "src")])
    return env


async def start_upstream(workdir: Path, *, delay_ms: float) -> Proc:
    port = free_port()
    args = [sys.executable, "-m", "bench.upstream", "--port", str(port), "--delay-ms", str(delay_ms)]
    proc, log = _spawn(args, _base_env(), workdir, "upstream")
    up = Proc(proc, port, log)
    await _wait_http(up, "/v1/models", 30)
    return up


def service_env(redis_url: str, upstream_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = _base_env()
    env.update(
        {
            "REDIS_URL": redis_url,
            "CACHE_PREFIX": PREFIX,
            "EMBEDDING_PROVIDER": "local",
            "LLM_PROVIDER": "compatible",
            "LLM_BASE_URL": upstream_url + "/v1",
            "LLM_API_KEY": "bench",
            "LLM_MODEL": MODEL,
            "LOG_LEVEL": "WARNING",
            # The loopback upstream answers every prompt with the same text, so an audit (a background re-ask
            # of 2% of semantic hits, docs/audits.md) would judge every audited hit wrong and that query
            # would stop hitting: the figures would drift with the run's length. What is measured is the
            # lookup; an audit costs the upstream call it makes.
            "CACHE_AUDIT_RATE": "0",
        }
    )
    env.update(extra or {})
    return env


async def start_service(workdir: Path, env: dict[str, str], *, loop: str = "auto", http: str = "auto") -> Proc:
    port = free_port()
    args = [sys.executable, "-m", "bench.serve", "--port", str(port), "--loop", loop, "--http", http]
    proc, log = _spawn(args, {**env, "SEMCACHE_DATA_DIR": str(workdir / "data")}, workdir, f"service-{port}")
    svc = Proc(proc, port, log)
    await _wait_http(svc, "/health", 120)
    return svc
