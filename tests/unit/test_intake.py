"""intake.py: a parsed body and the caller -> one frozen request record, its Scope built once and never edited."""

from __future__ import annotations

import dataclasses

import pytest

from semcache import intake
from semcache.config import Settings
from semcache.errors import InvalidInputError
from semcache.intake import CacheRequest, IntakeRules, Scope
from semcache.normalize import entry_id, normalize_text
from semcache.schemas.ask import AskRequest
from semcache.schemas.cache import SearchRequest, StoreRequest
from semcache.schemas.openai import ChatMessage, ChatRequest
from semcache.schemas.responses import ResponsesRequest

RULES = IntakeRules.of(Settings(_env_file=None, CACHE_SCOPE_FIELDS="colour"), default_model="local-model")


def _chat(**extra: object) -> ChatRequest:
    return ChatRequest.model_validate({"messages": [{"role": "user", "content": "Capital of France?"}], **extra})


def test_ask_keys_the_prompt_under_the_configured_model_and_sampling() -> None:
    record = intake.ask(RULES, "acme", AskRequest(prompt="Capital of France?", scope={"locale": "fr"}, ttl=60))
    assert record.scope == {"tenant": "acme", "model": "local-model", "locale": "fr"}
    assert (record.prompt, record.tenant, record.controls.ttl) == ("Capital of France?", "acme", 60)
    assert record.chat is not None and record.chat.messages[0] == ChatMessage(
        role="system", content=RULES.system_prompt
    )
    assert record.chat.max_tokens == RULES.max_tokens
    named = intake.ask(RULES, "acme", AskRequest(prompt="hi", scope={"model": "gpt-4o"}))
    assert named.scope.model == "gpt-4o"


def test_the_gateway_scope_holds_tenant_namespace_model_and_params() -> None:
    headers = {"x-semcache-namespace": "docs", "cache-control": "no-store", "x-semcache-tags": "a,b"}
    record = intake.chat(RULES, "acme", _chat(model="gpt-4o", seed=7), headers)
    scope = record.scope
    assert (scope.tenant, scope.namespace, scope.model) == ("acme", "docs", "gpt-4o")
    assert scope.params.startswith("p") and record.controls.no_store and record.tags == ("a", "b")
    assert intake.chat(RULES, "acme", _chat(), {}).scope == {"tenant": "acme", "model": "local-model"}


def test_a_route_cannot_change_the_scope_after_intake() -> None:
    record = intake.chat(RULES, "acme", _chat(), {})
    scope = record.scope
    with pytest.raises(TypeError):
        scope["model"] = "other"  # type: ignore[index]  # the point: a Scope has no item assignment
    with pytest.raises(dataclasses.FrozenInstanceError):
        scope.tenant = "other"  # type: ignore[misc]  # the point: the fields are frozen
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.target = dataclasses.replace(record.target, scope=Scope(tenant="other"))  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.target.scope = Scope(tenant="other")  # type: ignore[misc]  # the target is frozen too
    copy = dict(scope)
    copy["tenant"] = "other"
    assert (
        record.scope.tenant == "acme"
        and record.target.entry_id == intake.chat(RULES, "acme", _chat(), {}).target.entry_id
    )


def test_a_scope_addresses_entries_as_the_plain_mapping_did() -> None:
    # Entries stored before the Scope type existed keep their ids: the content address reads the same values.
    plain = {"tenant": "acme", "model": "m", "locale": "fr", "namespace": ""}
    scope = Scope.of(plain)
    assert scope == {"tenant": "acme", "model": "m", "locale": "fr"} and "namespace" not in scope
    assert entry_id(normalize_text("Hi"), scope) == entry_id(normalize_text("Hi"), plain)
    assert hash(scope) == hash(Scope.of(dict(reversed(list(plain.items())))))


def test_bad_input_is_a_422_naming_what_is_wrong() -> None:
    with pytest.raises(InvalidInputError, match="tenant comes from your API key"):
        intake.ask(RULES, "acme", AskRequest(prompt="hi", scope={"tenant": "other"}))
    with pytest.raises(InvalidInputError, match="x-semcache-ttl"):
        intake.chat(RULES, "acme", _chat(), {"x-semcache-ttl": "soon"})
    tight = IntakeRules.of(Settings(_env_file=None, MAX_PROMPT_CHARS=10), default_model="m")
    with pytest.raises(InvalidInputError, match="MAX_PROMPT_CHARS"):
        intake.search(tight, "acme", SearchRequest(prompt="x" * 11))
    with pytest.raises(InvalidInputError, match="dims"):
        intake.client_vector([1.0, 0.0], 3)


def test_store_and_search_records() -> None:
    stored = intake.store(RULES, "acme", StoreRequest(prompt="p", response="r", scope={"colour": "red"}, tags=["t"]))
    assert stored.scope == {"tenant": "acme", "colour": "red"} and stored.tags == ("t",)
    assert stored.controls.ttl == RULES.cache_ttl and stored.chat is None
    found = intake.search(RULES, "acme", SearchRequest(prompt="p", similarity_threshold=0.9))
    assert found.controls.distance_threshold == pytest.approx(0.1)


def test_an_untranslatable_responses_request_has_no_chat_and_says_why() -> None:
    body = ResponsesRequest.model_validate({"model": "m", "input": "hi", "previous_response_id": "resp_1"})
    record = intake.responses(RULES, "acme", body, {})
    assert isinstance(record, CacheRequest) and record.forward and record.chat is None and record.target.plan.reason
    keyed = intake.responses(RULES, "acme", ResponsesRequest.model_validate({"model": "m", "input": "hi"}), {})
    assert keyed.chat is not None and keyed.scope.model == "m" and keyed.prompt == "hi"


def test_what_the_cache_never_keys_is_forwarded_unless_it_streams() -> None:
    tools = [{"type": "function", "function": {"name": "f", "parameters": {}}}]
    record = intake.chat(RULES, "acme", _chat(tools=tools), {})
    assert record.forward and record.target.plan.reason == "tool or function calling"
    assert not intake.chat(RULES, "acme", _chat(tools=tools, stream=True), {}).forward  # a bypass, framed by us
    assert not intake.chat(RULES, "acme", _chat(), {}).forward
    with pytest.raises(ValueError, match="nothing upstream"):
        intake.store(RULES, "acme", StoreRequest(prompt="p", response="r")).upstream_request()
