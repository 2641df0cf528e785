"""The `semcache` command: serve, redis (and more subcommands as they land)."""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from semcache import logs
from semcache.config import Settings
from semcache.errors import LaunchError

__all__ = ["REPOSITORY_TOOLS", "address_sources", "build_parser", "main"]


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from semcache.main import create_app

    overrides: dict[str, object] = {}
    if args.host is not None:
        overrides["HOST"] = args.host
    if args.port is not None:
        overrides["PORT"] = args.port
    settings = Settings(**overrides)  # type: ignore[arg-type]  # aliases are valid keyword names here
    problem = verifier_problem(settings)
    if problem is not None:
        print(f"semcache: {problem}", file=sys.stderr)
        return 2
    logs.configure(settings.log_level)
    sources = address_sources({"HOST": args.host, "PORT": args.port}, settings)
    print(f"semcache: starting on http://{settings.host}:{settings.port} ({sources})", flush=True)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        # uvicorn's own start/stop lines ("Started server process", "Waiting for application startup", ...)
        # say less than the app's "ready on" line; its warnings and errors still come through.
        log_level="debug" if settings.log_level.upper() == "DEBUG" else "warning",
        access_log=False,
        log_config=None,
    )  # our middleware logs each request as JSON
    return 0


def verifier_problem(settings: Settings) -> str | None:
    """What stops the verifier the settings ask for (a bad CACHE_VERIFY_MODEL_PATH or guard list), said in
    one line before anything starts rather than as a traceback from the app's start-up."""
    from semcache.verify.verifier import build_verifier

    try:
        _ = settings.distance_threshold  # reads CACHE_VERIFY_MODEL_PATH's threshold when no threshold is set
        build_verifier(settings)
    except ValueError as e:
        return str(e)
    return None


def address_sources(flags: dict[str, object], settings: Settings) -> str:
    """Where `semcache serve` took its host and port: a flag, the environment (HOST/PORT, as containers and
    PaaS set them; or .env), or the default. Said at start-up, since a stray PORT is easy to miss."""

    def source(name: str) -> str:
        if flags.get(name) is not None:
            return f"--{name.lower()}"
        return f"{name} in the environment" if name.lower() in settings.model_fields_set else "the default"

    return ", ".join(f"{name.lower()} from {source(name)}" for name in flags)


async def _run_redis(data_dir: Path, port: int) -> None:
    from semcache.local.redis import EmbeddedRedis

    server = EmbeddedRedis(data_dir, port=port)
    url = await server.start()
    print(f"semcache: embedded Redis ready at {url} (data in {data_dir}); Ctrl-C stops it", flush=True)
    await _until_signal()
    await server.stop()


async def _run_llm(settings: Settings, port: int) -> None:
    from semcache.local.llm import MODEL_ALIAS, LocalLLMServer

    server = LocalLLMServer(log_dir=settings.data_dir, model_path=settings.local_llm_model_path, port=port,
                            threads=settings.local_llm_threads)  # fmt: skip
    url = await server.start()
    print(f"semcache: local model {MODEL_ALIAS} at {url} (OpenAI API; LLM_BASE_URL={url}); Ctrl-C stops it", flush=True)
    await _until_signal()
    await server.stop()


def _llm(args: argparse.Namespace) -> int:
    settings = Settings()
    logs.configure(settings.log_level)  # the loading progress lines
    asyncio.run(_run_llm(settings, args.port if args.port is not None else (settings.local_llm_port or 8081)))
    return 0


async def _until_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def _redis(args: argparse.Namespace) -> int:
    settings = Settings()
    logs.configure(settings.log_level)  # the loading progress lines of a large cache
    data_dir = Path(args.data_dir) if args.data_dir else settings.data_dir / "redis"
    port = args.port if args.port is not None else (settings.embedded_redis_port or 6380)
    asyncio.run(_run_redis(data_dir, port))
    return 0


def _plugins() -> list[ModuleType]:
    """Subcommands that live beside their own code in the package (calibration: eval/calibrate; import/export)."""
    import importlib

    return [importlib.import_module(name) for name in ("semcache.calibration.cli", "semcache.transfer_cli")]


#: Subcommands that are folders of the repository, not of the installed package. They run as
#: `python -m <module>` from the repository root, where Python itself puts that folder on the path.
REPOSITORY_TOOLS = {
    "bench": ("bench", "run the benchmark suite (writes docs/benchmarks.md); from the repository root"),
    "loadtest": (
        "tools.loadtest",
        "load with Redis faults (writes docs/reliability.md); from the repository root",
    ),
}


def _repository_tool(name: str, argv: list[str]) -> int:
    module = REPOSITORY_TOOLS[name][0]
    entry = Path(*module.split("."), "__main__.py")
    if not entry.is_file():
        print(
            f"semcache {name}: run it from the repository root ({entry} is part of the repository, "
            "not of the installed package)",
            file=sys.stderr,
        )
        return 2
    return subprocess.run([sys.executable, "-m", module, *argv], check=False).returncode


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="semcache", description="A semantic cache for LLM applications.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", help="bind address (default HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default PORT or 8000)")
    serve.set_defaults(func=_serve)
    redis = sub.add_parser("redis", help="run the embedded Redis (with the query engine) in the foreground")
    redis.add_argument("--port", type=int, help="port; 0 picks a free one (default 6380)")
    redis.add_argument("--data-dir", help="data directory (default $SEMCACHE_DATA_DIR/redis)")
    redis.set_defaults(func=_redis)
    llm = sub.add_parser("llm", help="run the local demo model (SmolLM2 on llama.cpp, OpenAI API) in the foreground")
    llm.add_argument("--port", type=int, help="port; 0 picks a free one (default 8081)")
    llm.set_defaults(func=_llm)
    for module in _plugins():
        module.register(sub)
    for name, (_, help_text) in REPOSITORY_TOOLS.items():
        sub.add_parser(name, help=help_text, add_help=False)  # listed here; its own parser reads its arguments
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        if argv and argv[0] in REPOSITORY_TOOLS:
            return _repository_tool(argv[0], argv[1:])
        args = build_parser().parse_args(argv)
        return int(args.func(args))
    except LaunchError as e:
        print(f"semcache: {e.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
