"""A loopback server that speaks Azure OpenAI's own data-plane API, for what cannot run here (Azure itself).

Routes as Azure serves them (what AsyncAzureOpenAI calls):
  POST /openai/deployments/{deployment}/chat/completions?api-version=...   (JSON or SSE)
  POST /openai/deployments/{deployment}/embeddings?api-version=...
  GET  /openai/models?api-version=...
  GET  /msi/token?api-version=2019-08-01&resource=...&client_id=...          the managed identity endpoint
                                                                            (IDENTITY_ENDPOINT on Container Apps)
Authentication: the `api-key` header, or `Authorization: Bearer <token>` with a token this server issued
from /msi/token (so a test proves the token went from the identity endpoint into the chat request).

Deployments are GPT-5 class ("reasoning") or 4o class ("classic"). A reasoning deployment answers the
400s the real API sends for `max_tokens` and for sampling parameters other than their default; the bodies
are the API's own (quoted in "Unsupported parameter: 'max_tokens'..." reports, e.g. openai/openai-python
users and Azure's reasoning-model doc, section "Not Supported"). A classic deployment rejects
`reasoning_effort` the way gpt-4o does. Streams start with Azure's prompt_filter_results chunk (no
choices), as Azure sends them.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from tests.support.live import LiveServer
from tests.support.upstream import REFUSED_EFFORTS, spend_reasoning

Kind = Literal["reasoning", "classic", "embedding"]

API_KEY = "loopback-azure-key"
IDENTITY_HEADER = "loopback-identity-header"
SAMPLING = ("temperature", "top_p", "presence_penalty", "frequency_penalty", "logprobs", "top_logprobs", "logit_bias")
DEFAULTS: dict[str, object] = {"temperature": 1, "top_p": 1, "presence_penalty": 0, "frequency_penalty": 0}


def max_tokens_400() -> dict[str, object]:
    return {
        "error": {
            "message": "Unsupported parameter: 'max_tokens' is not supported with this model. "
            "Use 'max_completion_tokens' instead.",
            "type": "invalid_request_error",
            "param": "max_tokens",
            "code": "unsupported_parameter",
        }
    }


def unsupported_value_400(param: str, value: object) -> dict[str, object]:
    return {
        "error": {
            "message": f"Unsupported value: '{param}' does not support {value} with this model. "
            "Only the default (1) value is supported.",
            "type": "invalid_request_error",
            "param": param,
            "code": "unsupported_value",
        }
    }


def unrecognized_argument_400(param: str) -> dict[str, object]:
    return {
        "error": {
            "message": f"Unrecognized request argument supplied: {param}",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }
    }


@dataclass
class AzureState:
    deployments: dict[str, Kind]
    calls: list[tuple[str, dict[str, object]]] = field(default_factory=list)
    api_versions: set[str] = field(default_factory=set)
    auth: list[str] = field(default_factory=list)  # "key" or "bearer", per data-plane call
    issued_tokens: list[str] = field(default_factory=list)
    rejected: list[dict[str, object]] = field(default_factory=list)

    def chat_calls(self, deployment: str) -> list[dict[str, object]]:
        return [body for name, body in self.calls if name == deployment and "messages" in body]


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _authorized(state: AzureState, request: Request) -> bool:
    if request.headers.get("api-key") == API_KEY:
        state.auth.append("key")
        return True
    bearer = request.headers.get("authorization", "")
    if bearer.startswith("Bearer ") and bearer[7:] in state.issued_tokens:
        state.auth.append("bearer")
        return True
    return False


def _reasoning_rejects(body: dict[str, object]) -> dict[str, object] | None:
    if "max_tokens" in body:
        return max_tokens_400()
    for param in SAMPLING:
        if param in body and body[param] != DEFAULTS.get(param):
            return unsupported_value_400(param, body[param])
    # Every reasoning deployment here runs gpt-5.4-mini, which takes neither `none` nor `xhigh`.
    if body.get("reasoning_effort") in REFUSED_EFFORTS["gpt-5.4-mini"]:
        return unsupported_value_400("reasoning_effort", body["reasoning_effort"])
    return None


def _last_user(body: dict[str, object]) -> str:
    messages = body.get("messages")
    assert isinstance(messages, list)
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user" and isinstance(message.get("content"), str):
            return str(message["content"])
    return ""


def vector(text: str, dims: int) -> list[float]:
    """A deterministic unit vector per text (the same text always embeds the same)."""
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
    v = np.random.default_rng(seed).standard_normal(dims).astype(np.float32)
    return [float(x) for x in v / np.linalg.norm(v)]


def build_app(state: AzureState) -> FastAPI:
    app = FastAPI()

    async def guarded(request: Request, deployment: str | None) -> tuple[dict[str, object], JSONResponse | None]:
        version = request.query_params.get("api-version")
        if not version:
            return {}, _error(404, "404", "Resource not found")
        state.api_versions.add(version)
        if not _authorized(state, request):
            return {}, _error(
                401,
                "401",
                "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a "
                "valid key for an active subscription and use a correct regional API endpoint for your resource.",
            )
        if deployment is not None and deployment not in state.deployments:
            return {}, _error(
                404,
                "DeploymentNotFound",
                "The API deployment for this resource does not exist. If you created the deployment within the "
                "last 5 minutes, please wait a moment and try again.",
            )
        body = await request.json() if request.method == "POST" else {}
        if deployment is not None:
            state.calls.append((deployment, body))
        return body, None

    @app.get("/msi/token")
    async def token(request: Request) -> Response:
        if request.headers.get("x-identity-header") != IDENTITY_HEADER:
            return _error(401, "401", "missing X-IDENTITY-HEADER")
        issued = "loopback-entra-" + uuid.uuid4().hex
        state.issued_tokens.append(issued)
        return JSONResponse(
            {
                "access_token": issued,
                "expires_on": str(int(time.time()) + 3600),
                "resource": request.query_params.get("resource"),
                "token_type": "Bearer",
                "client_id": request.query_params.get("client_id"),
            }
        )

    @app.get("/openai/models")
    async def models(request: Request) -> Response:
        _, error = await guarded(request, None)
        if error is not None:
            return error
        data = [{"id": name, "object": "model", "created": 0, "owned_by": "system"} for name in state.deployments]
        return JSONResponse({"object": "list", "data": data})

    @app.post("/openai/deployments/{deployment}/embeddings")
    async def embeddings(deployment: str, request: Request) -> Response:
        body, error = await guarded(request, deployment)
        if error is not None:
            return error
        raw = body.get("input")
        texts = [raw] if isinstance(raw, str) else list(raw) if isinstance(raw, list) else []
        dims = int(str(body.get("dimensions") or 1536))
        data = [{"object": "embedding", "index": i, "embedding": vector(str(t), dims)} for i, t in enumerate(texts)]
        usage = {"prompt_tokens": len(texts), "total_tokens": len(texts)}
        return JSONResponse({"object": "list", "model": "text-embedding-3-small", "data": data, "usage": usage})

    @app.post("/openai/deployments/{deployment}/chat/completions", response_model=None)
    async def chat(deployment: str, request: Request) -> Response:
        body, error = await guarded(request, deployment)
        if error is not None:
            return error
        kind = state.deployments[deployment]
        rejection = (
            _reasoning_rejects(body)
            if kind == "reasoning"
            else unrecognized_argument_400("reasoning_effort")
            if "reasoning_effort" in body
            else None
        )
        if rejection is not None:
            state.rejected.append(body)
            return JSONResponse(rejection, status_code=400)
        answer, finish = f"Answer to: {_last_user(body)}", "stop"
        model = "gpt-5.4-mini-2026-03-17" if kind == "reasoning" else "gpt-4o-mini-2024-07-18"
        usage: dict[str, object] = {
            "prompt_tokens": 11,
            "completion_tokens": len(answer.split()),
            "total_tokens": 11 + len(answer.split()),
        }
        if kind == "reasoning":  # hidden reasoning first, out of max_completion_tokens (tests/support/upstream)
            spent = spend_reasoning(body, answer, finish)
            answer, finish = spent.text, spent.finish
            usage = {
                "prompt_tokens": 11,
                "completion_tokens": spent.completion_tokens,
                "total_tokens": 11 + spent.completion_tokens,
                "completion_tokens_details": {"reasoning_tokens": spent.reasoning_tokens},
            }
        if not body.get("stream"):
            return JSONResponse(
                {
                    "id": "chatcmpl-" + uuid.uuid4().hex[:12],
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": model,
                    "usage": usage,
                    "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {}}],
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": finish,
                            "message": {"role": "assistant", "content": answer, "refusal": None},
                            "content_filter_results": {},
                        }
                    ],
                }
            )
        options = body.get("stream_options")
        with_usage = isinstance(options, dict) and bool(options.get("include_usage"))
        return StreamingResponse(
            _sse(model, answer, finish, usage if with_usage else None), media_type="text/event-stream"
        )

    return app


async def _sse(model: str, answer: str, finish: str, usage: dict[str, object] | None) -> AsyncIterator[bytes]:
    cid, created = "chatcmpl-" + uuid.uuid4().hex[:12], int(time.time())

    def data(payload: dict[str, object]) -> bytes:
        return f"data: {json.dumps(payload)}\n\n".encode()

    def chunk(delta: dict[str, object], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "content_filter_results": {}}
        return data(
            {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model, "choices": [choice]}
        )

    # Azure's first event: the prompt's content-filter verdict, with no choices and empty ids.
    yield data(
        {
            "id": "",
            "object": "",
            "created": 0,
            "model": "",
            "choices": [],
            "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {}}],
        }
    )
    yield chunk({"role": "assistant", "content": ""})
    for n, word in enumerate(answer.split(" ") if answer else []):
        yield chunk({"content": word if n == 0 else " " + word})
    yield chunk({}, finish)
    if usage is not None:
        yield data(
            {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [],
                "usage": usage,
            }
        )
    yield b"data: [DONE]\n\n"


class AzureOpenAIServer:
    """The server and its state; `url` is what AZURE_OPENAI_ENDPOINT takes, `identity_endpoint` what
    IDENTITY_ENDPOINT takes."""

    def __init__(self, deployments: dict[str, Kind]) -> None:
        self.state = AzureState(deployments=dict(deployments))
        self.server = LiveServer(build_app(self.state))

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def identity_endpoint(self) -> str:
        return self.server.url + "/msi/token"

    def start(self) -> AzureOpenAIServer:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()
