"""A small static model of Bicep files, parsed with tree-sitter-bicep.

No Bicep CLI is needed, so the checks run anywhere. The model is deliberately shallow: declarations,
identifier references, module calls (path, params passed, outputs used) and the object literals that are
container env / secret entries. It is not a type checker; `bicep build` (test_bicep_build.py) is, where
the CLI exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import tree_sitter_bicep
from tree_sitter import Language, Node, Parser

#: Declarations that put a symbol into the file's scope (outputs do not).
_SCOPED_DECLARATIONS = {
    "parameter_declaration": "params",
    "variable_declaration": "variables",
    "resource_declaration": "resources",
    "module_declaration": "modules",
    "type_declaration": "types",
    "user_defined_function": "functions",
}
#: Namespaces that may qualify built-in functions and decorators (`sys.description`, `az.resourceGroup`).
_BUILTIN_NAMESPACES = {"az", "sys"}


@dataclass
class ModuleCall:
    symbol: str
    path: str
    params_passed: set[str]
    line: int


@dataclass
class BicepFile:
    path: Path
    syntax_errors: list[str] = field(default_factory=list)
    params: dict[str, bool] = field(default_factory=dict)  # name -> required (no default, not nullable)
    secure_params: set[str] = field(default_factory=set)
    variables: set[str] = field(default_factory=set)
    resources: set[str] = field(default_factory=set)
    modules: list[ModuleCall] = field(default_factory=list)
    outputs: set[str] = field(default_factory=set)
    declared: set[str] = field(default_factory=set)
    references: dict[str, int] = field(default_factory=dict)  # name -> first line used
    module_output_refs: list[tuple[str, str, int]] = field(default_factory=list)  # (module, output, line)
    resource_types: list[tuple[str, int]] = field(default_factory=list)
    string_pairs: list[tuple[str, str]] = field(default_factory=list)  # object properties 'k': 'v'
    env_entries: list[dict[str, str]] = field(default_factory=list)
    secret_entries: list[dict[str, str]] = field(default_factory=list)


@cache
def _parser() -> Parser:
    return Parser(Language(tree_sitter_bicep.language()))


def _text(node: Node) -> str:
    return node.text.decode() if node.text is not None else ""


def _walk(node: Node) -> Iterator[Node]:
    yield node
    for child in node.children:
        yield from _walk(child)


def _string_value(node: Node | None) -> str | None:
    """The value of a string literal without interpolation, else None."""
    if node is None or node.type != "string":
        return None
    if any(c.type == "interpolation" for c in node.children):
        return None
    return "".join(_text(c) for c in node.children if c.type == "string_content")


def _property_key(prop: Node) -> str:
    """`name: ...` and `'azd-service-name': ...` alike."""
    key = prop.named_children[0]
    quoted = _string_value(key)
    return quoted if quoted is not None else _text(key)


def _property_value(prop: Node) -> Node | None:
    named = prop.named_children
    return named[1] if len(named) > 1 else None


def _object_properties(obj: Node) -> dict[str, Node | None]:
    return {_property_key(p): _property_value(p) for p in obj.named_children if p.type == "object_property"}


def _declaration_body(node: Node) -> Node | None:
    """The object of a resource/module body, also behind `if (...)` (loops are not used in infra/)."""
    for child in node.named_children:
        if child.type == "object":
            return child
        if child.type == "if_statement":
            return next((c for c in child.named_children if c.type == "object"), None)
    return None


def _is_reference(node: Node) -> bool:
    """Whether an `identifier` node reads a symbol (rather than naming a property, function or type)."""
    parent = node.parent
    if parent is None:
        return False
    if parent.type in _SCOPED_DECLARATIONS or parent.type == "output_declaration":
        # The first child names the declaration; a later one is its value (`param b string = a`).
        return bool(parent.named_children[0] != node)
    if parent.type == "type":
        return False
    if parent.type == "object_property" and parent.named_children[0] == node:
        return False
    return not (parent.type == "call_expression" and parent.child_by_field_name("function") == node)


def _collect_entries(model: BicepFile, root: Node) -> None:
    """Container env and secret entries: objects with `name` and `value`/`secretRef`, found under an `env`
    or `secrets` property, or in a variable whose name says which (`baseEnv`, `apiKeySecrets`)."""
    for node in _walk(root):
        if node.type != "object":
            continue
        props = _object_properties(node)
        name = _string_value(props.get("name"))
        if name is None or not ({"value", "secretRef"} & props.keys()):
            continue
        entry = {"name": name}
        if (ref := _string_value(props.get("secretRef"))) is not None:
            entry["secretRef"] = ref
        if (value := props.get("value")) is not None:
            entry["value"] = _text(value)
        kind = _enclosing_kind(node)
        if kind == "env":
            model.env_entries.append(entry)
        elif kind == "secrets":
            model.secret_entries.append(entry)


def _enclosing_kind(node: Node) -> str | None:
    parent = node.parent
    while parent is not None:
        if parent.type == "object_property":
            key = _property_key(parent)
            if key in {"env", "secrets"}:
                return key
        if parent.type == "variable_declaration":
            var = _text(parent.named_children[0]).lower()
            if var.endswith("env"):
                return "env"
            if var.endswith("secrets"):
                return "secrets"
            return None
        parent = parent.parent
    return None


def parse(path: Path) -> BicepFile:
    tree = _parser().parse(path.read_bytes())
    model = BicepFile(path=path)
    for node in _walk(tree.root_node):
        line = node.start_point[0] + 1
        if node.type == "ERROR" or node.is_missing:
            model.syntax_errors.append(f"{path.name}:{line}: cannot parse {_text(node)[:60]!r}")
        elif node.type in _SCOPED_DECLARATIONS:
            _declare(model, node)
        elif node.type == "output_declaration":
            model.outputs.add(_text(node.named_children[0]))
        elif node.type == "identifier" and _is_reference(node):
            model.references.setdefault(_text(node), line)
        elif node.type == "for_statement":
            for var in _walk(node):
                if var.type in {"loop_variable", "loop_enumerator"}:
                    model.declared.add(_text(var))
        elif node.type == "member_expression":
            _module_output_ref(model, node, line)
        elif node.type == "object_property":
            value = _string_value(_property_value(node))
            if value is not None:
                model.string_pairs.append((_property_key(node), value))
    _collect_entries(model, tree.root_node)
    return model


def _declare(model: BicepFile, node: Node) -> None:
    name = _text(node.named_children[0])
    model.declared.add(name)
    kind = _SCOPED_DECLARATIONS[node.type]
    line = node.start_point[0] + 1
    if kind == "params":
        has_default = len(node.named_children) > 2
        nullable = _text(node.named_children[1]).endswith("?")
        model.params[name] = not (has_default or nullable)
        decorators = node.prev_named_sibling
        if decorators is not None and decorators.type == "decorators" and "@secure()" in _text(decorators):
            model.secure_params.add(name)
    elif kind == "variables":
        model.variables.add(name)
    elif kind == "resources":
        model.resources.add(name)
        if (rtype := _string_value(node.named_children[1])) is not None:
            model.resource_types.append((rtype, line))
    elif kind == "modules":
        module_path = _string_value(node.named_children[1]) or ""
        body = _declaration_body(node)
        passed: set[str] = set()
        if body is not None and (params := _object_properties(body).get("params")) is not None:
            passed = set(_object_properties(params)) if params.type == "object" else set()
        model.modules.append(ModuleCall(symbol=name, path=module_path, params_passed=passed, line=line))


def _module_output_ref(model: BicepFile, node: Node, line: int) -> None:
    """Record `<symbol>.outputs.<name>`; which symbols are modules is decided by the caller."""
    obj = node.child_by_field_name("object")
    prop = node.child_by_field_name("property")
    if obj is None or prop is None or obj.type != "member_expression":
        return
    inner_obj = obj.child_by_field_name("object")
    inner_prop = obj.child_by_field_name("property")
    if inner_obj is not None and inner_prop is not None and _text(inner_prop) == "outputs":
        model.module_output_refs.append((_text(inner_obj), _text(prop), line))


def undefined_references(model: BicepFile) -> dict[str, int]:
    return {
        name: line
        for name, line in model.references.items()
        if name not in model.declared and name not in _BUILTIN_NAMESPACES
    }


# --- expression access, for checks that read one declaration's value ------------------------------------


def syntax_tree(source: bytes) -> Node:
    return _parser().parse(source).root_node


def declaration_value(root: Node, kind: str, name: str) -> Node:
    """The value node of `var name = ...` (kind "variable_declaration") or a param's default."""
    for node in root.named_children:
        if node.type == kind and _text(node.named_children[0]) == name:
            return node.named_children[-1]
    raise KeyError(f"no {kind} {name}")


def properties(obj: Node) -> dict[str, Node | None]:
    """An object literal's properties by key."""
    return _object_properties(obj)


def text(node: Node | None) -> str:
    return "" if node is None else _text(node)


def find_property(root: Node, key: str) -> list[Node]:
    """Every value of a property named `key`, anywhere below `root`."""
    return [
        value
        for node in _walk(root)
        if node.type == "object_property" and _property_key(node) == key
        for value in [_property_value(node)]
        if value is not None
    ]
