"""The Entries page: browse and search what is cached, open an entry, judge it, probe it, delete it."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Dialog, expect

from tests.e2e.conftest import NewPage, screenshot
from tests.support.live import LiveServer

pytestmark = pytest.mark.e2e
FRANCE = "What is the capital of France?"


async def test_entries_page_browses_judges_probes_and_deletes(live: LiveServer, new_page: NewPage) -> None:
    async with httpx.AsyncClient(base_url=live.url, timeout=30) as client:
        for prompt, answer, tags in (
            (FRANCE, "Paris is the capital of France.", ["geo"]),
            ("Who wrote Hamlet?", "William Shakespeare.", []),
        ):
            r = await client.post("/cache/store", json={"prompt": prompt, "response": answer, "tags": tags})
            assert r.status_code == 201

    page = await new_page()
    await page.goto(live.url + "/entries")
    rows = page.locator("#entries-body tr")
    await expect(rows).to_have_count(2)
    await expect(page.locator("#entries-count")).to_have_text("2 entries")
    await expect(rows.first).to_contain_text("Who wrote Hamlet?")  # newest first
    await expect(page.locator(".entry-tag")).to_have_text(["geo"])

    await page.fill("#f-q", "capital fra")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text(FRANCE)
    await screenshot(page, "entries-light")

    await rows.first.click()
    drawer = page.locator("#drawer")
    await expect(drawer).to_be_visible()
    await expect(page.locator("#d-response")).to_have_text("Paris is the capital of France.")
    await page.click("#d-correct")
    await expect(page.locator("#d-note")).to_have_text("Marked correct.")
    await expect(page.locator("#d-facts")).to_contain_text("1 correct, 0 wrong")

    await page.fill("#probe-prompt", "What is France's capital?")
    await page.click("#probe-form button[type=submit]")
    await expect(page.locator(".probe-verdict")).to_have_text("Would hit (semantic)")
    await page.fill("#probe-prompt", "How do I bake sourdough bread?")
    await page.click("#probe-form button[type=submit]")
    await expect(page.locator(".probe-verdict")).to_have_text("Would not hit")
    await screenshot(page, "entries-drawer")

    async def accept(dialog: Dialog) -> None:
        await dialog.accept()

    page.on("dialog", accept)
    await page.click("#d-delete")
    await expect(drawer).to_be_hidden()
    await page.fill("#f-q", "")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("Who wrote Hamlet?")

    # Forget a namespace: one generation bump, its entries stop being served.
    async with httpx.AsyncClient(base_url=live.url, timeout=30) as client:
        r = await client.post(
            "/cache/store", json={"prompt": FRANCE, "response": "Paris (v1).", "scope": {"namespace": "docs"}}
        )
        assert r.status_code == 201
        assert (await client.post("/cache/search", json={"prompt": FRANCE, "scope": {"namespace": "docs"}})).json()[
            "hit"
        ]
    page.remove_listener("dialog", accept)

    async def answer_docs(dialog: Dialog) -> None:
        await dialog.accept("docs")

    page.once("dialog", answer_docs)
    await page.click("#entries-forget")
    await expect(page.locator("#entries-note")).to_contain_text("generation 1")
    await expect(page.locator("tr.stale")).to_contain_text(FRANCE)
    await expect(page.locator(".entry-stale")).to_have_text(["stale"])
    async with httpx.AsyncClient(base_url=live.url, timeout=30) as client:
        assert not (await client.post("/cache/search", json={"prompt": FRANCE, "scope": {"namespace": "docs"}})).json()[
            "hit"
        ]

    dark = await new_page(theme="dark")
    await dark.goto(live.url + "/entries")
    await expect(dark.locator("#entries-body tr")).to_have_count(2)
    await dark.select_option("#f-sort", "-hits")
    await expect(dark.locator("#entries-body tr").first).to_contain_text(FRANCE)
    await screenshot(dark, "entries-dark")

    phone = await new_page(viewport={"width": 390, "height": 844})
    await phone.goto(live.url + "/entries")
    await expect(phone.locator("#entries-body tr")).to_have_count(2)
    overflow = await phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the entries page scrolls sideways by {overflow}px on a phone"
    await phone.locator("#entries-body tr").first.click()
    await expect(phone.locator("#drawer")).to_be_visible()
    await screenshot(phone, "entries-mobile")
