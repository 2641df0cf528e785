"""What Redis replies mean and what an entry's HASH holds (cache/codec.py): pure, no sockets."""

from __future__ import annotations

import json

import numpy as np

from semcache.cache.codec import (
    RETURN_FIELDS,
    as_blob,
    as_vector,
    capped_ttl,
    decode_entry,
    entry_fields,
    generation_field,
    index_attributes,
    json_object,
    matches,
    module_names,
    number,
    opt_float,
    pairs,
    search_candidates,
    stored_entry,
    text,
    ttl_or_none,
)
from semcache.cache.models import NewEntry

PREFIX = "p:cache:fp:e:"
VEC = np.array([0.5, 0.25], dtype=np.float32)
NEW = NewEntry(
    "What is Redis?",
    "what is redis?",
    "An in-memory store.",
    {"tenant": "acme", "model": "gpt-4o", "namespace": "a b"},
    prompt_tokens=4,
    completion_tokens=5,
    metadata={"source": "docs"},
    tags=("docs-v1", "faq"),
)


def stored_hash(new: NewEntry = NEW, *, gen: int = 0, ttl: int | None = 60) -> dict[str, bytes]:
    """An entry's fields as redis-py returns them (bytes), written by `entry_fields`."""
    fields = entry_fields(new, VEC, created_at=100.5, generation=gen, ttl=ttl, scope_fields=("tenant",))
    return {str(k): v if isinstance(v, bytes) else str(v).encode() for k, v in fields.items()}


def flat(fields: dict[str, bytes]) -> list[bytes]:
    """Fields as a RESP2 reply lists them: name, value, name, value, ..."""
    return [item for name, value in fields.items() for item in (name.encode(), value)]


def test_reply_values_decode_whatever_their_type() -> None:
    assert (text(b"caf\xc3\xa9"), text(None), text(3), text(b"\xff")) == ("café", "", "3", "\ufffd")
    assert (number(b"7"), number(None), number(b"")) == (7, 0, 0)
    assert (opt_float(b"0.5"), opt_float(None), opt_float(b"")) == (0.5, None, None)
    assert (ttl_or_none(30), ttl_or_none(b"5"), ttl_or_none(-1), ttl_or_none(-2)) == (30, 5, None, None)


def test_an_entry_written_by_entry_fields_reads_back_as_stored_entry_says() -> None:
    row = stored_hash(gen=3)
    entry = decode_entry("abc", row)
    assert entry == stored_entry("abc", NEW, created_at=100.5, generation=3, ttl=60)
    assert entry.scope == NEW.scope and entry.tags == ("docs-v1", "faq") and entry.metadata == {"source": "docs"}
    assert (entry.hits, entry.last_hit_at, entry.last_similarity) == (0, None, None)


def test_the_hash_holds_the_vector_as_float32_and_scope_fields_as_encoded_tags() -> None:
    fields = entry_fields(
        NEW, VEC, created_at=1.0, generation=0, ttl=None, scope_fields=("tenant", "namespace", "locale")
    )
    assert fields["embedding"] == np.asarray([0.5, 0.25], dtype=np.float32).tobytes()
    assert fields["tenant"] == "acme" and fields["locale"] == "_"  # a missing value has its own tag
    assert isinstance(fields["namespace"], str) and fields["namespace"].startswith("_")  # "a b" is digested
    assert fields["ttl"] == 0 and fields["hits"] == 0 and fields["tags"] == "docs-v1,faq"
    assert json.loads(str(fields["scope_json"])) == NEW.scope


def test_an_entry_without_ttl_or_tags_reads_as_none_and_empty() -> None:
    entry = decode_entry("x", {"response": b"r", "ttl": b"0", "tags": b""})
    assert (entry.ttl, entry.tags, entry.scope, entry.metadata, entry.created_at) == (None, (), {}, {}, 0.0)
    hit = decode_entry("x", {"response": b"r", "last_hit_at": b"12.5", "last_similarity": b"0.97", "hits": b"2"})
    assert (hit.hits, hit.last_hit_at, hit.last_similarity) == (2, 12.5, 0.97)


def test_flat_pairs_and_dicts_decode_alike() -> None:
    assert pairs([b"a", 1, b"b", b"x"]) == {"a": 1, "b": b"x"} == pairs({b"a": 1, "b": b"x"})
    assert pairs([b"a", 1, b"dangling"]) == {"a": 1}
    assert module_names([[b"name", b"search", b"ver", 80000], {b"name": b"ReJSON"}]) == {"search", "ReJSON"}


def test_index_attributes_read_either_key_of_ft_info() -> None:
    info = [
        b"index_name",
        b"i",
        b"attributes",
        [[b"identifier", b"tenant", b"attribute", b"tenant"], [b"identifier", b"embedding"]],
    ]
    assert index_attributes(info) == {"tenant", "embedding"}
    assert index_attributes([b"attributes", b"junk"]) == set()


def test_search_candidates_skip_expired_keys_and_older_generations() -> None:
    live = [*flat(stored_hash(gen=2)), b"distance", b"0.04"]
    old = [*flat(stored_hash(gen=1)), b"distance", b"0.02"]
    reply = [3, (PREFIX + "old").encode(), old, (PREFIX + "gone").encode(), [], (PREFIX + "live").encode(), live]
    found = search_candidates(reply, PREFIX, generation=2)
    assert [(c.entry.id, round(c.distance, 6)) for c in found] == [("live", 0.04)]
    assert [c.entry.id for c in search_candidates(reply, PREFIX, generation=0)] == ["old", "live"]


def test_ttl_cap_applies_to_every_entry_and_to_none() -> None:
    assert capped_ttl(None, None) is None and capped_ttl(30, None) == 30
    assert (capped_ttl(30, 60), capped_ttl(90, 60), capped_ttl(None, 60), capped_ttl(0, 60)) == (30, 60, 60, 60)


def test_vectors_round_trip_and_a_missing_blob_is_none() -> None:
    blob = as_blob(np.array([1.0, -2.0], dtype=np.float32))
    vector = as_vector(blob)
    assert vector is not None and vector.dtype == np.float32 and vector.tolist() == [1.0, -2.0]
    assert as_vector(None) is None


def test_clear_matches_scope_fields_exactly_and_prompts_by_case_insensitive_glob() -> None:
    row = [json.dumps({"tenant": "acme", "model": "m"}).encode(), b"What is Redis?"]
    assert matches(row, None, None) and matches(row, {"tenant": "acme"}, "what*")
    assert not matches(row, {"tenant": "other"}, None) and not matches(row, {"locale": "en"}, None)
    assert not matches(row, None, "*python*") and matches([b"", b"x"], None, "X")


def test_generation_field_keeps_tenant_and_namespace_apart() -> None:
    assert generation_field({"tenant": "a", "namespace": "b"}) != generation_field({"tenant": "ab"})
    assert generation_field({"model": "m"}) == "\x1f"


def test_script_replies_decode_to_json_objects_only() -> None:
    assert json_object(b'{"right": 1}') == {"right": 1} and json_object(b"[1]") == {} and json_object("{}") == {}


def test_the_returned_fields_are_all_an_entry_is_read_from_and_never_the_vector() -> None:
    row = stored_hash(gen=1)
    returned = {name: row[name] for name in RETURN_FIELDS if name in row}
    assert decode_entry("abc", returned) == stored_entry("abc", NEW, created_at=100.5, generation=1, ttl=60)
    assert "embedding" not in RETURN_FIELDS  # a vector is read only when asked for
