import json
import logging

import pytest
from pydantic import ValidationError

from semcache.config import Settings
from semcache.logs import JsonFormatter, configure, request_id
from semcache.telemetry import otel


def test_azure_monitor_is_not_configured_without_a_connection_string() -> None:
    assert otel.configure_if_set(Settings(_env_file=None)) is False
    assert otel.configure_if_set(Settings(_env_file=None, APPLICATIONINSIGHTS_CONNECTION_STRING="  ")) is False


def test_json_log_lines_carry_the_request_id_and_extras() -> None:
    token = request_id.set("rid-1")
    try:
        record = logging.makeLogRecord(
            {"name": "x", "levelname": "INFO", "msg": "hello %s", "args": ("you",), "duration_ms": 1.5}
        )
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id.reset(token)
    assert line["msg"] == "hello you" and line["request_id"] == "rid-1" and line["duration_ms"] == 1.5


def test_log_level_is_semcache_s_own_and_libraries_speak_from_warning_up(capsys: pytest.CaptureFixture[str]) -> None:
    root, ours = logging.getLogger(), logging.getLogger("semcache")
    saved = (root.handlers[:], root.level, ours.level)
    try:
        configure("info")
        logging.getLogger("httpx2").info("HTTP Request: POST http://127.0.0.1/v1/chat/completions")
        logging.getLogger("semcache.runtime").info("ready")
        logging.getLogger("httpx2").warning("retrying")
        err = capsys.readouterr().err
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        ours.setLevel(saved[2])
    assert [json.loads(line)["msg"] for line in err.splitlines()] == ["ready", "retrying"]


def test_an_unknown_log_level_is_a_settings_error() -> None:
    with pytest.raises(ValidationError, match="LOG_LEVEL must be one of"):
        Settings(_env_file=None, LOG_LEVEL="LOUD")
