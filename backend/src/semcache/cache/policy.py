"""Pure: what may be stored. An error, a refusal, a cut or empty answer never becomes a cached answer."""

from __future__ import annotations

import re

from semcache.llm.budget import empty_answer_reason
from semcache.llm.shared import Answer
from semcache.llm.tokens import count_text

__all__ = ["looks_like_refusal", "serve_refusal", "store_refusal"]

_REFUSALS = re.compile(
    r"^\s*(i'?m sorry,? but i can(?:'|no)t|i can(?:'|no)t (?:help|assist) with|i am unable to (?:help|assist))",
    re.IGNORECASE,
)


def looks_like_refusal(text: str) -> bool:
    """A refusal must not be cached as the answer (the next asker may well be allowed an answer)."""
    return bool(_REFUSALS.match(text))


def store_refusal(answer: Answer, *, max_chars: int, max_tokens: int | None = None) -> str | None:
    """Why an answer must not be stored, or None when it may be. `max_tokens` is the limit the request set:
    an upstream that ignored it (llama.cpp reads no max_completion_tokens) must not fill the cache with an
    answer that every later request under that limit would be served."""
    if answer.error is not None:
        return "the LLM failed"
    if answer.cancelled:
        return "the stream was cancelled"
    if answer.finish_reason == "length" and not answer.text.strip() and answer.reasoning_tokens:
        return empty_answer_reason(completion_tokens=answer.completion_tokens, reasoning_tokens=answer.reasoning_tokens)
    if answer.finish_reason != "stop":
        return f"incomplete answer (finish_reason={answer.finish_reason})"
    if not answer.text.strip():
        return "empty answer"
    if answer.refusal or looks_like_refusal(answer.text):
        return "the LLM refused"
    if len(answer.text) > max_chars:
        return "answer larger than MAX_RESPONSE_CHARS"
    if max_tokens is not None and _over_limit(answer.text, _visible(answer), max_tokens):
        return f"answer longer than the request's token limit ({max_tokens})"
    return None


def serve_refusal(text: str, completion_tokens: int | None, *, max_tokens: int) -> str | None:
    """Why a stored answer must not be served to a request with `max_tokens`, or None when it may be. A stored
    count is what was billed, a reasoning model's hidden tokens included: the text itself must be over too."""
    if _over_limit(text, completion_tokens, max_tokens) and count_text(text) > max_tokens:
        return f"the stored answer is longer than max_tokens={max_tokens}"
    return None


#: Without the upstream's own count (llama.cpp streams no usage) the answer is counted with tiktoken, whose
#: counts differ from the model's tokenizer by a few in ten: only an answer clearly past the limit is refused
#: then (an upstream that ignored it runs to many times the limit).
_ESTIMATE_SLACK = 1.5


def _visible(answer: Answer) -> int | None:
    """The answer's own tokens: a GPT-5 class model's count includes its hidden reasoning, which the request's
    `max_tokens` (the visible answer's limit) does not cover."""
    if answer.completion_tokens is None:
        return None
    return answer.completion_tokens - (answer.reasoning_tokens or 0)


def _over_limit(text: str, completion_tokens: int | None, max_tokens: int) -> bool:
    if completion_tokens is not None:
        return completion_tokens > max_tokens
    return count_text(text) > max_tokens * _ESTIMATE_SLACK
