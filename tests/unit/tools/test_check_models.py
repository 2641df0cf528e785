"""tools/check_models (`make check-models`): the region's catalogue as `az cognitiveservices model list`
returns it, judged against infra/defaults.json; and a plain "could not check" when az cannot answer.
The az CLI is a stand-in on PATH: nothing here reaches Azure."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tools.check_models import DEFAULTS, assess

TODAY = dt.date(2026, 12, 6)
ENTRIES: list[dict[str, Any]] = json.loads(DEFAULTS.read_text())["models"]
CHAT = next(e for e in ENTRIES if e["role"] == "chat")


def offered(
    name: str = "gpt-5.4-mini",
    version: str = "2026-03-17",
    lifecycle: str = "GenerallyAvailable",
    skus: tuple[str, ...] = ("GlobalStandard", "Standard"),
    inference: str | None = "2027-09-21T00:00:00Z",
) -> dict[str, Any]:
    """One item of `az cognitiveservices model list` (the fields the check reads)."""
    model: dict[str, Any] = {
        "format": "OpenAI",
        "name": name,
        "version": version,
        "lifecycleStatus": lifecycle,
        "skus": [{"name": s, "usageName": f"OpenAI.{s}.{name}", "capacity": {"default": 10}} for s in skus],
    }
    if inference is not None:
        model["deprecation"] = {"inference": inference}
    return {"kind": "OpenAI", "skuName": "S0", "model": model}


def test_a_deployable_default_is_ok() -> None:
    finding = assess(CHAT, [offered(name="gpt-4o"), offered()], TODAY)
    assert finding.ok and "GenerallyAvailable, retires 2027-09-21" in finding.line and "update" not in finding.line


def test_a_model_deprecated_early_is_not() -> None:
    finding = assess(CHAT, [offered(lifecycle="Deprecated", inference="2027-01-15T00:00:00Z")], TODAY)
    assert not finding.ok and finding.line.startswith("DEPRECATED") and "pick another default" in finding.line


@pytest.mark.parametrize(
    ("listing", "start"),
    [
        ([offered(version="2025-08-07")], "NOT OFFERED"),
        ([offered(skus=("Standard",))], "NO SKU"),
        ([offered(inference="2026-11-30T00:00:00Z")], "RETIRED"),
    ],
)
def test_what_blocks_a_deployment_is_named(listing: list[dict[str, Any]], start: str) -> None:
    finding = assess(CHAT, listing, TODAY)
    assert not finding.ok and finding.line.startswith(start), finding.line


def test_a_moved_date_asks_for_the_record_to_follow() -> None:
    finding = assess(CHAT, [offered(inference="2028-03-01T00:00:00Z")], TODAY)
    assert finding.ok and "infra/defaults.json says 2027-09-21: update it" in finding.line


def _cli(tmp_path: Path, az: str | None) -> subprocess.CompletedProcess[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    if az is not None:
        (bin_dir / "az").write_text("#!/bin/sh\n" + az)
        (bin_dir / "az").chmod(0o755)
    root = Path(__file__).resolve().parents[3]
    return subprocess.run(
        [sys.executable, "-m", "tools.check_models"],
        cwd=root,
        env={"PATH": str(bin_dir)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_without_az_it_says_it_could_not_check(tmp_path: Path) -> None:
    done = _cli(tmp_path, None)
    assert done.returncode == 2
    assert "could not check eastus2: the az CLI is not installed" in done.stdout
    assert "nothing was verified" in done.stdout


def test_a_failing_az_is_reported_not_trusted(tmp_path: Path) -> None:
    done = _cli(tmp_path, "echo 'ERROR: Please run az login to setup account.' >&2\nexit 1\n")
    assert done.returncode == 2 and "az failed (ERROR: Please run az login" in done.stdout


def test_an_answer_from_az_is_judged(tmp_path: Path) -> None:
    listing = [
        offered(),
        offered(name="text-embedding-3-small", version="1", inference="2028-02-09T00:00:00Z"),
    ]
    done = _cli(
        tmp_path, f"[ \"$1 $2 $3\" = \"cognitiveservices model list\" ] && printf '%s' '{json.dumps(listing)}'\n"
    )
    assert done.returncode == 0, done.stdout
    assert done.stdout.count("check-models: ok") == 2
