"""One exception hierarchy; `api/errors.py` turns it into HTTP responses with a JSON body."""

from __future__ import annotations

__all__ = [
    "AuthError",
    "BadRequestError",
    "CacheFullError",
    "CacheLoadingError",
    "CacheUnavailableError",
    "EmbeddingError",
    "ForbiddenError",
    "InvalidInputError",
    "LLMBadRequestError",
    "LLMError",
    "LLMRateLimitError",
    "LLMTimeoutError",
    "LaunchError",
    "NotFoundError",
    "RateLimitedError",
    "SemcacheError",
    "status_for",
]


class SemcacheError(Exception):
    """Base of every error semcache raises on purpose."""

    status_code = 500
    code = "internal_error"

    def __init__(self, message: str, *, detail: object = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class BadRequestError(SemcacheError):
    status_code = 400
    code = "bad_request"


class NotFoundError(SemcacheError):
    status_code = 404
    code = "not_found"


class AuthError(SemcacheError):
    status_code = 401
    code = "unauthorized"


class ForbiddenError(SemcacheError):
    status_code = 403
    code = "forbidden"


class RateLimitedError(SemcacheError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class CacheUnavailableError(SemcacheError):
    """Redis or the index cannot be used; callers degrade to the LLM alone."""

    status_code = 503
    code = "cache_unavailable"


class CacheLoadingError(CacheUnavailableError):
    """Redis is loading its data (or the index is being rebuilt); the cache is used again once it is done."""

    code = "cache_loading"


class CacheFullError(CacheUnavailableError):
    """Redis refused a write for lack of memory (maxmemory with noeviction); reads still work."""

    code = "cache_full"


class EmbeddingError(SemcacheError):
    status_code = 503
    code = "embedding_unavailable"


class LLMError(SemcacheError):
    """The upstream LLM failed; `status_code` says how we answer our own client."""

    status_code = 502
    code = "llm_error"


class LLMTimeoutError(LLMError):
    status_code = 504
    code = "llm_timeout"


class LLMRateLimitError(LLMError):
    status_code = 429
    code = "llm_rate_limited"


class LLMBadRequestError(LLMError):
    status_code = 400
    code = "llm_bad_request"


def status_for(code: str) -> int:
    """The HTTP status of an error code, read off the hierarchy (an unknown code is an upstream failure: 502)."""
    for cls in _subclasses(SemcacheError):
        if cls.code == code:
            return cls.status_code
    return LLMError.status_code


def _subclasses(cls: type[SemcacheError]) -> list[type[SemcacheError]]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


class LaunchError(SemcacheError):
    """An embedded process (Redis, the local LLM server) could not be started."""

    code = "launch_error"


class InvalidInputError(SemcacheError):
    """Well-formed JSON whose values we cannot accept (a forbidden scope key, wrong vector size...)."""

    status_code = 422
    code = "invalid_request"
