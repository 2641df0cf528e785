"""infra/defaults.json: the models `azd up` deploys by default are not retired, and main.bicep,
main.parameters.json, the data file and the calculator's sizing model agree.

A retired model fails `azd provision` before anything is created (ARM: ServiceModelDeprecated), so the
first check below fails the day a default's retirement date passes: pick a new default from the source
URL recorded beside it, and update infra/defaults.json, main.bicep and main.parameters.json together.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from semcache import calculator
from tests.infra.app_settings import REPO_ROOT

INFRA = REPO_ROOT / "infra"
DEFAULTS: dict[str, Any] = json.loads((INFRA / "defaults.json").read_text())
MODELS: list[dict[str, Any]] = DEFAULTS["models"]
SIZING: dict[str, Any] = DEFAULTS["redis_sizing"]


def bicep_default(name: str, path: Path = INFRA / "main.bicep") -> str:
    found = re.search(rf"^param\s+{name}\s+\w+\s*=\s*'?([^'\n]*?)'?\s*$", path.read_text(), re.MULTILINE)
    assert found, f"{path.name}: no default for param {name}"
    return found.group(1)


def parameters_file_default(name: str) -> str | None:
    value = json.loads((INFRA / "main.parameters.json").read_text())["parameters"].get(name, {}).get("value")
    if value is None:
        return None
    found = re.fullmatch(r"\$\{[A-Z0-9_]+=(.*)\}", str(value))
    return found.group(1) if found else str(value)


@pytest.mark.parametrize("entry", MODELS, ids=[m["role"] for m in MODELS])
def test_default_model_is_not_retired(entry: dict[str, Any]) -> None:
    retires = dt.date.fromisoformat(entry["retirement_date"])
    assert dt.date.today() < retires, (
        f"{entry['model']} {entry['version']} retired on {retires}: `azd provision` now fails. "
        f"Pick a model open for new {entry['sku']} deployments from {entry['retirement_source']}"
    )
    assert entry["retirement_source"].startswith("https://learn.microsoft.com/")


@pytest.mark.parametrize("entry", MODELS, ids=[m["role"] for m in MODELS])
def test_retirement_date_is_from_the_recorded_page(entry: dict[str, Any]) -> None:
    """The date is read from a page whose own date is recorded beside it. A retirement date that is not after
    that page's date cannot be what the page said of a model it still lists as deployable: stale, or mistyped."""
    page = dt.date.fromisoformat(entry["retirement_page_date"])
    retires = dt.date.fromisoformat(entry["retirement_date"])
    assert page <= dt.date.today(), f"{entry['model']}: page date {page} is in the future"
    assert retires > page, (
        f"{entry['model']}: retirement date {retires} is not after the date of the page it was read from ({page}); "
        f"read it again from {entry['retirement_source']} and record that page's date"
    )
    assert entry["lifecycle"] == "Generally Available", "a preview or deprecated model is not a default"


@pytest.mark.parametrize("entry", MODELS, ids=[m["role"] for m in MODELS])
def test_bicep_and_parameters_file_deploy_the_recorded_model(entry: dict[str, Any]) -> None:
    for field, param in (("model", entry["bicep_params"]["name"]), ("version", entry["bicep_params"]["version"])):
        assert bicep_default(param) == entry[field], f"main.bicep {param}"
        given = parameters_file_default(param)
        assert given in (None, entry[field]), f"main.parameters.json {param}: {given}"


def test_default_region_is_the_recorded_one() -> None:
    assert {m["region"] for m in MODELS} == {bicep_default("openAiLocation")}
    assert parameters_file_default("openAiLocation") == bicep_default("openAiLocation")


def test_redis_defaults_are_the_recorded_sizing() -> None:
    assert bicep_default("redisSkuName") == SIZING["redis_sku"] == parameters_file_default("redisSkuName")
    dims = str(SIZING["embedding_dimensions"])
    assert bicep_default("embeddingDimensions") == dims == parameters_file_default("embeddingDimensions")


def _sku_for(entries: int, dims: int) -> tuple[str, bool]:
    table = calculator.parse_sku_table((REPO_ROOT / "backend/src/semcache/data/amr_skus.json").read_text())
    fp = calculator.footprint(
        embedding_dims=dims, prompt_tokens=SIZING["prompt_tokens"], avg_answer_bytes=SIZING["avg_answer_bytes"]
    )
    sku, fits = calculator.choose_sku(table, needed_bytes=entries * fp.entry_bytes_planned, tier="balanced")
    return sku.name, fits


def test_the_calculator_picks_the_default_sku_for_the_planned_cache() -> None:
    assert _sku_for(SIZING["planned_entries"], SIZING["embedding_dimensions"]) == (SIZING["redis_sku"], True)


def test_full_width_vectors_would_not_fit_the_default_sku() -> None:
    # Why the default is reduced: at 1536 dimensions the same cache needs a bigger (dearer) SKU.
    assert _sku_for(SIZING["planned_entries"], 1536)[0] != SIZING["redis_sku"]


def test_the_check_fails_for_a_retired_model() -> None:
    retired = {**MODELS[0], "retirement_date": "2026-10-14", "model": "gpt-4.1-mini"}
    with pytest.raises(AssertionError, match="retired on 2026-10-14"):
        test_default_model_is_not_retired(retired)


def test_the_check_fails_for_a_date_older_than_its_page() -> None:
    # The values this file held before issue 30: a date the 2026-09-02 page no longer gave.
    stale = {**MODELS[0], "retirement_date": "2026-08-18", "retirement_page_date": "2026-09-02"}
    with pytest.raises(AssertionError, match="not after the date of the page"):
        test_retirement_date_is_from_the_recorded_page(stale)
    undated = {k: v for k, v in MODELS[0].items() if k != "retirement_page_date"}
    with pytest.raises(KeyError):
        test_retirement_date_is_from_the_recorded_page(undated)


def test_api_version_is_the_recorded_one() -> None:
    """The data-plane API version the app calls is recorded with its support status and source."""
    api = DEFAULTS["api_version"]
    assert bicep_default(api["bicep_param"]) == api["value"]
    assert api["value"] in (REPO_ROOT / "backend/src/semcache/config.py").read_text()
    assert api["source"].startswith("https://learn.microsoft.com/") and api["support"]
