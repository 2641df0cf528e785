"""backend/src/semcache/azure_auth.py: the scopes, identity and library calls managed-identity auth needs.

azure-identity and redis-entraid are optional (the `azure` extra), so the module is loaded from its file
and the libraries are replaced by recording fakes; where the real libraries are installed, a second set
of tests builds real credential objects (no network: nothing is fetched until a token is requested).
"""

from __future__ import annotations

import enum
import importlib.util
import sys
from collections.abc import Iterator
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

from tests.infra.app_settings import REPO_ROOT

AZURE_AUTH = REPO_ROOT / "backend" / "src" / "semcache" / "azure_auth.py"
CLIENT_ID = "00000000-0000-0000-0000-00000000c11d"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("semcache_azure_auth_under_test", AZURE_AUTH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Recorder:
    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs


class _ManagedIdentityType(enum.Enum):
    USER_ASSIGNED = "user"
    SYSTEM_ASSIGNED = "system"


class _ManagedIdentityIdType(enum.Enum):
    CLIENT_ID = "client_id"


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, Any]]]:
    recorded: list[tuple[str, Any]] = []
    identity = ModuleType("azure.identity")
    identity.DefaultAzureCredential = type("DefaultAzureCredential", (_Recorder,), {})  # type: ignore[attr-defined]
    identity.ManagedIdentityCredential = type("ManagedIdentityCredential", (_Recorder,), {})  # type: ignore[attr-defined]

    def get_bearer_token_provider(credential: Any, *scopes: str) -> Any:
        recorded.append(("token_provider", (credential, scopes)))
        return lambda: "token"

    identity.get_bearer_token_provider = get_bearer_token_provider  # type: ignore[attr-defined]

    def create_from_managed_identity(**kwargs: Any) -> str:
        recorded.append(("mi", kwargs))
        return "mi"

    def create_from_default_azure_credential(*args: Any) -> str:
        recorded.append(("dac", args))
        return "dac"

    cred_provider = ModuleType("redis_entraid.cred_provider")
    cred_provider.create_from_managed_identity = create_from_managed_identity  # type: ignore[attr-defined]
    cred_provider.create_from_default_azure_credential = create_from_default_azure_credential  # type: ignore[attr-defined]
    identity_provider = ModuleType("redis_entraid.identity_provider")
    identity_provider.ManagedIdentityType = _ManagedIdentityType  # type: ignore[attr-defined]
    identity_provider.ManagedIdentityIdType = _ManagedIdentityIdType  # type: ignore[attr-defined]
    for name, module in {
        "azure": ModuleType("azure"),
        "azure.identity": identity,
        "redis_entraid": ModuleType("redis_entraid"),
        "redis_entraid.cred_provider": cred_provider,
        "redis_entraid.identity_provider": identity_provider,
    }.items():
        monkeypatch.setitem(sys.modules, name, module)
    yield recorded


def test_importing_needs_no_azure_packages() -> None:
    # The extra is optional: loading the module must not import it.
    module = _load()
    assert callable(module.azure_openai_token_provider) and callable(module.redis_credential_provider)


def test_openai_uses_the_managed_identity_and_the_cognitive_services_scope(calls: list[tuple[str, Any]]) -> None:
    provider = _load().azure_openai_token_provider(SimpleNamespace(azure_client_id=CLIENT_ID))
    assert provider() == "token"
    ((_kind, (credential, scopes)),) = calls
    assert type(credential).__name__ == "ManagedIdentityCredential"
    assert credential.kwargs == {"client_id": CLIENT_ID}
    assert scopes == ("https://cognitiveservices.azure.com/.default",)


def test_openai_without_client_id_uses_the_default_chain(calls: list[tuple[str, Any]]) -> None:
    _load().azure_openai_token_provider(SimpleNamespace(azure_client_id=None))
    ((_, (credential, _)),) = calls
    assert type(credential).__name__ == "DefaultAzureCredential"


def test_redis_uses_the_user_assigned_identity(calls: list[tuple[str, Any]]) -> None:
    assert _load().redis_credential_provider(SimpleNamespace(azure_client_id=CLIENT_ID)) == "mi"
    ((kind, kwargs),) = calls
    assert kind == "mi"
    assert kwargs["identity_type"] is _ManagedIdentityType.USER_ASSIGNED
    assert kwargs["id_type"] is _ManagedIdentityIdType.CLIENT_ID and kwargs["id_value"] == CLIENT_ID
    assert kwargs["resource"] == "https://redis.azure.com/"


def test_redis_without_client_id_uses_the_default_chain(calls: list[tuple[str, Any]]) -> None:
    assert _load().redis_credential_provider(SimpleNamespace(azure_client_id=None)) == "dac"
    assert calls == [("dac", (("https://redis.azure.com/.default",),))]


def test_real_libraries_accept_the_calls() -> None:
    pytest.importorskip("azure.identity", reason="the `azure` extra is not installed here")
    pytest.importorskip("redis_entraid", reason="the `azure` extra is not installed here")
    module = _load()
    for client_id in (CLIENT_ID, None):
        settings = SimpleNamespace(azure_client_id=client_id)
        assert callable(module.azure_openai_token_provider(settings))
        provider = module.redis_credential_provider(settings)
        assert hasattr(provider, "get_credentials_async")
