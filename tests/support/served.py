"""`semcache serve` as a user starts it: a process of its own (in its own process group, so stopping it
stops whatever it started, `make` included), in a folder of the test's, with a clean environment.

`tree_command()` runs the package this test process imported (`python -m semcache.cli` with that tree on
PYTHONPATH), so a changed source tree is what runs, not only what `.venv/bin/semcache` installed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

import semcache

__all__ = ["REPOSITORY", "START_TIMEOUT_S", "Served", "clean_env", "tree_command"]

REPOSITORY = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 240.0  # a cold machine converts the int8 model and loads the GGUF on 2 shared cores


def clean_env(**extra: str) -> dict[str, str]:
    """Only what any shell has: no REDIS_URL, no LLM settings, nothing of the test run's own."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER")
    return {**{k: v for k, v in os.environ.items() if k in keep}, **extra}


def tree_command() -> tuple[list[str], dict[str, str]]:
    """The command and environment that run the semcache tree this process imported."""
    source = Path(semcache.__file__).resolve().parents[1]
    return [sys.executable, "-m", "semcache.cli"], {"PYTHONPATH": str(source)}


class Served:
    def __init__(self, folder: Path, command: list[str], *, port: int, env: dict[str, str], cwd: Path | None = None):
        self.folder = folder
        self.command = command
        self.port = port
        self.env = env
        self.cwd = cwd or folder
        self.log = folder / "serve.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it and return once semcache's own /health answers on `port` (any status: a degraded
        /health is a test's to judge); fail with its log if it exits or never does."""
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"{self.command} exited:\n{self.text()[-3000:]}"
            if self._semcache_health():
                return
            time.sleep(0.2)
        raise AssertionError(
            f"semcache's /health did not answer on {self.port} in {START_TIMEOUT_S:.0f} s:\n{self.text()}"
        )

    def _semcache_health(self) -> bool:
        try:
            r = httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=2)
        except httpx.HTTPError:
            return False
        try:
            body = r.json()
        except ValueError:
            return False
        # semcache's own: another server on the port (the local model, issue 32) answers 404 here.
        return isinstance(body, dict) and "status" in body

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)  # make and semcache alike; semcache stops its children
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
