"""The benchmark suite in its tiny mode: it must run end to end and write its report. No thresholds:
figures from a few requests on a shared CI machine mean nothing, but a suite that stops running rots."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.defaults import missing
from tests.support.bench import REPO, run_smoke


def test_smoke_run_writes_the_report(tmp_path: Path) -> None:
    out = run_smoke(tmp_path)
    report = (out / "benchmarks.md").read_text()
    assert "# Benchmarks" in report and "## Targets" in report
    assert "## Realistic mix" in report and "| semcache over HTTP (gateway) |" in report and "| RedisVL |" in report
    assert "## Verifier on and off" in report and "| 150 |" in report.split("## Verifier on and off")[1]
    _check_defaults(report)
    data = json.loads((out / "benchmarks.json").read_text())
    assert data["machine"]["cores"] and data["sizes"]
    assert (out / "benchmarks.svg").read_text().startswith("<svg")


def _check_defaults(report: str) -> None:
    """Default against default runs where bench/requirements-hf.txt is installed, and says why not elsewhere
    (CI installs no torch)."""
    section = report.split("## Default against default")[1].split("\n## ")[0]
    gone = missing()
    if gone:
        assert "Skipped:" in section and "requirements-hf.txt" in section and gone[0] in section
    else:
        assert "| 150 |" in section and "fp32 model alone" in section


def test_the_console_script_finds_bench_from_the_repository_root() -> None:
    script = Path(sys.executable).with_name("semcache")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [str(script), "bench", "--help"], check=False, cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0 and "--smoke" in proc.stdout, proc.stderr[-2000:]
