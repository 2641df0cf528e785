"""The route floor only parses and frames: no route module imports another, and none reaches into the
service's settings or LLM (what a route needs of them comes from intake, a dependency or a service method).

Read from the source, like test_public_surface: the walk runs no route code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import semcache.api.routes

ROUTES = Path(semcache.api.routes.__file__).parent
MODULES = sorted(p for p in ROUTES.glob("*.py") if p.name != "__init__.py")
PACKAGE = "semcache.api.routes"
SERVICE_TYPES = ("ServiceDep", "CompletionService")
FORBIDDEN_ON_SERVICE = {"settings", "llm"}


def route_imports(tree: ast.Module) -> list[str]:
    """Every import of a route module (absolute or relative), as written."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name == PACKAGE or a.name.startswith(PACKAGE + ".")]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level > 0 or module == PACKAGE or module.startswith(PACKAGE + "."):
                found.append("." * node.level + module + ":" + ",".join(a.name for a in node.names))
    return found


def _service_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    args = [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs]
    return {
        a.arg for a in args if a.annotation is not None and any(t in ast.unparse(a.annotation) for t in SERVICE_TYPES)
    } | {"service"}


def service_reaches(tree: ast.Module) -> list[str]:
    """`<service>.settings` / `<service>.llm` anywhere, where <service> is a parameter typed as the service
    (or any name called `service`), reads included (`getattr(service, "llm")` too)."""
    found = []
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    for function in functions:
        names = _service_names(function)
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in FORBIDDEN_ON_SERVICE
                and isinstance(node.value, ast.Name)
                and node.value.id in names
            ) or (
                isinstance(node, ast.Call)
                and ast.unparse(node.func) == "getattr"
                and len(node.args) >= 2
                and isinstance(node.args[0], ast.Name)
                and node.args[0].id in names
                and isinstance(node.args[1], ast.Constant)
                and node.args[1].value in FORBIDDEN_ON_SERVICE
            ):
                found.append(f"{function.name}:{node.lineno} {ast.unparse(node)}")
    return found


def test_the_walk_finds_what_it_forbids() -> None:
    planted = ast.parse(
        "from semcache.api.routes.cache import scope_for\n"
        "from . import openai\n"
        "import semcache.api.routes.ask\n"
        "async def route(body: X, svc: ServiceDep) -> None:\n"
        "    svc.settings.cache_ttl\n"
        "    await svc.llm.ping()\n"
        "    getattr(svc, 'llm')\n"
        "def helper(service: CompletionService) -> None:\n"
        "    service.llm.model\n"
    )
    assert len(route_imports(planted)) == 3
    assert len(service_reaches(planted)) == 4
    clean = ast.parse("from semcache.api.deps import LLMDep\nasync def r(llm: LLMDep) -> None:\n    llm.model\n")
    assert route_imports(clean) == [] and service_reaches(clean) == []


def test_the_walk_covers_the_routes() -> None:
    names = {p.stem for p in MODULES}
    assert {"ask", "openai", "responses", "cache", "entries", "vector", "health", "pages", "calculator"} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_no_route_imports_another_route(path: Path) -> None:
    assert route_imports(ast.parse(path.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_no_route_reads_the_service_settings_or_llm(path: Path) -> None:
    assert service_reaches(ast.parse(path.read_text(encoding="utf-8"))) == []
