"""Structured JSON logs carrying the request id. Secrets are never passed to loggers; prompts only
when LOG_PROMPTS=true."""

from __future__ import annotations

import contextvars
import json
import logging
import time

__all__ = ["JsonFormatter", "configure", "request_id"]

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
# uvicorn adds an ANSI-coloured copy of each message; the plain one is enough in JSON.
_RESERVED = set(vars(logging.makeLogRecord({}))) | {"color_message"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = request_id.get()
        if rid:
            data["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_") and key not in data:
                data[key] = value
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str, ensure_ascii=False)


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    # LOG_LEVEL is semcache's own; libraries speak from WARNING up. Their INFO is per-call chatter
    # (httpx/httpx2 log every upstream request URL, onnxruntime's quantizer every tensor) that buries ours.
    semcache = logging.getLevelNamesMapping()[level.upper()]
    root.setLevel(max(semcache, logging.WARNING))
    logging.getLogger("semcache").setLevel(semcache)
    logging.Formatter.converter = time.gmtime
