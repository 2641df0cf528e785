"""`semcache bench` (and `python -m bench`): run the suite and write docs/benchmarks.{md,json,svg}."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from pathlib import Path

from bench.config import BenchConfig, smoke


def _config(args: argparse.Namespace) -> BenchConfig:
    out, work = Path(args.out), Path(args.work_dir)
    if args.smoke:
        return smoke(out, work)
    cfg = BenchConfig(out_dir=out, work_dir=work)
    sizes = tuple(int(s) for s in args.sizes.split(",")) if args.sizes else cfg.sizes
    changes: dict[str, object] = {"sizes": sizes, "peers": not args.no_peers, "ablation": not args.no_ablation}
    if args.seconds is not None:
        changes["seconds_per_load"] = args.seconds
    if args.requests is not None:
        changes["latency_requests"] = args.requests
    return dataclasses.replace(cfg, **changes)  # type: ignore[arg-type]  # field names checked above


def _scale(cfg: BenchConfig, size: int, *, smoke: bool) -> None:
    """The 1M run: its own Redis, its own JSON (docs/benchmarks-1m.json), which every later report renders.
    With --smoke: a tenth of the entries real, the rest variants, the reference a third of the size."""
    import time

    from bench.scale import ScaleConfig, run_scale

    def log(msg: str) -> None:
        print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)

    scfg = (
        ScaleConfig(cfg, size=size, reference=size // 3, real_rows=size // 10) if smoke else ScaleConfig(cfg, size=size)
    )
    result = asyncio.run(run_scale(scfg, log=log))
    print(f"bench: wrote {scfg.json_path} ({result['wall_seconds']} s)")


def _run(args: argparse.Namespace) -> int:
    from bench.report import write_all
    from bench.run import run

    if args.render_only:  # re-render the report from the JSON of the last run, measuring nothing
        paths = write_all(json.loads((Path(args.out) / "benchmarks.json").read_text()), Path(args.out))
        print("bench: re-rendered " + ", ".join(str(p) for p in paths))
        return 0

    cfg = _config(args)
    if args.scale_only is not None:
        _scale(cfg, args.scale_only, smoke=args.smoke)
        last = cfg.out_dir / "benchmarks.json"
        if last.is_file():  # the report gets the new section; the main run's figures stay as they were
            print(
                "bench: re-rendered " + ", ".join(str(p) for p in write_all(json.loads(last.read_text()), cfg.out_dir))
            )
        return 0
    previous = _previous(cfg.out_dir / "benchmarks.json")
    result = asyncio.run(run(cfg))
    if previous is not None:
        result["previous"] = previous
    if args.million:
        _scale(cfg, 1_000_000, smoke=False)
    paths = write_all(result, cfg.out_dir)
    for path in paths:
        print(f"bench: wrote {path}")
    return 0


def _previous(path: Path) -> dict[str, object] | None:
    """The figures of the report this run replaces (the c=1 target compares with them)."""
    import json

    from bench.targets import previous_run

    try:
        return previous_run(json.loads(path.read_text()))
    except (OSError, ValueError):
        return None


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--smoke", action="store_true", help="a tiny run in seconds (CI): every path, no real figures")
    parser.add_argument("--sizes", help="comma-separated cache sizes (default 1000,10000,100000)")
    parser.add_argument(
        "--million", action="store_true", help="also the 1,000,000-entry scale run (~1 h, ~7 GB of Redis)"
    )
    parser.add_argument(
        "--scale-only",
        type=int,
        metavar="N",
        help="only the scale run, at N entries (1000000 for the report), then re-render from benchmarks.json",
    )
    parser.add_argument("--seconds", type=float, help="seconds per throughput window (default 6)")
    parser.add_argument("--requests", type=int, help="sequential requests per latency figure (default 1000)")
    parser.add_argument("--no-peers", action="store_true", help="skip RedisVL and GPTCache")
    parser.add_argument("--no-ablation", action="store_true", help="skip the asyncio+h11 comparison")
    parser.add_argument("--render-only", action="store_true", help="rewrite the report from benchmarks.json")
    parser.add_argument("--out", default="docs", help="where benchmarks.md/.json/.svg go (default docs/)")
    parser.add_argument("--work-dir", default=".semcache/bench", help="Redis data, logs, embedding cache")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    _add_arguments(parser)
    return _run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
