"""CACHE_MAX_ERROR through the real service, Redis and embedder: an entry's own threshold moves with the
reports on it (`verify/bound.py`), stored in its hash by `POST /cache/feedback`."""

from __future__ import annotations

import math

import httpx

from semcache.verify.bound import PRIOR_STRENGTH
from semcache.verify.features import vector
from semcache.verify.model import shipped
from tests.conftest import ServiceFactory

MAX_ERROR = 0.05
STORED, QUERY = "What is the capital of France?", "Which city is France's capital?"


async def test_right_reports_open_an_entry_and_a_wrong_one_closes_it(service_factory: ServiceFactory) -> None:
    server = service_factory(CACHE_MAX_ERROR=MAX_ERROR, SEMANTIC_SIMILARITY_THRESHOLD=0.85)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        stored = (await client.post("/cache/store", json={"prompt": STORED, "response": "Paris."})).json()

        async def search() -> tuple[bool, float]:
            body = (await client.post("/cache/search", json={"prompt": QUERY})).json()
            return body["hit"], body["candidates"][0]["similarity"]

        async def report(correct: bool, similarity: float) -> None:
            body = {"id": stored["id"], "correct": correct, "similarity": similarity}
            assert (await client.post("/cache/feedback", json=body)).status_code == 200

        hit, similarity = await search()
        doubt = 1.0 - shipped().probability(vector(QUERY, STORED, similarity))
        assert doubt > MAX_ERROR and not hit  # the model alone does not meet the bound for this pair
        # Enough right reports at this similarity bring the estimate within the bound.
        for _ in range(math.ceil(PRIOR_STRENGTH * doubt / MAX_ERROR - PRIOR_STRENGTH)):
            await report(True, similarity)
        assert (await search())[0]
        # One wrong report at it outweighs them again: the entry's threshold rises above this similarity.
        await report(False, similarity)
        assert not (await search())[0]
        entry = (await client.get(f"/cache/entries/{stored['id']}")).json()
        assert entry["feedback"]["wrong"] == 1
