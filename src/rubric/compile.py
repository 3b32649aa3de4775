"""Stage 5: turn checked expressions into programs that run on simpleeval, and plan the order.

simpleeval walks a syntax tree with a table from node type to handler. Here that table holds
only the handlers of the node types the checker allows, the operators are exact-decimal ones
that refuse mixed types, the functions are the language's own (simpleeval's `rand`, `randint`,
`int`, `float` and `str` are gone), and number literals are replaced by exact `Decimal`s taken
from their source text. Trees are parsed once at load; running a program never parses text.

A compiled rubric holds only frozen dataclasses, tuples and syntax trees: it is immutable after
load, shares nothing mutable between evaluations, and pickles.
"""

from __future__ import annotations

import ast
import copy
import decimal
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import simpleeval

from . import language
from .check import CheckedExpression, CheckedTemplate, CheckResult
from .errors import Diagnostic, Location
from .language import EvalFailure, describe_value
from .limits import DEFAULT_LIMITS, Limits
from .model import ItemsRule, MatchRule, RubricModel
from .source import Path

Value = Decimal | bool | str | tuple[Any, ...]


@dataclass(frozen=True)
class Program:
    """One checked expression, ready to run: its tree with exact literals, and where it came from."""

    source: str
    location: Location
    tree: ast.expr
    names: tuple[str, ...]  # every name it reads, so that a trace can show their values


@dataclass(frozen=True)
class CompiledRubric:
    model: RubricModel
    programs: Mapping[Path, Program] = field(compare=False)
    templates: Mapping[Path, CheckedTemplate] = field(compare=False)
    order: tuple[str, ...]  # indicator ids, each after every indicator it reads
    scores_read: Mapping[str, tuple[str, ...]]  # indicator id -> ids whose scores its rule and lets read
    names_read: Mapping[str, tuple[str, ...]]  # indicator id -> every name its own programs read
    warnings: tuple[Diagnostic, ...]
    limits: Limits


def compile_rubric(model: RubricModel, checked: CheckResult, limits: Limits = DEFAULT_LIMITS) -> CompiledRubric:
    programs = {path: _program(expression) for path, expression in checked.expressions.items()}
    return CompiledRubric(
        model=model,
        programs=programs,
        templates=dict(checked.templates),
        order=_order(model, checked.dependencies),
        scores_read={key: tuple(sorted(value)) for key, value in checked.scores_read.items()},
        names_read=_names_read(model, programs),
        warnings=tuple(d for d in checked.diagnostics if not d.is_error),
        limits=limits,
    )


def _program(checked: CheckedExpression) -> Program:
    tree = _Lowering(checked.source).visit(copy.deepcopy(checked.tree.body))
    reads = checked.names | {language.score_name(indicator_id) for indicator_id in checked.scores}
    return Program(checked.source, checked.expression.location, tree, tuple(sorted(reads)))


class _Lowering(ast.NodeTransformer):
    """Number literals become the `Decimal` of their source text (0.1 stays 0.1, not a float), and
    `score_of("id")` becomes a read of the name the evaluation gives that indicator's score."""

    def __init__(self, source: str):
        self.source = source

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if isinstance(node.func, ast.Name) and node.func.id == language.SCORE_OF:
            (argument,) = node.args
            assert isinstance(argument, ast.Constant) and isinstance(argument.value, str)
            return ast.copy_location(ast.Name(id=language.score_name(argument.value), ctx=ast.Load()), node)
        self.generic_visit(node)
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.Constant:
        if isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            text = ast.get_source_segment(self.source, node)
            exact = ast.Constant(Decimal(text) if text else Decimal(node.value))  # type: ignore[arg-type]
            return ast.copy_location(exact, node)
        return node


def _names_read(model: RubricModel, programs: Mapping[Path, Program]) -> dict[str, tuple[str, ...]]:
    """For each indicator, the names its own programs read (not those of its children)."""
    owners = {indicator.path: indicator.id for indicator in model.all_indicators()}
    found: dict[str, set[str]] = {indicator_id: set() for indicator_id in owners.values()}
    for indicator in model.all_indicators():
        if isinstance(indicator.rule, MatchRule):
            found[indicator.id].add(indicator.rule.fact)
        elif isinstance(indicator.rule, ItemsRule):
            found[indicator.id].add(indicator.rule.over)
    for path, program in programs.items():
        owner = next((owners[path[:end]] for end in range(len(path), -1, -1) if path[:end] in owners), None)
        if owner is not None:
            found[owner].update(program.names)
    return {indicator_id: tuple(sorted(names)) for indicator_id, names in found.items()}


def _order(model: RubricModel, dependencies: Mapping[str, frozenset[str]]) -> tuple[str, ...]:
    """Indicators in an order where each comes after what it reads (the checker refused cycles)."""
    tree_order = {indicator.id: index for index, indicator in enumerate(model.all_indicators())}
    done: dict[str, None] = {}

    def place(indicator_id: str) -> None:
        if indicator_id in done:
            return
        for needed in sorted(dependencies.get(indicator_id, ()), key=tree_order.__getitem__):
            place(needed)
        done[indicator_id] = None

    for indicator_id in tree_order:
        place(indicator_id)
    return tuple(done)


# -- running programs -------------------------------------------------------------------------


def _numbers(symbol: str, left: object, right: object) -> None:
    if type(left) is not Decimal or type(right) is not Decimal:
        raise EvalFailure(f"'{symbol}' needs numbers, got {describe_value(left)} and {describe_value(right)}")


def _add(left: Decimal, right: Decimal) -> Decimal:
    _numbers("+", left, right)
    return left + right


def _subtract(left: Decimal, right: Decimal) -> Decimal:
    _numbers("-", left, right)
    return left - right


def _multiply(left: Decimal, right: Decimal) -> Decimal:
    _numbers("*", left, right)
    return left * right


def _divide(left: Decimal, right: Decimal) -> Decimal:
    _numbers("/", left, right)
    if right == 0:
        raise EvalFailure(f"division by zero ({left} / {right})")
    return left / right


def _ordering(symbol: str, compare: Callable[[Decimal, Decimal], bool]) -> Callable[[object, object], bool]:
    def ordered(left: object, right: object) -> bool:
        _numbers(symbol, left, right)
        return compare(left, right)  # type: ignore[arg-type]

    return ordered


def _equal(left: object, right: object) -> bool:
    return type(left) is type(right) and left == right


def _not(value: object) -> bool:
    if type(value) is not bool:
        raise EvalFailure(f"'not' needs a boolean, got {describe_value(value)}")
    return not value


def _negate(value: object) -> Decimal:
    if type(value) is not Decimal:
        raise EvalFailure(f"'-' needs a number, got {describe_value(value)}")
    return -value


def _plus(value: object) -> Decimal:
    if type(value) is not Decimal:
        raise EvalFailure(f"'+' needs a number, got {describe_value(value)}")
    return value


OPERATORS: dict[type, Callable[..., Any]] = {
    ast.Add: _add,
    ast.Sub: _subtract,
    ast.Mult: _multiply,
    ast.Div: _divide,
    ast.Lt: _ordering("<", lambda a, b: a < b),
    ast.LtE: _ordering("<=", lambda a, b: a <= b),
    ast.Gt: _ordering(">", lambda a, b: a > b),
    ast.GtE: _ordering(">=", lambda a, b: a >= b),
    ast.Eq: _equal,
    ast.NotEq: lambda left, right: not _equal(left, right),
    ast.Not: _not,
    ast.USub: _negate,
    ast.UAdd: _plus,
}

FUNCTION_TABLE = {name: function.implementation for name, function in language.FUNCTIONS.items()}


class Evaluator(simpleeval.SimpleEval):  # type: ignore[misc]
    """simpleeval restricted to the checked node types, our operators and our functions.

    One evaluator serves one evaluation call and is not shared between threads; the compiled
    rubric it runs is never changed. It counts every part it evaluates, across all the programs
    it runs, against `Limits.max_steps`.
    """

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        super().__init__(operators=OPERATORS, functions=FUNCTION_TABLE, names={})
        self.context = limits.decimal_context()
        self.max_steps = limits.max_steps
        self.steps = 0
        allowed = (ast.Constant, ast.Name, ast.UnaryOp, ast.BinOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.Call)
        handlers: dict[type, Callable[..., Any]] = dict(self.nodes)
        self.nodes: dict[type, Callable[..., Any]] = {node_type: handlers[node_type] for node_type in allowed}

    def run(self, program: Program, names: Mapping[str, Value]) -> Value:
        """The program's value for `names`; any failure is an `EvalFailure` saying why."""
        self.names = names
        self.expr = program.source
        try:
            with decimal.localcontext(self.context):
                result: Value = self._eval(program.tree)
        except decimal.DivisionByZero:
            raise EvalFailure("division by zero") from None
        except (decimal.Overflow, decimal.InvalidOperation):
            raise EvalFailure("a number grew out of range") from None
        except simpleeval.InvalidExpression as problem:
            raise EvalFailure(f"cannot evaluate: {problem}") from None
        except (TypeError, ValueError, ArithmeticError, KeyError, RecursionError) as problem:
            raise EvalFailure(f"cannot evaluate: {problem}") from None
        except MemoryError:
            raise EvalFailure("out of memory") from None
        return result

    def _eval(self, node: ast.AST) -> Any:
        self.steps += 1
        if self.steps > self.max_steps:
            raise EvalFailure(f"more than {self.max_steps} steps in one evaluation (Limits.max_steps)")
        return super()._eval(node)
