"""semcache.api.errors: every error body has OpenAI's shape, and an upstream's error keeps its message."""

from __future__ import annotations

import pytest

from semcache.api.errors import error_body, upstream_error_body


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("invalid_request", "invalid_request_error"),
        ("llm_bad_request", "invalid_request_error"),
        ("unauthorized", "authentication_error"),
        ("http_404", "not_found_error"),
        ("llm_rate_limited", "rate_limit_error"),
        ("llm_error", "server_error"),
        ("cache_unavailable", "server_error"),
    ],
)
def test_error_bodies_carry_openais_type(code: str, kind: str) -> None:
    error = error_body(code, "why")["error"]
    assert error == {"message": "why", "type": kind, "param": None, "code": code, "detail": None}


def test_an_upstream_error_in_openais_shape_is_kept_and_others_are_wrapped() -> None:
    openai_shaped = b'{"error": {"message": "bad model", "type": "invalid_request_error", "code": null}}'
    assert upstream_error_body(400, openai_shaped, what="x")["error"] == {
        "message": "bad model",
        "type": "invalid_request_error",
        "code": None,
    }
    wrapped = upstream_error_body(404, b'{"detail": "Not Found"}', what="no /responses")["error"]
    assert isinstance(wrapped, dict) and wrapped["message"] == "no /responses (404): Not Found"
    assert wrapped["type"] == "invalid_request_error"
    text = upstream_error_body(502, b"<html>bad gateway</html>", what="failed")["error"]
    assert isinstance(text, dict) and text["type"] == "server_error" and "bad gateway" in str(text["message"])
