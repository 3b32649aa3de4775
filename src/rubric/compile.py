"""Stage 5: turn checked expressions into Python functions, and plan the order of evaluation.

Each checked program is translated, node by node, from its checked syntax tree into a new
Python syntax tree that we build ourselves, then compiled once, at load, into one function of
the evaluation's scope. The author's text is never compiled: only trees made of the node types
the checker allows (constants, names, arithmetic, comparisons, `and`/`or`/`not`, `if`/`else`
and the language's functions) reach `compile`, and the function runs with no builtins at all.
Names become reads of the scope mapping, never Python variables, so no name an author writes
can reach anything but a fact, a let, a field or a score.

Types come from the checker: where it proved both operands are numbers, `a + b` is Python's own
exact `Decimal` addition; where a value's type is known only at run time (a fact declared with
several types), the operation goes through a function that checks its operands and fails with
a message. Division always goes through one, for its message. Number literals are the exact
`Decimal`s of their source text (0.1 stays 0.1, not a float).

A compiled rubric holds frozen dataclasses, tuples, syntax trees and these functions: it is
immutable after load and shares nothing mutable between evaluations. A program pickles as its
tree and is compiled again when unpickled. `interpret.py` holds the reference interpreter that
the test suite compares these functions with.
"""

from __future__ import annotations

import ast
import copy
import decimal
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, DivisionByZero, InvalidOperation, Overflow
from functools import cached_property, lru_cache
from types import MappingProxyType
from typing import Any, TypeVar

from . import language
from .check import CheckedExpression, CheckedTemplate, CheckResult, Placeholder
from .errors import Diagnostic, Location
from .language import BOOLEAN, NUMBER, EvalFailure, Type, describe_value
from .limits import DEFAULT_LIMITS, Limits
from .model import Indicator, ItemsRule, MatchRule, RubricModel
from .plan import Scorer, plan_scoring
from .source import Path

Value = Decimal | bool | str | tuple[Any, ...]


@dataclass(frozen=True)
class Program:
    """One checked expression, ready to run: its function, and the tree and text it came from.

    `function(scope)` raises whatever Python raises (see `failure_reason`); `evaluate` is the
    convenient, slower form. `cost` is the number of parts of the tree: each run of the program
    counts that much against `Limits.max_steps`.
    """

    source: str
    location: Location
    tree: ast.expr  # exact literals, and score_of("id") as the name of that score
    names: tuple[str, ...]  # every name it reads, so that a trace can show their values
    types: tuple[tuple[str, Type], ...] = ()  # the checked type of each name read
    cost: int = field(init=False, compare=False, repr=False)
    function: Callable[[Mapping[str, Value]], Value] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cost", _parts(self.tree))
        object.__setattr__(self, "function", _function(self.tree, dict(self.types)))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Program, (self.source, self.location, self.tree, self.names, self.types))

    def evaluate(self, scope: Mapping[str, Value], limits: Limits = DEFAULT_LIMITS) -> Value:
        """The program's value for `scope`, in the limits' decimal context; any failure is an `EvalFailure`."""
        if self.cost > limits.max_steps:
            raise EvalFailure(steps_exceeded(limits))
        with decimal.localcontext(limits.decimal_context()):
            try:
                return self.function(scope)
            except Exception as problem:  # noqa: BLE001 - every way a program fails, named by failure_reason
                raise EvalFailure(failure_reason(problem)) from None


@dataclass(frozen=True)
class CompiledRubric:
    """Everything an evaluation needs that does not depend on the facts, worked out once."""

    model: RubricModel
    programs: Mapping[Path, Program] = field(compare=False)
    templates: Mapping[Path, CheckedTemplate] = field(compare=False)
    order: tuple[Indicator, ...]  # each after every indicator it reads
    scores_read: Mapping[str, tuple[str, ...]]  # indicator id -> ids whose scores its rule and lets read
    names_read: Mapping[str, tuple[str, ...]]  # indicator id -> every name its own programs read
    warnings: tuple[Diagnostic, ...]
    limits: Limits
    indicators: tuple[Indicator, ...] = field(compare=False)  # in tree order
    parents: Mapping[str, str | None] = field(compare=False)
    depths: Mapping[str, int] = field(compare=False)
    traced_reads: Mapping[str, tuple[str, ...]] = field(compare=False)  # what a trace shows as read, if given
    placeholders: Mapping[Path, tuple[str, ...]] = field(compare=False)  # the names a template or condition needs
    score_names: Mapping[str, str] = field(compare=False)  # indicator id -> the name its score has in a scope
    full_shares: Mapping[str, Decimal] = field(compare=False)  # effective weights when every indicator applies
    fixed_results: tuple[tuple[str, Mapping[str, Any]], ...] = field(init=False, compare=False, repr=False)  # below

    def __post_init__(self) -> None:
        # What each indicator's result holds whatever the facts, in tree order: plain dicts (never
        # changed), as a dict updates another twice as fast as a read-only view does.
        fixed = tuple(
            (i.id, {"id": i.id, "name": i.name, "parent": self.parents[i.id], "weight": i.weight, "depth": self.depths[i.id]})
            for i in self.indicators
        )
        object.__setattr__(self, "fixed_results", fixed)

    @cached_property
    def shares_for(self) -> Callable[[tuple[bool, ...]], Mapping[str, Decimal]]:
        """Every indicator's effective weight, given which are not applicable (a flag for each, in
        tree order). Departments fall into few such patterns, so the answers are kept."""
        model = self.model
        position = {indicator.id: number for number, indicator in enumerate(self.indicators)}

        @lru_cache(maxsize=256)
        def shares(not_applicable: tuple[bool, ...]) -> Mapping[str, Decimal]:
            result: dict[str, Decimal] = {}
            share_out(model.indicators, model.total, lambda indicator: not not_applicable[position[indicator.id]], result)
            return MappingProxyType(result)

        return shares

    @cached_property
    def scorer(self) -> Scorer:
        """Scoring without traces, planned (plan.py) when first needed: loading a rubric to
        evaluate with traces, or once, need not pay for it. Two threads may both plan it; either
        function serves."""
        return plan_scoring(
            self.model,
            self.programs,
            self.indicators,
            self.order,
            self.parents,
            self.score_names,
            self.full_shares,
            self.shares_for,
            self.limits,
        )

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the planned function, which is planned again when needed."""
        return {name: value for name, value in self.__dict__.items() if name not in ("scorer", "shares_for", "fixed_results")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__post_init__()


def compile_rubric(model: RubricModel, checked: CheckResult, limits: Limits = DEFAULT_LIMITS) -> CompiledRubric:
    programs = {path: _program(expression) for path, expression in checked.expressions.items()}
    indicators = tuple(model.all_indicators())
    by_id = {indicator.id: indicator for indicator in indicators}
    scores_read = {key: tuple(sorted(value)) for key, value in checked.scores_read.items()}
    names_read = _names_read(model, programs)
    return CompiledRubric(
        model=model,
        programs=programs,
        templates=dict(checked.templates),
        order=tuple(by_id[indicator_id] for indicator_id in _order(model, checked.dependencies)),
        scores_read=scores_read,
        names_read=names_read,
        warnings=tuple(d for d in checked.diagnostics if not d.is_error),
        limits=limits,
        indicators=indicators,
        parents={child.id: parent.id for parent in indicators for child in parent.children}
        | {root.id: None for root in model.indicators},
        depths=_depths(model),
        traced_reads=_traced_reads(model, indicators, scores_read, names_read),
        placeholders=_placeholders(checked, programs),
        score_names={indicator.id: language.score_name(indicator.id) for indicator in indicators},
        full_shares=full_shares(model.indicators, model.total, limits),
    )


def full_shares(siblings: tuple[Indicator, ...], available: Decimal, limits: Limits) -> dict[str, Decimal]:
    """Each indicator's effective weight when all apply: its share of its parent's, in proportion
    to its weight among its siblings (top level: of the total). The evaluation computes the same
    for the applicable indicators when some are not; this is that computation done once."""
    shares: dict[str, Decimal] = {}
    with decimal.localcontext(limits.decimal_context()):
        share_out(siblings, available, lambda indicator: True, shares)
    return shares


def share_out(
    siblings: tuple[Indicator, ...], available: Decimal, applies: Callable[[Indicator], bool], shares: dict[str, Decimal]
) -> None:
    applicable = [sibling for sibling in siblings if applies(sibling)]
    weights = sum((sibling.weight for sibling in applicable), Decimal(0))
    for sibling in siblings:
        if not applies(sibling) or weights == 0:
            effective = Decimal(0)
        elif weights == available:
            effective = sibling.weight
        else:
            effective = sibling.weight * available / weights
        shares[sibling.id] = effective
        share_out(sibling.children, effective, applies, shares)


def _depths(model: RubricModel) -> dict[str, int]:
    depths: dict[str, int] = {}

    def visit(indicator: Indicator, depth: int) -> None:
        depths[indicator.id] = depth
        for child in indicator.children:
            visit(child, depth + 1)

    for root in model.indicators:
        visit(root, 0)
    return depths


def _traced_reads(
    model: RubricModel,
    indicators: tuple[Indicator, ...],
    scores_read: Mapping[str, tuple[str, ...]],
    names_read: Mapping[str, tuple[str, ...]],
) -> dict[str, tuple[str, ...]]:
    """The facts and scores an indicator's trace shows: what its programs read, but its own lets,
    the fields of items and the scores it does not depend on; each shown if it has a value."""
    facts = {fact.id for fact in model.facts}
    traced = {}
    for indicator in indicators:
        scores = {language.score_name(other) for other in scores_read.get(indicator.id, ())}
        lets = {name for name, _ in indicator.lets}
        traced[indicator.id] = tuple(
            name for name in names_read[indicator.id] if (name in facts or name in scores) and name not in lets
        )
    return traced


def _placeholders(checked: CheckResult, programs: Mapping[Path, Program]) -> dict[Path, tuple[str, ...]]:
    """For each template, the names it fills in; for each program, the names it reads."""
    needed = {
        path: tuple(part.name for part in template.zh + (template.en or ()) if isinstance(part, Placeholder))
        for path, template in checked.templates.items()
    }
    return needed | {path: program.names for path, program in programs.items()}


def _program(checked: CheckedExpression) -> Program:
    tree = _lower(checked.tree.body, checked.source)
    scores = {language.score_name(indicator_id): NUMBER for indicator_id in checked.scores}
    types = tuple(sorted({**dict(checked.name_types), **scores}.items()))
    return Program(checked.source, checked.expression.location, tree, tuple(name for name, _ in types), types)


def _lower(node: Any, source: str) -> Any:
    """A copy of a checked tree in which number literals are the `Decimal` of their source text
    (0.1 stays 0.1, not a float) and `score_of("id")` reads the name the evaluation gives that
    indicator's score. The checked tree itself is left as it is."""
    if isinstance(node, list):
        return [_lower(item, source) for item in node]
    if not isinstance(node, ast.AST):
        return node
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        text = ast.get_source_segment(source, node)
        return ast.copy_location(ast.Constant(Decimal(text) if text else Decimal(node.value)), node)  # type: ignore[arg-type]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == language.SCORE_OF:
        (argument,) = node.args
        assert isinstance(argument, ast.Constant) and isinstance(argument.value, str)
        return ast.copy_location(ast.Name(id=language.score_name(argument.value), ctx=ast.Load()), node)
    copied = type(node)(**{name: _lower(getattr(node, name), source) for name in node._fields})
    return ast.copy_location(copied, node) if isinstance(node, ast.expr) else copied


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


# -- the operations whose operands are checked when they run --------------------------------


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


def _not_equal(left: object, right: object) -> bool:
    return not _equal(left, right)


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
    ast.NotEq: _not_equal,
    ast.Not: _not,
    ast.USub: _negate,
    ast.UAdd: _plus,
}


def failure_reason(problem: BaseException) -> str:
    """Why a program failed, for its author: what `Program.function` raised, in words."""
    if isinstance(problem, EvalFailure):
        return str(problem)
    if isinstance(problem, DivisionByZero):
        return "division by zero"
    if isinstance(problem, (Overflow, InvalidOperation)):
        return "a number grew out of range"
    if isinstance(problem, MemoryError):
        return "out of memory"
    return f"cannot evaluate: {problem}"


def steps_exceeded(limits: Limits) -> str:
    return f"more than {limits.max_steps} steps in one evaluation (Limits.max_steps)"


# -- translation to Python ------------------------------------------------------------------

_Node = TypeVar("_Node", bound=ast.expr)
_SCOPE = "scope"  # the function's one parameter; every name an author wrote is read from it
_RAW_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult)  # exact on two Decimals; division keeps its message
_ORDERINGS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_FUNCTIONS = {f"function_{name}": function.implementation for name, function in language.FUNCTIONS.items()}
_OPERATOR_NAMES = {operator: f"operator_{operator.__name__}" for operator in OPERATORS}
_HELPERS: dict[str, Any] = {
    **_FUNCTIONS,
    **{_OPERATOR_NAMES[operator]: implementation for operator, implementation in OPERATORS.items()},
    "number_min": min,  # min and max of arguments proved to be numbers need no check
    "number_max": max,
}


def _parts(node: ast.expr) -> int:
    """The parts an evaluation walks: every expression node but the name of a called function."""
    if isinstance(node, ast.Call):
        return 1 + sum(_parts(argument) for argument in node.args)
    children = (child for name in node._fields for child in _as_list(getattr(node, name)))
    return 1 + sum(_parts(child) for child in children if isinstance(child, ast.expr))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _node(kind: type[_Node], *fields: Any) -> _Node:
    """A node of the Python tree, at line 1 column 0: its place in the author's text is in `Program.location`."""
    return kind(*fields, lineno=1, col_offset=0, end_lineno=1, end_col_offset=0)


def _function(tree: ast.expr, types: Mapping[str, Type]) -> Callable[[Mapping[str, Value]], Value]:
    translation = _Translation(types)
    body, _ = translation.translate(tree)
    scope = ast.arg(_SCOPE, lineno=1, col_offset=0, end_lineno=1, end_col_offset=0)
    parameters = ast.arguments(posonlyargs=[], args=[scope], kwonlyargs=[], kw_defaults=[], defaults=[])
    module = ast.Expression(_node(ast.Lambda, parameters, body))
    code = compile(module, "<rubric program>", "eval", dont_inherit=True)
    namespace: dict[str, Any] = {"__builtins__": {}, **_HELPERS, **translation.constants}
    function: Callable[[Mapping[str, Value]], Value] = eval(code, namespace)  # noqa: S307 - a tree we built, see above
    return function


class _Translation:
    """A lowered, checked tree to a Python tree, with each node's type as the checker proved it."""

    def __init__(self, types: Mapping[str, Type]):
        self.types = types
        self.constants: dict[str, Decimal] = {}

    def translate(self, node: ast.expr) -> tuple[ast.expr, Type | None]:
        """The Python node, and the type it is known to have (None: known only at run time)."""
        if isinstance(node, ast.Constant):
            return self.constant(node.value)
        if isinstance(node, ast.Name):
            known = self.types.get(node.id)
            read = _node(ast.Subscript, _node(ast.Name, _SCOPE, ast.Load()), _node(ast.Constant, node.id), ast.Load())
            return read, known if known in (NUMBER, BOOLEAN) or (known and known.kind == "text") else None
        if isinstance(node, ast.BinOp):
            (left, left_type), (right, right_type) = self.translate(node.left), self.translate(node.right)
            if isinstance(node.op, _RAW_ARITHMETIC) and left_type == right_type == NUMBER:
                return _node(ast.BinOp, left, node.op, right), NUMBER
            return self.call(_OPERATOR_NAMES[type(node.op)], [left, right]), NUMBER
        if isinstance(node, ast.UnaryOp):
            operand, operand_type = self.translate(node.operand)
            if isinstance(node.op, ast.Not):
                return (_node(ast.UnaryOp, ast.Not(), operand) if operand_type == BOOLEAN else self.call("operator_Not", [operand])), BOOLEAN
            if isinstance(node.op, ast.UAdd):  # `+x` on a Decimal would round it to the context
                return (operand if operand_type == NUMBER else self.call("operator_UAdd", [operand])), NUMBER
            return (_node(ast.UnaryOp, ast.USub(), operand) if operand_type == NUMBER else self.call("operator_USub", [operand])), NUMBER
        if isinstance(node, ast.BoolOp):
            return _node(ast.BoolOp, node.op, [self.translate(value)[0] for value in node.values]), BOOLEAN
        if isinstance(node, ast.Compare):
            return self.compare(node), BOOLEAN
        if isinstance(node, ast.IfExp):
            (test, _), (body, body_type), (orelse, orelse_type) = map(self.translate, (node.test, node.body, node.orelse))
            return _node(ast.IfExp, test, body, orelse), body_type if body_type == orelse_type else None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in language.FUNCTIONS:
            arguments = [self.translate(argument) for argument in node.args]
            name = f"function_{node.func.id}"
            if node.func.id in ("min", "max") and all(known == NUMBER for _, known in arguments):
                name = f"number_{node.func.id}"
            return self.call(name, [argument for argument, _ in arguments]), NUMBER
        raise EvalFailure(f"cannot compile {type(node).__name__}: the checker does not allow it")

    def constant(self, value: object) -> tuple[ast.expr, Type | None]:
        if type(value) is Decimal:
            name = f"constant_{len(self.constants)}"
            self.constants[name] = value
            return _node(ast.Name, name, ast.Load()), NUMBER
        if type(value) is bool:
            return _node(ast.Constant, value), BOOLEAN
        if type(value) is str:
            return _node(ast.Constant, value), Type("text")
        raise EvalFailure(f"cannot compile the constant {value!r}: the checker does not allow it")

    def compare(self, node: ast.Compare) -> ast.expr:
        """A chain such as `0 < x <= 1`: Python's own when every link is proved well typed, else
        each link checked, joined by `and` (which, like the chain, stops at the first false link)."""
        operands = [self.translate(operand) for operand in (node.left, *node.comparators)]
        raw = all(
            self.is_raw(operator, left_type, right_type)
            for operator, (_, left_type), (_, right_type) in zip(node.ops, operands, operands[1:], strict=False)
        )
        if raw:
            return _node(ast.Compare, operands[0][0], list(node.ops), [operand for operand, _ in operands[1:]])
        links = [
            self.call(_OPERATOR_NAMES[type(operator)], [copy.deepcopy(left), copy.deepcopy(right)])
            for operator, (left, _), (right, _) in zip(node.ops, operands, operands[1:], strict=False)
        ]
        return links[0] if len(links) == 1 else _node(ast.BoolOp, ast.And(), links)

    @staticmethod
    def is_raw(operator: ast.cmpop, left: Type | None, right: Type | None) -> bool:
        if isinstance(operator, _ORDERINGS):
            return left == right == NUMBER
        if isinstance(operator, (ast.Eq, ast.NotEq)):
            return left is not None and right is not None and left.kind == right.kind
        return False

    @staticmethod
    def call(name: str, arguments: list[ast.expr]) -> ast.expr:
        return _node(ast.Call, _node(ast.Name, name, ast.Load()), arguments, [])
