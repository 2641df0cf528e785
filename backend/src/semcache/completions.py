"""Pure: the legacy completions API (`/v1/completions`) served as the chat request it means.

Many clients still call it by default (LlamaIndex's `OpenAILike` unless `is_chat_model=True`, older SDK
code). A prompt is served as one user message through the chat gateway's cache path, so it shares keys,
scopes and entries with `/v1/chat/completions`. What has no chat equivalent (several prompts, token-id
prompts, echo, logprobs, suffix, several samples) is refused with a 400 that names /v1/chat/completions.
The `text_completion` framing is api/framing/completions.py.
"""

from __future__ import annotations

from semcache.errors import BadRequestError
from semcache.schemas.completions import CompletionsRequest
from semcache.schemas.openai import ChatMessage, ChatRequest

__all__ = ["to_chat"]

_CHAT_ROUTE = "use /v1/chat/completions (messages) instead"


def _prompt(request: CompletionsRequest) -> str:
    prompt = request.prompt
    if isinstance(prompt, list) and len(prompt) == 1 and isinstance(prompt[0], str):
        prompt = prompt[0]
    if not isinstance(prompt, str):
        raise BadRequestError(f"/v1/completions here takes one text prompt (not token ids or a batch); {_CHAT_ROUTE}")
    if not prompt.strip():
        raise BadRequestError("prompt is empty")
    return prompt


def _unsupported(request: CompletionsRequest) -> str | None:
    if request.echo:
        return "echo"
    if request.logprobs is not None:
        return "logprobs"
    if request.suffix:
        return "suffix"
    if (request.n or 1) > 1 or (request.best_of or 1) > 1:
        return "n or best_of above 1"
    return None


def to_chat(request: CompletionsRequest) -> ChatRequest:
    """The chat request a completions request means. Raises BadRequestError for what has none."""
    prompt = _prompt(request)
    unsupported = _unsupported(request)
    if unsupported:
        raise BadRequestError(f"/v1/completions here does not support {unsupported}; {_CHAT_ROUTE}")
    return ChatRequest(
        model=request.model,
        messages=[ChatMessage(role="user", content=prompt)],
        stream=request.stream,
        stream_options=request.stream_options,
        max_tokens=request.max_tokens,
        temperature=request.temperature,
        top_p=request.top_p,
        stop=request.stop,
        seed=request.seed,
        presence_penalty=request.presence_penalty,
        frequency_penalty=request.frequency_penalty,
        user=request.user,
        **_kept(request),  # ChatRequest keeps extra fields (extra="allow")
    )


def _kept(request: CompletionsRequest) -> dict[str, object]:
    kept: dict[str, object] = dict(request.model_extra or {})
    if request.logit_bias:
        kept["logit_bias"] = request.logit_bias
    return kept
