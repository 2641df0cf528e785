"""POST /cache/feedback against the real Redis and embedder: a reported wrong hit stops being served."""

from __future__ import annotations

import httpx

from tests.conftest import ServiceFactory


async def test_feedback_tightens_one_entry_and_refuses_unknown_ids(service_factory: ServiceFactory) -> None:
    server = service_factory()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        stored = (await client.post("/cache/store", json={"prompt": "What is the capital of France?",
                                                            "response": "Paris."})).json()  # fmt: skip
        hit = (await client.post("/cache/search", json={"prompt": "What is France's capital?"})).json()
        assert hit["hit"] and hit["match"]["id"] == stored["id"]
        similarity = hit["match"]["similarity"]

        r = await client.post("/cache/feedback", json={"id": stored["id"], "correct": True})
        assert r.status_code == 200 and r.json() == {"id": stored["id"], "right": 1, "wrong": 0,
                                                      "min_similarity": None}  # fmt: skip
        body = {"id": stored["id"], "correct": False, "similarity": similarity}
        r = await client.post("/cache/feedback", json=body)
        assert r.status_code == 200 and r.json()["wrong"] == 1 and r.json()["min_similarity"] == similarity

        again = (await client.post("/cache/search", json={"prompt": "What is France's capital?"})).json()
        assert not again["hit"]
        exact = (await client.post("/cache/search", json={"prompt": "What is the capital of France?"})).json()
        assert exact["hit"] and exact["match"]["source"] == "exact"

        missing = await client.post("/cache/feedback", json={"id": "0" * 32, "correct": False})
        assert missing.status_code == 404
        bad = await client.post("/cache/feedback", json={"id": "../x", "correct": False})
        assert bad.status_code == 422
