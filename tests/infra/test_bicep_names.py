"""Every Bicep file parses, and every name it uses is declared (and every param/var is used)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.infra import bicep_ast
from tests.infra.app_settings import REPO_ROOT

BICEP_FILES = sorted((REPO_ROOT / "infra").rglob("*.bicep"))


def _id(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT))


def test_there_is_infra() -> None:
    assert REPO_ROOT / "infra" / "main.bicep" in BICEP_FILES


@pytest.mark.parametrize("path", BICEP_FILES, ids=_id)
def test_parses_without_syntax_errors(path: Path) -> None:
    assert bicep_ast.parse(path).syntax_errors == []


@pytest.mark.parametrize("path", BICEP_FILES, ids=_id)
def test_no_undefined_names(path: Path) -> None:
    assert bicep_ast.undefined_references(bicep_ast.parse(path)) == {}


@pytest.mark.parametrize("path", BICEP_FILES, ids=_id)
def test_no_unused_params_or_variables(path: Path) -> None:
    # An unused param is usually a value that was meant to be wired somewhere and is not.
    model = bicep_ast.parse(path)
    unused = sorted((set(model.params) | model.variables) - set(model.references))
    assert unused == []


@pytest.mark.parametrize("path", BICEP_FILES, ids=_id)
def test_resource_api_versions_are_stable(path: Path) -> None:
    for rtype, line in bicep_ast.parse(path).resource_types:
        _, _, version = rtype.partition("@")
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", version), f"line {line}: {rtype} is not a GA API version"


def test_the_checker_sees_undefined_names(tmp_path: Path) -> None:
    # Guards the guard: a checker that never finds anything would pass the tests above.
    bad = tmp_path / "bad.bicep"
    bad.write_text("param used string\nvar x = '${used}-${missing}'\noutput o string = x\n")
    assert bicep_ast.undefined_references(bicep_ast.parse(bad)) == {"missing": 2}
