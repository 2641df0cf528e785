"""The comparisons' rendering from a made-up result: targets marked met or missed with by how much, the
sections say when something was skipped or not measured. Pure: no run behind it."""

from __future__ import annotations

from typing import Any

from bench.comparisons import comparison_targets, defaults_section, mix_section, verifier_section


def _cls(rate: float, p50: float, *, miss: bool = False) -> dict[str, float]:
    return {
        "hits_per_s": 0.0 if miss else rate,
        "requests_per_s": rate,
        "hit_rate": 0.0 if miss else 1.0,
        "p50_ms": p50,
        "p99_ms": 2 * p50,
    }


def _mix(ours: float, rvl: float) -> dict[str, Any]:
    def system(rate: float, p50: float) -> dict[str, Any]:
        return {"exact": _cls(rate, p50), "paraphrase": _cls(rate, p50), "miss": _cls(rate, 50 + p50, miss=True)}

    return {
        "concurrency": 32,
        "shares": {"exact": 0.3, "paraphrase": 0.3, "miss": 0.4},
        "pools": {"exact": 10, "paraphrase": 10, "miss": 100},
        "requests_at_most": 250,
        "upstream_delay_ms": 50.0,
        "semcache_http": system(ours, 4.0),
        "semcache": system(ours, 3.0),
        "redisvl": system(rvl, 5.0),
        "gptcache": system(rvl / 2, 9.0),
    }


def _result() -> dict[str, Any]:
    on = {"http": {"rps": 300.0}, "inproc": {"rps": 330.0}, "redisvl": {"rps": 200.0}, "model": {"rps": 400.0}}
    off = {"http": {"rps": 320.0}, "inproc": {"rps": 350.0}, "redisvl": {"rps": 160.0}}
    hf = {
        "c32": {
            "http": {"hits_per_s": 300.0},
            "inproc": {"hits_per_s": 330.0},
            "redisvl_hf": {"hits_per_s": 120.0, "ok_rate": 1.0},
        },
        "redisvl_hf_c1": {"latency": {"p50_ms": 20.0}},
        "fp32_model_texts_per_s": 150.0,
        "torch_threads": 2,
    }
    return {
        "sizes": {"1000": {"head_to_head": on, "verifier_off": off, "mix": _mix(100.0, 80.0)}},
        "defaults": {"threshold": 0.1, "versions": {}, "sizes": {"1000": hf}},
    }


def test_targets_say_met_or_missed_and_by_how_much() -> None:
    rows = "\n".join(comparison_targets(_result(), 1.5))
    assert "| 1,000: hits/s at c=32 vs RedisVL, HTTP, verifier off | 2.00x | >= 1.5x | met |" in rows
    assert "default-vs-default, HTTP | 2.50x | >= 3x | missed by 0.50x (17% short) |" in rows
    assert "mix, semcache in-process, paraphrase: ahead of both peers | 1.25x rate, 0.60x p50 |" in rows
    assert rows.count("ahead of both peers") == 6 and "missed:" not in rows.split("default-vs-default, in-process")[1]


def test_a_mix_behind_a_peer_says_where() -> None:
    result = _result()
    result["sizes"]["1000"]["mix"] = _mix(60.0, 80.0)
    rows = "\n".join(comparison_targets(result, 1.5))
    assert "missed: 25% fewer/s than RedisVL" in rows


def test_sections_render_the_figures_and_the_reasons() -> None:
    result = _result()
    mix = "\n".join(mix_section(result["sizes"]["1000"]["mix"], "1000"))
    assert "30% exact, 30% paraphrase, 40% miss" in mix and "| semcache in-process | 100/s, 100%, 3.0 / 6.0 |" in mix
    defaults = "\n".join(defaults_section(result))
    assert "| 1,000 | 300.0 | 330.0 | 120.0 (100%) | 2.50x |" in defaults and "150.0 texts/s" in defaults
    verifier = "\n".join(verifier_section(result))
    assert "| 1,000 | 300.0 / 320.0 | 330.0 / 350.0 | 1.50x / 2.00x | 1.65x / 2.19x |" in verifier


def test_skipped_parts_say_why() -> None:
    mix = {"skipped": "only 1 miss prompts"}
    result: dict[str, Any] = {
        "sizes": {"1000": {"mix": mix}},
        "defaults": {"skipped": "torch not installed"},
    }
    assert "Skipped: torch not installed." in defaults_section(result)
    assert "Skipped: only 1 miss prompts." in mix_section(mix, "1000")
    assert comparison_targets(result, 1.5) == ["| target | measured | goal | verdict |", "|---|---:|---:|---|"]
