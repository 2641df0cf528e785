"""The CI version of `semcache loadtest`: ~12 s of loopback load with Redis killed and restarted in the
middle. Zero 5xx, every entry stored before the kill served after it, and a report that says so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tools.loadtest.cli import write_report
from tools.loadtest.driver import LoadConfig, run_load
from tools.loadtest.report import passed


async def test_short_load_with_redis_killed_mid_run(tmp_path: Path) -> None:
    config = LoadConfig(duration_s=12.0, concurrency=4, down_s=3.0, warm_entries=20)
    result = await run_load(config, work_dir=tmp_path / "stack")
    by = {p.name: p for p in result.figures}
    detail = [(p.name, p.requests, p.errors_5xx, p.hits, p.bypass) for p in result.figures]
    assert by["all"].errors_5xx == 0 and by["all"].errors_other == 0, detail
    t = result.timeline
    # While Redis is surely down, every answer is a bypass. (The last moments of "during" overlap the
    # restart: Redis answers once its AOF is replayed, a little before the launcher sees it ready.)
    down = [s for s in result.samples if t.killed_at_s <= s.at_s < t.restarted_at_s - 1.5]
    assert down and {s.cache for s in down} == {"BYPASS"}, detail
    assert by["before"].hits > 0 and by["after"].hits > 0, detail
    assert result.survival.stored_before >= config.warm_entries
    assert result.survival.served_after == result.survival.stored_before, result.survival.missing[:5]
    assert result.timeline.recovered_at_s is not None
    assert result.timeline.recovered_at_s - result.timeline.restarted_at_s < 5
    assert passed(result.figures, result.survival)

    out = tmp_path / "reliability.md"
    write_report(out, result, config, "semcache loadtest --duration 12")
    text = out.read_text()
    assert "Verdict:** PASS" in text and "| during |" in text


def test_the_driver_runs_as_a_module_from_the_repository_root() -> None:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "tools.loadtest", "--help"], cwd=root, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "--duration" in done.stdout, done.stderr[-2000:]
