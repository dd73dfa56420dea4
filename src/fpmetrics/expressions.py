"""The small arithmetic language of numerators and denominators in rule files.

``births_male``, ``births - deaths``, ``abs(births_verified - births_reported)``: field names,
numbers, ``+ - *``, parentheses and ``abs``. Parsed once with :mod:`ast` (never ``eval``),
then evaluated on whole columns.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from .fields import COUNT_FIELDS

_BINARY = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply}


class ExpressionError(ValueError):
    """A numerator or denominator that does not parse; ``key`` and ``params`` give the
    message in the user's language (:mod:`fpmetrics.i18n`), ``str()`` in English."""

    def __init__(self, key: str, /, **params: object) -> None:
        from .i18n import t

        super().__init__(t(key, "en", **params))
        self.key = key
        self.params = params


@dataclass(frozen=True)
class Expression:
    text: str
    fields: tuple[str, ...]
    _evaluate: Callable[[Mapping[str, np.ndarray]], np.ndarray]

    def evaluate(self, columns: Mapping[str, np.ndarray]) -> np.ndarray:
        return self._evaluate(columns)


def parse_expression(text: str) -> Expression:
    try:
        tree = ast.parse(str(text).strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError("rule_expr_syntax", text=text, detail=exc.msg) from None
    fields: list[str] = []
    evaluate = _compile(tree.body, fields)
    return Expression(str(text), tuple(dict.fromkeys(fields)), evaluate)


def _compile(node: ast.AST, fields: list[str]) -> Callable[[Mapping[str, np.ndarray]], object]:
    if isinstance(node, ast.Name):
        if node.id not in COUNT_FIELDS:
            raise ExpressionError("rule_unknown_field", name=node.id)
        fields.append(node.id)
        name = node.id
        return lambda cols: cols[name]
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        value = node.value
        return lambda cols: value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        op = _BINARY[type(node.op)]
        left, right = _compile(node.left, fields), _compile(node.right, fields)
        return lambda cols: op(left(cols), right(cols))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _compile(node.operand, fields)
        return lambda cols: np.negative(inner(cols))
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "abs"
        and len(node.args) == 1
        and not node.keywords
    ):
        inner = _compile(node.args[0], fields)
        return lambda cols: np.abs(inner(cols))
    raise ExpressionError("rule_expr_not_allowed", text=ast.unparse(node))
