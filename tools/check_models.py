"""`make check-models`: are the models infra/main.bicep deploys by default still deployable in their region?

An offline test (tests/infra/test_model_defaults.py) catches a recorded retirement date that has passed; it
cannot see Microsoft moving a model to Deprecated early, or a region losing a SKU. This asks Azure itself:
`az cognitiveservices model list --location <region>` (the account-independent model catalogue of the
region, with each model's lifecycle, SKUs and deprecation dates) for every entry of infra/defaults.json.

Manual, and meant before `azd provision`: it needs the az CLI, a sign-in and a network, so it never runs in
CI or the tests (which call `assess`, the pure part). Exit 0: every default is deployable; 1: one is not
(the lines say why); 2: could not check (no az, not signed in, no network), said plainly.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Finding", "assess", "main"]

DEFAULTS = Path(__file__).resolve().parents[1] / "infra" / "defaults.json"
DEPLOYABLE = {"GenerallyAvailable", "Stable"}


@dataclass(frozen=True)
class Finding:
    ok: bool
    line: str


def _date(value: object) -> dt.date | None:
    if not isinstance(value, str) or not value:
        return None
    return dt.date.fromisoformat(value[:10])


def _find(listing: list[dict[str, Any]], name: str, version: str) -> dict[str, Any] | None:
    for item in listing:
        model = item.get("model") or {}
        if model.get("name") == name and str(model.get("version")) == version:
            return dict(model)
    return None


def assess(entry: dict[str, Any], listing: list[dict[str, Any]], today: dt.date) -> Finding:
    """One infra/defaults.json model against the region's catalogue."""
    what = f"{entry['model']} {entry['version']} {entry['sku']} in {entry['region']}"
    model = _find(listing, entry["model"], entry["version"])
    if model is None:
        return Finding(False, f"NOT OFFERED  {what}: the region's catalogue has no such model and version")
    lifecycle = str(model.get("lifecycleStatus") or "unknown")
    sku = next((s for s in model.get("skus") or [] if s.get("name") == entry["sku"]), None)
    if sku is None:
        return Finding(False, f"NO SKU       {what}: offered, but not as {entry['sku']} ({lifecycle})")
    retires = _date((model.get("deprecation") or {}).get("inference")) or _date(sku.get("deprecationDate"))
    recorded = _date(entry.get("retirement_date"))
    when = f"retires {retires}" if retires else "no retirement date given"
    if lifecycle not in DEPLOYABLE:
        return Finding(False, f"{lifecycle.upper():<12} {what}: {when}; pick another default")
    if retires is not None and retires <= today:
        return Finding(False, f"RETIRED      {what}: {when}")
    note = "" if retires in (None, recorded) else f"; infra/defaults.json says {recorded}: update it"
    return Finding(True, f"ok           {what}: {lifecycle}, {when}{note}")


def _listing(region: str) -> list[dict[str, Any]] | str:
    """The region's catalogue, or why it could not be read."""
    az = shutil.which("az")
    if az is None:
        return "the az CLI is not installed (https://learn.microsoft.com/cli/azure/install-azure-cli)"
    try:
        done = subprocess.run(
            [az, "cognitiveservices", "model", "list", "--location", region, "--output", "json", "--only-show-errors"],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "az did not answer within 180 s (no network?)"
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["no message"])[0]
        return f"az failed ({first}); sign in with `az login`, and check the network"
    try:
        value = json.loads(done.stdout)
    except json.JSONDecodeError:
        return "az answered something that is not JSON"
    return value if isinstance(value, list) else "az answered an unexpected shape"


def main(defaults_path: Path = DEFAULTS, today: dt.date | None = None) -> int:
    entries: list[dict[str, Any]] = json.loads(defaults_path.read_text())["models"]
    today = today or dt.date.today()
    worst = 0
    for region in sorted({e["region"] for e in entries}):
        listing = _listing(region)
        if isinstance(listing, str):
            print(f"check-models: could not check {region}: {listing}")
            print("check-models: nothing was verified; the offline dates in infra/defaults.json still apply.")
            return 2
        for entry in (e for e in entries if e["region"] == region):
            finding = assess(entry, listing, today)
            print(f"check-models: {finding.line}")
            worst = worst if finding.ok else 1
    return worst


if __name__ == "__main__":
    sys.exit(main())
