"""The default path with no LLM configured: the service starts SmolLM2 under llama.cpp itself."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import ServiceFactory
from tests.support.paraphrases import FRANCE_PARAPHRASE
from tests.support.sse import collect
from tests.support.wait import drained

pytestmark = pytest.mark.llm


async def test_local_model_answers_and_a_paraphrase_is_served_from_the_cache(service_factory: ServiceFactory) -> None:
    server = service_factory(LLM_PROVIDER="local", LLM_BASE_URL="")
    async with httpx.AsyncClient(base_url=server.url, timeout=120) as c:
        info = (await c.get("/llm/test")).json()
        assert info["ok"] and info["provider"] == "local" and info["model"] == "smollm2-135m-instruct"
        first = await collect(c, "/ask/stream", {"prompt": "What is the capital of France?"})
        raw = "".join(str(e.data["text"]) for e in first if e.name == "content_chunk" and e.data["column"] == "raw")
        assert "Paris" in raw
        await drained(server)
        search = await c.post(
            "/cache/search",
            json={"prompt": "What is the capital of France?", "scope": {"model": "smollm2-135m-instruct"}},
        )
        assert search.json()["hit"] is True
        second = await collect(c, "/ask/stream", {"prompt": FRANCE_PARAPHRASE})
        done = next(e.data for e in second if e.name == "column_complete" and e.data["column"] == "cache")
        assert done["status"] == "hit" and done["source"] == "semantic"
        cached = "".join(
            str(e.data["text"]) for e in second if e.name == "content_chunk" and e.data["column"] == "cache"
        )
        assert cached == raw
