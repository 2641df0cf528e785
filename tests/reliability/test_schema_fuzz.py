"""Fuzz every operation of our OpenAPI document with schemathesis (valid and invalid inputs, generated
by Hypothesis from the schema) against a live service on loopback: no request may produce a 500, and
every error body is our JSON error."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="pip install -r tests/reliability/requirements.txt")

from hypothesis import HealthCheck, given, settings  # noqa: E402 - after the importorskip on purpose
from hypothesis import strategies as st  # noqa: E402

from semcache.main import create_app  # noqa: E402
from tests.reliability.conftest import standalone_service  # noqa: E402
from tests.support.live import LiveServer  # noqa: E402

#: 5xx we accept: the scripted upstream refusing a fuzzed body (502) or Redis/embedder trouble (503).
#: A 500 is never acceptable: it means an input reached code that did not expect it.
ALLOWED_5XX = {"llm_error", "llm_timeout", "cache_unavailable", "embedding_unavailable"}
# The document as the app builds it (no I/O: create_app only assembles routes). Driven by hand rather
# than through schemathesis' pytest plugin, whose fixture support does not run on pytest 9.
DOCUMENT = create_app().openapi()
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
OPERATIONS = {f"{op.method.upper()} {op.path}": op for op in (r.ok() for r in SCHEMA.get_all_operations())}
POSITIVE, NEGATIVE = schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE


def spoilable(path: str, method: str) -> bool:
    """Invalid input needs an input to spoil: a body, or a query/header parameter (any string is a
    valid path segment, so a path parameter alone cannot be made invalid)."""
    spec = DOCUMENT["paths"][path][method.lower()]
    return "requestBody" in spec or any(p["in"] != "path" for p in spec.get("parameters", []))


CASES = [
    (label, mode)
    for label, op in sorted(OPERATIONS.items())
    for mode in (POSITIVE, NEGATIVE)
    if mode is POSITIVE or spoilable(op.path, op.method)
]


@pytest.fixture(scope="module")
def fuzz_target(redis_url: str) -> Iterator[LiveServer]:
    with standalone_service(redis_url, LLM_TIMEOUT_S=5) as (server, _):
        yield server


def check(case: Any, base_url: str) -> None:
    response = case.call(base_url=base_url, timeout=30)
    where = f"{case.method} {case.formatted_path} {case.body!r:.200} -> {response.status_code}: {response.text[:300]}"
    assert response.status_code != 500, where
    if response.status_code >= 400:  # every error, whatever raised it, is our JSON error body
        # schemathesis gives each header as a list of values (so `"json" in` it once matched nothing)
        content_type = response.headers.get("content-type") or [""]
        assert content_type[0].startswith("application/json"), where
        error = response.json().get("error")
        assert isinstance(error, dict) and isinstance(error.get("code"), str), where
        if response.status_code >= 500:
            assert error["code"] in ALLOWED_5XX, where


@pytest.mark.parametrize(("label", "mode"), CASES, ids=[f"{label} {mode.value}" for label, mode in CASES])
def test_no_input_makes_a_500(fuzz_target: LiveServer, label: str, mode: Any) -> None:
    strategy = OPERATIONS[label].as_strategy(generation_mode=mode)

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        check(data.draw(strategy), fuzz_target.url)

    run()
