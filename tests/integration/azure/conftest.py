"""Fixtures for the Azure path: the loopback Azure OpenAI server and semcache services pointed at it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from semcache.main import create_app
from tests.conftest import make_settings
from tests.integration.azure.azure_openai import API_KEY, AzureOpenAIServer
from tests.support.live import LiveServer

#: Deployment names as `azd up` creates them (the model name), plus one whose name hides its model.
GPT5 = "gpt-5.4-mini"
GPT4O = "gpt-4o-mini"
HIDDEN_GPT5 = "chat"
EMBEDDINGS = "text-embedding-3-small"


def require_azure_extra() -> None:
    """The Entra ID tests need the `azure` extra; CI installs it, so there a missing extra is a failure."""
    try:
        import azure.identity.aio  # noqa: F401
    except ImportError:
        if os.environ.get("CI", "").lower() in ("1", "true"):
            raise
        pytest.skip("the `azure` extra is not installed here (make test installs it)")


@pytest.fixture
def azure_server() -> Iterator[AzureOpenAIServer]:
    server = AzureOpenAIServer({GPT5: "reasoning", GPT4O: "classic", HIDDEN_GPT5: "reasoning", EMBEDDINGS: "embedding"})
    try:
        yield server.start()
    finally:
        server.stop()


AzureServiceFactory = Callable[..., LiveServer]


@pytest.fixture
def azure_service(redis_url: str, azure_server: AzureOpenAIServer) -> Iterator[AzureServiceFactory]:
    """semcache services whose LLM and embedder are the loopback Azure OpenAI (key auth unless overridden)."""
    started: list[LiveServer] = []

    def factory(**env: object) -> LiveServer:
        values: dict[str, object] = {
            "LLM_PROVIDER": "azure",
            "LLM_BASE_URL": None,
            "AZURE_OPENAI_ENDPOINT": azure_server.url,
            "AZURE_OPENAI_API_KEY": API_KEY,
            "LLM_MAX_RETRIES": 0,
            "EMBEDDING_PROVIDER": "azure",
            "AZURE_OPENAI_EMBEDDING_MODEL": EMBEDDINGS,
            "EMBEDDING_DIMS": 256,
            **env,
        }
        server = LiveServer(create_app(make_settings(redis_url, **values)))
        started.append(server)  # before start: one that fails to start is stopped too
        server.start()
        return server

    try:
        yield factory
    finally:
        for server in started:
            server.stop()
