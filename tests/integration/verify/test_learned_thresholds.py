"""Per-namespace threshold learning through the real service, Redis and embedder (verify/learning.py): the
labelled replay's audits find a cache too loose for CACHE_MAX_ERROR, so the namespace's threshold rises, one
step per fresh batch of evidence, never above the operator's ceiling; the value is in Redis, so another replica
serves and reports the same, and later hits are served at or above it."""

from __future__ import annotations

import random
from pathlib import Path

import httpx

from semcache.normalize import normalize_text
from tests.conftest import ServiceFactory, unique_prefix
from tests.integration.verify.test_audit_replay import NAMESPACE, Replay
from tests.support.labelled import LabelledAnswers, load_rows
from tests.support.upstream import Upstream

DATA = Path(__file__).resolve().parents[2] / "data" / "intent_pairs.jsonl"
FLOOR, CEILING, STEP = 0.80, 0.86, 0.02


async def learned(client: httpx.AsyncClient) -> dict[str, object] | None:
    quality = (await client.get("/metrics")).json()["quality"]
    return next((t for t in quality["learned"] if t["namespace"] == NAMESPACE), None)


async def test_audits_raise_a_loose_namespace_threshold_within_the_limits_and_replicas_agree(
    service_factory: ServiceFactory, upstream: Upstream
) -> None:
    rows = load_rows(DATA)
    answers = LabelledAnswers.of(rows)
    upstream.state.answer_for = answers
    env = {"CACHE_PREFIX": unique_prefix(), "CACHE_AUDIT_RATE": 1.0, "CACHE_AUDIT_MAX_PER_ENTRY": 1000,
           "CACHE_VERIFY": False, "SEMANTIC_SIMILARITY_THRESHOLD": FLOOR, "CACHE_MAX_ERROR": 0.05,
           "CACHE_LEARN_SIMILARITY_MIN": FLOOR, "CACHE_LEARN_SIMILARITY_MAX": CEILING, "CACHE_LEARN_STEP": STEP,
           "CACHE_AUDIT_ALIASES": 0}  # fmt: skip
    server = service_factory(**env)
    server.app.state.resources.service.audits.draw = random.Random(31).random
    labels = {normalize_text(p): lab for p, lab in answers.labels.items()}
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        replay = Replay(server, client, labels)
        for row in rows[:200]:
            await replay.ask(row.a)
            await replay.ask(row.b)
        state = await learned(client)
        print(f"\n{len(replay.served)} semantic hits, learned {state}")
        assert state is not None
        similarity = float(state["similarity"])  # type: ignore[arg-type]
        assert FLOOR < similarity <= CEILING and state["floor"] == FLOOR and state["ceiling"] == CEILING

        # Later hits are served at or above it (it only rises here: the rate stays far above the bound).
        before = len(replay.served)
        for row in rows[200:]:
            await replay.ask(row.a)
            await replay.ask(row.b)
        assert all(s.similarity >= similarity - 1e-6 for s in replay.served[before:])
        final = await learned(client)

    # Another replica on the same Redis reads the same value and serves with it.
    other = service_factory(**env)
    async with httpx.AsyncClient(base_url=other.url, timeout=60) as client:
        assert await learned(client) == final
