"""The cache measures its own wrong-answer rate (issue 31), replayed on labelled prompts through the real
service, Redis and embedder, with the loopback upstream answering by intent in changing wording
(tests/support/labelled.py): the audited interval holds the true wrong rate, and an entry an audit judged
wrong is no longer served for that query."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from semcache.normalize import normalize_text
from tests.conftest import ServiceFactory
from tests.support.labelled import LabelledAnswers, load_rows
from tests.support.live import LiveServer
from tests.support.upstream import Upstream
from tests.support.wait import drained

DATA = Path(__file__).resolve().parents[2] / "data" / "intent_pairs.jsonl"
NAMESPACE = "replay"


@dataclass(frozen=True)
class Served:
    prompt: str
    entry: str
    similarity: float
    wrong: bool


class Replay:
    def __init__(self, server: LiveServer, client: httpx.AsyncClient, labels: dict[str, str]) -> None:
        self.server, self.client, self.labels = server, client, labels
        self.entry_labels: dict[str, str] = {}
        self.served: list[Served] = []
        self.asked = 0

    async def ask(self, prompt: str) -> Served | None:
        body = {"model": "m", "messages": [{"role": "user", "content": prompt}]}
        r = await self.client.post("/v1/chat/completions", json=body, headers={"x-semcache-namespace": NAMESPACE})
        assert r.status_code == 200, r.text
        await drained(self.server)  # audits settle before the next request: the replay is deterministic
        self.asked += 1
        if r.headers["x-semcache-status"] != "HIT-SEMANTIC":
            return None
        entry = r.headers["x-semcache-entry"]
        served = Served(prompt, entry, float(r.headers["x-semcache-similarity"]),
                        await self.label_of(entry) != self.labels[normalize_text(prompt)])  # fmt: skip
        self.served.append(served)
        return served

    async def label_of(self, entry: str) -> str:
        if entry not in self.entry_labels:
            stored = (await self.client.get(f"/cache/entries/{entry}")).json()
            self.entry_labels[entry] = self.labels[normalize_text(stored["prompt"])]
        return self.entry_labels[entry]


async def test_the_live_interval_holds_the_true_wrong_rate_and_wrong_entries_stop_serving(
    service_factory: ServiceFactory, upstream: Upstream
) -> None:
    rows = load_rows(DATA)
    answers = LabelledAnswers.of(rows)
    upstream.state.answer_for = answers
    # No verifier and a low threshold: a cache serving enough wrong answers to measure.
    server = service_factory(CACHE_AUDIT_RATE=0.5, CACHE_AUDIT_MAX_PER_ENTRY=1000, CACHE_VERIFY=False,
                             SEMANTIC_SIMILARITY_THRESHOLD=0.80, CACHE_MAX_ERROR=0.05)  # fmt: skip
    server.app.state.resources.service.audits.draw = random.Random(31).random
    labels = {normalize_text(p): lab for p, lab in answers.labels.items()}
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        replay = Replay(server, client, labels)
        for row in rows:
            await replay.ask(row.a)
            await replay.ask(row.b)

        quality = (await client.get("/metrics")).json()["quality"]
        audited = next(n for n in quality["namespaces"] if n["namespace"] == NAMESPACE)["audit"]
        true_rate = sum(s.wrong for s in replay.served) / len(replay.served)
        interval = f"{audited['estimate']:.1%} [{audited['low']:.1%}, {audited['high']:.1%}]"
        print(f"\n{replay.asked} requests, {len(replay.served)} semantic hits, true wrong rate {true_rate:.1%}; "
              f"audited {audited['judged']}: {interval}")  # fmt: skip
        assert audited["judged"] >= 30
        assert audited["low"] <= true_rate <= audited["high"]
        assert quality["audits"] == audited["judged"] and quality["total"]["audit"]["judged"] == audited["judged"]
        assert quality["trace"] and quality["what_if"]

        # Every entry an audit judged wrong for a query is no longer served for it.
        judged_wrong = []
        for s in {s.entry: s for s in replay.served if s.wrong}.values():
            feedback = (await client.get(f"/cache/entries/{s.entry}")).json()["feedback"]
            if (
                feedback["wrong"]
                and feedback["min_similarity"] is not None
                and feedback["min_similarity"] >= s.similarity
            ):
                judged_wrong.append(s)
        assert judged_wrong
        for s in judged_wrong:
            again = await replay.ask(s.prompt)
            assert again is None or again.entry != s.entry, s
        health = (await client.get("/health")).json()
        assert any(NAMESPACE in w for w in health["quality_warnings"]) == (audited["high"] > 0.05)


async def _replay_bounded(service_factory: ServiceFactory, upstream: Upstream, *, compare: bool) -> Replay:
    """The pairs b-side first, then a second pass over half of them, under CACHE_MAX_ERROR=0.10 with no audits:
    what the per-entry bound learns from miss comparisons alone."""
    rows = load_rows(DATA)
    answers = LabelledAnswers.of(rows)
    upstream.state.answer_for = answers
    server = service_factory(CACHE_AUDIT_RATE=0, CACHE_AUDIT_COMPARE_MISSES=compare, CACHE_MAX_ERROR=0.10,
                             SEMANTIC_SIMILARITY_THRESHOLD=0.80)  # fmt: skip
    labels = {normalize_text(p): lab for p, lab in answers.labels.items()}
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        replay = Replay(server, client, labels)
        for row in rows + rows[: len(rows) // 2]:
            await replay.ask(row.b)
            await replay.ask(row.a)
    return replay


async def test_miss_comparisons_raise_the_hit_rate_without_raising_the_true_wrong_rate(
    service_factory: ServiceFactory, upstream: Upstream
) -> None:
    without = await _replay_bounded(service_factory, upstream, compare=False)
    with_evidence = await _replay_bounded(service_factory, upstream, compare=True)

    def rates(r: Replay) -> tuple[float, float]:
        wrong = sum(s.wrong for s in r.served)
        return len(r.served) / r.asked, wrong / len(r.served) if r.served else 0.0

    (hit0, wrong0), (hit1, wrong1) = rates(without), rates(with_evidence)
    print(f"\nsemantic hit rate {hit0:.1%} -> {hit1:.1%}, true wrong rate {wrong0:.1%} -> {wrong1:.1%}")
    assert hit1 > hit0
    assert wrong1 <= wrong0


async def _replay_aliases(
    service_factory: ServiceFactory, upstream: Upstream, *, aliases: int, passes: int, **settings: object
) -> Replay:
    """Every pair (a, then b), `passes` times over, with CACHE_AUDIT_ALIASES=`aliases` and the given settings."""
    rows = load_rows(DATA)
    answers = LabelledAnswers.of(rows)
    upstream.state.answer_for = answers
    server = service_factory(CACHE_AUDIT_ALIASES=aliases, **settings)
    server.app.state.resources.service.audits.draw = random.Random(31).random
    labels = {normalize_text(p): lab for p, lab in answers.labels.items()}
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        replay = Replay(server, client, labels)
        for _ in range(passes):
            for row in rows:
                await replay.ask(row.a)
                await replay.ask(row.b)
    return replay


#: Two set-ups where a verdict can promote an alias: audits of served hits (no verifier, a low threshold, half
#: of the semantic hits audited), and miss comparisons under CACHE_MAX_ERROR (no audits: the bound's evidence).
ALIAS_SETUPS = {
    "audits": {
        "CACHE_AUDIT_RATE": 0.5,
        "CACHE_AUDIT_MAX_PER_ENTRY": 1000,
        "CACHE_VERIFY": False,
        "SEMANTIC_SIMILARITY_THRESHOLD": 0.80,
    },
    "miss comparisons": {"CACHE_AUDIT_RATE": 0, "CACHE_MAX_ERROR": 0.10, "SEMANTIC_SIMILARITY_THRESHOLD": 0.80},
}


@pytest.mark.parametrize("setup", list(ALIAS_SETUPS))
async def test_alias_promotion_raises_the_hit_rate_without_raising_the_true_wrong_rate(
    service_factory: ServiceFactory, upstream: Upstream, setup: str
) -> None:
    without = await _replay_aliases(service_factory, upstream, aliases=0, passes=1, **ALIAS_SETUPS[setup])
    with_aliases = await _replay_aliases(service_factory, upstream, aliases=8, passes=1, **ALIAS_SETUPS[setup])

    def rates(r: Replay) -> tuple[int, float, float]:
        wrong = sum(s.wrong for s in r.served)
        return len(r.served), len(r.served) / r.asked, wrong / len(r.served) if r.served else 0.0

    (n0, hit0, wrong0), (n1, hit1, wrong1) = rates(without), rates(with_aliases)
    print(f"\n{setup}: semantic hits {n0} -> {n1} ({hit0:.1%} -> {hit1:.1%}), "
          f"true wrong rate {wrong0:.1%} -> {wrong1:.1%}")  # fmt: skip
    assert hit1 > hit0
    assert wrong1 <= wrong0
