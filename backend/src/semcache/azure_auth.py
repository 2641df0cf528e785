"""Microsoft Entra ID credentials for Azure OpenAI and Azure Managed Redis.

Used when no key is configured: on Azure Container Apps the app runs as a user-assigned managed identity
(AZURE_CLIENT_ID) that holds "Cognitive Services OpenAI User" on the OpenAI account and a data access
policy on the Redis database, so no secret has to reach the container.

azure-identity and redis-entraid come with the optional `azure` extra, so they are imported inside the
functions: the base install, the unit tests and local development never need them.

Choice of credential: a set AZURE_CLIENT_ID means "this user-assigned managed identity", and then we ask
the managed identity endpoint directly, so a misconfigured identity fails loudly instead of silently
falling through DefaultAzureCredential's chain to some other login. Without it (a developer laptop after
`az login` / `azd auth login`) DefaultAzureCredential finds the developer's own credentials.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol

__all__ = [
    "AsyncTokenCredential",
    "azure_openai_credential",
    "azure_openai_token_provider",
    "redis_credential_provider",
]

if TYPE_CHECKING:
    from redis.credentials import CredentialProvider

    from semcache.config import Settings


class AsyncTokenCredential(Protocol):
    """What we use of azure.core's AsyncTokenCredential (the extra may be absent at type-check time)."""

    async def close(self) -> None: ...


#: Token scope of the Azure OpenAI data plane.
COGNITIVE_SERVICES_SCOPE = "https://cognitiveservices.azure.com/.default"
#: Azure Managed Redis accepts tokens for this resource; managed identity asks by resource, the other
#: credentials by scope (resource + "/.default").
REDIS_RESOURCE = "https://redis.azure.com/"
REDIS_SCOPE = "https://redis.azure.com/.default"


def azure_openai_credential(settings: Settings) -> AsyncTokenCredential:
    """The async credential the app signs in to Azure OpenAI with; close it when the client closes.

    Async (azure.identity.aio), so fetching or refreshing a token never blocks the event loop. Creating it
    does no I/O: the first token is fetched on the first request.
    """
    # The ignore covers type checking without the optional extra installed (import-not-found); with it
    # installed azure-identity is fully typed and the ignore is unused.
    from azure.identity.aio import (  # type: ignore[import-not-found, unused-ignore]
        DefaultAzureCredential,
        ManagedIdentityCredential,
    )

    if settings.azure_client_id:
        return ManagedIdentityCredential(client_id=settings.azure_client_id)
    return DefaultAzureCredential()


def azure_openai_token_provider(credential: AsyncTokenCredential) -> Callable[[], Awaitable[str]]:
    """A coroutine function returning a bearer token for Azure OpenAI (the SDK's `azure_ad_token_provider`).

    azure-identity caches the token and refreshes it shortly before it expires, so calling it per request
    is cheap.
    """
    from azure.identity.aio import get_bearer_token_provider  # type: ignore[import-not-found, unused-ignore]

    # The credential is one of azure.identity.aio's (azure_openai_credential); our Protocol names only what
    # this module calls, so with the extra installed mypy cannot see the rest of azure-core's protocol.
    provider: Callable[[], Awaitable[str]] = get_bearer_token_provider(
        credential,  # type: ignore[arg-type, unused-ignore]
        COGNITIVE_SERVICES_SCOPE,
    )
    return provider


def redis_credential_provider(settings: Settings) -> CredentialProvider:
    """A redis-py credential provider that authenticates with Entra ID tokens and re-authenticates the
    open connections before each token expires (pass it as `credential_provider=` to redis.asyncio.Redis;
    the URL then carries no password).
    """
    # redis-entraid ships no type information (no py.typed): import-untyped when the extra is installed,
    # import-not-found when it is not. The value is given its redis-py type below.
    from redis_entraid.cred_provider import (  # type: ignore[import-untyped, import-not-found, unused-ignore]
        create_from_default_azure_credential,
        create_from_managed_identity,
    )
    from redis_entraid.identity_provider import (  # type: ignore[import-untyped, import-not-found, unused-ignore]
        ManagedIdentityIdType,
        ManagedIdentityType,
    )

    provider: CredentialProvider
    if settings.azure_client_id:
        provider = create_from_managed_identity(
            identity_type=ManagedIdentityType.USER_ASSIGNED,
            resource=REDIS_RESOURCE,
            id_type=ManagedIdentityIdType.CLIENT_ID,
            id_value=settings.azure_client_id,
        )
    else:
        provider = create_from_default_azure_credential((REDIS_SCOPE,))
    return provider
