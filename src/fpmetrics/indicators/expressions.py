"""The small arithmetic language of numerators and denominators in rule files.

``births_male``, ``births - deaths``, ``abs(births_verified - births_reported)``: field names,
numbers, ``+ - *``, parentheses and ``abs``. Parsed once with :mod:`ast` (never ``eval``),
then evaluated on whole columns.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from fpmetrics.normalise.fields import COUNT_FIELDS

_BINARY = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply}


class ExpressionError(ValueError):
    """A numerator or denominator that does not parse; ``key`` and ``params`` give the
    message in the user's language (:mod:`fpmetrics.i18n`), ``str()`` in English."""

    def __init__(self, key: str, /, **params: object) -> None:
        from fpmetrics.i18n import t

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


MAX_CHARS = 500
"""An expression longer than this is refused before it is parsed (the shipped ones are under
40 characters); Python's parser fails with MemoryError on 100,000 nested operators."""

MAX_DEPTH = 20
"""Operators nested inside each other (``abs(a - b)`` is 3 deep)."""

MAX_CONSTANT = 1e6
MIN_CONSTANT = 1e-6
"""A number in an expression is 0 or between these in size: a factor like 2 or 0.5."""

MAX_COUNT = 1e9
MAX_MAGNITUDE = 1e15
"""With every count at most :data:`MAX_COUNT`, an expression must stay within
:data:`MAX_MAGNITUDE` (below 2**53, where float64 still counts exactly): ``births * 2``
passes, ``births * births`` does not."""


def parse_expression(text: str) -> Expression:
    source = str(text).strip()
    if len(source) > MAX_CHARS:
        raise ExpressionError("rule_expr_too_long", length=len(source), limit=MAX_CHARS)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError("rule_expr_syntax", text=_short(text), detail=exc.msg) from None
    except (RecursionError, MemoryError):  # guarded by MAX_CHARS; kept as a last resort
        raise ExpressionError("rule_expr_too_deep", limit=MAX_DEPTH) from None
    if _depth(tree.body) > MAX_DEPTH:
        raise ExpressionError("rule_expr_too_deep", limit=MAX_DEPTH)
    fields: list[str] = []
    evaluate = _compile(tree.body, fields)
    magnitude = _magnitude(tree.body)
    if not magnitude <= MAX_MAGNITUDE:
        raise ExpressionError(
            "rule_expr_too_large",
            text=_short(text),
            magnitude=f"{magnitude:.3g}",
            count=f"{MAX_COUNT:.0e}",
            limit=f"{MAX_MAGNITUDE:.0e}",
        )
    return Expression(str(text), tuple(dict.fromkeys(fields)), evaluate)


def _short(text: object, limit: int = 60) -> str:
    """An expression as quoted in a message: cut, so that one line stays one line."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _depth(root: ast.AST) -> int:
    """How deep operators nest, counted without recursion (the tree may be deep)."""
    deepest = 0
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _magnitude(node: ast.AST) -> float:
    """The largest size the expression can take with every count at most MAX_COUNT."""
    if isinstance(node, ast.Name):
        return MAX_COUNT
    if isinstance(node, ast.Constant):
        return abs(float(node.value))
    if isinstance(node, ast.BinOp):
        left, right = _magnitude(node.left), _magnitude(node.right)
        return left * right if isinstance(node.op, ast.Mult) else left + right
    if isinstance(node, ast.UnaryOp):
        return _magnitude(node.operand)
    if isinstance(node, ast.Call):
        return _magnitude(node.args[0])
    return math.inf


def _compile(node: ast.AST, fields: list[str]) -> Callable[[Mapping[str, np.ndarray]], object]:
    if isinstance(node, ast.Name):
        if node.id not in COUNT_FIELDS:
            raise ExpressionError("rule_unknown_field", name=node.id)
        fields.append(node.id)
        name = node.id
        return lambda cols: cols[name]
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    ):
        value = node.value
        size = abs(float(value)) if abs(value) < 1e300 else math.inf  # int: no OverflowError
        if value != 0 and not MIN_CONSTANT <= size <= MAX_CONSTANT:
            raise ExpressionError(
                "rule_expr_constant",
                value=_short(value, 24),
                low=f"{MIN_CONSTANT:g}",
                high=f"{MAX_CONSTANT:g}",
            )
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
    raise ExpressionError("rule_expr_not_allowed", text=_short(ast.unparse(node)))
