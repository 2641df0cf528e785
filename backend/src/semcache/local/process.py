"""Helpers shared by the embedded Redis and the local LLM server launchers.

A child starts with an environment of our making (`child_env`), never a copy of ours: llama-cpp-python's
server reads `PORT` and `HOST` from its environment over its `--port`/`--host` flags, so a user's `PORT=8080`
(make exports command-line variables; containers and PaaS set it) made the local model take semcache's own
port, and `HOST=0.0.0.0` would have put it on every interface (issue 32). What a child needs comes as flags."""

from __future__ import annotations

import asyncio
import ctypes
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = ["child_env", "free_port", "port_in_use", "spawn", "tail", "terminate"]

#: What a child may inherit: where programs, libraries and temporary files are, and the user's locale.
_INHERITED = frozenset(
    ("PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH")
)
#: Thread pools a child would size from the environment; we set them from `threads` instead.
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def child_env(source: Mapping[str, str], *, threads: int) -> dict[str, str]:
    """The environment of a child process (pure): the inherited basics of `source`, the locale (`LC_*`), and
    the thread counts we choose. Nothing else: no PORT, HOST, app settings or secrets."""
    env = {k: v for k, v in source.items() if k in _INHERITED or k.startswith("LC_")}
    env.update({name: str(threads) for name in _THREAD_VARS})
    env["PYTHONUNBUFFERED"] = "1"  # a Python child's last lines reach its log before it exits
    return env


def port_in_use(port: int) -> bool:
    """Whether something already listens on 127.0.0.1:`port` (a child would fail to bind it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # As the servers bind: connections of a stopped server lingering in TIME_WAIT do not count.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    # A crashed or killed parent must not leave an orphan server holding the port and data dir.
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def spawn(
    args: list[str], *, log_file: Path, env: Mapping[str, str], cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start `args` with exactly `env` (see `child_env`), output appended to `log_file`."""
    log = log_file.open("ab")
    try:
        return subprocess.Popen(
            args,
            env=dict(env),
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
