"""calibration/ is offline: no module of the served package imports it (the CLI loads it by name for
`semcache eval` / `semcache calibrate`). Read from the source: the walk imports nothing."""

from __future__ import annotations

import ast
from pathlib import Path

import semcache

PACKAGE = Path(semcache.__file__).parent


def _imports(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def test_nothing_outside_calibration_imports_it() -> None:
    served = [p for p in PACKAGE.rglob("*.py") if "calibration" not in p.relative_to(PACKAGE).parts]
    assert len(served) > 50
    offenders = {
        str(p.relative_to(PACKAGE))
        for p in served
        if any(
            n == "semcache.calibration" or n.startswith("semcache.calibration.")
            for n in _imports(ast.parse(p.read_text()))
        )
    }
    assert not offenders


def test_the_old_quality_package_is_gone() -> None:
    assert not (PACKAGE / "quality").exists()
