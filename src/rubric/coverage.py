"""Which parts of a rubric a set of departments exercised: its branches, and those never taken.

An author's test cases prove a rubric right only where they reach. A branch is a way a score or
a finding can come about: each ladder step, each deduction that takes points, each case of a
match, an items rule with and without items selected (and each step of its stepped value), a
`not_applicable` condition both ways, a score expression computed, each finding written. The
step-by-step evaluation is run with every program's result noted; the branches are then read
off those notes, the applicability of each indicator and the findings written.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from .compile import CompiledRubric, Value
from .errors import Location
from .evaluate import _Run
from .facts import FactValues
from .model import (
    DeductionRule,
    Expression,
    FindingTemplate,
    Indicator,
    ItemsRule,
    LadderRule,
    MatchRule,
    ScoreRule,
    Step,
)


@dataclass
class Observations:
    """What evaluations did, added up over departments."""

    results: dict[tuple[str | int, ...], set[Value]] = field(default_factory=dict)  # by expression path
    applicable: set[str] = field(default_factory=set)
    not_applicable: set[str] = field(default_factory=set)
    nothing_selected: set[str] = field(default_factory=set)
    something_selected: set[str] = field(default_factory=set)
    matched: set[tuple[str, str]] = field(default_factory=set)  # (indicator id, case value)
    written: set[FindingTemplate] = field(default_factory=set)


class _Observing(_Run):
    """The step-by-step evaluation, noting every program's result and every finding written."""

    def __init__(self, compiled: CompiledRubric, facts: Mapping[str, Value], seen: Observations):
        super().__init__(compiled, facts, trace=False)
        self.seen = seen

    def run(self, expression: Expression, scope: Mapping[str, Value], indicator: Indicator | None) -> Value:
        value = super().run(expression, scope, indicator)
        self.seen.results.setdefault(expression.path, set()).add(value)
        return value

    def applies(self, template: FindingTemplate, scope: Mapping[str, Value], indicator: Indicator, default: bool) -> bool:
        held = super().applies(template, scope, indicator, default)
        if held:
            self.seen.written.add(template)
        return held


def observe(compiled: CompiledRubric, facts: FactValues, seen: Observations) -> None:
    """Evaluate `facts` (already prepared: they pass the rubric's checks) and note what ran.

    An evaluation that fails part way keeps what it noted until then: the branches it reached
    were exercised."""
    run = _Observing(compiled, facts.values, seen)
    with decimal.localcontext(compiled.limits.decimal_context()):
        try:
            run.applicability()
            for indicator in compiled.order:
                run.score(indicator)
            run.findings()
        finally:
            for indicator in compiled.indicators:
                if indicator.id in run.selections:  # an items rule that selects nothing may make it not applicable
                    chosen = seen.something_selected if run.selections[indicator.id] else seen.nothing_selected
                    chosen.add(indicator.id)
                if indicator.id not in run.not_applicable:
                    continue
                if run.not_applicable[indicator.id]:
                    seen.not_applicable.add(indicator.id)
                    continue
                seen.applicable.add(indicator.id)
                rule = indicator.rule
                if isinstance(rule, MatchRule) and rule.fact in facts.values:
                    seen.matched.add((indicator.id, str(facts.values[rule.fact])))


@dataclass(frozen=True)
class Branch:
    """One way a score or a finding can come about."""

    description: str
    location: Location
    covered: bool


@dataclass(frozen=True)
class IndicatorCoverage:
    indicator: Indicator
    branches: tuple[Branch, ...]

    @property
    def covered(self) -> int:
        return sum(branch.covered for branch in self.branches)


@dataclass(frozen=True)
class Coverage:
    indicators: tuple[IndicatorCoverage, ...]

    @property
    def branches(self) -> int:
        return sum(len(item.branches) for item in self.indicators)

    @property
    def covered(self) -> int:
        return sum(item.covered for item in self.indicators)

    @property
    def percent(self) -> Decimal:
        """Covered branches in per cent, exact (a rubric without branches is fully covered)."""
        return Decimal(100) if not self.branches else Decimal(100 * self.covered) / Decimal(self.branches)


def coverage(compiled: CompiledRubric, seen: Observations) -> Coverage:
    found = []
    for indicator in compiled.indicators:
        branches = tuple(_branches(indicator, seen))
        if branches:
            found.append(IndicatorCoverage(indicator, branches))
    return Coverage(tuple(found))


def _branches(indicator: Indicator, seen: Observations) -> Iterable[Branch]:
    if indicator.not_applicable is not None:
        condition = indicator.not_applicable
        yield Branch(f"not applicable (`{condition.text}` holds)", condition.location, indicator.id in seen.not_applicable)
        yield Branch(f"applies (`{condition.text}` does not hold)", condition.location, indicator.id in seen.applicable)
    rule = indicator.rule
    if isinstance(rule, ScoreRule):
        yield Branch(f"score `{rule.expression.text}` computed", rule.expression.location, _ran(seen, rule.expression))
    elif isinstance(rule, LadderRule):
        yield from _steps(rule.steps, seen, "step")
    elif isinstance(rule, DeductionRule):
        for number, deduction in enumerate(rule.deductions, start=1):
            if deduction.per is not None:
                taken = any(type(value) is Decimal and value > 0 for value in seen.results.get(deduction.per.path, ()))
                how = f"`{deduction.per.text}` above 0"
            elif deduction.when is not None:
                taken = True in seen.results.get(deduction.when.path, ())
                how = f"`{deduction.when.text}` holds"
            else:
                taken = _ran(seen, deduction.points)
                how = "applies"
            yield Branch(f"deduction {number}: {how}", (deduction.when or deduction.per or deduction.points).location, taken)
    elif isinstance(rule, MatchRule):
        for case in rule.cases:
            yield Branch(f"{rule.fact} is {case.value}", case.location, (indicator.id, case.value) in seen.matched)
    elif isinstance(rule, ItemsRule):
        yield Branch(f"items of {rule.over} selected", rule.over_location, indicator.id in seen.something_selected)
        yield Branch(f"no item of {rule.over} selected", rule.over_location, indicator.id in seen.nothing_selected)
        if not isinstance(rule.value, Expression):
            yield from _steps(rule.value, seen, "value step")
        yield from _findings(rule.findings, seen, "item finding")
    yield from _findings(indicator.findings, seen, "finding")


def _steps(steps: tuple[Step, ...], seen: Observations, word: str) -> Iterable[Branch]:
    """A step is taken when its value is computed: only the first step that holds computes it."""
    for number, step in enumerate(steps, start=1):
        if step.when is not None:
            yield Branch(f"{word} {number}: `{step.when.text}` holds", step.when.location, _ran(seen, step.then))
        else:
            yield Branch(f"{word} {number}: otherwise", step.then.location, _ran(seen, step.then))


def _findings(templates: tuple[FindingTemplate, ...], seen: Observations, word: str) -> Iterable[Branch]:
    for number, template in enumerate(templates, start=1):
        condition = f"`{template.when.text}` holds" if template.when is not None else "points lost"
        yield Branch(f"{word} {number} written ({condition})", template.location, template in seen.written)


def _ran(seen: Observations, expression: Expression) -> bool:
    return expression.path in seen.results

