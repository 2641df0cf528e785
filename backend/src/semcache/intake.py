"""Pure: a request as it enters. The parsed body and the caller's tenant -> one frozen `CacheRequest`.

A record holds the chat request that goes upstream (if any), where its answer lives in the cache (the key plan
and the `Scope`) and the request's controls (tags and TTL included). Every route that reads or writes the cache
calls one function here and hands the record down as it is: the scope is built once, here, and stays the same
frozen object down to Redis (cache/query.py reads it as a mapping). Bad input is an InvalidInputError (422).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from semcache.cache.query import check_tags
from semcache.config import Settings
from semcache.controls import Controls, parse_controls
from semcache.embeddings.base import Vector
from semcache.errors import InvalidInputError
from semcache.normalize import KeyPlan, KeyRules, Scope, build_scope, entry_id, normalize_text, plan_key
from semcache.responses import to_chat
from semcache.schemas.ask import AskRequest
from semcache.schemas.cache import SearchRequest, StoreRequest
from semcache.schemas.openai import ChatMessage, ChatRequest
from semcache.schemas.responses import ResponsesRequest

__all__ = [
    "CacheRequest",
    "CacheTarget",
    "IntakeRules",
    "Scope",
    "ask",
    "chat",
    "check_prompt",
    "client_vector",
    "responses",
    "search",
    "store",
]


@dataclass(frozen=True)
class IntakeRules:
    """What intake reads of the settings, and the configured model (the scope's model when a request names
    none). Built by a dependency (api/deps.py), so a route never reads the settings or the LLM itself."""

    keys: KeyRules
    extra_scope_fields: tuple[str, ...]
    default_model: str
    system_prompt: str
    temperature: float
    max_tokens: int
    cache_ttl: int | None

    @classmethod
    def of(cls, settings: Settings, *, default_model: str) -> IntakeRules:
        keys = KeyRules(
            settings.cache_max_messages,
            settings.cache_ignore_system_messages,
            settings.cache_max_temperature,
            max_chars=settings.max_prompt_chars,
        )
        return cls(
            keys=keys,
            extra_scope_fields=settings.extra_scope_fields,
            default_model=default_model,
            system_prompt=settings.llm_system_prompt,
            temperature=settings.llm_temperature,
            max_tokens=settings.llm_max_tokens,
            cache_ttl=settings.cache_ttl,
        )


@dataclass(frozen=True)
class CacheTarget:
    """Where a request's answer lives in the cache: its key plan and hard scope."""

    plan: KeyPlan
    scope: Scope

    @property
    def tenant(self) -> str:
        return self.scope.tenant

    @property
    def entry_id(self) -> str | None:
        return entry_id(normalize_text(self.plan.text), self.scope) if self.plan.text is not None else None


@dataclass(frozen=True)
class CacheRequest:
    """One request after intake. `chat` is what goes upstream: None for a /cache/* call (no upstream), and for
    a Responses request that cannot be translated. `forward`: the cache never keys it and it needs none of
    our framing, so it goes to the upstream as it came (the plan's reason says why)."""

    target: CacheTarget
    controls: Controls = field(default_factory=Controls)
    chat: ChatRequest | None = None
    forward: bool = False

    def upstream_request(self) -> ChatRequest:
        """The chat request for the upstream; ValueError for a record that sends nothing upstream."""
        if self.chat is None:
            raise ValueError("this request sends nothing upstream")
        return self.chat

    @property
    def scope(self) -> Scope:
        return self.target.scope

    @property
    def tenant(self) -> str:
        return self.target.tenant

    @property
    def prompt(self) -> str | None:
        """The key text: the prompt of /ask and /cache/*, the keyed conversation of the gateway."""
        return self.target.plan.text

    @property
    def tags(self) -> tuple[str, ...]:
        return self.controls.tags


# --- pieces ------------------------------------------------------------------------------------------------


def check_prompt(rules: IntakeRules, prompt: str | None) -> None:
    limit = rules.keys.max_chars
    if prompt is not None and len(prompt) > limit:
        raise InvalidInputError(f"prompt is {len(prompt)} characters; MAX_PROMPT_CHARS is {limit}")


def _scope(rules: IntakeRules, tenant: str, client: Mapping[str, str], *, model: str = "", params: str = "") -> Scope:
    try:
        return build_scope(tenant, client, extra_fields=rules.extra_scope_fields, model=model, params=params)
    except ValueError as e:
        raise InvalidInputError(str(e)) from e


def _tags(tags: list[str]) -> tuple[str, ...]:
    try:
        return check_tags(tags)
    except ValueError as e:
        raise InvalidInputError(str(e)) from e


def client_vector(values: list[float], dims: int) -> Vector:
    """A caller's own query vector, checked and normalised like ours."""
    if len(values) != dims:
        raise InvalidInputError(f"embedding has {len(values)} dims; the index has {dims}")
    v = np.asarray(values, dtype=np.float32)
    norm = float(np.linalg.norm(v))
    if not np.isfinite(norm) or norm == 0.0:
        raise InvalidInputError("embedding must be finite and non-zero")
    return v / norm


# --- one function per kind of request ------------------------------------------------------------------


def ask(rules: IntakeRules, tenant: str, body: AskRequest) -> CacheRequest:
    """/ask keys on the prompt alone under the server's own system prompt and sampling settings, so its
    entries are the ones /cache/search finds with `scope.model` set to the configured model."""
    check_prompt(rules, body.prompt)
    chat = ChatRequest(
        messages=[
            ChatMessage(role="system", content=rules.system_prompt),
            ChatMessage(role="user", content=body.prompt),
        ],
        temperature=rules.temperature,
        max_tokens=rules.max_tokens,
    )
    controls = Controls(
        no_cache=body.no_cache, no_store=body.no_store, ttl=body.ttl, distance_threshold=body.requested_distance()
    )
    scope = _scope(rules, tenant, body.scope, model=rules.default_model)
    return CacheRequest(CacheTarget(KeyPlan(body.prompt), scope), controls, chat)


def _controls(headers: Mapping[str, str]) -> tuple[Controls, str]:
    try:
        return parse_controls(headers)
    except ValueError as e:
        raise InvalidInputError(str(e)) from e


def _chat(rules: IntakeRules, tenant: str, body: ChatRequest, controls: Controls, namespace: str) -> CacheRequest:
    plan = plan_key(body, rules.keys)
    client = {"namespace": namespace} if namespace else {}
    scope = _scope(rules, tenant, client, model=body.model or rules.default_model, params=plan.params)
    # A stream we cannot key still goes through the flow (a bypass), so it is framed like any other stream.
    return CacheRequest(CacheTarget(plan, scope), controls, body, forward=not plan.cacheable and not body.stream)


def chat(rules: IntakeRules, tenant: str, body: ChatRequest, headers: Mapping[str, str]) -> CacheRequest:
    """/v1/chat/completions: the key plan of the conversation (or why it has none), the namespace and the
    controls from the headers, the model and the answer-changing parameters in the scope."""
    controls, namespace = _controls(headers)
    return _chat(rules, tenant, body, controls, namespace)


def responses(rules: IntakeRules, tenant: str, body: ResponsesRequest, headers: Mapping[str, str]) -> CacheRequest:
    """/v1/responses: the chat request it means, keyed as the gateway keys it (entries are shared). One that
    cannot be translated has no `chat` and is forwarded; its plan's reason says why."""
    controls, namespace = _controls(headers)
    translation = to_chat(body)
    if translation.chat is None:
        plan = KeyPlan(None, reason=translation.reason or "not cacheable")
        return CacheRequest(CacheTarget(plan, _scope(rules, tenant, {})), controls, forward=True)
    # Translated, it is keyed and answered as the gateway's chat request (a stream of Responses events).
    return dataclasses.replace(_chat(rules, tenant, translation.chat, controls, namespace), forward=False)


def store(rules: IntakeRules, tenant: str, body: StoreRequest) -> CacheRequest:
    """/cache/store: the prompt, its scope, the entry's TTL (CACHE_TTL unless given) and tags."""
    check_prompt(rules, body.prompt)
    scope = _scope(rules, tenant, body.scope)
    ttl = body.ttl if body.ttl is not None else rules.cache_ttl
    return CacheRequest(CacheTarget(KeyPlan(body.prompt), scope), Controls(ttl=ttl, tags=_tags(body.tags)))


def search(rules: IntakeRules, tenant: str, body: SearchRequest) -> CacheRequest:
    """/cache/search: the prompt ("" when the caller sends its own vector), its scope and threshold."""
    check_prompt(rules, body.prompt)
    scope = _scope(rules, tenant, body.scope)
    controls = Controls(distance_threshold=body.requested_distance())
    return CacheRequest(CacheTarget(KeyPlan(body.prompt or ""), scope), controls)
