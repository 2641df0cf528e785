import pytest
from hypothesis import given
from hypothesis import strategies as st

from semcache.normalize import KeyRules, build_scope, canonical_scope, entry_id, normalize_text, plan_key
from semcache.schemas.openai import ChatMessage, ChatRequest


def test_normalize_text_folds_case_width_and_whitespace() -> None:
    assert normalize_text("  What is\tthe CAPITAL of\u00a0France? ") == "what is the capital of france?"
    assert normalize_text("ｆｕｌｌｗｉｄｔｈ") == "fullwidth"


def test_entry_id_depends_on_scope_and_text() -> None:
    a = entry_id("q", {"tenant": "a"})
    assert a == entry_id("q", {"tenant": "a", "locale": ""})
    assert a != entry_id("q", {"tenant": "b"})
    assert a != entry_id("q2", {"tenant": "a"})


def test_scope_takes_the_tenant_from_the_server() -> None:
    assert build_scope("acme", {"model": "gpt-4o"}) == {"tenant": "acme", "model": "gpt-4o"}
    with pytest.raises(ValueError, match="tenant comes from your API key"):
        build_scope("acme", {"tenant": "other"})
    with pytest.raises(ValueError, match="not allowed"):
        build_scope("acme", {"colour": "red"})
    assert build_scope("acme", {"colour": "red"}, extra_fields=("colour",))["colour"] == "red"


@given(st.dictionaries(st.sampled_from(["namespace", "model", "locale"]), st.text(max_size=20)), st.text(max_size=20))
def test_client_scope_never_changes_the_tenant(client_scope: dict[str, str], tenant: str) -> None:
    assert build_scope(tenant or "t", client_scope)["tenant"] == (tenant or "t")


@given(
    st.dictionaries(st.text(max_size=10), st.text(max_size=10)),
    st.dictionaries(st.text(max_size=10), st.text(max_size=10)),
)
def test_distinct_scopes_have_distinct_canonical_forms(a: dict[str, str], b: dict[str, str]) -> None:
    if {k: v for k, v in a.items() if v} != {k: v for k, v in b.items() if v}:
        assert canonical_scope(a) != canonical_scope(b)


def test_text_parts_key_like_the_same_text_as_a_string() -> None:
    parts = ChatRequest(
        messages=[ChatMessage(role="user", content=[{"type": "text", "text": "a"}, {"type": "text", "text": "b"}])]
    )
    plain = ChatRequest(messages=[ChatMessage(role="user", content="a\nb")])
    assert plan_key(parts, KeyRules()) == plan_key(plain, KeyRules())
    assert parts.flattened().messages[0].content == "a\nb"


def test_content_null_is_only_for_assistant_turns() -> None:
    with pytest.raises(ValueError, match="needs content"):
        ChatMessage(role="user", content=None)
    assert ChatMessage(role="assistant", content=None).text() == ""
