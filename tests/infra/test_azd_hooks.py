"""infra/hooks/ensure-keys.sh: `azd up` never deploys an open API.

azd itself is not installed here; a stand-in `azd` on PATH records `azd env set NAME VALUE` the way azd
stores it (one NAME="VALUE" line in the environment's .env), which is all the hook calls.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from semcache.auth import parse_pairs
from tests.infra.app_settings import REPO_ROOT

HOOK = REPO_ROOT / "infra" / "hooks" / "ensure-keys.sh"


def _run(tmp_path: Path, **env: str) -> tuple[dict[str, str], str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    store = tmp_path / ".env"
    stub = bin_dir / "azd"
    stub.write_text(f'#!/bin/sh\n[ "$1 $2" = "env set" ] || exit 2\nprintf \'%s="%s"\\n\' "$3" "$4" >> {store}\n')
    stub.chmod(0o755)
    base = {k: v for k, v in os.environ.items() if not k.startswith("SEMCACHE_")}
    result = subprocess.run(
        ["sh", str(HOOK)],
        env={**base, "PATH": f"{bin_dir}:{base['PATH']}", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    values = {}
    if store.exists():
        for line in store.read_text().splitlines():
            name, _, value = line.partition("=")
            values[name] = value.strip('"')
    return values, result.stdout


@pytest.mark.skipif(shutil.which("sh") is None or shutil.which("od") is None, reason="needs a POSIX shell")
def test_missing_keys_are_generated_as_valid_secrets(tmp_path: Path) -> None:
    values, out = _run(tmp_path)
    keys = parse_pairs(values["SEMCACHE_API_KEYS"])  # the app's own parser accepts it
    ((key, tenant),) = keys.items()
    assert tenant == "default" and len(key) >= 64
    assert len(values["SEMCACHE_ADMIN_KEY"]) == 64
    assert key not in out and values["SEMCACHE_ADMIN_KEY"] not in out  # secrets never reach the log
    assert "azd env get-value SEMCACHE_API_KEYS" in out
    again, _ = _run(tmp_path / "second")  # a second environment gets different keys
    assert again["SEMCACHE_API_KEYS"] != values["SEMCACHE_API_KEYS"]


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_keys_the_user_set_are_kept(tmp_path: Path) -> None:
    values, _ = _run(tmp_path, SEMCACHE_API_KEYS="my-own-key-123=acme", SEMCACHE_ADMIN_KEY="my-admin-key-456")
    assert values == {}


def test_azure_yaml_runs_the_hook_before_provisioning() -> None:
    hooks = yaml.safe_load((REPO_ROOT / "azure.yaml").read_text())["hooks"]["preprovision"]
    assert hooks["posix"]["run"] == "./infra/hooks/ensure-keys.sh"
    assert hooks["windows"]["run"] == "./infra/hooks/ensure-keys.ps1"
    assert (REPO_ROOT / hooks["windows"]["run"]).is_file()
    params = (REPO_ROOT / "infra" / "main.parameters.json").read_text()
    assert "${SEMCACHE_API_KEYS" in params and "${SEMCACHE_ADMIN_KEY" in params
