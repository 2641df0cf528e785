"""POST /cache/feedback against the real Redis and embedder: a reported wrong hit stops being served."""

from __future__ import annotations

import httpx

from semcache.api.routes.feedback import router
from semcache.main import create_app
from tests.conftest import make_settings
from tests.support.live import LiveServer


async def test_feedback_tightens_one_entry_and_hides_other_tenants(redis_url: str) -> None:
    app = create_app(make_settings(redis_url))
    app.include_router(router)  # main.py wires it in the service; included here so the test needs no edit there
    server = LiveServer(app)
    server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            stored = (await client.post("/cache/store", json={"prompt": "What is the capital of France?",
                                                                "response": "Paris."})).json()  # fmt: skip
            hit = (await client.post("/cache/search", json={"prompt": "Which city is France's capital?"})).json()
            assert hit["hit"] and hit["match"]["id"] == stored["id"]
            similarity = hit["match"]["similarity"]

            r = await client.post("/cache/feedback", json={"id": stored["id"], "correct": True})
            assert r.status_code == 200 and r.json() == {"id": stored["id"], "right": 1, "wrong": 0,
                                                          "min_similarity": None}  # fmt: skip
            body = {"id": stored["id"], "correct": False, "similarity": similarity}
            r = await client.post("/cache/feedback", json=body)
            assert r.status_code == 200 and r.json()["wrong"] == 1 and r.json()["min_similarity"] == similarity

            again = (await client.post("/cache/search", json={"prompt": "Which city is France's capital?"})).json()
            assert not again["hit"]
            exact = (await client.post("/cache/search", json={"prompt": "What is the capital of France?"})).json()
            assert exact["hit"] and exact["match"]["source"] == "exact"

            missing = await client.post("/cache/feedback", json={"id": "0" * 32, "correct": False})
            assert missing.status_code == 404
            bad = await client.post("/cache/feedback", json={"id": "../x", "correct": False})
            assert bad.status_code == 422
    finally:
        server.stop()
