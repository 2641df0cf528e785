"""Property-based tests: no scope value changes a query's meaning or reaches another scope.

Pure properties (TAG escaping round-trips through a parser of RediSearch's TAG syntax; key normalisation
never lets one scope produce another's id) and one against the real Redis query engine: an entry stored
under scope A is found from scope B exactly when A and B are the same scope, whatever their values hold.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator

import numpy as np
import pytest
import redis.asyncio as aioredis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from semcache.cache.models import NewEntry
from semcache.cache.query import encode_tag, escape_tag, scope_filter
from semcache.cache.redis import RedisStore
from semcache.cache.schema import BASE_SCOPE_FIELDS, IndexSpec
from semcache.normalize import build_scope, canonical_scope, entry_id, normalize_text
from tests.conftest import unique_prefix

FIELDS = BASE_SCOPE_FIELDS
# Values built to hurt: TAG and query syntax, quotes, separators, unicode, whitespace, empty.
NASTY = st.sampled_from(["", " ", "*", "{", "}", "|", "@", "\\", "-", "a|b", "x}|{y", "a b", "ü", "\t", "'\""])
VALUE = st.one_of(NASTY, st.text(max_size=20), st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,10}", fullmatch=True))
SCOPE = st.dictionaries(st.sampled_from(FIELDS), VALUE, max_size=len(FIELDS))
_TAG_CLAUSE = re.compile(r"@(\w+):\{((?:\\.|[^\\}])*)\}")


def parse_filter(expr: str) -> dict[str, str]:
    """Read back `(@f:{v} ...)` the way RediSearch's TAG parser would: `\\x` is a literal x, and the
    clause ends at the first unescaped `}`. Anything left over would be query syntax."""
    assert expr.startswith("(") and expr.endswith(")"), expr
    body = expr[1:-1]
    clauses = list(_TAG_CLAUSE.finditer(body))
    leftover = _TAG_CLAUSE.sub("", body).strip()
    assert leftover == "", f"query syntax outside the TAG clauses: {leftover!r}"
    return {m.group(1): re.sub(r"\\(.)", r"\1", m.group(2)) for m in clauses}


@given(st.text())
def test_escaped_tags_read_back_as_written(value: str) -> None:
    escaped = escape_tag(value)
    assert re.sub(r"\\(.)", r"\1", escaped, flags=re.S) == value
    assert re.fullmatch(r"(?:[A-Za-z0-9]|\\.)*", escaped, flags=re.S), escaped  # no bare syntax character


@given(VALUE, VALUE)
def test_tag_encoding_is_safe_and_collision_free(a: str, b: str) -> None:
    for v in (a, b):
        assert re.fullmatch(r"[A-Za-z0-9_.:-]+", encode_tag(v)), v
    assert (encode_tag(a) == encode_tag(b)) == (a == b)


@given(SCOPE)
def test_scope_filter_means_exactly_the_scope(scope: dict[str, str]) -> None:
    assert parse_filter(scope_filter(scope, FIELDS)) == {f: encode_tag(scope.get(f, "")) for f in FIELDS}


def same_scope(a: dict[str, str], b: dict[str, str]) -> bool:
    return all(a.get(f, "") == b.get(f, "") for f in FIELDS)


@given(SCOPE, SCOPE, st.text(min_size=1, max_size=40))
def test_entry_ids_differ_whenever_scopes_differ(a: dict[str, str], b: dict[str, str], text: str) -> None:
    same = same_scope(a, b)
    assert (canonical_scope(a) == canonical_scope(b)) == same
    assert (entry_id(normalize_text(text), a) == entry_id(normalize_text(text), b)) == same


@given(st.text())
def test_normalisation_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


@given(st.from_regex(r"[A-Za-z0-9?,.' ]{1,40}", fullmatch=True))
def test_normalisation_folds_case_and_spacing_only(text: str) -> None:
    spaced = "  " + text.replace(" ", " \n\t ") + "\n"
    assert normalize_text(text.upper()) == normalize_text(text.lower()) == normalize_text(spaced.swapcase())
    assert normalize_text(text + "!") != normalize_text(text)  # punctuation is kept: it can change meaning


@given(
    st.text(min_size=1, max_size=64),
    st.dictionaries(st.sampled_from(["namespace", "model", "locale", "tenant"]), VALUE),
)
def test_a_client_never_sets_its_tenant(tenant: str, client_scope: dict[str, str]) -> None:
    try:
        scope = build_scope(tenant, client_scope)
    except ValueError:
        assert "tenant" in client_scope
        return
    assert "tenant" not in client_scope and scope["tenant"] == tenant


# --- against the real query engine ---------------------------------------------------------------------

DIMS = 4
VECTOR = np.array([1.0, 0.0, 0.0, 0.0], dtype=np.float32)


@pytest.fixture(scope="module")
def live_store(redis_url: str) -> Iterator[tuple[str, IndexSpec]]:
    spec = IndexSpec(prefix=unique_prefix(), fingerprint="prop-test", dims=DIMS)

    async def create() -> None:
        client = aioredis.Redis.from_url(redis_url, protocol=2)
        try:
            await RedisStore(client, spec).ensure_index()
        finally:
            await client.aclose()

    asyncio.run(create())
    yield redis_url, spec

    async def drop() -> None:
        client = aioredis.Redis.from_url(redis_url, protocol=2)
        try:
            await client.execute_command("FT.DROPINDEX", spec.name, "DD")  # type: ignore[no-untyped-call]
        finally:
            await client.aclose()

    asyncio.run(drop())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=SCOPE, b=SCOPE)
def test_redis_finds_an_entry_from_exactly_its_own_scope(
    live_store: tuple[str, IndexSpec], a: dict[str, str], b: dict[str, str]
) -> None:
    url, spec = live_store

    async def check() -> None:
        client = aioredis.Redis.from_url(url, protocol=2)
        store = RedisStore(client, spec)
        eid = uuid.uuid4().hex
        try:
            await store.put(eid, NewEntry("p", "p", "r", dict(a)), VECTOR, ttl=60)
            # The same vector: distance 0, so only the scope filter can keep the entry out.
            found_b = {c.entry.id for c in await store.search(VECTOR, b, k=50)}
            found_a = {c.entry.id for c in await store.search(VECTOR, a, k=50)}
        finally:
            await store.delete(eid)
            await client.aclose()
        assert eid in found_a
        assert (eid in found_b) == same_scope(a, b), (a, b)

    asyncio.run(check())
