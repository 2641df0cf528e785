"""The backend Container App's probes follow the app's probe contract (api/routes/health.py): liveness and
startup on /health/live, readiness on /health/ready (which stays 200 while Redis is down: the app then
bypasses the cache), each with a timeout above the app's 2 s Redis timeout."""

from __future__ import annotations

import re

from tests.infra.app_settings import REPO_ROOT

APP = (REPO_ROOT / "infra" / "modules" / "backend-app.bicep").read_text()


def _probes() -> dict[str, str]:
    block = APP[APP.index("probes: [") :]
    block = block[: block.index("\n          ]")]
    found = {}
    for body in re.split(r"\n\s*\{\n", block)[1:]:
        kind = re.search(r"type: '(\w+)'", body)
        assert kind, body
        found[kind.group(1)] = body
    return found


def test_each_probe_uses_its_route() -> None:
    probes = _probes()
    assert sorted(probes) == ["Liveness", "Readiness", "Startup"]
    expected = {"Liveness": "/health/live", "Startup": "/health/live", "Readiness": "/health/ready"}
    for kind, path in expected.items():
        assert re.search(rf"httpGet: \{{\s*path: '{path}'", probes[kind]), kind


def test_each_probe_waits_longer_than_the_redis_timeout() -> None:
    for kind, body in _probes().items():
        timeout = re.search(r"timeoutSeconds: (\d+)", body)
        assert timeout and int(timeout.group(1)) >= 5, kind
