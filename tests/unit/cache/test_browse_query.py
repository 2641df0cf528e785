"""Pure query building for browsing and bulk deletes: tags checked, text reduced to escaped words."""

import pytest

from semcache.cache.query import browse_args, check_tags, entries_filter, text_clause


def test_tags_are_checked_and_deduplicated() -> None:
    assert check_tags(["docs-v1", "geo", "docs-v1"]) == ("docs-v1", "geo")
    for bad in ("a,b", "a b", "", "-x", "{x}", "x" * 65, "é"):
        with pytest.raises(ValueError, match="tag"):
            check_tags([bad])
    with pytest.raises(ValueError, match="at most"):
        check_tags([f"t{i}" for i in range(17)])


def test_text_clause_keeps_words_only() -> None:
    assert text_clause("capital fra") == "@prompt:(capital fra*)"
    assert text_clause("@tenant:{x} | *") == "@prompt:(tenant x)"
    assert text_clause("a-b") == "@prompt:(a b)"
    assert text_clause("*** ||| ") == ""


def test_entries_filter_only_constrains_what_is_given() -> None:
    assert entries_filter(scope={}) == "*"
    expr = entries_filter(scope={"tenant": "acme", "namespace": "a b"}, tags=["v1"], created_before=10.0)
    assert expr.startswith("(@tenant:{acme} @namespace:{\\_") and "@tags:{v1}" in expr
    assert "@created_at:[-inf (10.000000]" in expr


def test_browse_args_sort_then_load_the_page_only() -> None:
    args = browse_args("idx", "*", sort="-hits", offset=20, limit=10, fields=["prompt", "hits"])
    sortby = args.index("SORTBY")
    assert args[sortby : sortby + 6] == ["SORTBY", 4, "@hits", "DESC", "@__key", "ASC"]
    assert args.index("LIMIT") < len(args) - 1 - args[::-1].index("LOAD")
    assert args[args.index("LIMIT") + 1 : args.index("LIMIT") + 3] == [20, 10]
