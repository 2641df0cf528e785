"""The openai 2.x SDK and LlamaIndex's OpenAI-like client (both need openai < 3, so they live in their own
venv, .venv-openai2, built by `make install-test` from backend/locks/openai2.txt), run in a subprocess."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.support.live import LiveServer
from tests.support.upstream import Upstream

ROOT = Path(__file__).resolve().parents[3]
PYTHON = ROOT / ".venv-openai2" / "bin" / "python"
SCRIPT = Path(__file__).with_name("openai2_client.py")


async def _run(url: str) -> dict[str, object]:
    if not PYTHON.exists():
        pytest.fail(f"{PYTHON} is missing: run `make install-test`")
    proc = await asyncio.create_subprocess_exec(
        str(PYTHON), str(SCRIPT), url, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()[-3000:]
    result = json.loads(out)
    assert isinstance(result, dict)
    return result


async def test_openai_2x_and_llama_index_get_answers_and_hits(service: LiveServer, upstream: Upstream) -> None:
    upstream.state.answers["What is the capital of France?"] = "Paris."
    upstream.state.answers["What is the capital of Spain?"] = "Madrid."
    seen = await _run(service.url)
    assert str(seen["openai"]).startswith("2.")
    assert seen["sdk"] == {"chat": "Paris.", "stream": "Paris.", "responses": "Paris."}
    # The first call is the only miss; the stream and the Responses call share its entry.
    assert seen["statuses"] == ["MISS", "HIT-EXACT", "HIT-EXACT"]
    # LlamaIndex's default (not a chat model) calls /v1/completions, served through the same cache.
    assert seen["llama_index"] == {"complete": "Madrid.", "chat": "Paris."}
    assert upstream.state.calls_for("What is the capital of France?") == 1
