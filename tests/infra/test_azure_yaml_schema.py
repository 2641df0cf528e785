"""azure.yaml: valid against azd's schema, and its paths resolve the way azd resolves them."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import yaml

from tests.infra import bicep_ast
from tests.infra.app_settings import REPO_ROOT
from tests.support.shared import require_shared


def _azure_yaml() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REPO_ROOT / "azure.yaml").read_text())
    return data


def test_matches_the_azd_schema() -> None:
    schema = json.loads(require_shared("schemas/azure.yaml.schema.v1.offline.json").read_text())
    validator = jsonschema.Draft201909Validator(schema)
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(_azure_yaml())]
    assert not errors, errors


def test_backend_service_is_a_container_app() -> None:
    backend = _azure_yaml()["services"]["backend"]
    assert backend["host"] == "containerapp"
    assert (REPO_ROOT / backend["project"]).is_dir()


def test_docker_paths_resolve_relative_to_the_service() -> None:
    # azd runs `docker build -f <path> <context>` in the service directory (project).
    backend = _azure_yaml()["services"]["backend"]
    project = (REPO_ROOT / backend["project"]).resolve()
    docker = backend["docker"]
    assert (project / docker["path"]).resolve() == (REPO_ROOT / "backend" / "Dockerfile").resolve()
    context = (project / docker["context"]).resolve()
    assert context == REPO_ROOT, "the context must be the repo root: the image copies frontend/"
    assert (context / "frontend").is_dir()


def test_infra_module_exists() -> None:
    infra = _azure_yaml().get("infra", {})
    main = REPO_ROOT / infra.get("path", "infra") / f"{infra.get('module', 'main')}.bicep"
    assert main.is_file()
    assert main.with_suffix(".parameters.json").is_file()


def test_a_container_app_carries_each_service_tag() -> None:
    # azd finds the deploy target by the azd-service-name tag; a typo means `azd deploy` finds nothing.
    tagged = {
        value
        for path in (REPO_ROOT / "infra").rglob("*.bicep")
        for key, value in bicep_ast.parse(path).string_pairs
        if key == "azd-service-name"
    }
    assert set(_azure_yaml()["services"]) <= tagged
