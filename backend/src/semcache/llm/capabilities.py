"""Which chat parameters a model family accepts, and the translation that keeps a request valid for it.

GPT-5 class and o-series (reasoning) models answer 400 to `max_tokens` ("Use 'max_completion_tokens'
instead") and to any sampling parameter other than its default (`temperature`, `top_p`, penalties,
`logprobs`, `top_logprobs`, `logit_bias`); they take `reasoning_effort` instead. Classic chat models
(gpt-4o, gpt-4.1, llama.cpp, vLLM, Ollama) take all of them. Source: Azure OpenAI, "Azure OpenAI reasoning
models", section "Not Supported" (learn.microsoft.com/azure/foundry/openai/how-to/reasoning).

The table decides by model (or deployment) name; `learn_from_error` covers a deployment whose name says
nothing about the model behind it: the upstream's own 400 names the parameter, the request is translated
and retried once, and the model is remembered as a reasoning model from then on.

For a reasoning model a `max_tokens` limit (the visible answer) becomes `max_completion_tokens` with room
for the hidden reasoning added (llm/budget.py): the same number would let reasoning eat the whole answer.

Pure: no I/O. The translation works on the keyword arguments `ChatRequest.upstream_kwargs` builds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import JsonValue

from semcache.config import ReasoningEffort
from semcache.llm.budget import HEADROOM, UNKNOWN, Family, family_for, headroom

__all__ = [
    "CLASSIC",
    "LLAMA_CPP",
    "MAX_TOKENS_ONLY",
    "REASONING",
    "Capabilities",
    "capabilities_for",
    "learn_from_error",
    "translate",
]

#: Sampling parameters reasoning models reject unless they carry the default value.
SAMPLING_PARAMS = (
    "temperature",
    "top_p",
    "presence_penalty",
    "frequency_penalty",
    "logprobs",
    "top_logprobs",
    "logit_bias",
)
#: Prefixes of model names that are reasoning models (max_completion_tokens, no sampling parameters).
REASONING_PREFIXES = ("gpt-5", "o1", "o3", "o4", "codex-mini")


@dataclass(frozen=True, slots=True)
class Capabilities:
    reasoning: bool
    token_param: Literal["max_tokens", "max_completion_tokens"]
    sampling: bool
    #: The reasoning family (efforts accepted, effort when none is sent); None for classic models.
    family: Family | None = None
    #: The upstream ignores `max_completion_tokens` (llama.cpp's server, Ollama): it is sent as `max_tokens`.
    only_max_tokens: bool = False
    #: The upstream takes a JSON schema as llama-cpp-python does, `{"type": "json_object", "schema": ...}`,
    #: and answers OpenAI's `{"type": "json_schema", ...}` with a 500.
    schema_in_json_object: bool = False


CLASSIC = Capabilities(reasoning=False, token_param="max_tokens", sampling=True)
REASONING = Capabilities(reasoning=True, token_param="max_completion_tokens", sampling=False, family=UNKNOWN)
#: A classic model behind a server that honours only `max_tokens`: LangChain and the Responses API send
#: `max_completion_tokens`, which llama.cpp drops silently (a max_tokens=16 call got 377 tokens).
MAX_TOKENS_ONLY = Capabilities(reasoning=False, token_param="max_tokens", sampling=True, only_max_tokens=True)
#: llama-cpp-python's server (the local model): only max_tokens, and JSON schemas in its own form (it
#: constrains the output to the schema with a grammar).
LLAMA_CPP = Capabilities(
    reasoning=False, token_param="max_tokens", sampling=True, only_max_tokens=True, schema_in_json_object=True
)


def capabilities_for(model: str, *, reasoning_hint: bool = False) -> Capabilities:
    """The capabilities of `model`; `reasoning_hint` marks a deployment known to run a GPT-5 class model
    (AZURE_OPENAI_GPT5_MODEL), whatever its name."""
    name = model.lower().rsplit("/", 1)[-1]
    if reasoning_hint or name.startswith(REASONING_PREFIXES):
        return Capabilities(
            reasoning=True, token_param="max_completion_tokens", sampling=False, family=family_for(name) or UNKNOWN
        )
    return CLASSIC


@dataclass(frozen=True, slots=True)
class Translated:
    kwargs: dict[str, object]
    dropped: tuple[str, ...]
    renamed: tuple[str, ...]


def translate(
    kwargs: dict[str, object],
    caps: Capabilities,
    *,
    reasoning_effort: ReasoningEffort | None = None,
    reasoning_budget: int | None = None,
) -> Translated:
    """`kwargs` made acceptable to a model with `caps`; the caller's other parameters are left alone.

    For a reasoning model: `reasoning_effort` is added when the caller gave none and one is configured;
    `max_tokens` becomes `max_completion_tokens` plus room for reasoning at the effort the request runs at
    (`reasoning_budget`, LLM_REASONING_BUDGET, when set; the caller's own `max_completion_tokens` wins, as
    given); sampling parameters are dropped (the model only runs at their defaults). For an upstream that
    honours only `max_tokens`, `max_completion_tokens` is sent as `max_tokens`; for llama-cpp-python, a JSON
    schema goes in its own form.
    """
    out = dict(kwargs)
    extra = _extra_body(out)
    if caps.reasoning and reasoning_effort is not None and "reasoning_effort" not in {**out, **extra}:
        extra["reasoning_effort"] = reasoning_effort
    renamed: list[str] = []
    if caps.token_param == "max_completion_tokens":
        room = headroom(_effort({**out, **extra}, caps), reasoning_budget)
        for source in (out, extra):
            if "max_tokens" in source:
                value = source.pop("max_tokens")
                if "max_completion_tokens" not in out and "max_completion_tokens" not in extra:
                    out["max_completion_tokens"] = value + room if isinstance(value, int) else value
                renamed.append("max_tokens")
    elif caps.only_max_tokens:
        # The newer name wins when both are given, as on OpenAI's side.
        renamed += _rename(out, extra, "max_completion_tokens", "max_tokens", keep_target=False)
    dropped: list[str] = []
    if not caps.sampling:
        for name in SAMPLING_PARAMS:
            for source in (out, extra):
                if name in source:
                    source.pop(name)
                    dropped.append(name)
    if caps.schema_in_json_object:
        out = _schema_in_json_object(out)
    if extra:
        out["extra_body"] = extra
    else:
        out.pop("extra_body", None)
    return Translated(out, tuple(dropped), tuple(renamed))


def _effort(params: dict[str, object], caps: Capabilities) -> ReasoningEffort:
    """The effort the request runs at: the one it sends, else its family's default."""
    sent = params.get("reasoning_effort")
    known = next((effort for effort in HEADROOM if effort == sent), None)
    return known or (caps.family or UNKNOWN).default_effort


def _rename(out: dict[str, object], extra: dict[str, JsonValue], old: str, new: str, *, keep_target: bool) -> list[str]:
    """Moves `old` (top level or extra_body) to `new` at the top level; with `keep_target` a `new` the caller
    set already stays as it is. Returns [old] when something was renamed."""
    renamed: list[str] = []
    for source in (out, extra):
        if old in source:
            value = source.pop(old)
            if not keep_target or (new not in out and new not in extra):
                extra.pop(new, None)
                out[new] = value
            renamed.append(old)
    return renamed[:1]


def _schema_in_json_object(kwargs: dict[str, object]) -> dict[str, object]:
    """OpenAI's json_schema response format in llama-cpp-python's form (the same schema, the same constraint)."""
    fmt = kwargs.get("response_format")
    if not isinstance(fmt, dict) or fmt.get("type") != "json_schema":
        return kwargs
    spec = fmt.get("json_schema")
    schema = spec.get("schema") if isinstance(spec, dict) else None
    converted: dict[str, object] = {"type": "json_object"}
    if isinstance(schema, dict):
        converted["schema"] = schema
    return {**kwargs, "response_format": converted}


def _extra_body(kwargs: dict[str, object]) -> dict[str, JsonValue]:
    body = kwargs.get("extra_body")
    return dict(body) if isinstance(body, dict) else {}


def learn_from_error(body: object, caps: Capabilities) -> Capabilities | None:
    """The capabilities to retry with after the upstream's 400 `body`, or None when that 400 is not about
    a parameter a reasoning model rejects (a real bad request: it goes back to the caller unchanged)."""
    if caps.reasoning or not isinstance(body, dict):
        return None
    error = body.get("error", body)
    if not isinstance(error, dict):
        return None
    code, param = error.get("code"), error.get("param")
    if code not in ("unsupported_parameter", "unsupported_value"):
        return None
    if param == "max_tokens" or param in SAMPLING_PARAMS:
        return REASONING
    return None
