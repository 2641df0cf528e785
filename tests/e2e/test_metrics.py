"""The metrics view draws /telemetry/summary as SVG charts and refreshes itself."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import expect

from tests.e2e.conftest import NewPage, assert_serves, screenshot
from tests.support.live import LiveServer
from tests.support.paraphrases import FRANCE_PARAPHRASE
from tests.support.wait import drained

pytestmark = pytest.mark.e2e


async def test_metrics_view_draws_the_summary_and_refreshes_live(live: LiveServer, new_page: NewPage) -> None:
    await assert_serves(live, "/telemetry/summary")  # the page reads it: a missing route is a failure
    async with httpx.AsyncClient(base_url=live.url, timeout=30) as client:
        for prompt in ("What is the capital of France?", FRANCE_PARAPHRASE):
            assert (await client.post("/ask", json={"prompt": prompt})).status_code == 200
            await drained(live)  # the answer is stored after the response: the paraphrase must find it

        page = await new_page()
        await page.goto(live.url + "/metrics-view")
        requests = page.locator("[data-kpi=requests]")
        await expect(requests).not_to_have_text("–")
        first = int((await requests.inner_text()).replace(",", ""))
        assert first >= 2
        await expect(page.locator("[data-kpi=hit-rate]")).to_have_text("50.0%")
        for chart in ("chart-outcomes", "chart-tokens", "chart-cost", "chart-latency", "chart-ttft"):
            await expect(page.locator(f"#{chart} svg")).to_have_count(1)
        await expect(page.locator("#chart-cost svg path")).not_to_have_count(0)
        await expect(page.locator("#live")).to_contain_text("Live")

        # Live: a new request shows up without a reload.
        assert (await client.post("/ask", json={"prompt": "Tell me the capital city of France."})).status_code == 200
        await expect(requests).not_to_have_text(str(first), timeout=10_000)
        await screenshot(page, "metrics-light")

    dark = await new_page(theme="dark")
    await dark.goto(live.url + "/metrics-view")
    await expect(dark.locator("[data-kpi=requests]")).not_to_have_text("–")
    await screenshot(dark, "metrics-dark")
