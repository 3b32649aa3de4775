"""Stage 6b: plan a whole rubric's scoring, without traces, as one Python function.

Evaluating indicator by indicator (`evaluate._Run`) asks the same questions for every
department: which kind of rule is this, which program is next, has the budget run out. A plan
asks them once. From the compiled rubric it writes the source of one function that decides
applicability, computes every score and decides every finding for one department, in
straight-line code: the programs (already compiled from our own checked trees) are called by
name, weights and costs are constants, and the only strings from the rubric in the source are
ids and names (of indicators, facts and lets), written as literals by `repr`. No expression text
is part of it, and the function runs with no builtins but the few it is given. Findings are made
by the evaluation's own `finding`, passed in, so their texts are filled as without a plan.

The plan only ever takes the path on which `_Run` succeeds. It runs the same programs on the
same scopes in the same order and does the same decimal operations in the same context, so its
state is `_Run`'s; anything else (a program fails, a value is not a number, an item weight is not
positive, the step budget is exceeded, a decimal trap) raises, and the caller scores the
department again the interpretive way, which says precisely what went wrong.
`tests/test_plan.py` holds the two to the same results.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .language import ROUNDING_MODES
from .limits import Limits
from .model import (
    DeductionRule,
    Expression,
    FindingTemplate,
    Indicator,
    ItemsRule,
    LadderRule,
    MatchRule,
    RubricModel,
    ScoreRule,
    Step,
)

if TYPE_CHECKING:  # the compile stage plans with its programs: it imports this module, not the reverse
    from .compile import Program, Value

ItemValue = tuple[int, dict[str, "Value"], Decimal, Decimal]


@dataclass(frozen=True)
class Scored:
    """What the interpretive evaluation knows after scoring, for the findings that follow."""

    scope: dict[str, Value]  # the facts, every score under its name, every let
    not_applicable: dict[str, bool]
    effective: Mapping[str, Decimal]
    scores: dict[str, Decimal]
    lets: dict[str, tuple[tuple[str, Value], ...]]
    item_values: dict[str, list[ItemValue]]
    steps: int
    findings: list[Any]  # what `finding` made, in the order `_Run.findings` makes them


# finding(indicator, template, scope, points lost): the evaluation's own way of making a finding
MakeFinding = Callable[[Indicator, FindingTemplate, Mapping[str, "Value"], Decimal], Any]
Scorer = Callable[[Mapping[str, "Value"], MakeFinding], Scored]


class _Bail(Exception):
    """A department the plan does not score: the interpretive evaluation does, and explains."""


def _number(value: Value) -> Decimal:
    if type(value) is not Decimal:
        raise _Bail
    return value


def _select(facts: Mapping[str, Value], records: Any, where: Callable[[Mapping[str, Value]], Value] | None) -> tuple[int, ...]:
    if where is None:
        return tuple(range(len(records)))
    return tuple(index for index, record in enumerate(records) if where({**facts, **dict(record)}) is True)


class _Writer:
    """The function's source, line by line, and the objects it names."""

    def __init__(self, programs: Mapping[Any, Program]):
        self.programs = programs
        self.lines: list[str] = []
        self.names: dict[str, Any] = {}
        self.named: dict[int, str] = {}

    def line(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)

    def constant(self, value: Any) -> str:
        """A name for an object the source uses (a Decimal, a program's function, a tuple)."""
        key = id(value)
        if key not in self.named:
            name = f"K{len(self.named)}"
            self.named[key] = name
            self.names[name] = value
        return self.named[key]

    def number(self, depth: int, target: str, call: str) -> None:
        """`target = call`, stopping the plan unless it gives a number (as `_Run.number` fails)."""
        self.line(depth, f"{target} = {call}")
        self.line(depth, f"if type({target}) is not Decimal:")
        self.line(depth + 1, "raise Bail")

    def call(self, expression: Expression, scope: str) -> tuple[str, int]:
        """The call of a program on a scope, and the program's cost."""
        program = self.programs[expression.path]
        return f"{self.constant(program.function)}({scope})", program.cost


def plan_scoring(
    model: RubricModel,
    programs: Mapping[Any, Program],
    indicators: tuple[Indicator, ...],
    order: tuple[Indicator, ...],
    parents: Mapping[str, str | None],
    score_names: Mapping[str, str],
    full_shares: Mapping[str, Decimal],
    shares: Callable[[tuple[bool, ...]], Mapping[str, Decimal]],  # effective weights, given which indicators are out
    limits: Limits,
) -> Scorer:
    """The rubric's scoring as one function of the converted facts; see the module's docstring."""
    writer = _Writer(programs)
    local = {indicator.id: f"i{number}" for number, indicator in enumerate(indicators)}
    write = writer.line
    write(0, "def scored(F, finding):")
    write(1, "S = dict(F)")
    write(1, "n = 0")
    write(1, "LETS = {}")
    write(1, "IV = {}")
    write(1, "FOUND = []")
    # 1. applicability, top-down in tree order: out when the parent is, or the condition holds
    for indicator in indicators:
        name = local[indicator.id]
        parent = parents[indicator.id]
        write(1, f"o_{name} = {'o_' + local[parent] if parent is not None else 'False'}")
        if indicator.not_applicable is not None:
            call, cost = writer.call(indicator.not_applicable, "F")
            write(1, f"if not o_{name}:")
            write(2, f"n += {cost}")
            write(2, f"o_{name} = {call} is True")
        rule = indicator.rule
        if not indicator.children and isinstance(rule, ItemsRule):
            write(1, f"sel_{name} = ()")
            write(1, f"if not o_{name}:")
            where = "None"
            if rule.where is not None:
                where = writer.constant(programs[rule.where.path].function)
                write(2, f"n += {programs[rule.where.path].cost} * len(F[{rule.over!r}])")
            write(2, f"sel_{name} = select(F, F[{rule.over!r}], {where})")
    # ... and bottom-up: a parent is out when all its children are, an items leaf when it selects none
    for indicator in reversed(indicators):
        name = local[indicator.id]
        rule = indicator.rule
        if indicator.children:
            children = " and ".join(f"na_{local[child.id]}" for child in indicator.children)
            write(1, f"na_{name} = o_{name} or ({children})")
        elif isinstance(rule, ItemsRule) and rule.empty == "not_applicable":
            write(1, f"na_{name} = o_{name} or not sel_{name}")
        else:
            write(1, f"na_{name} = o_{name}")
    not_applicable = ", ".join(f"{indicator.id!r}: na_{local[indicator.id]}" for indicator in indicators)
    write(1, f"NA = {{{not_applicable}}}")
    every = ", ".join(f"na_{local[indicator.id]}" for indicator in indicators)
    write(1, f"E = shares(({every},)) if {' or '.join(f'na_{local[i.id]}' for i in indicators)} else FULL")
    # 3. scores, each after the ones it reads
    for indicator in order:
        _score(writer, indicator, local, score_names)
    # 5. findings, in tree order
    for indicator in indicators:
        _findings(writer, indicator, local)
    scores = ", ".join(f"{indicator.id!r}: s_{local[indicator.id]}" for indicator in indicators)
    write(1, f"if n > {limits.max_steps}:")
    write(2, "raise Bail")
    write(1, f"return Scored(S, NA, E, {{{scores}}}, LETS, IV, n, FOUND)")

    rounding = model.rounding
    quantum = Decimal(1).scaleb(-rounding.places)
    mode = ROUNDING_MODES[rounding.mode]

    namespace: dict[str, Any] = {
        "__builtins__": {},
        **writer.names,
        "Decimal": Decimal,
        "D0": Decimal(0),
        "D1": Decimal(1),
        "ZERO": Decimal(0).quantize(quantum, rounding=mode),
        "FULL": full_shares,
        "Bail": _Bail,
        "Scored": Scored,
        "dict": dict,
        "type": type,
        "len": len,
        "next": next,
        "select": _select,
        "shares": shares,
        "QUANTUM": quantum,
        "ROUNDING": mode,
        "items": _items,
        "item_findings": _item_findings,
    }
    exec(compile("\n".join(writer.lines), f"<plan of {model.id}>", "exec"), namespace)  # noqa: S102 - our own source
    scorer: Scorer = namespace["scored"]
    return scorer


def _score(writer: _Writer, indicator: Indicator, local: Mapping[str, str], score_names: Mapping[str, str]) -> None:
    write = writer.line
    name = local[indicator.id]
    write(1, f"if na_{name}:")
    write(2, f"s_{name} = ZERO")
    write(1, "else:")
    if indicator.lets:
        for let_name, expression in indicator.lets:
            call, cost = writer.call(expression, "S")
            write(2, f"n += {cost}")
            write(2, f"S[{let_name!r}] = {call}")
        lets = ", ".join(f"({let_name!r}, S[{let_name!r}])" for let_name, _ in indicator.lets)
        write(2, f"LETS[{indicator.id!r}] = ({lets},)")
    if indicator.children:
        write(2, f"s_{name} = D0 + {' + '.join(f's_{local[child.id]}' for child in indicator.children)}")
    else:
        _rule(writer, indicator, local)
        weight = writer.constant(indicator.weight)
        write(2, "c = D0 if D0 > r else r")  # max(r, D0) and min(c, weight), as `_Run` clamps, without the calls
        write(2, f"if {weight} < c:")
        write(3, f"c = {weight}")
        write(2, f"e = E[{indicator.id!r}]")
        write(2, f"if e != {weight}:")
        write(3, "c = D0" if indicator.weight == 0 else f"c = c * e / {weight}")
        write(2, f"s_{name} = c.quantize(QUANTUM, rounding=ROUNDING)")
    write(1, f"S[{score_names[indicator.id]!r}] = s_{name}")


def _rule(writer: _Writer, indicator: Indicator, local: Mapping[str, str]) -> None:
    write = writer.line
    rule = indicator.rule
    if isinstance(rule, ScoreRule):
        call, cost = writer.call(rule.expression, "S")
        write(2, f"n += {cost}")
        writer.number(2, "r", call)
    elif isinstance(rule, LadderRule):
        spent = 0
        for number, step in enumerate(rule.steps):
            then, then_cost = writer.call(step.then, "S")
            if step.when is None:
                write(2, "else:" if number else "if True:")
                write(3, f"n += {spent + then_cost}")
                writer.number(3, "r", then)
                break
            when, when_cost = writer.call(step.when, "S")
            spent += when_cost
            write(2, f"{'elif' if number else 'if'} {when} is True:")
            write(3, f"n += {spent + then_cost}")
            writer.number(3, "r", then)
    elif isinstance(rule, DeductionRule):
        write(2, "t = D0")
        for deduction in rule.deductions:
            depth = 2
            if deduction.when is not None:
                when, when_cost = writer.call(deduction.when, "S")
                write(2, f"n += {when_cost}")
                write(2, f"if {when} is True:")
                depth = 3
            points, points_cost = writer.call(deduction.points, "S")
            write(depth, f"n += {points_cost}")
            writer.number(depth, "p", points)
            if deduction.per is not None:
                per, per_cost = writer.call(deduction.per, "S")
                write(depth, f"n += {per_cost}")
                writer.number(depth, "q", per)
                write(depth, "t += p * q")
            else:
                write(depth, "t += p * D1")
        write(2, f"r = {writer.constant(indicator.weight)} - t")
    elif isinstance(rule, MatchRule):
        cases = writer.constant(tuple((case.value, case.points) for case in rule.cases))
        write(2, f"chosen = S[{rule.fact!r}]")
        write(2, f"r = next(points for value, points in {cases} if value == chosen)")
    elif isinstance(rule, ItemsRule):
        value = writer.programs[rule.value.path] if isinstance(rule.value, Expression) else _ladder_plan(writer, rule.value)
        weight = writer.programs[rule.weight.path] if rule.weight is not None else None
        arguments = f"S, F[{rule.over!r}], sel_{local[indicator.id]}, {writer.constant(value)}, {writer.constant(weight)}"
        write(2, f"r, spent, valued = items({arguments}, {writer.constant(rule.empty)}, {writer.constant(indicator.weight)})")
        write(2, "n += spent")
        write(2, "if valued is not None:")
        write(3, f"IV[{indicator.id!r}] = valued")
    else:
        write(2, "raise Bail")


def _findings(writer: _Writer, indicator: Indicator, local: Mapping[str, str]) -> None:
    """An indicator's findings, as `_Run.findings` makes them without a trace."""
    rule = indicator.rule
    item_templates = rule.findings if isinstance(rule, ItemsRule) else ()
    if not indicator.findings and not item_templates:
        return
    write = writer.line
    name = local[indicator.id]
    constant = writer.constant
    write(1, f"if not na_{name}:")
    write(2, f"e = E[{indicator.id!r}]")
    write(2, "lost = e.quantize(QUANTUM, rounding=ROUNDING) - s_" + name)
    write(2, "if D0 > lost:")  # max(lost, 0), as `_Run` takes it
    write(3, "lost = D0")
    for number, (let_name, _) in enumerate(indicator.lets):
        write(2, f"S[{let_name!r}] = LETS[{indicator.id!r}][{number}][1]")
    write(2, f"S['score'] = s_{name}")
    write(2, "S['weight'] = e")
    write(2, "S['lost'] = lost")
    attributed = "ZERO" if indicator.children else "lost"
    for template in indicator.findings:
        if template.when is None:
            write(2, "if lost > D0:")
        else:
            call, cost = writer.call(template.when, "S")
            write(2, f"n += {cost}")
            write(2, f"if {call} is True:")
        write(3, f"FOUND.append(finding({constant(indicator)}, {constant(template)}, S, {attributed}))")
    if item_templates:
        plans = tuple((template, writer.programs[template.when.path] if template.when else None) for template in item_templates)
        write(2, f"valued = IV.get({indicator.id!r})")
        write(2, "if valued is not None:")
        arguments = f"finding, {constant(indicator)}, {constant(plans)}, valued, e, QUANTUM, ROUNDING"
        write(3, f"n += item_findings(FOUND, {arguments})")


def _item_findings(
    found: list[Any],
    finding: MakeFinding,
    indicator: Indicator,
    templates: tuple[tuple[FindingTemplate, Program | None], ...],
    valued: list[ItemValue],
    effective: Decimal,
    quantum: Decimal,
    rounding: str,
) -> int:
    """Each item's findings, each with the item's share of the points lost; the steps spent."""
    spent = 0
    weights = sum((weight for *_, weight in valued), Decimal(0))
    for _, item_scope, value, weight in valued:
        share = (effective * weight / weights * (1 - value)).quantize(quantum, rounding=rounding)
        scope = {**item_scope, "value": value}
        for template, when in templates:
            if when is None:
                holds = value < 1
            else:
                spent += when.cost
                holds = when.function(scope) is True
            if holds:
                found.append(finding(indicator, template, scope, share))
    return spent


def _ladder_plan(writer: _Writer, steps: tuple[Step, ...]) -> tuple[tuple[Program | None, Program], ...]:
    return tuple((writer.programs[step.when.path] if step.when is not None else None, writer.programs[step.then.path]) for step in steps)


def _ladder(steps: tuple[tuple[Program | None, Program], ...], scope: Mapping[str, Value]) -> tuple[Decimal, int]:
    spent = 0
    for when, then in steps:
        if when is not None:
            spent += when.cost
            if when.function(scope) is not True:
                continue
        return _number(then.function(scope)), spent + then.cost
    raise _Bail


def _items(
    scope: dict[str, Value],
    records: Any,
    selected: tuple[int, ...],
    value: Program | tuple[tuple[Program | None, Program], ...],
    weight: Program | None,
    empty: Decimal | str,
    indicator_weight: Decimal,
) -> tuple[Decimal, int, list[ItemValue] | None]:
    """An items rule's raw score, as `_Run.items` computes it."""
    if not selected:
        if type(empty) is not Decimal:
            raise _Bail
        return empty, 0, None
    spent = 0
    valued: list[ItemValue] = []
    for index in selected:
        item_scope = {**scope, **dict(records[index])}
        if isinstance(value, tuple):
            item_value, cost = _ladder(value, item_scope)
            spent += cost
        else:
            spent += value.cost
            item_value = _number(value.function(item_scope))
        clamped = min(max(item_value, Decimal(0)), Decimal(1))
        if weight is not None:
            spent += weight.cost
            item_weight = _number(weight.function(item_scope))
        else:
            item_weight = Decimal(1)
        if item_weight <= 0:
            raise _Bail
        valued.append((index, item_scope, clamped, item_weight))
    weights = sum((item_weight for *_, item_weight in valued), Decimal(0))
    mean = sum((item_value * item_weight for _, _, item_value, item_weight in valued), Decimal(0)) / weights
    return indicator_weight * mean, spent, valued
