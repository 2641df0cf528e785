"""A live service with CACHE_VERIFY_MODEL_PATH: one's own refitted pair model decides its semantic hits
(here one that refuses them all), while exact repeats still skip it."""

from __future__ import annotations

from pathlib import Path

from openai import AsyncOpenAI

from semcache.verify.model import PairModel, shipped
from tests.conftest import ServiceFactory
from tests.support.paraphrases import FRANCE, FRANCE_PARAPHRASE
from tests.support.upstream import Upstream
from tests.support.wait import drained


async def test_the_service_decides_with_ones_own_model(
    service_factory: ServiceFactory, upstream: Upstream, tmp_path: Path
) -> None:
    ours = shipped()
    never = PairModel(ours.weights, -50.0, ours.min_similarity, ours.min_probability)
    path = tmp_path / "mine.json"
    path.write_text(never.to_json({"command": "semcache eval mine/ --cv files --fit-out mine.json"}))
    service = service_factory(CACHE_VERIFY_MODEL_PATH=str(path))
    client = AsyncOpenAI(base_url=service.url + "/v1", api_key="k", max_retries=0)
    try:

        async def status(text: str) -> str:
            messages = [{"role": "user", "content": text}]
            r = await client.chat.completions.with_raw_response.create(model="m", messages=messages)  # type: ignore[arg-type]
            await drained(service)
            return r.headers["x-semcache-status"]

        assert await status(FRANCE) == "MISS"
        assert await status(FRANCE_PARAPHRASE) == "MISS"  # the shipped model serves it (test_gateway.py)
        assert await status(FRANCE) == "HIT-EXACT"
    finally:
        await client.close()
    assert upstream.state.calls_for(FRANCE_PARAPHRASE) == 1
