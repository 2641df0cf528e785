"""`semcache eval` and `semcache calibrate` (registered by `semcache.cli` when this module is present)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

from semcache.calibration import report
from semcache.calibration.bounded import bound_row
from semcache.calibration.calibrate import pick, recommend, write_env
from semcache.calibration.crossval import Fold, ViewRow, by_view, calibration, leave_one_file_out
from semcache.calibration.cvreport import IN_SAMPLE, CrossValidation, cv_section
from semcache.calibration.eval import FileObservations, FileResult, data_files, evaluate_all, observe_all, observe_file
from semcache.calibration.latency import reader_latency, verifier_latency
from semcache.calibration.learn import fit
from semcache.calibration.metrics import Metrics, verdicts
from semcache.calibration.pairs import has_negatives, load_pairs
from semcache.calibration.reading import read_observed
from semcache.calibration.runner import open_bench
from semcache.calibration.table import VIEWS, Table, build
from semcache.config import Settings
from semcache.verify.reader import shipped_path
from semcache.verify.verifier import build_verifier

__all__ = ["register"]

DEFAULT_DATA = Path("../shared/data")
COMMAND = "semcache eval"


def register(sub: Any) -> None:  # argparse's _SubParsersAction is private API; its type is not exported
    ev = sub.add_parser("eval", help="measure hit rate and wrong answers on labelled pairs (docs/quality.md)")
    ev.add_argument("paths", nargs="*", type=Path, help=f"JSONL files or directories (default {DEFAULT_DATA})")
    ev.add_argument("--max-rows", type=int, default=2000, help="pairs per file, seeded sample (0: all)")
    ev.add_argument("--seed", type=int, default=0)
    ev.add_argument("--target", type=float, default=0.05, help="wrong-answer rate to meet (default 0.05)")
    ev.add_argument("--out", type=Path, default=Path("docs/quality.md"), help="report (plots go beside it)")
    ev.add_argument("--cv", choices=["files"], help="also cross-validate: fit on all files but one, score on it")
    ev.add_argument("--fit-out", type=Path, help="with --cv: write the model fitted on all files (JSON) here")
    ev.add_argument("--labels", type=Path, action="append", default=[], metavar="FILE",
                    help="more labelled pairs of the same sources: only judge which served prompt is right, "
                    "never stored, looked up or scored (repeatable)")  # fmt: skip
    ev.add_argument("--reader-folds", type=Path,
                    help="held-out readers of the second stage (folds.json, tools/verifier_train)")  # fmt: skip
    ev.set_defaults(func=_eval)
    cal = sub.add_parser("calibrate", help="pick the threshold for a target wrong-answer rate, write it to .env")
    cal.add_argument("paths", nargs="+", type=Path, help="your labelled pairs: JSONL files or directories")
    cal.add_argument("--target", type=float, default=0.05, help="wrong-answer rate to accept (default 0.05)")
    cal.add_argument("--max-rows", type=int, default=0, help="pairs per file, seeded sample (0: all)")
    cal.add_argument("--env-file", type=Path, default=Path(".env"))
    cal.add_argument("--dry-run", action="store_true", help="print the threshold, write nothing")
    cal.set_defaults(func=_calibrate)


def _eval(args: argparse.Namespace) -> int:
    settings = Settings()
    paths = args.paths or [DEFAULT_DATA]
    started = time.perf_counter()
    missing = [str(path) for path in args.labels if not path.is_file()]
    if missing:
        print(f"semcache eval: no such labels file: {', '.join(missing)}", file=sys.stderr)
        return 2
    labels = [pair for path in args.labels for pair in load_pairs(path)]
    files = asyncio.run(observe_all(settings, paths, max_rows=args.max_rows, seed=args.seed,
                                    reader_folds=args.reader_folds, labels=labels))  # fmt: skip
    results = evaluate_all(settings, files)
    cv = cross_validate(files, args, reads=settings.reads) if args.cv == "files" else None
    elapsed = time.perf_counter() - started
    timing = latency_section(files, settings)
    write_report(args.out, results, settings, target=args.target, argv=_argv(args), elapsed_s=elapsed, cv=cv,
                 extra=timing)  # fmt: skip
    print(report.summary_table(results, args.target))
    print(f"semcache eval: {len(results)} files in {elapsed:.0f}s; report in {args.out}")
    if cv is not None and args.fit_out is not None:
        # The guards kept on top of the model are a setting of their own, not part of the model file.
        guards = f" CACHE_VERIFY_GUARDS={','.join(cv.fitted.guards)}" if cv.fitted.guards else ""
        print(f"semcache eval: model in {args.fit_out}; serve with CACHE_VERIFY_MODEL_PATH={args.fit_out}{guards}")
    return 0


def _argv(args: argparse.Namespace) -> str:
    parts = [COMMAND, *map(str, args.paths)]
    if args.cv:
        parts.append(f"--cv {args.cv}")
    if args.fit_out:
        parts.append(f"--fit-out {args.fit_out}")
    parts += [f"--labels {path}" for path in args.labels]
    if args.reader_folds:
        parts.append(f"--reader-folds {args.reader_folds}")
    if args.max_rows != 2000:
        parts.append(f"--max-rows {args.max_rows}")
    return " ".join(parts)


def cross_validate(files: list[FileObservations], args: argparse.Namespace, *, reads: bool = False) -> CrossValidation:
    """`reads`: the model takes the reader's logit (`Settings.reads`), read into `files` by `observe_all`."""
    tables = [build(f.name, f.observed, has_negatives=has_negatives(f.pairs), reads=reads) for f in files]
    folds = leave_one_file_out(tables, args.target)
    words = [build(f.name, f.observed, has_negatives=has_negatives(f.pairs)) for f in files] if reads else tables
    result = CrossValidation(
        folds,
        fit(tables, args.target),
        leave_one_file_out(words, args.target, cutoffs=(0.0,)),
        [bound_row(f.name, f.observed, fold) for f, fold in zip(files, folds, strict=True)],
        leave_one_file_out(words, args.target) if reads else None,
        calibration(tables, folds),
        _conversation_views(files, tables, folds, reads=reads),
    )
    if args.fit_out is not None:
        provenance = {
            "command": _argv(args), "files": [f"{f.name} ({len(f.pairs)} rows)" for f in files],
            "guards_kept": list(result.fitted.guards), "target": args.target, "seed": args.seed,
        }  # fmt: skip
        args.fit_out.write_text(result.fitted.model.to_json(provenance), encoding="utf-8")
    return result


def _conversation_views(files: list[FileObservations], tables: list[Table], folds: list[Fold], *,
                        reads: bool) -> list[ViewRow]:  # fmt: skip
    """Every file holding conversation keys, its chats judged each way (`table.VIEWS`) by its own fold."""
    rows = []
    for f, t, held in zip(files, tables, folds, strict=True):
        if t.conversation.any():
            negatives = has_negatives(f.pairs)
            rows += by_view(
                [build(f.name, f.observed, has_negatives=negatives, reads=reads, view=v) for v in VIEWS], held
            )
    return rows


def latency_section(files: list[FileObservations], settings: Settings, calls: int = 20_000) -> str:
    """The second stage timed on this eval's own rows that reach it (the nearest candidate within the
    threshold), as shipped and with CACHE_MAX_ERROR."""
    floor = 1.0 - settings.distance_threshold
    pairs = [(o.query, o.candidates[0]) for f in files for o in f.observed
             if o.exact is None and o.candidates and o.candidates[0].similarity >= floor]  # fmt: skip
    lines = []
    for name, s in (
        ("as shipped", settings),
        ("CACHE_MAX_ERROR=0.1", settings.model_copy(update={"cache_max_error": 0.1})),
    ):
        verify = build_verifier(s)
        if verify is None or not pairs:
            continue
        p50, p99 = verifier_latency(verify, pairs, calls)
        lines.append(f"| {name} | {p50 * 1000:.0f} µs | {p99 * 1000:.0f} µs |")
    if settings.reads and pairs:
        p50, p99 = reader_latency(pairs, min(calls, 1000))
        lines.append(f"| the reader (both prompts read, nothing cached) | {p50 * 1000:.0f} µs | {p99 * 1000:.0f} µs |")
    if not lines:
        return ""
    return (
        f"{LATENCY}\n| verifier | p50 | p99 |\n|---|---:|---:|\n"
        + "\n".join(lines)
        + f"\n\n{calls} calls over the {len(pairs)} rows of these files whose nearest candidate is within the"
        f" threshold, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; `python -m"
        " bench.verify_latency` times the same on a few fixed pairs.\n"
    )


def write_report(out: Path, results: list[FileResult], settings: Settings, *, target: float, argv: str,
                 elapsed_s: float, cv: CrossValidation | None = None, extra: str = "") -> None:  # fmt: skip
    plots = out.parent / "quality"
    plots.mkdir(parents=True, exist_ok=True)
    for r in results:
        (plots / f"{r.name}.svg").write_text(report.svg_plot(r, target), encoding="utf-8")
    graded = [r.shipped for r in results if r.has_negatives] or [r.shipped for r in results]
    recommended = recommend(graded, target) if graded else None
    shipped = round(1.0 - settings.distance_threshold, 4)
    parts = [
        "# Cache quality\n",
        f"Generated by `{argv}` ({elapsed_s:.0f} s) at the settings in force: similarity threshold "
        f"{shipped:.2f}, verifier {'on' if settings.cache_verify else 'off'} (guards "
        f"`{settings.cache_verify_guards or 'none'}`, max edit {settings.cache_verify_max_edit}, nearest only "
        f"{settings.cache_verify_nearest_only}), top-k {settings.cache_top_k}, embedder "
        f"{settings.resolved_embedding_provider}. Target: wrong answers <= {report.pct(target)} of served hits.\n",
        *_recommendation(recommended, shipped, cv),
        *(cv_section(cv, target) if cv is not None else []),
        METHOD,
        "## In-sample summary at the shipped defaults\n",
        IN_SAMPLE if cv is not None else "",
        report.summary_table(results, target),
        FEEDBACK,
        report.feedback_table(results, target),
        extra,
    ]
    for r in results:
        parts += [f"\n## {r.name}\n", f"![{r.name}](quality/{r.name}.svg)\n", report.curve_table(r)]
    out.write_text("\n".join(parts), encoding="utf-8")


def _recommendation(recommended: float | None, shipped: float, cv: CrossValidation | None) -> list[str]:
    if cv is not None:
        fitted = cv.fitted.model.min_similarity
        same = "(the shipped default)." if fitted == shipped else f"(the settings in force use {shipped:.2f})."
        return [f"Threshold fitted on all files with the model and guards below: **{fitted:.2f}** {same}\n"]
    if recommended is None:
        return []
    suffix = " (the shipped default)." if recommended == shipped else "."
    text = (
        "Recommended threshold for these files (the highest mean hit rate whose mean wrong-answer rate over "
        f"the files with negatives stays within the target): **{recommended:.2f}**{suffix}\n"
    )
    return [text, SHIPPED_NOTE if recommended != shipped else ""]


METHOD = """
How it is measured: every `a` of a file is stored in a fresh cache (its own key prefix, the real
Redis index and embedder) with a distinct answer, then every `b` is looked up with
`SemanticCache.lookup`, the path `/cache/search` and the gateway take. A served hit is right when the
labels say the stored prompt asks the same as `b`: its own `a` with `same` true, the same text, prompts
linked by `same` pairs, or (banking77) the same intent; anything else served is wrong. All the labels
judge, not only those of the rows sampled for lookups: every row of the file, and the pairs of any file
given with `--labels` (for the shipped report, Quora's other 71,812 pairs, which share questions with
`meancache_test`). Those are never stored or looked up; they only decide right and wrong, for the scores
and for the rows the model is fitted on. Judged by the sampled rows alone, 22 of the 50 wrong hits of
Quora's fold were a duplicate question linked by a row left out of the sample or by Quora's other file
([verification](verification.md#what-the-defaults-buy-measured)). Rows whose `b` is stored verbatim are
served by the exact path at every setting and are counted apart (column "exact").
*Hit rate* is right hits among positive rows; *wrong-answer rate* is wrong hits among all served hits.
The curves come from one loose lookup per row replayed at each threshold by the cache's own decision
function (`cache.semantic.choose`), so they equal lookups made at each threshold. *Gain* is the shipped
hit rate over that of the best static threshold whose wrong-answer rate is no higher (the issue asks
for 1.5x).

Conversations (`role: text` lines, the gateway's key for a multi-turn chat) are stored and looked up
like any key, so through the conversation-aware path: the index holds the last user turn's vector mixed
with 0.3 of the earlier turns' (`cache.semantic.embed_keys`), and the verifier checks question and
history apart (`verify/context.py`). Their static curve is the threshold alone on that mixed vector.
The gateway refuses to cache windows longer than CACHE_MAX_MESSAGES (8); the eval measures every row of
fow_cache_conversations as if that limit were raised (120 of its 240 rows have more than 8 turns).
"""

SHIPPED_NOTE = """The settings in force differ from the recommendation: set SEMANTIC_SIMILARITY_THRESHOLD, or run
`semcache calibrate` on your own labelled pairs.
"""

FEEDBACK = """
## With feedback (`POST /cache/feedback`)

The same lookups replayed in file order at the shipped defaults, each served hit reported back with its
similarity as a client would (`correct` from the labels), so every entry served wrongly is then served
only to queries closer than that one (`verify/feedback.py`). Each row is decided with the reports of the
rows before it only, so every first wrong answer still counts. This is the best case: it assumes every
hit is judged; without reports the figures are those of the summary above.
"""


LATENCY = """
## What the second stage costs

The verifier (guards, pair model, the feedback bar and, if set, the error bound) runs in-process on the
nearest candidate within the threshold only: exact hits and clear misses never reach it. Timed with
time.perf_counter per call, the tokenizer's cache cleared before each call (`calibration/latency.py`); the
target is <= 3 ms p50 added to a semantic hit it runs on. Measured on this machine while the eval ran.
"""


def _calibrate(args: argparse.Namespace) -> int:
    settings = Settings()
    best = asyncio.run(_calibrate_async(settings, args.paths, target=args.target, max_rows=args.max_rows))
    if best is None:
        print(f"semcache calibrate: no threshold keeps wrong answers under {report.pct(args.target)}; nothing written")
        return 1
    print(f"semcache calibrate: threshold {best.threshold:.2f}: hit rate {report.pct(best.hit_rate)}, "
          f"wrong answers {report.pct(best.wrong_rate)} of {best.served} served hits")  # fmt: skip
    if not args.dry_run:
        write_env(args.env_file, best.threshold)
        print(f"semcache calibrate: wrote SEMANTIC_SIMILARITY_THRESHOLD={best.threshold:.2f} to {args.env_file}")
    return 0


async def _calibrate_async(settings: Settings, paths: list[Path], *, target: float, max_rows: int) -> Metrics | None:
    verifier = build_verifier(settings)
    observed = []
    async with open_bench(settings) as bench:
        for path in data_files(paths):
            found = (await observe_file(bench, path, max_rows=max_rows, seed=0))[1]
            observed += await read_observed(shipped_path(), found) if settings.reads else found
    return pick(observed, verdicts(observed, verifier), target)
