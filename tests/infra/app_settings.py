"""The environment variables the app reads, taken from the Settings class in config.py.

Read with `ast` instead of importing the package, so these checks need neither the app's dependencies
nor a working build of it: an alias is any `alias="..."` keyword of a `Field(...)` call in the module.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG_PY = REPO_ROOT / "backend" / "src" / "semcache" / "config.py"

#: Variables that Azure SDKs and OpenTelemetry read by themselves (documented by those projects), which
#: infra may set without a Settings field: azure-identity (AZURE_*), the OpenTelemetry SDK (OTEL_*).
SDK_VARIABLES = frozenset(
    {
        "AZURE_CLIENT_ID",
        "AZURE_TENANT_ID",
        "AZURE_FEDERATED_TOKEN_FILE",
        "AZURE_AUTHORITY_HOST",
        "OTEL_SERVICE_NAME",
        "OTEL_RESOURCE_ATTRIBUTES",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
    }
)


@dataclass(frozen=True)
class Alias:
    name: str
    #: The default as .env.example should spell it; None when it is not a literal (or is None).
    default: str | None
    has_literal_default: bool

    def __str__(self) -> str:  # the pytest id of a parametrized case
        return self.name


def _constants(tree: ast.Module) -> dict[str, object]:
    """Module-level NAME = <literal> assignments (e.g. DEFAULT_SYSTEM_PROMPT)."""
    found: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                found[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return found


def _spell(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _default(call: ast.Call, constants: dict[str, object]) -> tuple[str | None, bool]:
    node = next((kw.value for kw in call.keywords if kw.arg == "default"), None)
    if node is None and call.args:
        node = call.args[0]
    if node is None:
        return None, False
    # Path(".semcache") and friends: the string is what goes into the environment.
    if isinstance(node, ast.Call) and len(node.args) == 1 and isinstance(node.args[0], ast.Constant):
        node = node.args[0]
    if isinstance(node, ast.Name) and node.id in constants:
        return _spell(constants[node.id]), True
    try:
        return _spell(ast.literal_eval(node)), True
    except ValueError:
        return None, False


def aliases() -> dict[str, Alias]:
    tree = ast.parse(CONFIG_PY.read_text())
    constants = _constants(tree)
    found: dict[str, Alias] = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Field"):
            continue
        alias = next((kw.value for kw in node.keywords if kw.arg == "alias"), None)
        if isinstance(alias, ast.Constant) and isinstance(alias.value, str):
            default, literal = _default(node, constants)
            found[alias.value] = Alias(alias.value, default, literal)
    return found
