from hypothesis import given
from hypothesis import strategies as st

from semcache.cache.query import (
    EMPTY_TAG,
    encode_tag,
    escape_tag,
    knn_search_args,
    scope_filter,
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
