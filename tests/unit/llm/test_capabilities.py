"""semcache.llm.capabilities: which parameters reach a GPT-5 class model and which reach a classic one."""

from __future__ import annotations

import pytest

from semcache.llm.budget import HEADROOM, family_for
from semcache.llm.capabilities import (
    CLASSIC,
    LLAMA_CPP,
    MAX_TOKENS_ONLY,
    REASONING,
    capabilities_for,
    learn_from_error,
    translate,
)
from semcache.schemas.openai import ChatMessage, ChatRequest

# The 400 bodies Azure OpenAI / OpenAI answer for a GPT-5 class deployment (copied from the API).
MAX_TOKENS_400 = {
    "error": {
        "message": "Unsupported parameter: 'max_tokens' is not supported with this model. "
        "Use 'max_completion_tokens' instead.",
        "type": "invalid_request_error",
        "param": "max_tokens",
        "code": "unsupported_parameter",
    }
}
TEMPERATURE_400 = {
    "error": {
        "message": "Unsupported value: 'temperature' does not support 0 with this model. "
        "Only the default (1) value is supported.",
        "type": "invalid_request_error",
        "param": "temperature",
        "code": "unsupported_value",
    }
}


def _ask_kwargs(**fields: object) -> dict[str, object]:
    request = ChatRequest(messages=[ChatMessage(role="user", content="hi")], **fields)  # type: ignore[arg-type, unused-ignore]
    return request.upstream_kwargs(model="deployment")


@pytest.mark.parametrize(
    "model", ["gpt-5.4-mini", "gpt-5", "gpt-5-mini", "gpt-5.1-chat", "o3-mini", "o4-mini", "GPT-5.2", "azure/gpt-5"]
)
def test_gpt5_class_and_o_series_are_reasoning_models(model: str) -> None:
    caps = capabilities_for(model)
    assert caps.reasoning and caps.token_param == "max_completion_tokens" and not caps.sampling
    assert caps.family is not None


@pytest.mark.parametrize("model", ["gpt-4o", "gpt-4.1-mini", "smollm2-135m", "llama3", "chat"])
def test_other_models_are_classic(model: str) -> None:
    assert capabilities_for(model) == CLASSIC


def test_the_gpt5_hint_marks_any_deployment_name() -> None:
    assert capabilities_for("chat", reasoning_hint=True) == REASONING
    assert capabilities_for("gpt-5.4-mini", reasoning_hint=True).family == family_for("gpt-5.4-mini")


def test_ask_defaults_become_gpt5_parameters() -> None:
    out = translate(_ask_kwargs(temperature=0, max_tokens=256), REASONING)
    # The visible answer's 256 plus room for reasoning at the effort the model runs at (medium, unknown model).
    assert out.kwargs["max_completion_tokens"] == 256 + HEADROOM["medium"]
    assert "max_tokens" not in out.kwargs and "temperature" not in out.kwargs
    assert out.renamed == ("max_tokens",) and out.dropped == ("temperature",)


def test_classic_models_get_the_request_unchanged() -> None:
    kwargs = _ask_kwargs(temperature=0, max_tokens=256, top_p=0.5)
    assert translate(kwargs, CLASSIC).kwargs == kwargs


def test_callers_own_max_completion_tokens_wins() -> None:
    out = translate(_ask_kwargs(max_tokens=10, max_completion_tokens=99), REASONING)
    assert out.kwargs["max_completion_tokens"] == 99 and "max_tokens" not in out.kwargs


def test_unknown_sampling_parameters_in_extra_body_are_dropped_too() -> None:
    kwargs = _ask_kwargs(logit_bias={"50256": -100}, presence_penalty=0.5, seed=7)
    out = translate(kwargs, REASONING)
    assert "extra_body" not in out.kwargs and "presence_penalty" not in out.kwargs
    assert out.kwargs["seed"] == 7  # everything else is the caller's and stays


def test_configured_reasoning_effort_is_added_only_when_the_caller_gave_none() -> None:
    assert translate(_ask_kwargs(), REASONING, reasoning_effort="low").kwargs["extra_body"] == {
        "reasoning_effort": "low"
    }
    own = translate(_ask_kwargs(reasoning_effort="high"), REASONING, reasoning_effort="low")
    assert own.kwargs["extra_body"] == {"reasoning_effort": "high"}
    assert "extra_body" not in translate(_ask_kwargs(), CLASSIC, reasoning_effort="low").kwargs


def test_translation_does_not_mutate_its_input() -> None:
    kwargs = _ask_kwargs(temperature=0, max_tokens=5, logit_bias={"1": 1})
    before = repr(kwargs)
    translate(kwargs, REASONING)
    assert repr(kwargs) == before


@pytest.mark.parametrize("body", [MAX_TOKENS_400, TEMPERATURE_400])
def test_the_documented_400s_teach_a_classic_deployment(body: dict[str, object]) -> None:
    assert learn_from_error(body, CLASSIC) == REASONING


def test_other_400s_are_not_retried() -> None:
    content_filter = {"error": {"message": "filtered", "type": None, "param": "prompt", "code": "content_filter"}}
    assert learn_from_error(content_filter, CLASSIC) is None
    assert learn_from_error(MAX_TOKENS_400, REASONING) is None  # nothing left to translate: no loop
    assert learn_from_error("not json", CLASSIC) is None


@pytest.mark.parametrize(
    ("sent", "configured", "room"),
    [
        (None, None, HEADROOM["medium"]),  # gpt-5.4-mini runs at medium when asked for nothing
        (None, "low", HEADROOM["low"]),
        ("high", "low", HEADROOM["high"]),  # the caller's own effort decides its room
    ],
)
def test_reasoning_room_follows_the_effort_the_request_runs_at(
    sent: str | None, configured: str | None, room: int
) -> None:
    fields: dict[str, object] = {"max_tokens": 256} | ({"reasoning_effort": sent} if sent else {})
    out = translate(_ask_kwargs(**fields), capabilities_for("gpt-5.4-mini"), reasoning_effort=configured)  # type: ignore[arg-type]
    assert out.kwargs["max_completion_tokens"] == 256 + room


def test_a_configured_budget_replaces_the_effort_default() -> None:
    out = translate(_ask_kwargs(max_tokens=100), capabilities_for("gpt-5"), reasoning_budget=2000)
    assert out.kwargs["max_completion_tokens"] == 2100


def test_gpt51_and_later_run_without_reasoning_by_default() -> None:
    out = translate(_ask_kwargs(max_tokens=100), capabilities_for("gpt-5.2"))
    assert out.kwargs["max_completion_tokens"] == 100


def test_a_max_tokens_only_server_gets_max_completion_tokens_as_max_tokens() -> None:
    out = translate(_ask_kwargs(max_completion_tokens=16), MAX_TOKENS_ONLY)
    assert out.kwargs["max_tokens"] == 16 and "max_completion_tokens" not in out.kwargs
    assert out.renamed == ("max_completion_tokens",)
    # The newer name wins when both are given, as on OpenAI's side.
    both = translate(_ask_kwargs(max_tokens=100, max_completion_tokens=16), MAX_TOKENS_ONLY)
    assert both.kwargs["max_tokens"] == 16 and "max_completion_tokens" not in both.kwargs
    assert translate(_ask_kwargs(max_completion_tokens=16), CLASSIC).kwargs["max_completion_tokens"] == 16


def test_llama_cpp_gets_a_json_schema_in_its_own_form() -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    fmt = {"type": "json_schema", "json_schema": {"name": "City", "schema": schema, "strict": True}}
    out = translate(_ask_kwargs(response_format=fmt, max_completion_tokens=8), LLAMA_CPP)
    assert out.kwargs["response_format"] == {"type": "json_object", "schema": schema}
    assert out.kwargs["max_tokens"] == 8
    assert translate(_ask_kwargs(response_format=fmt), MAX_TOKENS_ONLY).kwargs["response_format"] == fmt
