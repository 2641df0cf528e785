from hypothesis import given
from hypothesis import strategies as st

from semcache.cache.query import (
    EMPTY_TAG,
    count_args,
    encode_tag,
    escape_tag,
    hybrid_policy,
    knn_query,
    knn_search_args,
    scope_filter,
    scope_search_args,
)

FIELDS = ("tenant", "namespace", "model", "locale", "params")


def test_plain_values_are_kept_readable() -> None:
    assert encode_tag("acme") == "acme"
    assert encode_tag("gpt-4o") == "gpt-4o"
    assert escape_tag("gpt-4o") == "gpt\\-4o"


def test_empty_value_has_its_own_tag() -> None:
    assert encode_tag("") == EMPTY_TAG
    assert scope_filter({"tenant": "a"}, ("tenant", "model")) == "(@tenant:{a} @model:{\\_})"


def test_hostile_values_are_digested() -> None:
    for hostile in ["a} | @tenant:{b", "*", "x)=>[KNN 100 @embedding $BLOB]", "é", "a b", "_abc", "a" * 65]:
        encoded = encode_tag(hostile)
        assert encoded.startswith("_") and len(encoded) == 41
        assert encoded[1:].isalnum()


def test_knn_args_carry_the_vector_as_a_parameter_not_in_the_query() -> None:
    args = knn_search_args("idx", "(@tenant:{a})", b"\x00\x01", k=3, ef_runtime=10, return_fields=["prompt"])
    query = args[2]
    assert isinstance(query, str) and "$BLOB" in query and "EF_RUNTIME $EF" in query
    assert args[args.index("BLOB") + 1] == b"\x00\x01"
    assert args[args.index("EF") + 1] == 10
    assert args[-2:] == ["DIALECT", 2]


def test_a_scope_search_names_its_policy_unless_an_age_limit_narrows_it() -> None:
    scope = "(@tenant:{a})"
    plain = scope_search_args("idx", scope, b"v", k=3, ef_runtime=10, return_fields=["prompt"], policy="BATCHES")
    assert plain == knn_search_args("idx", scope, b"v", k=3, ef_runtime=10, return_fields=["prompt"], policy="BATCHES")
    assert "HYBRID_POLICY BATCHES" in str(plain[2])
    aged = scope_search_args(
        "idx", scope, b"v", k=3, ef_runtime=10, return_fields=["prompt"], min_created_at=5.0, policy="BATCHES"
    )
    assert "HYBRID_POLICY" not in str(aged[2]) and "@created_at:[(5.000000 +inf]" in str(aged[2])


@given(st.text(max_size=80))
def test_any_value_encodes_to_query_safe_text(value: str) -> None:
    escaped = escape_tag(encode_tag(value))
    # After escaping, every punctuation character is preceded by a backslash: nothing is syntax.
    i = 0
    while i < len(escaped):
        ch = escaped[i]
        if ch == "\\":
            i += 2
            continue
        assert ch.isascii() and ch.isalnum()
        i += 1


@given(st.text(max_size=40), st.text(max_size=40))
def test_distinct_values_never_share_a_tag(a: str, b: str) -> None:
    if a != b:
        assert encode_tag(a) != encode_tag(b)


@given(st.dictionaries(st.sampled_from(FIELDS), st.text(max_size=30)))
def test_filter_names_every_field_once(scope: dict[str, str]) -> None:
    expr = scope_filter(scope, FIELDS)
    for name in FIELDS:
        assert expr.count(f"@{name}:{{") == 1


def test_batches_only_where_the_scope_is_most_of_a_large_enough_index() -> None:
    assert hybrid_policy(10_000, 10_100) == "BATCHES"
    assert hybrid_policy(2_000, 20_000) == "BATCHES"  # a tenth: HNSW's first batch of ~30 holds the top 3
    assert hybrid_policy(100, 100_100) is None  # a small tenant: brute force over its 100 entries
    assert hybrid_policy(999, 999) is None  # tiny index: either way is quick, RediSearch decides
    assert hybrid_policy(5_000, 0) is None  # count raced a flush


def test_the_policy_is_named_in_the_query_only_when_chosen() -> None:
    assert "HYBRID_POLICY" not in knn_query("(@tenant:{a})")
    assert "HYBRID_POLICY BATCHES EF_RUNTIME $EF" in knn_query("(@tenant:{a})", policy="BATCHES")
    assert "HYBRID_POLICY" not in knn_query("*", policy="BATCHES")  # no filter, no hybrid search
    args = knn_search_args("idx", "(@t:{a})", b"", k=3, ef_runtime=64, return_fields=[], policy="BATCHES")
    assert "HYBRID_POLICY BATCHES" in str(args[2])
    assert count_args("idx", "(@t:{a})") == ["FT.SEARCH", "idx", "(@t:{a})", "LIMIT", 0, 0, "DIALECT", 2]
