"""Headless Debian Chromium (never a downloaded browser) driving the real app on loopback.

`make test` installs Chromium with scripts/install-chromium.sh; Playwright only speaks CDP to it.
Screenshots land in tests/e2e/artifacts/ (git-ignored) for a human to look at.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, async_playwright

from tests.conftest import ServiceFactory
from tests.support.live import LiveServer
from tests.support.upstream import Upstream

CHROMIUM = Path("/usr/bin/chromium")
# No sandbox: CI containers run as root; the rest keep Chromium from calling home (loopback only).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
DESKTOP = {"width": 1360, "height": 900}

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium: run `bash scripts/install-chromium.sh` (make test does)")
    return CHROMIUM


@pytest.fixture(scope="session")
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True)
        yield browser
        await browser.close()


class PageErrors:
    """Console errors and uncaught exceptions of one page; every test ends by asserting there were none."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.messages.append(f"console: {message.text} ({message.location.get('url', '')})")

    def page_error(self, error: Exception) -> None:
        self.messages.append(f"uncaught: {error}")


NewPage = Callable[..., Awaitable[Page]]


@pytest.fixture
async def new_page(browser: Browser) -> AsyncIterator[NewPage]:
    """`await new_page(theme="light", viewport=DESKTOP)`: a fresh context and page; errors checked at teardown."""
    contexts = []
    errors = PageErrors()

    async def make(*, theme: str = "light", viewport: dict[str, int] | None = None) -> Page:
        context = await browser.new_context(viewport=viewport or DESKTOP, color_scheme=theme)  # type: ignore[arg-type]
        contexts.append(context)
        page = await context.new_page()
        page.set_default_timeout(20_000)
        page.on("console", errors.console)
        page.on("pageerror", errors.page_error)
        return page

    try:
        yield make
    finally:
        for context in contexts:
            await context.close()
    assert not errors.messages, "the browser reported errors:\n" + "\n".join(errors.messages)


@pytest.fixture
def live(service_factory: ServiceFactory, upstream: Upstream) -> LiveServer:
    """The real app against the scripted upstream, slowed down enough that streaming is visible."""
    upstream.state.delay_s = 0.25
    upstream.state.chunk_delay_s = 0.03
    upstream.state.answers["What is the capital of France?"] = (
        "The capital of France is Paris, on the Seine. It has been the country's political and cultural centre "
        "for centuries."
    )
    return service_factory()


async def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # From the top: a full-page capture of a scrolled page draws the sticky header mid-page.
    await page.evaluate("window.scrollTo(0, 0)")
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def assert_serves(server: LiveServer, path: str) -> None:
    """GET `path` answers 200 with JSON (asked over HTTP: included routers do not list their routes)."""
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        r = await client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json"), (path, r.status_code)
