"""Evaluates the small Bicep expressions that guard a deployment, from the tree-sitter parse.

Enough of the language for guards and defaults: literals, parameters (given, or their defaults), variables,
`!`, `&&`, `||`, `==`, `!=`, `?:`, parentheses and the functions `empty`, `startsWith`, `string` and `fail`.
`fail(msg)` raises BicepFail, as ARM stops the deployment with msg. Anything else raises NotImplementedError:
a guard this cannot read is a test failure, never a silent pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tree_sitter import Node

from tests.infra import bicep_ast

__all__ = ["BicepFail", "Template"]


class BicepFail(Exception):
    """The deployment stops here with this message (Bicep's fail())."""


@dataclass
class Template:
    root: Node
    params: Mapping[str, object]

    @classmethod
    def of(cls, source: bytes, **params: object) -> Template:
        return cls(bicep_ast.syntax_tree(source), params)

    def variable(self, name: str) -> object:
        return self.eval(bicep_ast.declaration_value(self.root, "variable_declaration", name))

    def param(self, name: str) -> object:
        if name in self.params:
            return self.params[name]
        return self.eval(bicep_ast.declaration_value(self.root, "parameter_declaration", name))

    def eval(self, node: Node) -> object:
        kind = node.type
        if kind == "string":
            return bicep_ast._string_value(node)
        if kind == "boolean":
            return bicep_ast.text(node) == "true"
        if kind == "number":
            return int(bicep_ast.text(node))
        if kind == "parenthesized_expression":
            return self.eval(node.named_children[0])
        if kind == "identifier":
            return self._name(bicep_ast.text(node))
        if kind == "unary_expression" and bicep_ast.text(node.children[0]) == "!":
            return not self.eval(node.named_children[0])
        if kind == "binary_expression":
            return self._binary(node)
        if kind == "ternary_expression":
            condition, yes, no = node.named_children
            return self.eval(yes) if self.eval(condition) else self.eval(no)
        if kind == "call_expression":
            return self._call(node)
        if kind in ("object", "array"):
            return bicep_ast.text(node)  # a value, not a guard: its text is enough
        raise NotImplementedError(f"{kind}: {bicep_ast.text(node)[:80]}")

    def _name(self, name: str) -> object:
        try:
            return self.param(name)
        except KeyError:
            return self.variable(name)

    def _binary(self, node: Node) -> object:
        left, op, right = node.children[0], bicep_ast.text(node.children[1]), node.children[2]
        if op == "&&":
            return bool(self.eval(left)) and bool(self.eval(right))
        if op == "||":
            return bool(self.eval(left)) or bool(self.eval(right))
        if op == "==":
            return self.eval(left) == self.eval(right)
        if op == "!=":
            return self.eval(left) != self.eval(right)
        raise NotImplementedError(op)

    def _call(self, node: Node) -> object:
        function = bicep_ast.text(node.named_children[0])
        args = [self.eval(a) for a in node.named_children[1].named_children]
        if function == "fail":
            raise BicepFail(str(args[0]))
        if function == "empty":
            return not args[0]
        if function == "startsWith":
            return str(args[0]).startswith(str(args[1]))
        if function == "string":
            return str(args[0]).lower() if isinstance(args[0], bool) else str(args[0])
        raise NotImplementedError(function)
