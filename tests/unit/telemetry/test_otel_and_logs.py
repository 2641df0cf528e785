import json
import logging

from semcache.config import Settings
from semcache.logs import JsonFormatter, request_id
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
