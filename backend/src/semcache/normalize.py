"""Pure: what a cache key is made of.

- `normalize_text`: the exact-path form of a prompt (Unicode NFKC, case-folded, whitespace collapsed).
- `entry_id`: content address of (normalized text, scope); the exact fast path is one lookup by it.
- `Scope` / `build_scope`: a request's hard scope, frozen (built once, at intake, and read as a mapping).
- `conversation_key`: chat messages -> the text that is embedded and hashed (see docs/gateway.md, "What the key is
  made of").
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType

from semcache.schemas.openai import ChatRequest

__all__ = [
    "KeyPlan",
    "KeyRules",
    "Scope",
    "build_scope",
    "canonical_scope",
    "entry_id",
    "max_tokens_bucket",
    "normalize_text",
    "plan_key",
    "split_turns",
]

_WS = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    return _WS.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def canonical_scope(scope: Mapping[str, str]) -> str:
    # Empty values are dropped so that "absent" and "empty" are the same scope, as in the TAG encoding.
    return json.dumps({k: v for k, v in sorted(scope.items()) if v}, ensure_ascii=False, separators=(",", ":"))


def entry_id(normalized: str, scope: Mapping[str, str]) -> str:
    digest = hashlib.sha256()
    digest.update(canonical_scope(scope).encode("utf-8", "surrogatepass"))
    digest.update(b"\x00")
    digest.update(normalized.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


#: Scope keys a client may set itself: the tenant comes from its API key, `params` from the request.
CLIENT_SCOPE_KEYS = ("namespace", "model", "locale")


@dataclass(frozen=True, eq=False)
class Scope(Mapping[str, str]):
    """The hard scope of one request: only an entry stored under the same values can answer it.

    Built once, at intake, and frozen from there to Redis: the content address (`entry_id`) and the TAG filters
    (cache/query.py) read it as a mapping, and nothing on the way can edit it. Empty values are left out, so
    "absent" and "empty" are the same scope (as in the TAG encoding)."""

    tenant: str
    namespace: str = ""
    model: str = ""
    params: str = ""
    #: locale and the configured EXTRA_SCOPE_FIELDS, as (name, value) pairs sorted by name
    extra: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, values: Mapping[str, str]) -> Scope:
        named = {k: values.get(k, "") for k in ("tenant", "namespace", "model", "params")}
        extra = tuple(sorted((k, v) for k, v in values.items() if k not in named and v))
        return cls(**named, extra=extra)

    @cached_property
    def _values(self) -> Mapping[str, str]:
        pairs = {"tenant": self.tenant, "namespace": self.namespace, "model": self.model, "params": self.params}
        return MappingProxyType({k: v for k, v in (*pairs.items(), *self.extra) if v})

    def __getitem__(self, key: str) -> str:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __hash__(self) -> int:
        return hash(frozenset(self._values.items()))

    def __repr__(self) -> str:
        return f"Scope({dict(self._values)!r})"


def build_scope(
    tenant: str,
    client_scope: Mapping[str, str],
    *,
    extra_fields: tuple[str, ...] = (),
    params: str = "",
    model: str = "",
) -> Scope:
    """The hard scope of a request; `model` when the client names none. Raises ValueError naming any key a
    client may not set."""
    allowed = (*CLIENT_SCOPE_KEYS, *extra_fields)
    unknown = sorted(set(client_scope) - set(allowed))
    if unknown:
        hint = " (the tenant comes from your API key)" if "tenant" in unknown else ""
        raise ValueError(f"scope keys {unknown} are not allowed{hint}; allowed: {list(allowed)}")
    values = {k: v for k, v in client_scope.items() if v}
    values["tenant"] = tenant
    if model:
        values.setdefault("model", model)
    if params:
        values["params"] = params
    return Scope.of(values)


# --- chat requests -> cache key --------------------------------------------------------------------


@dataclass(frozen=True)
class KeyRules:
    max_messages: int = 8
    ignore_system: bool = True
    max_temperature: float = 1.0
    max_chars: int = 32_000


@dataclass(frozen=True)
class KeyPlan:
    """The cache key of a chat request, or why it is not cacheable (`text` is None then)."""

    text: str | None
    params: str = ""
    reason: str | None = None

    @property
    def cacheable(self) -> bool:
        return self.text is not None


#: Parameters that change what a right answer is; each becomes part of the `params` scope tag.
_ANSWER_PARAMS = ("response_format", "stop", "seed", "top_p", "presence_penalty", "frequency_penalty", "logit_bias")


def max_tokens_bucket(max_tokens: int | None) -> str:
    """Coarse buckets, so 250 and 256 share answers but 50 and 4000 do not."""
    if max_tokens is None:
        return ""
    for limit in (64, 256, 1024, 4096, 16384):
        if max_tokens <= limit:
            return f"<={limit}"
    return ">16384"


def params_tag(request: ChatRequest, *, system_text: str = "") -> str:
    data = request.model_dump(exclude_none=True)
    params: dict[str, object] = {k: data[k] for k in _ANSWER_PARAMS if k in data}
    if system_text:
        # Left out of the embedded text (it would drown the question), but answers given under another
        # system prompt are not the same answers: it is part of the hard scope instead.
        params["system"] = hashlib.sha256(system_text.encode("utf-8", "surrogatepass")).hexdigest()
    params.update(request.extra_params())
    bucket = max_tokens_bucket(request.max_completion_tokens or request.max_tokens)
    if bucket:
        params["max_tokens"] = bucket
    if not params:
        return ""
    blob = json.dumps(params, sort_keys=True, default=str, separators=(",", ":"))
    return "p" + hashlib.sha256(blob.encode()).hexdigest()[:16]


def _bypass_reason(request: ChatRequest, rules: KeyRules) -> str | None:
    if request.tools or request.functions or request.tool_choice is not None or request.function_call is not None:
        return "tool or function calling"
    if request.n is not None and request.n > 1:
        return "n > 1 asks for several samples"
    if request.logprobs or request.top_logprobs:
        return "logprobs are specific to one generation"
    if request.temperature is not None and request.temperature > rules.max_temperature:
        return f"temperature {request.temperature} is above the cache ceiling {rules.max_temperature}"
    for message in request.messages:
        if message.role in ("tool", "function") or (message.model_extra or {}).get("tool_calls"):
            return "the conversation contains tool calls"
        if message.non_text_parts():
            return "non-text content (images, audio) is not cached"
    return None


def plan_key(request: ChatRequest, rules: KeyRules) -> KeyPlan:
    """Messages -> key text. One user message is keyed by its text alone (so it shares entries with /ask
    and /cache/store); longer windows by `role: text` lines, so a user turn never matches an assistant turn."""
    reason = _bypass_reason(request, rules)
    if reason:
        return KeyPlan(None, reason=reason)
    system = [m for m in request.messages if m.role in ("system", "developer")]
    window = [m for m in request.messages if not (rules.ignore_system and m in system)]
    if not window or window[-1].role != "user":
        return KeyPlan(None, reason="the last message is not a user message")
    if len(window) > rules.max_messages:
        return KeyPlan(None, reason=f"conversation longer than CACHE_MAX_MESSAGES={rules.max_messages}")
    one = len(window) == 1
    text = window[0].text() if one else "\n".join(f"{m.role}: {m.text()}" for m in window)
    if not text.strip():
        return KeyPlan(None, reason="empty prompt")
    if len(text) > rules.max_chars:
        return KeyPlan(None, reason=f"prompt longer than MAX_PROMPT_CHARS={rules.max_chars}")
    system_text = "\n".join(m.text() for m in system) if rules.ignore_system else ""
    return KeyPlan(text, params=params_tag(request, system_text=system_text))


#: A line that opens a turn in a multi-turn key text (`plan_key` writes `role: text` lines).
_TURN = re.compile(r"^(user|assistant|system|developer): ", re.MULTILINE)


def split_turns(text: str) -> tuple[str, str] | None:
    """A multi-turn key text -> (context, question): the earlier turns as written, and the text of the last
    user turn. None for a single prompt. Both are needed apart because in a chat the last user turn is the
    question but may only make sense with what came before ("cancel it", "the first one"), while a shared
    history embedded with it dominates the vector (docs/quality.md, fow_cache_conversations)."""
    starts = [m for m in _TURN.finditer(text)]
    if len(starts) < 2 or starts[0].start() != 0 or starts[-1].group(1) != "user":
        return None
    last = starts[-1]
    context, question = text[: last.start()].rstrip("\n"), text[last.end() :].strip()
    return (context, question) if question else None
