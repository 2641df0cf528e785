"""Annotated dependencies: the routes ask for what they need, `app.state.resources` (built in the lifespan)
provides it. A route never takes the whole `Resources` bag: its signature names the parts it uses.

Every dependency is `async def` although none awaits: FastAPI runs a plain `def` dependency in a worker thread,
and /cache/search paid eight such hand-offs per request, 0.4 ms of its 1.1 ms in the framework (an exact hit
through the ASGI app, in-process, p50). `tests/unit/api/test_deps.py` keeps it so."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from semcache.auth import KeyRing, Principal
from semcache.cache.availability import CacheGate
from semcache.cache.redis import RedisStore
from semcache.cache.semantic import SemanticCache
from semcache.config import Settings
from semcache.embeddings.base import Embedder
from semcache.errors import AuthError, ForbiddenError, RateLimitedError
from semcache.intake import IntakeRules
from semcache.llm.base import LLM
from semcache.ratelimit import RateLimiter
from semcache.runtime import Resources
from semcache.service import CompletionService
from semcache.telemetry.hub import TelemetryHub

__all__ = [
    "AdminDep",
    "CacheDep",
    "EmbedderDep",
    "GateDep",
    "IntakeDep",
    "KeyRingDep",
    "LLMDep",
    "PrincipalDep",
    "RateLimiterDep",
    "RawStoreDep",
    "ResourcesDep",
    "ServiceDep",
    "SettingsDep",
    "StartedGateDep",
    "StoreDep",
    "TelemetryDep",
    "VectorStoreDep",
    "VectorsDep",
    "enforce_rate_limit",
    "require_admin",
]


async def get_resources(request: Request) -> Resources:
    """The whole bag: only the narrow dependencies below read it; a route asks for one of those."""
    resources: Resources = request.app.state.resources
    return resources


ResourcesDep = Annotated[Resources, Depends(get_resources)]


async def get_settings(resources: ResourcesDep) -> Settings:
    return resources.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]

# The narrow dependencies: a route's signature says which parts of the service it uses. All are built
# once in the lifespan (runtime.start), none on a request.


async def get_service(resources: ResourcesDep) -> CompletionService:
    return resources.service


async def get_intake_rules(resources: ResourcesDep) -> IntakeRules:
    """What intake needs of the settings and the LLM, so that a route reads neither."""
    return IntakeRules.of(resources.settings, default_model=resources.service.llm.model)


async def get_llm(resources: ResourcesDep) -> LLM:
    """The upstream itself, for what is about it (its model, a ping, /llm/test); answers go through the service."""
    return resources.service.llm


async def get_cache(resources: ResourcesDep) -> SemanticCache:
    """The cache with every call through the availability gate (Redis down -> CacheUnavailableError)."""
    return resources.available_cache


async def get_store(resources: ResourcesDep) -> RedisStore:
    """The cache's entry store with every call through the availability gate."""
    return resources.available_store


async def get_raw_store(resources: ResourcesDep) -> RedisStore:
    """The cache's entry store with no gate: for the health probes, which must reach a Redis the gate has
    given up on, and for the export, which gates its first batch itself."""
    return resources.cache.store


async def get_gate(resources: ResourcesDep) -> CacheGate:
    return resources.gate


async def get_gate_if_started(request: Request) -> CacheGate | None:
    """The gate, or None while the lifespan has not built it yet (/health/ready answers "starting")."""
    resources: Resources | None = getattr(request.app.state, "resources", None)
    return None if resources is None else resources.gate


async def get_vectors(resources: ResourcesDep) -> SemanticCache:
    """The plain vector index (/vector/*) with every call through the availability gate."""
    return resources.available_vectors


async def get_vector_store(resources: ResourcesDep) -> RedisStore:
    """The vector index's store with every call through the availability gate."""
    return resources.available_vector_store


async def get_embedder(resources: ResourcesDep) -> Embedder:
    return resources.embedder


async def get_telemetry(resources: ResourcesDep) -> TelemetryHub:
    return resources.telemetry


async def get_rate_limiter(resources: ResourcesDep) -> RateLimiter:
    return resources.rate_limiter


async def get_keyring(resources: ResourcesDep) -> KeyRing:
    return resources.keyring


ServiceDep = Annotated[CompletionService, Depends(get_service)]
IntakeDep = Annotated[IntakeRules, Depends(get_intake_rules)]
LLMDep = Annotated[LLM, Depends(get_llm)]
CacheDep = Annotated[SemanticCache, Depends(get_cache)]
StoreDep = Annotated[RedisStore, Depends(get_store)]
RawStoreDep = Annotated[RedisStore, Depends(get_raw_store)]
GateDep = Annotated[CacheGate, Depends(get_gate)]
StartedGateDep = Annotated[CacheGate | None, Depends(get_gate_if_started)]
VectorsDep = Annotated[SemanticCache, Depends(get_vectors)]
VectorStoreDep = Annotated[RedisStore, Depends(get_vector_store)]
EmbedderDep = Annotated[Embedder, Depends(get_embedder)]
TelemetryDep = Annotated[TelemetryHub, Depends(get_telemetry)]
RateLimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]
KeyRingDep = Annotated[KeyRing, Depends(get_keyring)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    # Azure OpenAI SDKs send `api-key`; accept it so they can point at us too.
    return request.headers.get("api-key") or None


async def get_principal(request: Request, keyring: KeyRingDep) -> Principal:
    principal = keyring.resolve(_bearer(request))
    if principal is None:
        raise AuthError("missing or invalid API key (send Authorization: Bearer <key>)")
    request.state.tenant = principal.tenant
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def require_admin(principal: PrincipalDep) -> Principal:
    if not principal.is_admin:
        raise ForbiddenError("this endpoint needs the admin key")
    return principal


AdminDep = Annotated[Principal, Depends(require_admin)]


async def enforce_rate_limit(request: Request, principal: PrincipalDep, limiter: RateLimiterDep) -> None:
    """RATE_LIMIT_PER_MINUTE per API key (sliding window in Redis). Runs after authentication, so a caller
    with a wrong key gets 401 and spends nobody's budget. Applied per router in main.py."""
    if not limiter.enabled:
        return
    decision = await limiter.check(principal.tenant, _bearer(request))
    if not decision.allowed:
        raise RateLimitedError(
            f"rate limit of {decision.limit} requests per minute reached for this API key",
            retry_after_s=decision.retry_after_s,
        )
