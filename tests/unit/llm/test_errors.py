import httpx
import httpx2
import openai

from semcache.errors import (
    LLMBadRequestError,
    LLMError,
    LLMRateLimitError,
    LLMTimeoutError,
)
from semcache.llm.openai import map_error

# openai builds its errors from httpx2 (its own HTTP stack), not httpx.
REQ = httpx2.Request("POST", "http://127.0.0.1/v1/chat/completions")


def status(code: int) -> openai.APIStatusError:
    response = httpx2.Response(code, request=REQ, json={"error": {"message": "nope sk-secret", "type": "x"}})
    cls = {429: openai.RateLimitError, 400: openai.BadRequestError}.get(code, openai.InternalServerError)
    return cls("nope", response=response, body={"error": {"message": "nope", "type": "x"}})


def test_mapping() -> None:
    assert isinstance(map_error(openai.APITimeoutError(request=REQ)), LLMTimeoutError)
    assert isinstance(map_error(status(429)), LLMRateLimitError)
    assert isinstance(map_error(status(400)), LLMBadRequestError)
    assert type(map_error(status(500))) is LLMError
    assert type(map_error(httpx.RemoteProtocolError("cut"))) is LLMError
    assert map_error(status(500)).status_code == 502
