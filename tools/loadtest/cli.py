"""`python -m tools.loadtest` from the repository root (`semcache loadtest` runs it from there)."""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import time
from pathlib import Path

from tools.loadtest.driver import LoadConfig, LoadResult, run_load
from tools.loadtest.report import cache_mix, passed, render

DEFAULT_OUT = Path("docs/reliability.md")


HELP = "bounded loopback load with Redis killed and restarted mid-run; figures to docs/reliability.md"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--duration", type=float, default=120.0, help="seconds of load (default 120)")
    p.add_argument("--concurrency", type=int, default=8, help="concurrent callers (default 8)")
    p.add_argument("--hit-ratio", type=float, default=0.5, help="share of requests for stored prompts")
    p.add_argument("--stream-ratio", type=float, default=0.2, help="share of streaming requests")
    p.add_argument("--fault-at", type=float, default=0.4, help="kill Redis at this fraction of the run")
    p.add_argument("--down", type=float, default=0.0, help="seconds Redis stays down (default: duration/5)")
    p.add_argument("--upstream-latency", type=float, default=0.05, help="scripted LLM latency in seconds")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"report (default {DEFAULT_OUT})")


def main(argv: list[str] | None = None) -> int:
    """`python -m tools.loadtest [options]`."""
    parser = argparse.ArgumentParser(prog="python -m tools.loadtest", description=HELP)
    add_arguments(parser)
    args = parser.parse_args(argv)
    return _loadtest(args, " ".join(["python -m tools.loadtest", *(sys.argv[1:] if argv is None else argv)]))


def config_from(args: argparse.Namespace) -> LoadConfig:
    for name, value, low, high in (
        ("--duration", args.duration, 5, 3600),
        ("--concurrency", args.concurrency, 1, 256),
        ("--hit-ratio", args.hit_ratio, 0, 1),
        ("--stream-ratio", args.stream_ratio, 0, 1),
        ("--fault-at", args.fault_at, 0.05, 0.9),
    ):
        if not low <= value <= high:
            raise SystemExit(f"semcache loadtest: {name} must be from {low} to {high}")
    return LoadConfig(
        duration_s=args.duration,
        concurrency=args.concurrency,
        hit_ratio=args.hit_ratio,
        stream_ratio=args.stream_ratio,
        fault_at=args.fault_at,
        down_s=args.down,
        upstream_latency_s=args.upstream_latency,
    )


def setup_of(config: LoadConfig) -> dict[str, str]:
    return {
        "duration": f"{config.duration_s:.0f} s; Redis killed at {config.fault_at:.0%} for {config.outage_s:.0f} s",
        "callers": f"{config.concurrency} closed-loop, {config.think_s * 1000:.0f} ms pause between requests",
        "mix": f"{config.hit_ratio:.0%} stored prompts, {1 - config.hit_ratio:.0%} fresh;"
        f" {config.stream_ratio:.0%} streaming",
        "upstream": f"scripted, {config.upstream_latency_s * 1000:.0f} ms before its answer",
        "warm entries": str(config.warm_entries),
        "machine": f"{os.cpu_count()} cores, {platform.system()} {platform.machine()},"
        f" Python {platform.python_version()}",
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
    }


def write_report(out: Path, result: LoadResult, config: LoadConfig, command: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    text = render(result.figures, result.timeline, result.survival, command=command, setup=setup_of(config))
    out.write_text(text)


def _loadtest(args: argparse.Namespace, command: str) -> int:
    config = config_from(args)
    result = asyncio.run(run_load(config))
    write_report(args.out, result, config, command)
    for p in result.figures:
        print(
            f"{p.name:>6}: {p.requests:6d} requests  5xx {p.errors_5xx}  p50 {p.p50_ms:7.1f} ms  p99 {p.p99_ms:7.1f} ms"
        )
    print(f"cache statuses: {cache_mix(result.samples)}")
    s = result.survival
    print(f"entries stored before the fault and served after it: {s.served_after}/{s.stored_before}")
    print(f"loadtest: report in {args.out}")
    return 0 if passed(result.figures, result.survival) else 1
