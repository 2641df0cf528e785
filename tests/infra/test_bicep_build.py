"""The real compiler, where it exists: `bicep build` type-checks every resource against its schema."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.infra.app_settings import REPO_ROOT


def test_bicep_build() -> None:
    bicep = shutil.which("bicep")
    if bicep is None:
        pytest.skip("no `bicep` CLI on PATH (the tree-sitter checks still ran)")
    result = subprocess.run(
        [bicep, "build", "--stdout", str(REPO_ROOT / "infra" / "main.bicep")],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    # Schema mismatches are only warnings for bicep: unknown property (BCP037), wrong type or value
    # (BCP036, BCP088), missing required property (BCP035), read-only property set (BCP073).
    schema_warnings = re.findall(r"^.*Warning (?:BCP035|BCP036|BCP037|BCP073|BCP088):.*$", result.stderr, re.MULTILINE)
    assert schema_warnings == []
