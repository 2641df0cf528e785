"""The chat page against the real /ask/stream: both columns stream, a paraphrase hits the cache first."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import NewPage, screenshot
from tests.support.live import LiveServer
from tests.support.paraphrases import FRANCE_PARAPHRASE

pytestmark = pytest.mark.e2e

RAW = ".col[data-column=raw]"
CACHE = ".col[data-column=cache]"

# Records the order in which the columns finish (aria-busy flips to "false"), in the page's own clock.
WATCH_FINISH = """() => {
  window.__finished = [];
  for (const col of document.querySelectorAll('.col[data-column]')) {
    new MutationObserver(() => {
      if (col.getAttribute('aria-busy') === 'false' && !window.__finished.includes(col.dataset.column)) {
        window.__finished.push(col.dataset.column);
      }
    }).observe(col, { attributes: true, attributeFilter: ['aria-busy'] });
  }
}"""


async def ask(page: Page, prompt: str) -> None:
    await page.fill("#prompt", prompt)
    await page.press("#prompt", "Enter")


async def wait_both_done(page: Page) -> None:
    await expect(page.locator(RAW)).to_have_attribute("aria-busy", "false")
    await expect(page.locator(CACHE)).to_have_attribute("aria-busy", "false")


async def test_question_streams_both_columns_then_a_paraphrase_hits_first(live: LiveServer, new_page: NewPage) -> None:
    page = await new_page()
    await page.goto(live.url + "/")
    await expect(page.locator(f"{RAW} [data-role=badge-text]")).to_have_text("Idle")

    await ask(page, "What is the capital of France?")
    # Streaming, not one lump at the end: text is on screen while the column is still busy.
    await page.wait_for_function(
        """() => ['raw', 'cache'].every((c) => {
             const col = document.querySelector(`.col[data-column=${c}]`);
             return col.getAttribute('aria-busy') === 'true' && col.querySelector('.answer').textContent.length > 0;
           })"""
    )
    await wait_both_done(page)
    await expect(page.locator(f"{RAW} .answer")).to_contain_text("Paris")
    await expect(page.locator(f"{CACHE} .answer")).to_contain_text("Paris")
    await expect(page.locator(f"{RAW} [data-role=badge-text]")).to_have_text("DONE")
    await expect(page.locator(f"{CACHE} [data-role=badge-text]")).to_have_text("MISS")
    for stat in ("latency", "ttft", "tokens", "cost"):
        await expect(page.locator(f"{RAW} [data-stat={stat}]")).not_to_have_text("–")
    await expect(page.locator(f"{CACHE} [data-role=foot]")).to_contain_text("Stored as")

    await page.evaluate(WATCH_FINISH)
    await ask(page, FRANCE_PARAPHRASE)
    await wait_both_done(page)
    assert await page.evaluate("window.__finished") == ["cache", "raw"]
    await expect(page.locator(f"{CACHE} [data-role=badge-text]")).to_contain_text("HIT · semantic")
    await expect(page.locator(f"{CACHE} .answer")).to_contain_text("The capital of France is Paris")
    await expect(page.locator(f"{CACHE} [data-role=speedup]")).to_be_visible()
    await expect(page.locator(f"{CACHE} [data-stat=saved]")).not_to_have_text("0")
    await expect(page.locator("#history-list li")).to_have_count(2)
    await screenshot(page, "chat-light")


async def test_hover_card_shows_the_cache_metadata(live: LiveServer, new_page: NewPage) -> None:
    page = await new_page()
    await page.goto(live.url + "/")
    await ask(page, "What is the capital of France?")
    await wait_both_done(page)
    await ask(page, FRANCE_PARAPHRASE)
    await wait_both_done(page)

    card = page.locator("#hovercard")
    await page.hover(f"{CACHE} .answer")
    await expect(card).to_be_hidden()  # the toggle starts Off

    toggle = page.locator("#hover-toggle")
    await toggle.click()
    await expect(toggle).to_have_attribute("aria-checked", "true")
    await expect(toggle).to_contain_text("On")
    await page.hover(f"{CACHE} .answer")
    await expect(card).to_be_visible()
    similarity = float(await card.locator("[data-field=similarity]").inner_text())
    assert 0.9 <= similarity <= 1.0
    assert float(await card.locator("[data-field=distance]").inner_text()) == pytest.approx(1 - similarity, abs=2e-4)
    threshold = await card.locator("[data-field=threshold]").inner_text()
    match = re.fullmatch(r"similarity ≥ (0\.\d\d) \(distance ≤ (0\.\d\d)\)", threshold.strip())
    assert match, threshold
    assert float(match[1]) <= similarity and float(match[1]) + float(match[2]) == pytest.approx(1)
    assert len(await card.locator("[data-field=doc_id]").inner_text()) >= 8
    await expect(card.locator("[data-field=matched_prompt]")).to_have_text("What is the capital of France?")
    await expect(card.locator("[data-field=query]")).to_contain_text('"command": "FT.SEARCH"')
    await expect(card.locator("[data-field=query]")).to_contain_text("KNN")
    await expect(card.locator("[data-field=embedding]")).to_contain_text("…]")
    await screenshot(page, "chat-hover")

    # Keyboard: the answer is focusable while hover is on, Escape closes the card.
    await page.mouse.move(0, 0)
    await expect(card).to_be_hidden()
    await page.focus(f"{CACHE} .answer")
    await expect(card).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(card).to_be_hidden()

    # The choice survives a reload.
    await page.reload()
    await expect(page.locator("#hover-toggle")).to_have_attribute("aria-checked", "true")


async def test_keyboard_enter_sends_and_shift_enter_adds_a_line(live: LiveServer, new_page: NewPage) -> None:
    page = await new_page()
    await page.goto(live.url + "/")
    await expect(page.locator("#prompt")).to_be_focused()
    await page.keyboard.type("first line")
    await page.keyboard.press("Shift+Enter")
    await page.keyboard.type("second line")
    assert await page.input_value("#prompt") == "first line\nsecond line"
    await expect(page.locator(RAW)).to_have_attribute("aria-busy", "false")  # nothing sent yet
    await expect(page.locator(f"{RAW} [data-role=badge-text]")).to_have_text("Idle")
    await page.keyboard.press("Enter")
    await wait_both_done(page)
    await expect(page.locator(f"{RAW} .answer")).to_contain_text("first line")


async def test_errors_and_bypass_are_shown_plainly(live: LiveServer, new_page: NewPage) -> None:
    page = await new_page()
    await page.goto(live.url + "/")

    # The upstream answers 500: both columns say so, neither is left blank.
    await ask(page, "[[status:500]] Why is the sky blue?")
    await wait_both_done(page)
    for col in (RAW, CACHE):
        await expect(page.locator(f"{col} [data-role=badge-text]")).to_have_text("ERROR")
        await expect(page.locator(f"{col} .notice.error")).to_be_visible()
        await expect(page.locator(f"{col} .answer")).not_to_be_empty()

    # "Bypass cache": the cache column says it was bypassed and why, and still shows the LLM's answer.
    await page.check("#no-cache")
    await ask(page, "Name a colour of the rainbow.")
    await wait_both_done(page)
    await expect(page.locator(f"{CACHE} [data-role=badge-text]")).to_have_text("BYPASS")
    await expect(page.locator(f"{CACHE} .notice.bypass")).to_contain_text("Cache bypassed")
    await expect(page.locator(f"{CACHE} .answer")).to_contain_text("Answer to: Name a colour")
    await screenshot(page, "chat-errors")


async def test_dark_theme_and_small_screens(live: LiveServer, new_page: NewPage) -> None:
    page = await new_page(theme="dark")
    await page.goto(live.url + "/")
    assert await page.evaluate("document.documentElement.dataset.theme") == "dark"
    await ask(page, "What is the capital of France?")
    await wait_both_done(page)
    await ask(page, "Tell me the capital city of France")
    await wait_both_done(page)
    await screenshot(page, "chat-dark")

    await page.click("#theme-toggle")
    assert await page.evaluate("document.documentElement.dataset.theme") == "light"
    await page.reload()
    assert await page.evaluate("document.documentElement.dataset.theme") == "light"  # the choice is kept

    phone = await new_page(viewport={"width": 390, "height": 844})
    await phone.goto(live.url + "/")
    await ask(phone, "What is the capital of France?")
    await wait_both_done(phone)
    overflow = await phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a phone"
    await screenshot(phone, "chat-mobile")


SSE_PARSE = """async (chunks) => {
  const { readEvents } = await import('/static/js/sse.js');
  const encoder = new TextEncoder();
  const body = new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(encoder.encode(c));
      controller.close();
    },
  });
  const out = [];
  for await (const e of readEvents(new Response(body))) out.push(e);
  return out;
}"""


async def test_sse_parser_handles_split_chunks_crlf_comments_and_multiline_data(
    live: LiveServer, new_page: NewPage
) -> None:
    page = await new_page()
    await page.goto(live.url + "/")
    chunks = [
        ": ping\r\n\r\n",  # a keep-alive comment: no event
        "event: content_chunk\r",  # CRLF split across chunks
        '\ndata: {"column":"raw",',
        '"text":"a"}\r\n\r\nevent: x\ndata: line one\ndata: line two\n\n',
        "data: no event name\n\n",
        'event: column_complete\ndata: {"column":"cache"}\n\n',
    ]
    events = await page.evaluate(SSE_PARSE, chunks)
    assert events == [
        {"event": "content_chunk", "data": '{"column":"raw","text":"a"}'},
        {"event": "x", "data": "line one\nline two"},
        {"event": "message", "data": "no event name"},
        {"event": "column_complete", "data": '{"column":"cache"}'},
    ]
