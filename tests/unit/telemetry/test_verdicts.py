"""A verdict survives its trip through the Stream's flat string fields (telemetry/verdicts.py)."""

from __future__ import annotations

from semcache.telemetry.verdicts import Verdict


def test_a_verdict_round_trips_through_its_stream_fields() -> None:
    v = Verdict("audit", False, "acme", "faq", 1.5, similarity=0.91, score=0.42, cost_usd=0.0001, tokens=37)
    raw = {k.encode(): x.encode() for k, x in v.fields().items()}  # as redis-py returns them
    assert Verdict.parse(raw) == v
    bare = Verdict("miss", True, "acme", "", 2.0)
    assert Verdict.parse(bare.fields()) == bare


def test_a_malformed_entry_is_skipped() -> None:
    assert Verdict.parse({"kind": "gossip", "correct": "1"}) is None
    assert Verdict.parse({"kind": "audit", "ts": "yesterday"}) is None
