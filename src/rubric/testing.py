"""Property-based tests of a rubric: hypothesis strategies for its facts, and ready-made properties.

An author's rubric is code, and a test is the way to find out that a rule can divide by zero, that
a ladder's steps were put in the wrong order or that a score can leave its weight. This module
writes that test from the rubric's own declarations, so that it takes three lines::

    import rubric, rubric.testing

    test_my_rubric = rubric.testing.property_test(rubric.load("my.yaml"))

`facts(rubric)` generates departments whose facts the rubric accepts (types, units, bounds,
enums, lists, optional facts, and its fact checks), and the `check_*` functions state what must
hold for any of them. Each raises `AssertionError` with a message that names the rubric, the
indicator and the values, so that hypothesis can report (and shrink) the department that breaks it.

hypothesis is not a dependency of `rubric` itself, only of this module: `pip install 'rubric[testing]'`.
"""

from __future__ import annotations

import ast
import dataclasses
import decimal
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any, Final, Literal

from .api import Rubric
from .compile import CompiledRubric, Program, Value
from .evaluate import Evaluation, EvaluationError, IndicatorResult
from .facts import (
    UNIT_EXPONENTS,
    FactsError,
    convert_text,
    converted_default,
    direct_list,
    direct_scalar,
    numeric_kinds,
    prepare,
)
from .language import EvalFailure, round_decimal
from .model import Fact, FactCheck, ItemsRule, LadderRule, Step

try:
    from hypothesis import given, reject, settings
    from hypothesis import strategies as st
    from hypothesis.strategies import SearchStrategy
except ImportError as missing:  # pragma: no cover - tested in a subprocess without hypothesis
    raise ImportError(
        "rubric.testing needs hypothesis, which rubric does not install by itself: pip install 'rubric[testing]'"
    ) from missing

__all__ = [
    "OMIT",
    "LadderCheck",
    "check_deterministic",
    "check_fact_checks",
    "check_findings",
    "check_monotone_ladders",
    "check_properties",
    "check_scores",
    "check_sums",
    "check_total",
    "facts",
    "property_test",
]


class _Omit:
    """The value of an override strategy that leaves a fact out of the department's facts."""

    def __repr__(self) -> str:
        return "rubric.testing.OMIT"


OMIT: Final = _Omit()
"""Give it from an override (`facts(r, budget_basic=st.just(OMIT))`) to leave an optional fact out."""

# Sane magnitudes for numbers whose declaration leaves them open: a window this wide on the open
# side(s). Money is up to 10 亿元, written in the fact's own unit.
_SPANS: Final = {"integer": Decimal(1000), "number": Decimal(1000), "ratio": Decimal(2), "money": Decimal(10**9)}
_PLACES: Final = {"integer": 0, "number": 2, "ratio": 4, "money": 2}
_MAX_PLACES: Final = 10  # decimal places of generated numbers, at most
_MAX_RECORDS: Final = 5  # records beyond min_items, when max_items does not say fewer
_ROUNDS: Final = 30  # rounds of redrawing what failed a check before the example is given up
_RECORD_TRIES: Final = 5  # redraws of one record that fails its list's checks before it is dropped
_TEXT: SearchStrategy[str] = st.text(st.characters(codec="utf-8", exclude_categories=["C"]), max_size=20)


# -- the facts a rubric accepts ------------------------------------------------------------------


def facts(rubric: Rubric, **overrides: SearchStrategy[Any]) -> SearchStrategy[dict[str, Any]]:
    """Departments' facts that `rubric` accepts, as the mappings `Rubric.evaluate` takes.

    Every value follows its declaration: integers as `int`, other numbers as `Decimal` (never a
    float) within the declared bounds and a sane window where they are open (money in the
    declared unit, up to 10 亿元), ratios as `Decimal`, booleans, text, one of an enum's values,
    any of a union's types, lists of records with their fields and between `min_items` and
    `max_items` records. Optional facts and facts with a default are sometimes left out, and so
    are optional fields and fields with a default.

    The rubric's fact checks hold for every mapping generated. A check written `NAME == EXPR` (or
    `EXPR == NAME`), where NAME is a fact (a field, for a list's checks) that is not overridden,
    sets NAME to the value of EXPR, so `budget_basic + budget_project == budget_total` always
    holds by computing `budget_total`. A failing check that compares a numeric fact with
    an expression (`petitions_on_time <= petitions_total`) has that fact drawn again within the
    bound. Any other check that fails has the facts it reads drawn again (an optional one may be
    left out, which skips the check); a record that keeps failing its list's checks is drawn
    again or dropped; a department that still fails after a few rounds is given up
    (`hypothesis.reject`), which is rare for checks that hold often enough. A fact that is
    overridden is never computed or narrowed: override the facts it is computed from as well.

    `overrides` give the strategy of any fact by its id, for the whole value (the list, for a
    list fact); a strategy may give `OMIT` to leave the fact out. Its values must be ones the
    rubric accepts: one that is not is a `ValueError` when drawn.
    """
    declared = {fact.id: fact for fact in rubric.facts}
    for name, strategy in overrides.items():
        if name not in declared:
            close = difflib.get_close_matches(name, list(declared), n=1)
            suggestion = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"{name!r} is not a fact of rubric {rubric.id}{suggestion}")
        if not isinstance(strategy, SearchStrategy):
            raise TypeError(
                f"the override of {name!r} must be a hypothesis strategy (such as st.just(value)), "
                f"not {type(strategy).__name__}"
            )
    plan = _plan(rubric.compiled, frozenset(overrides))
    strategies = {
        fact.id: overrides[fact.id] if fact.id in overrides else _fact_strategy(fact) for fact in rubric.facts
    }
    records = {fact.id: _record_strategy(fact) for fact in rubric.facts if fact.is_list}
    return _departments(_Generation(plan, strategies, records, tuple(sorted(overrides))))


def _fact_strategy(fact: Fact) -> SearchStrategy[Any]:
    if fact.is_list:
        record = _record_strategy(fact)
        low = fact.min_items or 0
        high = low + _MAX_RECORDS if fact.max_items is None else min(fact.max_items, low + _MAX_RECORDS)
        value: SearchStrategy[Any] = st.lists(record, min_size=low, max_size=high)
    else:
        value = _value_strategy(fact)
    return value if fact.required else st.one_of(st.just(OMIT), value)


def _record_strategy(fact: Fact) -> SearchStrategy[dict[str, Any]]:
    required = {field.id: _value_strategy(field) for field in fact.fields if field.required}
    optional = {field.id: _value_strategy(field) for field in fact.fields if not field.required}
    return st.fixed_dictionaries(required, optional=optional)


def _value_strategy(fact: Fact) -> SearchStrategy[Any]:
    """Any value of one of the fact's types; text that would read as a number of a union's numeric
    type (`"5%"`, `"3万元"`) is left out, as the rubric would take it for that number."""
    numeric = numeric_kinds(fact.kinds)[0]
    options: list[SearchStrategy[Any]] = []
    for kind in fact.kinds:
        if kind in _SPANS:
            options.append(_number_strategy(fact, kind))
        elif kind == "boolean":
            options.append(st.booleans())
        elif kind == "enum":
            options.append(st.sampled_from(fact.values))
        elif kind == "text":
            options.append(_TEXT)
        else:
            raise ValueError(f"fact {fact.id!r}: cannot generate values of type {kind!r}")
    value = st.one_of(options)
    if numeric and any(kind in ("enum", "text") for kind in fact.kinds):
        value = value.filter(lambda raw: not isinstance(raw, str) or convert_text(fact, raw, numeric) is None)
    return value


def _number_strategy(fact: Fact, kind: str) -> SearchStrategy[Any]:
    """Numbers of one numeric type within the fact's bounds, as finely as the bounds are written."""
    span = _SPANS[kind]
    if kind == "money":
        span = span.scaleb(-UNIT_EXPONENTS.get(fact.unit or "元", 0))
    bounds = [bound for bound in (fact.minimum, fact.maximum, fact.greater_than, fact.less_than) if bound is not None]
    places = 0 if kind == "integer" else max([_PLACES[kind], *(-int(bound.as_tuple().exponent) for bound in bounds)])
    places = min(places, _MAX_PLACES)  # a bound rounded inwards to this many places stays a bound
    quantum = Decimal(1).scaleb(-places)
    low = high = None
    with decimal.localcontext() as wide:
        wide.prec = 80  # room for the digits of any bound a file or a computed check can give
        if fact.minimum is not None:
            low = fact.minimum.quantize(quantum, ROUND_CEILING)
        elif fact.greater_than is not None:
            low = fact.greater_than.quantize(quantum, ROUND_FLOOR) + quantum
        if fact.maximum is not None:
            high = fact.maximum.quantize(quantum, ROUND_FLOOR)
        elif fact.less_than is not None:
            high = fact.less_than.quantize(quantum, ROUND_CEILING) - quantum
    if low is None and high is None:
        low, high = -span, span
    elif high is None:
        assert low is not None
        high = max(low, Decimal(0)) + span
    elif low is None:
        low = min(high, Decimal(0)) - span
    if low > high:
        raise ValueError(f"fact {fact.id!r}: no {kind} lies within its bounds")
    if kind == "integer":
        return st.integers(int(low), int(high))
    return st.decimals(min_value=low, max_value=high, places=places, allow_nan=False, allow_infinity=False)


@dataclass(frozen=True)
class _Equation:
    """A check `target == expression`, used to compute its target from the other facts."""

    check: str
    target: str
    expression: Program
    inputs: frozenset[str]


@dataclass(frozen=True)
class _Bound:
    """A check `target OP expression` (OP one of <, <=, >, >=), used to draw its target within it."""

    target: str
    operator: Literal["<", "<=", ">", ">="]
    expression: Program


@dataclass(frozen=True)
class _Checks:
    equations: tuple[_Equation, ...]  # in an order where each comes after those giving its inputs
    programs: tuple[tuple[str, Program], ...]  # every check, by id
    bounds: Mapping[str, tuple[_Bound, ...]]  # by check id: the ways a `NAME < EXPR` check can bound NAME


@dataclass(frozen=True)
class _Plan:
    compiled: CompiledRubric
    declared: Mapping[str, Fact]
    overridden: frozenset[str]
    top: _Checks
    lists: Mapping[str, _Checks]  # by list fact id: the checks of each record


def _plan(compiled: CompiledRubric, overridden: frozenset[str]) -> _Plan:
    model = compiled.model
    declared = {fact.id: fact for fact in model.facts}
    solvable = {fact.id: fact for fact in model.facts if not fact.is_list and fact.id not in overridden}
    lists = {
        fact.id: _checks(compiled, fact.checks, {field.id: field for field in fact.fields})
        for fact in model.facts
        if fact.is_list and fact.checks
    }
    return _Plan(compiled, declared, overridden, _checks(compiled, model.checks, solvable), lists)


_PLANS: dict[int, tuple[CompiledRubric, _Plan]] = {}


def _unchanged_plan(compiled: CompiledRubric) -> _Plan:
    """The plan without overrides, made once per rubric (its equations are compiled programs)."""
    cached = _PLANS.get(id(compiled))
    if cached is None or cached[0] is not compiled:
        if len(_PLANS) >= 64:
            _PLANS.clear()
        cached = _PLANS[id(compiled)] = (compiled, _plan(compiled, frozenset()))
    return cached[1]


def _checks(compiled: CompiledRubric, checks: tuple[FactCheck, ...], solvable: Mapping[str, Fact]) -> _Checks:
    """The checks, and those of them that can compute one of `solvable` (at most one check per
    name, none that would make names depend on each other in a cycle)."""
    equations: dict[str, _Equation] = {}
    for check in checks:
        program = compiled.programs[check.require.path]
        tree = program.tree
        if not (isinstance(tree, ast.Compare) and len(tree.ops) == 1 and isinstance(tree.ops[0], ast.Eq)):
            continue
        for side, other in ((tree.left, tree.comparators[0]), (tree.comparators[0], tree.left)):
            if not isinstance(side, ast.Name) or side.id not in solvable or side.id in equations:
                continue
            inputs = frozenset(_names_read(other))
            if side.id in _depends_on(inputs, equations):
                continue
            types = tuple((name, kind) for name, kind in program.types if name in inputs)
            expression = Program(
                f"{check.require.text} (giving {side.id})", program.location, other, tuple(sorted(inputs)), types
            )
            equations[side.id] = _Equation(check.id, side.id, expression, inputs)
            break
    ordered: dict[str, _Equation] = {}

    def place(equation: _Equation) -> None:
        for name in sorted(equation.inputs):
            if name in equations and name not in ordered:
                place(equations[name])
        ordered[equation.target] = equation

    for equation in equations.values():
        if equation.target not in ordered:
            place(equation)
    programs = tuple((check.id, compiled.programs[check.require.path]) for check in checks)
    bounds = {
        check.id: found
        for check in checks
        if (found := _bounds(check, compiled.programs[check.require.path], solvable))
    }
    return _Checks(tuple(ordered.values()), programs, bounds)


_OPERATORS: Final[dict[type, tuple[Literal["<", "<=", ">", ">="], Literal["<", "<=", ">", ">="]]]] = {
    ast.Lt: ("<", ">"),
    ast.LtE: ("<=", ">="),
    ast.Gt: (">", "<"),
    ast.GtE: (">=", "<="),
}


def _bounds(check: FactCheck, program: Program, solvable: Mapping[str, Fact]) -> tuple[_Bound, ...]:
    """The names of numeric facts a comparison check bounds, each with the bound, read either way
    (`on_time <= total` bounds on_time from above and total from below)."""
    tree = program.tree
    if not (isinstance(tree, ast.Compare) and len(tree.ops) == 1 and type(tree.ops[0]) in _OPERATORS):
        return ()
    operator, flipped = _OPERATORS[type(tree.ops[0])]
    found = []
    for side, other, relation in (
        (tree.left, tree.comparators[0], operator),
        (tree.comparators[0], tree.left, flipped),
    ):
        if (
            not isinstance(side, ast.Name)
            or side.id not in solvable
            or not all(kind in _SPANS for kind in solvable[side.id].kinds)
        ):
            continue
        inputs = _names_read(other)
        if side.id in inputs:
            continue
        types = tuple((name, kind) for name, kind in program.types if name in inputs)
        expression = Program(
            f"{check.require.text} (bounding {side.id})", program.location, other, tuple(sorted(inputs)), types
        )
        found.append(_Bound(side.id, relation, expression))
    return tuple(found)


def _narrowed(
    plan: _Plan, check: str, raw: Mapping[str, Any], values: Mapping[str, Value], applied: Mapping[str, _Equation]
) -> tuple[str, SearchStrategy[Any]] | None:
    """A fact the failing check bounds, and a strategy of its values within that bound; or None."""
    for bound in plan.top.bounds.get(check, ()):
        if bound.target in applied or raw[bound.target] is OMIT:
            continue  # computed from others, or not given
        try:
            limit = bound.expression.evaluate(values, plan.compiled.limits)
        except EvalFailure:
            continue
        if type(limit) is not Decimal:
            continue
        fact = plan.declared[bound.target]
        if bound.operator in ("<", "<="):
            strict = bound.operator == "<"
            upper = fact.maximum if fact.maximum is not None else fact.less_than
            if upper is None or limit < upper or (limit == upper and strict):
                fact = dataclasses.replace(fact, maximum=None if strict else limit, less_than=limit if strict else None)
        else:
            strict = bound.operator == ">"
            lower = fact.minimum if fact.minimum is not None else fact.greater_than
            if lower is None or limit > lower or (limit == lower and strict):
                fact = dataclasses.replace(
                    fact, minimum=None if strict else limit, greater_than=limit if strict else None
                )
        try:
            return bound.target, _value_strategy(fact)
        except ValueError:  # no value of its type lies within both its declaration and the check
            continue
    return None


def _names_read(node: ast.expr) -> set[str]:
    """The names an expression reads (not the names of the functions it calls)."""
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, ast.Call):
        return set().union(*(_names_read(argument) for argument in node.args))
    found: set[str] = set()
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.expr):
            found |= _names_read(child)
    return found


def _depends_on(names: frozenset[str], equations: Mapping[str, _Equation]) -> set[str]:
    """`names` and every name they are computed from, through the equations."""
    found: set[str] = set()
    waiting = list(names)
    while waiting:
        name = waiting.pop()
        if name not in found:
            found.add(name)
            if name in equations:
                waiting.extend(equations[name].inputs)
    return found


class _Generation:
    """What `_departments` draws with; shown briefly, as hypothesis shows a strategy's arguments
    (not a dataclass, which hypothesis would show field by field, the whole rubric included)."""

    def __init__(
        self,
        plan: _Plan,
        strategies: Mapping[str, SearchStrategy[Any]],  # by fact id
        records: Mapping[str, SearchStrategy[dict[str, Any]]],  # by list fact id: one record
        overridden: tuple[str, ...],
    ):
        self.plan, self.strategies, self.records, self.overridden = plan, strategies, records, overridden

    def __repr__(self) -> str:
        overrides = "".join(f", {name}=…" for name in self.overridden)
        return f"facts(<rubric {self.plan.compiled.model.id}>{overrides})"


@st.composite
def _departments(draw: st.DrawFn, generation: _Generation) -> dict[str, Any]:
    """Draw every fact; then, round by round, compute what the equations give and draw again what
    fails a check, until every check holds."""
    plan, strategies, record_strategies = generation.plan, generation.strategies, generation.records
    raw = {name: draw(strategy) for name, strategy in strategies.items()}
    tries: dict[str, list[int]] = {}  # by list fact: how often each record was drawn again
    limits = plan.compiled.limits
    for _ in range(_ROUNDS):
        values = _values(plan, raw)
        applied, redraw, stuck, _changed = _solve(plan.top.equations, raw, values, plan.declared, limits)
        bounded: dict[str, SearchStrategy[Any]] = {}
        for check, program in plan.top.programs:
            if _holds(program, values, limits):
                continue
            narrowed = _narrowed(plan, check, raw, values, applied)
            if narrowed is not None:  # draw the fact it bounds within the bound
                bounded[narrowed[0]] = narrowed[1]
                continue
            found = _drawn(program.names, applied, plan.declared)
            redraw |= found
            stuck = stuck or not found
        changed = False
        for name, checks in plan.lists.items():
            records = raw[name]
            if not isinstance(records, list):
                continue
            failing, solved = _failing_records(plan, name, checks, records, values)
            changed = changed or solved
            if not failing:
                continue
            changed = True
            if name in plan.overridden:  # the author's strategy gives the whole list
                redraw.add(name)
                continue
            counts = tries.get(name) or []
            counts = counts if len(counts) == len(records) else [0] * len(records)
            dropped: set[int] = set()
            for index, outside in failing.items():
                if counts[index] < _RECORD_TRIES:
                    records[index] = draw(record_strategies[name])
                    counts[index] += 1
                elif len(records) - len(dropped) > (plan.declared[name].min_items or 0):
                    dropped.add(index)
                else:  # the record cannot be fixed by itself: draw again the facts it reads as well
                    found = _drawn(outside, applied, plan.declared)
                    redraw |= found
                    stuck = stuck or not found
                    counts[index] = 0
            raw[name] = [record for index, record in enumerate(records) if index not in dropped]
            tries[name] = [count for index, count in enumerate(counts) if index not in dropped]
        if stuck:
            reject()
        if not redraw and not bounded and not changed:
            return {name: value for name, value in raw.items() if value is not OMIT}
        for name in sorted(redraw):
            raw[name] = draw(strategies[name])
            tries.pop(name, None)
        for name, strategy in bounded.items():
            if name not in redraw:
                raw[name] = draw(strategy)
    reject()
    raise AssertionError("unreachable")  # pragma: no cover - reject() raises


def _values(plan: _Plan, raw: Mapping[str, Any]) -> dict[str, Value]:
    """The facts as the rubric converts them (defaults of facts left out included), for its checks."""
    values: dict[str, Value] = {}
    for name, fact in plan.declared.items():
        given = raw[name]
        if given is OMIT:
            if fact.required:
                raise ValueError(f"OMIT was drawn for fact {name!r}, which rubric {plan.compiled.model.id} requires")
            if fact.has_default:
                values[name] = converted_default(fact)
            continue
        converted = direct_list(fact, given) if fact.is_list else direct_scalar(fact, given)
        if converted is None:
            raise ValueError(
                f"{given!r} was drawn for fact {name!r}, a value that rubric {plan.compiled.model.id} refuses"
            )
        values[name] = converted
    return values


def _record_values(fact: Fact, record: Mapping[str, Any]) -> dict[str, Value]:
    converted = direct_list(fact, [record])
    assert isinstance(converted, tuple)  # its list was converted as a whole just before
    first: tuple[tuple[str, Value], ...] = converted[0]
    return dict(first)


def _solve(
    equations: tuple[_Equation, ...],
    raw: dict[str, Any],
    scope: dict[str, Value],
    declared: Mapping[str, Fact],
    limits: Any,
) -> tuple[dict[str, _Equation], set[str], bool, bool]:
    """Set each equation's target (in `raw` and in `scope`) where its check applies.

    Gives the equations applied by target; the names to draw again for the equations whose value
    the target's declaration refuses (or that cannot be computed); whether such an equation has
    nothing to draw again; and whether any value changed.
    """
    applied: dict[str, _Equation] = {}
    redraw: set[str] = set()
    stuck = changed = False
    for equation in equations:
        if equation.target not in scope or not all(name in scope for name in equation.inputs):
            continue  # the check reads an optional fact that is not given: it is skipped
        computed = _computed(equation, scope, declared[equation.target], limits)
        if computed is None:
            found = _drawn(equation.inputs, applied, declared)
            redraw |= found
            stuck = stuck or not found
            continue
        given, converted = computed
        changed = (
            changed or raw.get(equation.target, OMIT) != given or type(raw.get(equation.target)) is not type(given)
        )
        raw[equation.target], scope[equation.target] = given, converted
        applied[equation.target] = equation
    return applied, redraw, stuck, changed


def _computed(equation: _Equation, scope: Mapping[str, Value], fact: Fact, limits: Any) -> tuple[Any, Value] | None:
    """The value an equation gives its target, as given and as converted; None if not a valid one."""
    try:
        result = equation.expression.evaluate(scope, limits)
    except EvalFailure:
        return None
    given: Any = result
    if type(result) is Decimal and numeric_kinds(fact.kinds)[1] and result == result.to_integral_value():
        given = int(result)
    converted = direct_scalar(fact, given)
    return None if converted is None else (given, converted)


def _holds(program: Program, scope: Mapping[str, Value], limits: Any) -> bool:
    """Whether a check holds, as `prepare` decides: skipped (so holding) when it reads a fact not given."""
    if not all(name in scope for name in program.names):
        return True
    try:
        return program.evaluate(scope, limits) is True
    except EvalFailure:
        return False


def _drawn(names: Any, applied: Mapping[str, _Equation], declared: Mapping[str, Fact]) -> set[str]:
    """The facts to draw again to change `names`: a computed fact is changed through its inputs."""
    found: set[str] = set()
    seen: set[str] = set()
    waiting = list(names)
    while waiting:
        name = waiting.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in applied:
            waiting.extend(applied[name].inputs)
        elif name in declared:
            found.add(name)
    return found


def _failing_records(
    plan: _Plan, name: str, checks: _Checks, records: list[Any], values: Mapping[str, Value]
) -> tuple[dict[int, frozenset[str]], bool]:
    """The records of a list that fail its checks (with the facts outside the record that those
    checks read), after each record's own equations are solved; and whether solving changed any."""
    fact = plan.declared[name]
    fields = {field.id: field for field in fact.fields}
    limits = plan.compiled.limits
    failing: dict[int, frozenset[str]] = {}
    changed = False
    for index, record in enumerate(records):
        if name not in plan.overridden:
            record = records[index] = dict(record)
        scope = {**values, **_record_values(fact, record)}
        broken = False
        if name not in plan.overridden:
            _, redraw, stuck, solved = _solve(checks.equations, record, scope, fields, limits)
            broken, changed = bool(redraw) or stuck, changed or solved
        outside = frozenset(
            found
            for _id, program in checks.programs
            if not _holds(program, scope, limits)
            for found in program.names
            if found in plan.declared and found not in fields
        )
        if broken or any(not _holds(program, scope, limits) for _id, program in checks.programs):
            failing[index] = outside
    return failing, changed


# -- the properties -------------------------------------------------------------------------------


def check_properties(rubric: Rubric, department: Mapping[str, Any]) -> Evaluation:
    """Every property of one department's evaluation; gives the evaluation.

    The facts must be accepted and scored: a `FactsError` means the facts are not valid for the
    rubric, an `EvaluationError` that a rule cannot be computed for valid facts (a division the
    rubric does not guard, say), and either is an `AssertionError` here. Then `check_scores`,
    `check_sums`, `check_total`, `check_findings`, `check_deterministic` and `check_fact_checks`.
    Ladders do not depend on the facts: `check_monotone_ladders` checks them once per rubric.
    """
    evaluation = _evaluated(rubric, department)
    check_scores(rubric, evaluation)
    check_sums(rubric, evaluation)
    check_total(rubric, evaluation)
    check_findings(rubric, evaluation)
    check_deterministic(rubric, department, evaluation)
    check_fact_checks(rubric, department)
    return evaluation


def _evaluated(rubric: Rubric, department: Mapping[str, Any], *, trace: bool = True) -> Evaluation:
    try:
        return rubric.evaluate(department, trace=trace)
    except FactsError as refused:
        raise AssertionError(f"rubric {rubric.id} refused the facts:\n{refused}") from refused
    except EvaluationError as failed:
        raise AssertionError(
            f"rubric {rubric.id} cannot score facts it accepts (guard the rule, or bound the facts it reads):\n{failed}"
        ) from failed


def _rounded(rubric: Rubric, value: Decimal) -> Decimal:
    rounding = rubric.model.rounding
    with decimal.localcontext(rubric.limits.decimal_context()):
        return round_decimal(value, rounding.places, rounding.mode)


def _children(evaluation: Evaluation) -> dict[str, list[IndicatorResult]]:
    children: dict[str, list[IndicatorResult]] = {result.id: [] for result in evaluation.indicators}
    for result in evaluation.indicators:
        if result.parent is not None:
            children[result.parent].append(result)
    return children


def check_scores(rubric: Rubric, evaluation: Evaluation) -> None:
    """Every score lies within [0, its effective weight] and is rounded as the rubric says.

    A leaf's bound is its effective weight rounded like a score: with a shared-out weight a full
    score is that weight rounded once (10 × 50 / 35 = 14.2857… scores 14.29), a fraction of a
    point above the exact share. A parent's bound is the sum of its children's bounds. A
    not-applicable indicator scores 0 of 0.
    """
    children = _children(evaluation)
    bounds: dict[str, Decimal] = {}
    for result in reversed(evaluation.indicators):  # children before their parent
        below = children[result.id]
        bound = (
            sum((bounds[child.id] for child in below), Decimal(0))
            if below
            else _rounded(rubric, result.effective_weight)
        )
        bounds[result.id] = bound
        where = f"rubric {rubric.id}: indicator {result.id!r}"
        if result.status == "not_applicable" and (result.score != 0 or result.effective_weight != 0):
            raise AssertionError(
                f"{where} is not applicable but scores {result.score} of {result.effective_weight}, not 0 of 0"
            )
        if not 0 <= result.score <= bound:
            raise AssertionError(
                f"{where} scores {result.score}, outside [0, {bound}] (effective weight {result.effective_weight}"
                f"{', rounded' if not below else ', its children’s bounds added'})"
            )
        if result.score != _rounded(rubric, result.score):
            raise AssertionError(f"{where} scores {result.score}, not rounded to {rubric.model.rounding.places} places")


def check_sums(rubric: Rubric, evaluation: Evaluation) -> None:
    """A parent scores the exact sum of its children's (rounded) scores, not-applicable ones
    adding 0; it is not applicable exactly when its own condition holds or all its children are
    not applicable (so a scored parent has a scored child, and a parent that is not applicable has
    none); and the effective weights of the applicable children share out their parent's (of the
    top-level indicators: the rubric's total), to the precision of the decimal context."""
    children = _children(evaluation)
    model = rubric.model
    for result in reversed(evaluation.indicators):  # the lowest parent that is wrong is named first
        below = children[result.id]
        if not below:
            continue
        where = f"rubric {rubric.id}: indicator {result.id!r}"
        added = sum((child.score for child in below), Decimal(0))
        if result.score != added:
            shown = " + ".join(f"{child.id} {child.score}" for child in below)
            raise AssertionError(
                f"{where} scores {result.score}, not the sum of its children's scores {added} ({shown})"
            )
        scored = [child for child in below if child.status == "scored"]
        if result.status == "scored" and not scored:
            raise AssertionError(f"{where} is scored, but none of its children is")
        if result.status == "not_applicable" and scored:
            raise AssertionError(f"{where} is not applicable, but its child {scored[0].id!r} is scored")
        if scored:
            _shares_add_up(rubric, where, scored, result.effective_weight)
    roots = [result for result in evaluation.indicators if result.parent is None and result.status == "scored"]
    if roots:
        _shares_add_up(rubric, f"rubric {rubric.id}: the top-level indicators", roots, model.total)


def _shares_add_up(rubric: Rubric, where: str, shares: list[IndicatorResult], whole: Decimal) -> None:
    context = rubric.limits.decimal_context()
    with decimal.localcontext(context) as exact:
        exact.prec = context.prec + 10
        added = sum((share.effective_weight for share in shares), Decimal(0))
    tolerance = max(abs(whole), Decimal(1)).scaleb(4 - context.prec)
    if abs(added - whole) > tolerance:
        raise AssertionError(f"{where}: the effective weights of the applicable ones add up to {added}, not {whole}")


def check_total(rubric: Rubric, evaluation: Evaluation) -> None:
    """The total is the sum of the top-level scores; the maximum is the rubric's total (0 when no
    top-level indicator applies); the total exceeds the maximum by no more than leaves' rounding
    can add; the grade is the first band (from the highest `min` down) that the total reaches."""
    model = rubric.model
    roots = [result for result in evaluation.indicators if result.parent is None]
    added = sum((root.score for root in roots), Decimal(0))
    where = f"rubric {rubric.id}"
    if evaluation.total != added:
        raise AssertionError(f"{where}: the total is {evaluation.total}, not the sum of the top-level scores {added}")
    maximum = model.total if any(root.status == "scored" for root in roots) else Decimal(0)
    if evaluation.maximum != maximum:
        raise AssertionError(f"{where}: the maximum is {evaluation.maximum}, not {maximum}")
    children = _children(evaluation)
    slack = sum(
        (
            max(_rounded(rubric, result.effective_weight) - result.effective_weight, Decimal(0))
            for result in evaluation.indicators
            if not children[result.id] and result.status == "scored"
        ),
        Decimal(0),
    )
    if not 0 <= evaluation.total <= maximum + slack:
        raise AssertionError(
            f"{where}: the total {evaluation.total} is outside [0, {maximum}] (rounding may add {slack})"
        )
    grade = next((band.name for band in model.grades if evaluation.total >= band.minimum), None)
    if evaluation.grade != grade:
        raise AssertionError(f"{where}: a total of {evaluation.total} is graded {evaluation.grade}, not {grade}")


def check_findings(rubric: Rubric, evaluation: Evaluation) -> None:
    """Findings belong to applicable indicators; points lost lie within [0, the indicator's
    effective weight rounded], are 0 for a parent's findings (notes: the children carry the
    points), and a finding is a deduction exactly when it loses points."""
    results = {result.id: result for result in evaluation.indicators}
    children = _children(evaluation)
    for finding in evaluation.findings:
        where = f"rubric {rubric.id}: a finding of indicator {finding.indicator!r}"
        result = results.get(finding.indicator)
        if result is None or result.status != "scored":
            raise AssertionError(f"{where}, which is {'unknown' if result is None else 'not applicable'}")
        bound = Decimal(0) if children[result.id] else _rounded(rubric, result.effective_weight)
        if not 0 <= finding.points_lost <= bound:
            raise AssertionError(f"{where} loses {finding.points_lost} points, outside [0, {bound}]")
        if (finding.severity == "deduction") != (finding.points_lost > 0):
            raise AssertionError(f"{where} is a {finding.severity} that loses {finding.points_lost} points")


def check_deterministic(rubric: Rubric, department: Mapping[str, Any], evaluation: Evaluation | None = None) -> None:
    """The same facts give the same evaluation: evaluated again, with the facts in another order,
    and, for the scores, grade and findings, on the fast path without traces (`trace=False`)."""
    first = evaluation if evaluation is not None else _evaluated(rubric, department)
    where = f"rubric {rubric.id}"
    if _evaluated(rubric, department) != first:
        raise AssertionError(f"{where}: evaluating the same facts twice gave different evaluations")
    if _evaluated(rubric, dict(reversed(list(department.items())))) != first:
        raise AssertionError(f"{where}: the same facts in another order gave a different evaluation")
    fast = _evaluated(rubric, department, trace=False)

    def scored(result: Evaluation) -> tuple[Any, ...]:
        indicators = tuple((i.id, i.score, i.effective_weight, i.status) for i in result.indicators)
        return result.total, result.maximum, result.grade, indicators, result.findings, result.provenance

    if scored(fast) != scored(first):
        raise AssertionError(
            f"{where}: scoring without traces (trace=False) gave other scores or findings than with them"
        )


def check_fact_checks(rubric: Rubric, department: Mapping[str, Any]) -> None:
    """The facts pass the rubric's fact checks, and facts that break a check are refused.

    Breaking a check in general would take solving it; this breaks the checks of the form
    `NAME == EXPR` that apply to these facts (NAME given, a top-level fact), by moving NAME one
    unit (up, or down if up leaves its bounds), and requires `facts.check` naming the check.
    """
    try:
        values = prepare(rubric.compiled, department).values
    except FactsError as refused:
        raise AssertionError(f"rubric {rubric.id} refused the facts:\n{refused}") from refused
    plan = _unchanged_plan(rubric.compiled)
    for equation in plan.top.equations:
        given = department.get(equation.target, OMIT)
        if type(given) not in (int, Decimal) or not all(name in values for name in equation.inputs):
            continue
        fact = plan.declared[equation.target]
        moved = next((v for v in (given + 1, given - 1) if direct_scalar(fact, v) is not None), None)
        if moved is None:
            continue
        broken = {**department, equation.target: moved}
        try:
            rubric.evaluate(broken, trace=False)
        except FactsError as refused:
            if any(
                d.code == "facts.check" and d.message.startswith(f"check {equation.check}:")
                for d in refused.diagnostics
            ):
                continue
            raise AssertionError(
                f"rubric {rubric.id}: {equation.target} = {moved} breaks check {equation.check}, "
                f"but the facts were refused for other reasons:\n{refused}"
            ) from refused
        except EvaluationError:
            pass
        raise AssertionError(
            f"rubric {rubric.id}: {equation.target} = {moved} breaks check {equation.check} "
            f"({equation.expression.source}), yet the facts were accepted"
        )


# -- ladders ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LadderCheck:
    """One ladder that `check_monotone_ladders` checked: where it is, the value its steps compare,
    which way its points go as that value rises, and its points at the values it was tried at
    (each threshold, a value between each two, and one beyond each end)."""

    indicator: str
    kind: Literal["ladder", "items value"]
    name: str
    direction: Literal["rising", "falling", "constant"]
    points: tuple[tuple[Decimal, Decimal], ...]


def check_monotone_ladders(rubric: Rubric) -> tuple[LadderCheck, ...]:
    """Ladders that compare one value with thresholds give points that move one way only with it.

    A ladder qualifies when every `when` compares one same name (a fact or a `let`) with a number
    literal, all in one direction (`r >= 0.95`, `r > 0.9`, `0.8 <= r`, …, or all `<`/`<=`), and
    every `then`/`otherwise` reads no name (`then: 4`); the stepped `value` of an `items` rule is
    checked the same way. Its points are then a step function of that one value, changing only
    at the thresholds, so trying it at each threshold, between each two and beyond both ends
    covers every value exactly: the check is a proof, not a sample. Monotone means the points
    never go up and then down (or down and then up) as the value rises: rising, as for
    `r >= 0.95 → 4, r >= 0.90 → 3, otherwise 0`, or falling, as a penalty ladder
    `issues >= 5 → 0, issues >= 1 → 2, otherwise 4` does; a step out of order (`r >= 0.95 → 3,
    r >= 0.90 → 4`) is neither. Other ladders are left alone. Gives the ladders checked.
    """
    programs = rubric.compiled.programs
    checked: list[LadderCheck] = []
    for indicator in rubric.model.all_indicators():
        rule = indicator.rule
        ladders: list[tuple[Literal["ladder", "items value"], tuple[Step, ...]]] = []
        if isinstance(rule, LadderRule):
            ladders.append(("ladder", rule.steps))
        elif isinstance(rule, ItemsRule) and isinstance(rule.value, tuple):
            ladders.append(("items value", rule.value))
        for kind, steps in ladders:
            shape = _ladder_shape(steps, programs)
            if shape is None:
                continue
            name, thresholds = shape
            points = _ladder_points(rubric, steps, name, thresholds)
            if points is None:
                continue
            rises = any(later > earlier for (_, earlier), (_, later) in zip(points, points[1:], strict=False))
            falls = any(later < earlier for (_, earlier), (_, later) in zip(points, points[1:], strict=False))
            if rises and falls:
                table = ", ".join(f"{value} → {score}" for value, score in points)
                raise AssertionError(
                    f"rubric {rubric.id}: the {kind} of indicator {indicator.id!r} is not monotone in {name}: "
                    f"its points go up and down as {name} rises ({table}); check the order of its steps"
                )
            direction: Literal["rising", "falling", "constant"] = (
                "rising" if rises else "falling" if falls else "constant"
            )
            checked.append(LadderCheck(indicator.id, kind, name, direction, points))
    return tuple(checked)


def _literal(node: ast.expr) -> Decimal | None:
    value: object = node.value if isinstance(node, ast.Constant) else None
    if isinstance(value, Decimal):
        return value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _literal(node.operand)
        return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
    return None


def _ladder_shape(steps: tuple[Step, ...], programs: Mapping[Any, Program]) -> tuple[str, tuple[Decimal, ...]] | None:
    """The one name a qualifying ladder compares, and its thresholds; None for any other ladder."""
    name: str | None = None
    upward: bool | None = None
    thresholds: list[Decimal] = []
    for step in steps:
        if programs[step.then.path].names:
            return None
        if step.when is None:
            continue
        tree = programs[step.when.path].tree
        if not (isinstance(tree, ast.Compare) and len(tree.ops) == 1):
            return None
        operator, left, right = tree.ops[0], tree.left, tree.comparators[0]
        if not isinstance(operator, (ast.Gt, ast.GtE, ast.Lt, ast.LtE)):
            return None
        if isinstance(left, ast.Name) and _literal(right) is not None:
            compared, threshold, up = left.id, _literal(right), isinstance(operator, (ast.Gt, ast.GtE))
        elif isinstance(right, ast.Name) and _literal(left) is not None:
            compared, threshold, up = right.id, _literal(left), isinstance(operator, (ast.Lt, ast.LtE))
        else:
            return None
        if (name is not None and compared != name) or (upward is not None and up != upward):
            return None
        assert threshold is not None
        name, upward = compared, up
        thresholds.append(threshold)
    return (name, tuple(sorted(set(thresholds)))) if name is not None else None


def _ladder_points(
    rubric: Rubric, steps: tuple[Step, ...], name: str, thresholds: tuple[Decimal, ...]
) -> tuple[tuple[Decimal, Decimal], ...] | None:
    """The ladder's points at each threshold, between each two, and beyond both ends, as the
    value rises; None if a step cannot be computed on its own."""
    programs, limits = rubric.compiled.programs, rubric.limits
    with decimal.localcontext(limits.decimal_context()):
        tried = [thresholds[0] - 1]
        for low, high in zip(thresholds, thresholds[1:], strict=False):
            tried += [low, (low + high) / 2]
        tried += [thresholds[-1], thresholds[-1] + 1]
    points = []
    try:
        for value in tried:
            scope = {name: value}
            step = next(s for s in steps if s.when is None or programs[s.when.path].evaluate(scope, limits) is True)
            score = programs[step.then.path].evaluate({}, limits)
            if type(score) is not Decimal:
                return None
            points.append((value, score))
    except (EvalFailure, StopIteration):
        return None
    return tuple(points)


# -- the test of a rubric ---------------------------------------------------------------------------


def property_test(
    rubric: Rubric, *, max_examples: int | None = None, **overrides: SearchStrategy[Any]
) -> Callable[[], None]:
    """A test of `rubric` for pytest (or to call): `check_monotone_ladders` once, then
    `check_properties` for departments drawn from `facts(rubric, **overrides)`.

    Assign it to a name starting with `test_` in a test module. `max_examples` sets how many
    departments hypothesis tries (its profile's setting by default); there is no deadline, as the
    first evaluations of a rubric also plan its scoring.
    """
    strategy = facts(rubric, **overrides)
    options: dict[str, Any] = {"deadline": None}
    if max_examples is not None:
        options["max_examples"] = max_examples

    @settings(**options)
    @given(strategy)
    def properties_hold(department: dict[str, Any]) -> None:
        check_properties(rubric, department)

    inner = getattr(getattr(properties_hold, "hypothesis", None), "inner_test", None)
    if inner is not None:  # one example database entry per rubric, not one for every rubric's test
        inner._hypothesis_internal_add_digest = rubric.sha256.encode()

    def test() -> None:
        check_monotone_ladders(rubric)
        properties_hold()

    test.__name__ = test.__qualname__ = f"test_rubric_{rubric.id.replace('-', '_')}"
    test.__doc__ = f"The properties of rubric.testing hold for rubric {rubric.id} {rubric.version}."
    return test
