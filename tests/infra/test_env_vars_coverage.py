"""Every variable infra and compose set is one the app reads (config.py) or an SDK reads, every secret
referenced exists, and .env.example documents every variable with its real default."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from tests.infra import bicep_ast
from tests.infra.app_settings import REPO_ROOT, SDK_VARIABLES, Alias, aliases
from tests.infra.dockerfile_model import env_names

#: Set in the image for Python and pip themselves.
RUNTIME_VARIABLES = {"PATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "PIP_DISABLE_PIP_VERSION_CHECK"}

ENV_EXAMPLE = REPO_ROOT / ".env.example"
_ASSIGNMENT = re.compile(r"^#?\s?([A-Z][A-Z0-9_]*)=(.*)$")


def _known() -> set[str]:
    return set(aliases()) | SDK_VARIABLES


def _bicep_models() -> list[bicep_ast.BicepFile]:
    return [bicep_ast.parse(p) for p in sorted((REPO_ROOT / "infra").rglob("*.bicep"))]


def _env_example() -> dict[str, str]:
    found: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if (match := _ASSIGNMENT.match(line.strip())) is not None:
            found.setdefault(match.group(1), match.group(2).strip())
    return found


def test_config_has_aliases() -> None:
    assert {"REDIS_URL", "PORT", "AZURE_OPENAI_ENDPOINT"} <= set(aliases())


def test_container_app_env_is_read_by_the_app() -> None:
    names = {e["name"] for m in _bicep_models() for e in m.env_entries}
    assert names, "no container env found in infra/"
    assert sorted(names - _known()) == []


def test_container_app_secret_refs_exist() -> None:
    for model in _bicep_models():
        secrets = {s["name"] for s in model.secret_entries}
        refs = {e["secretRef"] for e in model.env_entries if "secretRef" in e}
        assert sorted(refs - secrets) == [], model.path.name


def test_secure_params_reach_containers_only_as_secrets() -> None:
    # A @secure() param in a plain env `value:` shows in the portal and in `az containerapp show`.
    for model in _bicep_models():
        plain = {e["value"] for e in model.env_entries if "value" in e}
        assert sorted(plain & model.secure_params) == [], model.path.name


def test_compose_backend_env_is_read_by_the_app() -> None:
    compose: dict[str, Any] = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    names = set(compose["services"]["backend"].get("environment", {}))
    assert sorted(names - _known()) == []


def test_image_env_is_read_by_the_app_or_python() -> None:
    names = env_names() - RUNTIME_VARIABLES
    assert sorted(names - _known()) == []


def test_env_example_lists_every_variable() -> None:
    assert sorted(set(aliases()) - _env_example().keys()) == []


def test_env_example_lists_nothing_stale() -> None:
    extra = _env_example().keys() - set(aliases())
    assert sorted(extra) == []


@pytest.mark.parametrize("alias", sorted(aliases().values(), key=str), ids=str)
def test_env_example_shows_the_real_default(alias: Alias) -> None:
    documented = _env_example().get(alias.name)
    if documented is None or not alias.has_literal_default:
        pytest.skip("not listed, or no literal default")
    expected = alias.default or ""
    try:
        assert float(documented) == float(expected)
    except ValueError:
        assert documented == expected
