"""Bad input: every malformed, oversized or out-of-range request gets a 4xx with our JSON error body."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.reliability.conftest import standalone_service
from tests.support.live import LiveServer

JSON = {"content-type": "application/json"}
LIMIT = 200_000  # MAX_BODY_BYTES for these tests: above the largest valid prompt, far below the default


@pytest.fixture(scope="module")
def server(redis_url: str) -> Iterator[LiveServer]:
    with standalone_service(redis_url, MAX_BODY_BYTES=LIMIT) as (live, _):
        yield live


@pytest.fixture
async def c(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        yield client


def assert_json_error(r: httpx.Response, status: int | tuple[int, ...]) -> None:
    wanted = (status,) if isinstance(status, int) else status
    assert r.status_code in wanted, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/json"), r.headers
    error = r.json()["error"]
    assert isinstance(error["code"], str) and isinstance(error["message"], str)


def msgs(n: int, text: str = "hi") -> list[dict[str, str]]:
    return [{"role": "user", "content": text}] * n


async def test_body_over_the_limit_is_refused_before_it_is_read(c: httpx.AsyncClient) -> None:
    big = {"prompt": "x" * (LIMIT + 10)}
    r = await c.post("/ask", json=big)
    assert_json_error(r, 413)
    assert "MAX_BODY_BYTES" in r.json()["error"]["message"]


async def test_chunked_body_over_the_limit_is_cut_off(c: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the middleware has to count
        yield b'{"model": "m", "messages": [{"role": "user", "content": "'
        for _ in range(LIMIT // 10_000 + 2):
            yield b"y" * 10_000
        yield b'"}]}'

    for path in ("/v1/chat/completions", "/cache/store", "/vector/add"):
        r = await c.post(path, content=chunks(), headers={"content-type": "application/json"})
        assert_json_error(r, 413)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        # size limits
        ("/ask", {"prompt": "x" * 32_001}),
        ("/cache/store", {"prompt": "x" * 32_001, "response": "r"}),
        ("/cache/search", {"prompt": "q", "top_k": 51}),
        ("/cache/search", {"prompt": "q", "top_k": 0}),
        ("/vector/search", {"text": "q", "top_k": 10_000}),
        ("/v1/chat/completions", {"model": "m", "messages": msgs(1001)}),
        ("/v1/chat/completions", {"model": "m", "messages": []}),
        ("/v1/embeddings", {"model": "m", "input": ["a"] * 257}),
        ("/cache/store", {"prompt": "p", "response": "r", "scope": {f"k{i}": "v" for i in range(17)}}),
        # wrong types
        ("/ask", {"prompt": 123}),
        ("/ask", {"prompt": ["a", "b"]}),
        ("/ask", []),
        ("/v1/chat/completions", {"model": "m", "messages": "hello"}),
        ("/v1/chat/completions", {"model": "m", "messages": [{"role": "wizard", "content": "hi"}]}),
        ("/v1/chat/completions", {"model": "m", "messages": msgs(1), "temperature": "hot"}),
        ("/v1/chat/completions", {"model": {"name": "m"}, "messages": msgs(1)}),
        ("/cache/search", {"embedding": ["a", "b"]}),
        ("/cache/search", {"embedding": [0.0] * 384}),
        ("/cache/search", {"embedding": [1.0] * 3}),
        # invalid thresholds
        ("/ask", {"prompt": "x", "similarity_threshold": 1.5}),
        ("/ask", {"prompt": "x", "similarity_threshold": -0.1}),
        ("/ask", {"prompt": "x", "distance_threshold": 2.5}),
        ("/ask", {"prompt": "x", "similarity_threshold": 0.9, "distance_threshold": 0.1}),
        ("/cache/search", {"prompt": "x", "similarity_threshold": "high"}),
        ("/vector/search", {"text": "x", "threshold": 7}),
        ("/v1/chat/completions", {"model": "m", "messages": msgs(1), "temperature": 5}),
        # unknown fields where they matter: our own request models refuse typos
        ("/ask", {"prompt": "x", "treshold": 0.5}),
        ("/cache/store", {"prompt": "x", "response": "y", "tll": 5}),
        ("/cache/search", {"prompt": "x", "topk": 5}),
        # scope: the tenant is never the client's to set, unknown keys are refused
        ("/ask", {"prompt": "x", "scope": {"tenant": "someone-else"}}),
        ("/cache/store", {"prompt": "x", "response": "y", "scope": {"tenant": "someone-else"}}),
        ("/cache/search", {"prompt": "x", "scope": {"owner": "me"}}),
        # unicode and control characters
        ("/ask", {"prompt": "   \n\t  "}),
        ("/ask", {"prompt": "x", "scope": {"model": "gpt\x00-4o"}}),
        ("/cache/store", {"prompt": "x", "response": "y", "scope": {"namespace": "a\x1bb"}}),
    ],
)
async def test_bad_bodies_get_4xx_json(c: httpx.AsyncClient, path: str, body: object) -> None:
    r = await c.post(path, json=body)
    assert_json_error(r, (400, 422))


@pytest.mark.parametrize(
    "raw",
    [b"{", b'{"prompt": "x"', b"\xff\xfe not json", b'{"prompt": NaN}', b"null", b'"just a string"'],
)
async def test_malformed_json_gets_4xx_json(c: httpx.AsyncClient, raw: bytes) -> None:
    for path in ("/ask", "/v1/chat/completions", "/cache/store"):
        r = await c.post(path, content=raw, headers={"content-type": "application/json"})
        assert_json_error(r, (400, 422))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("x-semcache-threshold", "1.5"),
        ("x-semcache-threshold", "nan"),
        ("x-semcache-threshold", "-inf"),
        ("x-semcache-ttl", "0"),
        ("x-semcache-ttl", "ten"),
        ("cache-control", "max-age=-5"),
        ("x-semcache-namespace", "a b"),
        ("x-semcache-namespace", "x" * 200),
    ],
)
async def test_bad_control_headers_get_4xx_json(c: httpx.AsyncClient, name: str, value: str) -> None:
    r = await c.post("/v1/chat/completions", json={"model": "m", "messages": msgs(1)}, headers={name: value})
    assert_json_error(r, (400, 422))


async def test_bad_query_parameters_get_4xx_json(c: httpx.AsyncClient) -> None:
    assert_json_error(await c.get("/ask/stream", params={"prompt": ""}), 422)
    assert_json_error(await c.get("/ask/stream", params={"prompt": " \t"}), 422)  # was a 500 (found by the fuzzer)
    assert_json_error(await c.get("/ask/stream", params={"prompt": "x" * 32_001}), 422)
    assert_json_error(await c.delete("/cache/entries/not-an-id!"), (400, 422))
    assert_json_error(await c.delete("/cache/clear", params={"tenant": "t" * 65}), 422)


@pytest.mark.parametrize(
    "prompt",
    [
        "Ĉu vi parolas Esperanton? 日本語 العربية 🙂‍↔️",
        "zero\u200bwidth and RTL \u202eoverride",
        "NUL \x00 inside",
        "ﬁ ligature and Å angstrom and ＦＵＬＬＷＩＤＴＨ",
    ],
)
async def test_valid_unicode_prompts_are_answered_stored_and_found(c: httpx.AsyncClient, prompt: str) -> None:
    """Valid Unicode, however unusual, is a prompt like any other: never a 4xx, never a 500."""
    for path, body, ok in (
        ("/v1/chat/completions", {"model": "m", "messages": msgs(1, prompt)}, 200),
        ("/ask", {"prompt": prompt}, 200),
        ("/cache/store", {"prompt": prompt, "response": "ok"}, 201),
        ("/cache/search", {"prompt": prompt}, 200),
        ("/vector/add", {"text": prompt}, 201),
    ):
        r = await c.post(path, content=json.dumps(body, ensure_ascii=True).encode(), headers=JSON)
        assert r.status_code == ok, (path, r.text[:300])
        if path == "/cache/search":
            assert r.json()["hit"] is True and r.json()["match"]["response"] == "ok", r.text[:300]


async def test_a_lone_surrogate_prompt_is_refused_on_every_route(c: httpx.AsyncClient) -> None:
    prompt = "lone surrogate \ud800 here"  # ensure_ascii: it travels as the JSON escape, as a buggy client sends it
    for path, body in (
        ("/v1/chat/completions", {"model": "m", "messages": msgs(1, prompt)}),
        ("/ask", {"prompt": prompt}),
        ("/cache/store", {"prompt": prompt, "response": "ok"}),
        ("/cache/search", {"prompt": prompt}),
        ("/vector/add", {"text": prompt}),
    ):
        r = await c.post(path, content=json.dumps(body, ensure_ascii=True).encode(), headers=JSON)
        assert_json_error(r, 422)
        assert "surrogate" in r.json()["error"]["message"], (path, r.text[:300])


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/chat/completions", {"model": "m", "messages": msgs(1, "lone \ud800")}),
        ("/v1/chat/completions", {"model": "m", "messages": msgs(1), "custom_param": "\udfff"}),
        ("/v1/embeddings", {"model": "m", "input": "lone \ud800"}),
        ("/cache/store", {"prompt": "p", "response": "r", "metadata": {"k": "\ud800"}}),
        ("/cache/store", {"prompt": "p", "response": "r", "metadata": {"\ud800": 1}}),
        ("/vector/add", {"text": "t", "metadata": {"k": ["\udc00"]}}),
    ],
)
async def test_lone_surrogates_are_refused_everywhere(c: httpx.AsyncClient, path: str, body: object) -> None:
    """They once reached Redis (500), the upstream request (502) or the tokenizer (503)."""
    r = await c.post(path, content=json.dumps(body).encode(), headers={"content-type": "application/json"})
    assert_json_error(r, 422)


async def test_escaped_emoji_pairs_are_fine(c: httpx.AsyncClient) -> None:
    body = {"prompt": "Emoji as an escaped pair: 🙂", "response": "ok", "metadata": {"e": "🙂"}}
    raw = json.dumps(body, ensure_ascii=True).encode()
    assert b"\\ud83d\\ude42" in raw
    r = await c.post("/cache/store", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 201 and r.json()["prompt"] == body["prompt"]
