"""Embedder faults: the ONNX model failing inside onnxruntime, and its model threads gone. Answers bypass
the cache (never a 500); the cache's own endpoints say 503 with a JSON body; recovery needs no restart."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import numpy as np
import pytest

from tests.conftest import ServiceFactory
from tests.support.live import LiveServer
from tests.support.sse import collect


class BrokenFeed:
    """Wraps the real InferenceSession and calls it without `attention_mask`: onnxruntime itself raises."""

    def __init__(self, session: object) -> None:
        self._session = session

    def run(self, outputs: object, feed: dict[str, np.ndarray]) -> object:
        feed = {k: v for k, v in feed.items() if k != "attention_mask"}
        return self._session.run(outputs, feed)  # type: ignore[attr-defined]


def break_the_model(server: LiveServer) -> Callable[[], None]:
    model = server.app.state.resources.embedder._model
    real = model._session
    model._session = BrokenFeed(real)

    def restore() -> None:
        model._session = real

    return restore


def stop_the_workers(server: LiveServer) -> Callable[[], None]:
    """The model threads gone: the embedder's queue has no thread behind it (as after close())."""
    from semcache.embeddings.workers import ModelWorkers

    embedder = server.app.state.resources.embedder
    real = embedder._workers
    gone = ModelWorkers(embedder._embed_one, threads=1)
    gone.close()  # never started, now closed: embed() refuses every text
    embedder._workers = gone

    def restore() -> None:
        embedder._workers = real

    return restore


def chat(prompt: str, *, stream: bool = False) -> dict[str, object]:
    return {"model": "m", "messages": [{"role": "user", "content": prompt}], "stream": stream}


@pytest.mark.parametrize("fault", [break_the_model, stop_the_workers], ids=["onnx-error", "workers-gone"])
async def test_embedder_failure_bypasses_and_recovers(
    service_factory: ServiceFactory, fault: Callable[[LiveServer], Callable[[], None]]
) -> None:
    server = service_factory()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
        await c.post("/cache/store", json={"prompt": "Embedded before", "response": "yes", "scope": {"model": "m"}})
        restore = fault(server)
        try:
            r = await c.post("/v1/chat/completions", json=chat("Embedder down, gateway?"))
            assert r.status_code == 200 and r.headers["x-semcache-status"] == "BYPASS"
            assert "embedding" in r.headers["x-semcache-reason"]
            async with c.stream("POST", "/v1/chat/completions", json=chat("Embedder down, stream?", stream=True)) as s:
                assert s.status_code == 200 and s.headers["x-semcache-status"] == "BYPASS"
                assert b"[DONE]" in await s.aread()
            body = (await c.post("/ask", json={"prompt": "Embedder down, ask?"})).json()
            assert body["cache"]["status"] == "bypass" and body["cache"]["text"] == "Answer to: Embedder down, ask?"
            evs = await collect(c, "/ask/stream", {"prompt": "Embedder down, stream ask?"})
            assert next(e.data for e in evs if e.name == "cache_document")["status"] == "bypass"
            for path, body in (
                ("/cache/search", {"prompt": "Was it embedded before?", "scope": {"model": "m"}}),
                ("/cache/store", {"prompt": "new", "response": "x"}),
                ("/vector/search", {"text": "anything"}),
                ("/v1/embeddings", {"model": "m", "input": "anything"}),
            ):
                r = await c.post(path, json=body)
                assert r.status_code == 503 and r.json()["error"]["code"] == "embedding_unavailable", (path, r.text)
            ready = (await c.get("/readiness")).json()
            assert ready["checks"]["embedder"]["ok"] is False and ready["checks"]["redis"]["ok"] is True
        finally:
            restore()
        r = await c.post("/cache/search", json={"prompt": "Embedded before", "scope": {"model": "m"}})
        assert r.json()["hit"] is True
        assert (await c.get("/readiness")).json()["status"] == "ready"
