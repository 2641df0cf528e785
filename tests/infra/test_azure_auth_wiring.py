"""backend/src/semcache/azure_auth.py with the real azure-identity and redis-entraid (the `azure` extra).

No fakes: the credentials are the libraries' own objects. Building them does no I/O, so these run offline;
fetching a token through them is tested end to end in tests/integration/azure/test_entra_id.py.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from types import ModuleType, SimpleNamespace

import pytest

from tests.infra.app_settings import REPO_ROOT

AZURE_AUTH = REPO_ROOT / "backend" / "src" / "semcache" / "azure_auth.py"
CLIENT_ID = "00000000-0000-0000-0000-00000000c11d"


@pytest.fixture(autouse=True)
def azure_extra() -> None:
    try:
        import azure.identity.aio  # noqa: F401
        import redis_entraid  # noqa: F401
    except ImportError:
        if os.environ.get("CI", "").lower() in ("1", "true"):
            raise
        pytest.skip("the `azure` extra is not installed here (make test installs it)")


def test_importing_the_module_imports_no_azure_package() -> None:
    # The extra is optional: the base install loads azure_auth without it.
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('m', {str(AZURE_AUTH)!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "print(sorted(n for n in sys.modules if n.startswith(('azure', 'redis_entraid'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("semcache_azure_auth_under_test", AZURE_AUTH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_openai_credential_is_async_and_picks_the_identity() -> None:
    from azure.identity.aio import DefaultAzureCredential, ManagedIdentityCredential

    module = _load()
    user_assigned = module.azure_openai_credential(SimpleNamespace(azure_client_id=CLIENT_ID))
    default_chain = module.azure_openai_credential(SimpleNamespace(azure_client_id=None))
    try:
        assert isinstance(user_assigned, ManagedIdentityCredential)
        assert isinstance(default_chain, DefaultAzureCredential)
        provider = module.azure_openai_token_provider(user_assigned)
        assert callable(provider)
    finally:
        await user_assigned.close()
        await default_chain.close()


def test_redis_credential_providers_are_redis_py_credential_providers() -> None:
    from redis.credentials import CredentialProvider

    module = _load()
    for client_id in (CLIENT_ID, None):
        provider = module.redis_credential_provider(SimpleNamespace(azure_client_id=client_id))
        assert isinstance(provider, CredentialProvider) and hasattr(provider, "get_credentials_async")


def test_the_scopes_are_the_data_plane_ones() -> None:
    module = _load()
    assert module.COGNITIVE_SERVICES_SCOPE == "https://cognitiveservices.azure.com/.default"
    assert module.REDIS_RESOURCE == "https://redis.azure.com/"
