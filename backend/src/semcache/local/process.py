"""Helpers shared by the embedded Redis and the local LLM server launchers."""

from __future__ import annotations

import asyncio
import ctypes
import signal
import socket
import subprocess
import sys
from pathlib import Path

__all__ = ["free_port", "spawn", "tail", "terminate"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    # A crashed or killed parent must not leave an orphan server holding the port and data dir.
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def spawn(args: list[str], *, log_file: Path, cwd: Path | None = None) -> subprocess.Popen[bytes]:
    log = log_file.open("ab")
    try:
        return subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - only sets the death signal, no locks taken
        )
    finally:
        log.close()


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


async def terminate(proc: subprocess.Popen[bytes], *, grace_s: float = 10.0) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(loop.run_in_executor(None, proc.wait), grace_s)
    except TimeoutError:
        proc.kill()
        await loop.run_in_executor(None, proc.wait)
