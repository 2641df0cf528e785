"""The calculator page: recomputes as you type, and its JavaScript mirror agrees with POST /calculator/estimate."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import NewPage, assert_serves, screenshot
from tests.support.live import LiveServer
from tests.support.paraphrases import FRANCE_PARAPHRASE

pytestmark = pytest.mark.e2e

SCENARIOS: list[dict[str, object]] = [
    {},  # the page's defaults
    {"requests_per_day": 1_000_000, "hit_rate_pct": 62.5, "prompt_tokens": 1200, "completion_tokens": 600,
     "input_price_per_1m": 0.15, "output_price_per_1m": 0.6, "ttl_hours": 168, "embedding_dims": 1536,
     "avg_answer_bytes": 3000, "redis_ha": False, "tier": "any"},
    {"requests_per_day": 20, "hit_rate_pct": 10, "tier": "memory_optimized"},  # breakeven far over 100%
    {"requests_per_day": 0},  # no spend: no breakeven at all
    {"requests_per_day": 5_000_000, "ttl_hours": 24 * 30, "embedding_dims": 3072, "hit_rate_pct": 5},  # no SKU fits
]  # fmt: skip


async def page_estimate(page: Page, overrides: dict[str, object]) -> tuple[dict[str, object], dict[str, object]]:
    """The inputs the form holds after `overrides` and the page's own (JavaScript) estimate for them."""
    inputs = await page.evaluate("window.semcacheCalc.readInputs()")
    inputs.update(overrides)
    result = await page.evaluate("(i) => window.semcacheCalc.estimate(i, window.semcacheCalc.table)", inputs)
    return inputs, result


def assert_same(js: object, api: object, path: str = "") -> None:
    if isinstance(api, dict):
        assert isinstance(js, dict), path
        for key, value in api.items():
            assert_same(js.get(key), value, f"{path}.{key}")
    elif isinstance(api, list):
        assert isinstance(js, list) and len(js) == len(api), path
        for i, (a, b) in enumerate(zip(js, api, strict=True)):
            assert_same(a, b, f"{path}[{i}]")
    elif isinstance(api, float) or isinstance(js, float):
        assert js == pytest.approx(api, rel=1e-9, abs=1e-9), path
    else:
        assert js == api, path


async def test_javascript_model_matches_the_api(live: LiveServer, new_page: NewPage) -> None:
    page = await new_page()
    await page.goto(live.url + "/calculator")
    async with httpx.AsyncClient(base_url=live.url) as client:
        for overrides in SCENARIOS:
            inputs, js = await page_estimate(page, overrides)
            r = await client.post("/calculator/estimate", json=inputs)
            assert r.status_code == 200, r.text
            assert_same(js, r.json())


async def test_recomputes_on_input_and_shows_what_the_api_says(live: LiveServer, new_page: NewPage) -> None:
    page = await new_page()
    await page.goto(live.url + "/calculator")
    savings = page.locator("[data-out=annual_savings]")
    await expect(savings).not_to_have_text("–")
    before = await savings.inner_text()

    await page.fill("#requests_per_day", "400000")
    await expect(savings).not_to_have_text(before)
    await page.fill("#hit_rate_pct", "45")
    await expect(page.locator("#hit_rate_range")).to_have_value("45")
    await page.select_option("#preset", "0.15,0.6")
    await expect(page.locator("#input_price_per_1m")).to_have_value("0.15")
    await page.click("#redis_ha")
    await expect(page.locator("#redis_ha")).to_have_attribute("aria-checked", "false")
    await page.fill("#embedding_dims", "1536")

    inputs = await page.evaluate("window.semcacheCalc.readInputs()")
    assert inputs["requests_per_day"] == 400000 and inputs["hit_rate_pct"] == 45 and inputs["redis_ha"] is False
    async with httpx.AsyncClient(base_url=live.url) as client:
        api = (await client.post("/calculator/estimate", json=inputs)).json()
    shown = await page.evaluate("window.semcacheCalc.last.result")
    assert_same(shown, api)
    await expect(page.locator("[data-out=sku_name]")).to_have_text(api["sku"]["name"].replace("_", " "))
    await expect(page.locator("[data-out=entries_that_fit]")).to_have_text(f"{api['entries_that_fit']:,}")
    await expect(page.locator("[data-out=breakeven_hit_rate_pct]")).to_have_text(
        f"{api['breakeven_hit_rate_pct']:.1f}%"
    )
    # The curve marks the current hit rate and the breakeven.
    await expect(page.locator("#chart-curve [data-dot=current]")).to_be_visible()
    await expect(page.locator("#chart-curve [data-marker=breakeven]")).to_have_count(1)
    await expect(page.locator("#flag-breakeven")).to_be_hidden()

    # The scenario is in the URL: a reload keeps it.
    await page.reload()
    await expect(page.locator("#requests_per_day")).to_have_value("400000")
    await page.click("#sku-details summary")
    await expect(page.locator("#sku-rows tr.chosen")).to_have_count(1)
    await screenshot(page, "calculator-light")

    # Tiny traffic: Redis costs more than every token could save, and the page says so.
    await page.fill("#requests_per_day", "10")
    await expect(page.locator("#flag-breakeven")).to_be_visible()
    await expect(page.locator("#flag-breakeven")).to_contain_text("over 100%")
    await expect(page.locator("#kpi-breakeven")).to_have_class("card kpi bad")


async def test_dark_theme_and_phone_layout(live: LiveServer, new_page: NewPage) -> None:
    page = await new_page(theme="dark")
    await page.goto(live.url + "/calculator")
    await expect(page.locator("[data-out=annual_savings]")).not_to_have_text("–")
    await screenshot(page, "calculator-dark")
    phone = await new_page(viewport={"width": 390, "height": 844})
    await phone.goto(live.url + "/calculator")
    await expect(phone.locator("[data-out=annual_savings]")).not_to_have_text("–")
    overflow = await phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a phone"
    await screenshot(phone, "calculator-mobile")


async def test_fill_from_live_telemetry(live: LiveServer, new_page: NewPage) -> None:
    await assert_serves(live, "/telemetry/summary")  # the page reads it: a missing route is a failure
    page = await new_page()
    await page.goto(live.url + "/")
    for prompt in ("What is the capital of France?", FRANCE_PARAPHRASE):
        await page.fill("#prompt", prompt)
        await page.press("#prompt", "Enter")
        await expect(page.locator(".col[data-column=raw]")).to_have_attribute("aria-busy", "false")
    await page.goto(live.url + "/calculator")
    await page.click("#use-telemetry")
    await expect(page.locator("#telemetry-status")).to_contain_text("Filled from live telemetry")
    assert float(await page.input_value("#hit_rate_pct")) == pytest.approx(50, abs=0.1)
