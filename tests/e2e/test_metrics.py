"""The metrics view draws /telemetry/summary as SVG charts and refreshes itself, the live wrong-answer rate
and the what-if curve included."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import expect

from tests.conftest import ServiceFactory
from tests.e2e.conftest import NewPage, assert_serves, screenshot
from tests.support.live import LiveServer
from tests.support.paraphrases import FRANCE_PARAPHRASE, GROUPS
from tests.support.upstream import Upstream
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


async def test_metrics_view_shows_the_live_wrong_rate_with_its_interval_and_the_what_if_curve(
    service_factory: ServiceFactory, upstream: Upstream, new_page: NewPage
) -> None:
    france = GROUPS[0]
    upstream.state.answers[france.stored] = "Paris is the capital of France."
    server = service_factory(CACHE_AUDIT_RATE=1.0, CACHE_AUDIT_MAX_PER_ENTRY=10)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        for prompt in (france.stored, *france.paraphrases):
            assert (await client.post("/ask", json={"prompt": prompt})).status_code == 200
            await drained(server)
        quality = (await client.get("/metrics")).json()["quality"]
    audits = quality["audits"]
    assert audits >= 2

    page = await new_page()
    await page.goto(server.url + "/metrics-view")
    await expect(page.locator("[data-kpi=audits]")).to_have_text(str(audits))
    await expect(page.locator("[data-kpi=wrong-rate]")).not_to_have_text("–")
    await expect(page.locator("[data-kpi=wrong-interval]")).to_contain_text("95% interval")
    await expect(page.locator("#chart-error svg path")).not_to_have_count(0)
    await expect(page.locator("#chart-whatif svg path")).not_to_have_count(0)
    await expect(page.locator("#chart-whatif [data-marker=threshold]")).to_have_count(1)
    await expect(page.locator("#chart-whatif-savings svg path")).not_to_have_count(0)
    await expect(page.locator("#quality-namespaces tbody tr")).to_have_count(1)
    await expect(page.locator("#quality-namespaces tbody td").last).to_contain_text("(configured)")
    await expect(page.locator("#whatif-note")).to_contain_text("Most saved at cut-off")
    await expect(page.locator("#legend-max-error")).to_be_hidden()  # no CACHE_MAX_ERROR set, no line for it
    await screenshot(page, "metrics-quality")

    # A namespace past CACHE_MAX_ERROR: the section says so (drawn from a summary the page is handed, as the
    # 20+ wrong audits it takes are the replay test's job: tests/integration/verify/test_audit_replay.py).
    flagged = {**quality, "max_error": 0.05, "namespaces": [{**quality["namespaces"][0], "alert": True}]}
    flagged["total"] = {**quality["total"], "alert": True}
    # ... and a threshold its audits moved within the operator's limits (verify/learning.py).
    namespace = quality["namespaces"][0]["namespace"]
    flagged["learned"] = [{"tenant": "default", "namespace": namespace, "similarity": 0.93, "floor": 0.9,
                           "ceiling": 0.96, "judged_since": 20}]  # fmt: skip
    # Dispatched and read in one script: a poll landing in between cannot redraw it (JS runs to completion).
    shown = await page.evaluate(
        """q => {
            document.dispatchEvent(new CustomEvent('semcache:summary', {detail: {quality: q}}));
            return {
                alert: document.querySelector('[data-alert=max-error]')?.textContent ?? '',
                legend: getComputedStyle(document.getElementById('legend-max-error')).display,
                bad: document.querySelector('[data-kpi-card="wrong-rate"]').classList.contains('bad'),
                threshold: document.querySelector('#quality-namespaces tbody tr td:last-child').textContent,
            };
        }""",
        flagged,
    )
    assert "above CACHE_MAX_ERROR (5.0%)" in shown["alert"] and shown["legend"] != "none" and shown["bad"], shown
    assert shown["threshold"] == "0.93 learned, limits 0.90–0.96", shown

    phone = await new_page(theme="dark", viewport={"width": 390, "height": 844})
    await phone.goto(server.url + "/metrics-view")
    await expect(phone.locator("#chart-whatif svg path")).not_to_have_count(0)
    overflow = await phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a phone"
    await screenshot(phone, "metrics-quality-mobile")

    # The calculator states the same live figure beside the savings it fills in.
    await page.goto(server.url + "/calculator")
    await page.click("#use-telemetry")
    await expect(page.locator("#telemetry-status")).to_contain_text("Audits measured")
    await expect(page.locator("#telemetry-status")).to_contain_text(f"{audits} audited")
