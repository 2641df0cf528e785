"""Module calls match the modules: files exist, params agree, outputs used exist; the parameters file
matches main.bicep."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.infra import bicep_ast
from tests.infra.app_settings import REPO_ROOT

INFRA = REPO_ROOT / "infra"
CALLERS = sorted(p for p in INFRA.rglob("*.bicep") if bicep_ast.parse(p).modules)


def _id(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT))


def _module_problems(caller: Path) -> list[str]:
    model = bicep_ast.parse(caller)
    problems: list[str] = []
    modules = {m.symbol: m for m in model.modules}
    for call in model.modules:
        target = caller.parent / call.path
        if not target.is_file():
            problems.append(f"line {call.line}: module {call.symbol}: no file {call.path}")
            continue
        declared = bicep_ast.parse(target).params
        if unknown := call.params_passed - declared.keys():
            problems.append(f"line {call.line}: {call.symbol} passes undeclared params {sorted(unknown)}")
        required = {name for name, is_required in declared.items() if is_required}
        if missing := required - call.params_passed:
            problems.append(f"line {call.line}: {call.symbol} misses required params {sorted(missing)}")
    for symbol, output, line in model.module_output_refs:
        if symbol in modules:
            outputs = bicep_ast.parse(caller.parent / modules[symbol].path).outputs
            if output not in outputs:
                problems.append(f"line {line}: {symbol}.outputs.{output} is not an output of the module")
    return problems


def test_main_calls_modules() -> None:
    assert INFRA / "main.bicep" in CALLERS


@pytest.mark.parametrize("caller", CALLERS, ids=_id)
def test_module_calls_match_the_modules(caller: Path) -> None:
    assert _module_problems(caller) == []


def test_parameters_file_matches_main() -> None:
    params = bicep_ast.parse(INFRA / "main.bicep").params
    given = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]
    assert sorted(given.keys() - params.keys()) == [], "parameters-file keys that main.bicep lacks"
    required = {name for name, is_required in params.items() if is_required}
    assert sorted(required - given.keys()) == [], "required params the parameters file does not set"


def test_parameters_file_takes_azd_environment() -> None:
    given = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]
    assert given["environmentName"]["value"] == "${AZURE_ENV_NAME}"
    assert given["location"]["value"] == "${AZURE_LOCATION}"
    for name, entry in given.items():
        value = entry.get("value")
        if isinstance(value, str) and "$" in value:
            assert re.fullmatch(r"\$\{[A-Z][A-Z0-9_]*(=[^}]*)?\}", value), f"{name}: {value}"


def test_outputs_azd_expects() -> None:
    outputs = bicep_ast.parse(INFRA / "main.bicep").outputs
    expected = {"AZURE_CONTAINER_REGISTRY_ENDPOINT", "BACKEND_URI", "REDIS_HOST", "AZURE_OPENAI_ENDPOINT"}
    assert expected <= outputs


def test_the_checker_sees_mismatched_module_calls(tmp_path: Path) -> None:
    (tmp_path / "mod.bicep").write_text("param needed string\nparam optional int = 1\noutput out string = needed\n")
    (tmp_path / "main.bicep").write_text(
        "module m 'mod.bicep' = {\n  name: 'm'\n  params: {\n    optional: 2\n    typo: 'x'\n  }\n}\n"
        "output o string = m.outputs.nope\n"
    )
    problems = " ".join(_module_problems(tmp_path / "main.bicep"))
    assert "typo" in problems and "needed" in problems and "nope" in problems
