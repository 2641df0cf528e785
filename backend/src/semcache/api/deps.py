"""Annotated dependencies: the routes ask for what they need, `app.state.resources` provides it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from semcache.auth import Principal
from semcache.config import Settings
from semcache.errors import AuthError, ForbiddenError, RateLimitedError
from semcache.ratelimit import RateLimiter
from semcache.runtime import Resources


def get_resources(request: Request) -> Resources:
    resources: Resources = request.app.state.resources
    return resources


ResourcesDep = Annotated[Resources, Depends(get_resources)]


def get_settings(resources: ResourcesDep) -> Settings:
    return resources.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    # Azure OpenAI SDKs send `api-key`; accept it so they can point at us too.
    return request.headers.get("api-key") or None


def get_principal(request: Request, resources: ResourcesDep) -> Principal:
    principal = resources.keyring.resolve(_bearer(request))
    if principal is None:
        raise AuthError("missing or invalid API key (send Authorization: Bearer <key>)")
    request.state.tenant = principal.tenant
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_admin(principal: PrincipalDep) -> Principal:
    if not principal.is_admin:
        raise ForbiddenError("this endpoint needs the admin key")
    return principal


AdminDep = Annotated[Principal, Depends(require_admin)]


def rate_limiter(resources: Resources) -> RateLimiter:
    """The limiter lives beside the other resources; it is built on first use (no I/O in doing so)."""
    limiter = resources.extras.get("rate_limiter")
    if not isinstance(limiter, RateLimiter):
        settings = resources.settings
        limiter = RateLimiter(resources.redis, prefix=settings.cache_prefix, per_minute=settings.rate_limit_per_minute)
        resources.extras["rate_limiter"] = limiter
    return limiter


async def enforce_rate_limit(request: Request, principal: PrincipalDep, resources: ResourcesDep) -> None:
    """RATE_LIMIT_PER_MINUTE per API key (sliding window in Redis). Runs after authentication, so a caller
    with a wrong key gets 401 and spends nobody's budget. Applied per router in main.py."""
    limiter = rate_limiter(resources)
    if not limiter.enabled:
        return
    decision = await limiter.check(principal.tenant, _bearer(request))
    if not decision.allowed:
        raise RateLimitedError(
            f"rate limit of {decision.limit} requests per minute reached for this API key",
            retry_after_s=decision.retry_after_s,
        )
