"""Keyless Azure OpenAI with the real azure.identity.aio: the token comes from a managed identity endpoint
(the IDENTITY_ENDPOINT / IDENTITY_HEADER protocol Container Apps uses, served on loopback) and reaches the
chat and embeddings requests as a bearer token. Nothing leaves loopback: with IDENTITY_ENDPOINT set,
azure-identity asks that endpoint and never probes the VM metadata service (IMDS)."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.azure.azure_openai import IDENTITY_HEADER, AzureOpenAIServer
from tests.integration.azure.conftest import GPT5, AzureServiceFactory, require_azure_extra

CLIENT_ID = "00000000-0000-0000-0000-00000000c11d"


@pytest.fixture(autouse=True)
def identity_endpoint(monkeypatch: pytest.MonkeyPatch, azure_server: AzureOpenAIServer) -> None:
    require_azure_extra()
    for name in (
        "AZURE_CLIENT_ID",
        "AZURE_TENANT_ID",
        "AZURE_CLIENT_SECRET",
        "AZURE_FEDERATED_TOKEN_FILE",
        "MSI_ENDPOINT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("IDENTITY_ENDPOINT", azure_server.identity_endpoint)
    monkeypatch.setenv("IDENTITY_HEADER", IDENTITY_HEADER)


async def _ask_twice(url: str) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=30) as c:
        for prompt in ("Which metal is liquid at room temperature?", "Which gas do plants take in?"):
            r = await c.post("/ask", json={"prompt": prompt})
            assert r.status_code == 200, r.text
            assert r.json()["raw"]["text"] == f"Answer to: {prompt}"


@pytest.mark.parametrize("client_id", [CLIENT_ID, None], ids=["user-assigned identity", "default chain"])
async def test_keyless_chat_and_embeddings_use_the_managed_identity_token(
    azure_service: AzureServiceFactory, azure_server: AzureOpenAIServer, client_id: str | None
) -> None:
    service = azure_service(AZURE_OPENAI_API_KEY=None, AZURE_CLIENT_ID=client_id, AZURE_OPENAI_CHAT_MODEL=GPT5)
    await _ask_twice(service.url)
    state = azure_server.state
    assert state.auth and set(state.auth) == {"bearer"}
    # azure-identity caches the token: one fetch per client (chat, embeddings) serves all their calls.
    assert len(state.issued_tokens) == 2 < len(state.auth)
