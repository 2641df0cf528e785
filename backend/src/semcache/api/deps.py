"""Annotated dependencies: the routes ask for what they need, `app.state.resources` provides it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from semcache.auth import Principal
from semcache.config import Settings
from semcache.errors import AuthError, ForbiddenError
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
