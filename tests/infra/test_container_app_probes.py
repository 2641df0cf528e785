"""The backend Container App's probes follow the app's probe contract (api/routes/health.py): liveness and
startup on /health/live, readiness on /health/ready (which stays 200 while Redis is down: the app then
bypasses the cache), each with a timeout above the app's 2 s Redis timeout.

And the first revision is healthy: the placeholder image serves until the first `azd deploy`, which swaps
only the image, so the placeholder must listen on the port the ingress and the probes use (the app's port,
kept after the swap). It has no HTTP probes of its own (Container Apps then probes that port over TCP)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tree_sitter import Node

from tests.infra import bicep_ast
from tests.infra.app_settings import REPO_ROOT

APP = REPO_ROOT / "infra" / "modules" / "backend-app.bicep"


def _probes(root: Node) -> dict[str, dict[str, str]]:
    found = {}
    for item in bicep_ast.declaration_value(root, "variable_declaration", "appProbes").named_children:
        props = bicep_ast.properties(item)
        get = bicep_ast.properties(props["httpGet"]) if props.get("httpGet") is not None else {}  # type: ignore[arg-type]
        found[bicep_ast.text(props["type"]).strip("'")] = {
            "path": bicep_ast.text(get.get("path")).strip("'"),
            "port": bicep_ast.text(get.get("port")),
            "timeout": bicep_ast.text(props.get("timeoutSeconds")),
        }
    return found


def check_ports(source: bytes) -> None:
    """The placeholder's port, the ingress target port and every probe port are one and the same."""
    root = bicep_ast.syntax_tree(source)
    placeholder = bicep_ast.properties(bicep_ast.declaration_value(root, "variable_declaration", "placeholder"))
    port = bicep_ast.text(placeholder["port"])
    (target,) = bicep_ast.find_property(root, "targetPort")
    assert bicep_ast.text(target) == port, f"ingress targetPort {bicep_ast.text(target)} != placeholder port {port}"
    for kind, probe in _probes(root).items():
        assert probe["port"] == port, f"{kind} probe port {probe['port']} != placeholder port {port}"
    # The placeholder is told that port in the variable it reads, on the placeholder revision only.
    assert bicep_ast.text(placeholder["portVariable"]) == "'ASPNETCORE_HTTP_PORTS'"
    env = bicep_ast.declaration_value(root, "variable_declaration", "placeholderEnv")
    (entry,) = env.named_children
    assert bicep_ast.text(bicep_ast.properties(entry)["value"]) == "string(placeholder.port)"
    (probes,) = bicep_ast.find_property(root, "probes")
    assert bicep_ast.text(probes) == "exists ? appProbes : []", "the placeholder has no /health/*: no HTTP probes"
    assert "placeholderEnv" in bicep_ast.text(bicep_ast.find_property(root, "env")[0])


def test_each_probe_uses_its_route() -> None:
    probes = _probes(bicep_ast.syntax_tree(APP.read_bytes()))
    assert sorted(probes) == ["Liveness", "Readiness", "Startup"]
    expected = {"Liveness": "/health/live", "Startup": "/health/live", "Readiness": "/health/ready"}
    assert {kind: probe["path"] for kind, probe in probes.items()} == expected


def test_each_probe_waits_longer_than_the_redis_timeout() -> None:
    for kind, probe in _probes(bicep_ast.syntax_tree(APP.read_bytes())).items():
        assert int(probe["timeout"]) >= 5, kind


def test_the_placeholder_answers_on_the_probed_port() -> None:
    check_ports(APP.read_bytes())


def test_a_placeholder_on_another_port_fails_the_check(tmp_path: Path) -> None:
    # What the template had before: an image listening on 80 while ingress and probes used the app's port.
    broken = APP.read_text().replace("  port: appPort\n  portVariable", "  port: 80\n  portVariable")
    assert broken != APP.read_text()
    with pytest.raises(AssertionError, match="placeholder port 80"):
        check_ports(broken.encode())
