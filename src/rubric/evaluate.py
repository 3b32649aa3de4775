"""Stage 7: score a compiled rubric against converted facts, explaining every point.

Evaluation runs only what was checked and compiled; its state lives in one `_Run` per call, so
one rubric serves many threads. In order:

1. applicability, from facts only: an indicator is not applicable when its `not_applicable`
   condition holds, when its `items` rule selects nothing and says `empty: not_applicable`, or
   when all its children are;
2. effective weights, top-down: an applicable indicator's share of its parent's effective weight
   is in proportion to its weight among its applicable siblings (top level: of `total`);
3. scores, in an order where each indicator comes after the ones it reads: a leaf's rule is
   computed exactly on the indicator's own weight, clamped to [0, weight], scaled to the
   effective weight, and rounded once as the rubric declares; a parent's score is the exact sum
   of its children's rounded scores;
4. the total, the maximum and the grade (from the rounded total);
5. findings, in tree order, filled from facts and computed values.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from . import language
from .check import Placeholder
from .compile import CompiledRubric, Program, Value, failure_reason, steps_exceeded
from .errors import Location, RubricError, error
from .facts import FactValues
from .language import ROUNDING_MODES, WRITERS, describe_value
from .model import (
    DeductionRule,
    Expression,
    FindingTemplate,
    Indicator,
    ItemsRule,
    LadderRule,
    MatchRule,
    ScoreRule,
    Sentence,
    Step,
    Template,
    Text,
)
from .version import __version__

Status = Literal["scored", "not_applicable"]
Severity = Literal["deduction", "note"]


class EvaluationError(RubricError):
    """A rule could not be computed for these facts: which indicator, which expression, which values."""


@dataclass(frozen=True)
class Trace:
    """How a score was reached: the values read, the intermediate values, the branch taken."""

    reads: tuple[tuple[str, Value], ...] = ()
    lets: tuple[tuple[str, Value], ...] = ()
    steps: tuple[str, ...] = ()
    raw: Decimal | None = None  # the rule's result on the indicator's own weight, before clamping


_UNTRACED = Trace()
_NOT_APPLICABLE = Trace(steps=("not applicable",))


@dataclass(frozen=True)
class IndicatorResult:
    id: str
    name: Text
    parent: str | None
    weight: Decimal
    effective_weight: Decimal
    score: Decimal
    status: Status
    trace: Trace
    depth: int
    narrative: tuple[Text, ...] = ()  # the rubric's report sentences that hold for these facts


@dataclass(frozen=True)
class Narrative:
    """The rubric's own texts of the written report, filled for these facts."""

    title: Text | None
    basic: tuple[Text, ...]
    conclusion: tuple[Text, ...]



_NO_NARRATIVE = Narrative(None, (), ())


@dataclass(frozen=True)
class Finding:
    indicator: str
    name: Text
    points_lost: Decimal
    problem: Text
    improvement: Text
    severity: Severity


@dataclass(frozen=True)
class Provenance:
    """What a signed score can be reproduced and checked from later."""

    rubric_id: str
    rubric_version: str
    rubric_sha256: str  # of the rubric's canonical content: independent of comments, layout and key order
    facts_sha256: str  # of the facts' canonical form, after conversion and defaults
    library_version: str


@dataclass(frozen=True)
class Evaluation:
    """The result of scoring one department's facts with one rubric."""

    rubric_id: str
    rubric_title: Text
    rubric_version: str
    total: Decimal
    maximum: Decimal
    grade: Text | None
    indicators: tuple[IndicatorResult, ...]
    findings: tuple[Finding, ...]
    provenance: Provenance
    narrative: Narrative

    def indicator(self, indicator_id: str) -> IndicatorResult:
        for result in self.indicators:
            if result.id == indicator_id:
                return result
        raise KeyError(indicator_id)

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        """Plain data for JSON: dicts, lists, text, booleans, None, and exact `Decimal` numbers
        (write it with `rubric.render.json_text` to keep every digit)."""
        return {
            "rubric": {"id": self.rubric_id, "title": self.rubric_title.in_language(lang), "version": self.rubric_version},
            "total": self.total,
            "max": self.maximum,
            "grade": self.grade.in_language(lang) if self.grade else None,
            "indicators": {
                result.id: {
                    "name": result.name.in_language(lang),
                    "parent": result.parent,
                    "weight": result.weight,
                    "effective_weight": result.effective_weight,
                    "score": result.score,
                    "status": result.status,
                    "trace": {
                        "reads": {name: _plain(value) for name, value in result.trace.reads},
                        "lets": {name: _plain(value) for name, value in result.trace.lets},
                        "steps": list(result.trace.steps),
                    },
                }
                for result in self.indicators
            },
            "findings": [
                {
                    "indicator": finding.indicator,
                    "name": finding.name.in_language(lang),
                    "points_lost": finding.points_lost,
                    "problem": finding.problem.in_language(lang),
                    "improvement": finding.improvement.in_language(lang),
                    "severity": finding.severity,
                }
                for finding in self.findings
            ],
            "provenance": {
                "rubric_id": self.provenance.rubric_id,
                "rubric_version": self.provenance.rubric_version,
                "rubric_sha256": self.provenance.rubric_sha256,
                "facts_sha256": self.provenance.facts_sha256,
                "library_version": self.provenance.library_version,
            },
        }


def _plain(value: Value) -> Any:
    if isinstance(value, tuple):
        return [dict(record) for record in value]
    return value


class _Run:
    """One evaluation: the facts, one scope and everything computed so far.

    The scope starts as the facts; each score joins it (as `score_of(id)`) when computed, and
    each indicator's lets are set in it before its rule runs. The checker lets a program read
    only the facts, the scores its indicator depends on and its own lets, all of which are
    current when it runs, so one dict serves the whole evaluation instead of a copy for each
    indicator. Items get a scope of their own per item, as their fields come and go.
    """

    def __init__(self, compiled: CompiledRubric, facts: Mapping[str, Value], trace: bool):
        self.compiled = compiled
        self.model = compiled.model
        self.facts = facts
        self.trace = trace
        self.programs = compiled.programs
        self.steps = 0
        self.max_steps = compiled.limits.max_steps
        rounding = self.model.rounding
        self.quantum = Decimal(1).scaleb(-rounding.places)
        self.rounding = ROUNDING_MODES[rounding.mode]
        self.zero = Decimal(0).quantize(self.quantum, rounding=self.rounding)
        self.scope: dict[str, Value] = dict(facts)
        self.not_applicable: dict[str, bool] = {}
        self.selections: dict[str, tuple[int, ...]] = {}
        self.effective: Mapping[str, Decimal] = {}
        self.scores: dict[str, Decimal] = {}
        self.traces: dict[str, Trace] = {}
        self.lets: dict[str, tuple[tuple[str, Value], ...]] = {}
        self.item_values: dict[str, list[tuple[int, dict[str, Value], Decimal, Decimal]]] = {}
        self.narratives: dict[str, tuple[Text, ...]] = {}
        self.found: list[Finding] | None = None  # the findings, when the plan made them

    # -- running one program ----------------------------------------------------------------

    def run(self, expression: Expression, scope: Mapping[str, Value], indicator: Indicator | None) -> Value:
        program = self.programs[expression.path]
        self.steps += program.cost
        if self.steps > self.max_steps:
            raise _failure(indicator, program, scope, steps_exceeded(self.compiled.limits))
        try:
            return program.function(scope)
        except Exception as problem:  # noqa: BLE001 - every way a program fails, named by failure_reason
            raise _failure(indicator, program, scope, failure_reason(problem)) from None

    def number(self, expression: Expression, scope: Mapping[str, Value], indicator: Indicator) -> Decimal:
        value = self.run(expression, scope, indicator)
        if type(value) is not Decimal:
            program = self.programs[expression.path]
            raise _failure(indicator, program, scope, f"it gave {describe_value(value)}, not a number")
        return value

    def holds(self, expression: Expression, scope: Mapping[str, Value], indicator: Indicator | None) -> bool:
        return self.run(expression, scope, indicator) is True

    def round(self, value: Decimal) -> Decimal:
        return value.quantize(self.quantum, rounding=self.rounding)

    def adopt_plan(self) -> bool:
        """Steps 1 to 3 and the findings by the rubric's planned function, when it can score these
        facts; when it cannot (a rule fails, say), nothing is kept and the steps are taken one by one."""
        try:
            scored = self.compiled.scorer(self.facts, self.finding)
        except Exception:  # noqa: BLE001 - whatever stopped the plan, the interpretive path says it
            return False
        self.scope, self.not_applicable, self.effective = scored.scope, scored.not_applicable, scored.effective
        self.scores, self.lets, self.item_values, self.steps = scored.scores, scored.lets, scored.item_values, scored.steps
        self.found = scored.findings
        return True

    # -- 1. applicability and 2. effective weights --------------------------------------------

    def applicability(self) -> None:
        """Which indicators are not applicable, and so every indicator's effective weight.

        Top-down, in tree order, an indicator is out when an ancestor is or its own condition
        holds (an items rule selects its items here); bottom-up, a parent is out when all its
        children are. When every indicator applies, the effective weights are the ones worked
        out at compile time.
        """
        compiled = self.compiled
        parents = compiled.parents
        own: dict[str, bool] = {}
        for indicator in compiled.indicators:
            parent = parents[indicator.id]
            out = parent is not None and own[parent]
            if not out and indicator.not_applicable is not None:
                out = self.holds(indicator.not_applicable, self.facts, indicator)
            own[indicator.id] = out
            if not out and not indicator.children and isinstance(indicator.rule, ItemsRule):
                self.selections[indicator.id] = self.select(indicator, indicator.rule)
        not_applicable = self.not_applicable
        for indicator in reversed(compiled.indicators):
            out = own[indicator.id]
            if indicator.children:
                out = out or all(not_applicable[child.id] for child in indicator.children)
            elif isinstance(indicator.rule, ItemsRule) and not out:
                out = not self.selections[indicator.id] and indicator.rule.empty == "not_applicable"
            not_applicable[indicator.id] = out
        if any(not_applicable.values()):
            self.effective = compiled.shares_for(tuple(not_applicable[indicator.id] for indicator in compiled.indicators))
        else:
            self.effective = compiled.full_shares

    def select(self, indicator: Indicator, rule: ItemsRule) -> tuple[int, ...]:
        records = self.facts[rule.over]
        assert isinstance(records, tuple)
        selected = []
        for index, record in enumerate(records):
            scope = {**self.facts, **dict(record)}
            if rule.where is None or self.holds(rule.where, scope, indicator):
                selected.append(index)
        return tuple(selected)

    # -- 3. scores ------------------------------------------------------------------------------

    def score(self, indicator: Indicator) -> None:
        if self.not_applicable[indicator.id]:
            self.set_score(indicator.id, self.zero)
            if self.trace:
                self.traces[indicator.id] = _NOT_APPLICABLE
            return
        scope = self.scope
        lets = []
        if indicator.lets:
            for name, expression in indicator.lets:
                scope[name] = self.run(expression, scope, indicator)
                lets.append((name, scope[name]))
            self.lets[indicator.id] = tuple(lets)
        steps: list[str] | None = [] if self.trace else None
        if indicator.children:
            total = sum((self.scores[child.id] for child in indicator.children), Decimal(0))
            self.set_score(indicator.id, total)
            if steps is not None:
                self.traces[indicator.id] = Trace(self.reads(indicator), tuple(lets), (f"sum of children: {total}",), None)
            return
        try:
            raw = self.rule(indicator, scope, steps)
        except ArithmeticError:  # a decimal trap while combining values outside an expression (items)
            raise _failure(indicator, None, scope, "a number grew out of range") from None
        effective = self.effective[indicator.id]
        clamped = min(max(raw, Decimal(0)), indicator.weight)
        if steps is not None and clamped != raw:
            steps.append(f"clamped {raw} to {clamped} (0 to {indicator.weight})")
        scaled = clamped
        if effective != indicator.weight:
            scaled = Decimal(0) if indicator.weight == 0 else clamped * effective / indicator.weight
            if steps is not None:
                steps.append(f"scaled to the effective weight {effective}: {scaled}")
        score = self.round(scaled)
        if steps is not None:
            if score != scaled:
                rounding = self.model.rounding
                steps.append(f"rounded {rounding.mode.replace('_', '-')} to {rounding.places} places: {score}")
            self.traces[indicator.id] = Trace(self.reads(indicator), tuple(lets), tuple(steps), raw)
        self.set_score(indicator.id, score)

    def set_score(self, indicator_id: str, score: Decimal) -> None:
        self.scores[indicator_id] = score
        self.scope[self.compiled.score_names[indicator_id]] = score

    def reads(self, indicator: Indicator) -> tuple[tuple[str, Value], ...]:
        """The facts and scores the indicator's programs read (not its lets), with their values."""
        scope = self.scope
        return tuple((name, scope[name]) for name in self.compiled.traced_reads[indicator.id] if name in scope)

    def rule(self, indicator: Indicator, scope: dict[str, Value], steps: list[str] | None) -> Decimal:
        rule = indicator.rule
        if isinstance(rule, ScoreRule):
            value = self.number(rule.expression, scope, indicator)
            if steps is not None:
                steps.append(f"{rule.expression.text} = {value}")
            return value
        if isinstance(rule, LadderRule):
            return self.ladder(rule.steps, scope, indicator, steps, "step")
        if isinstance(rule, DeductionRule):
            return self.deductions(indicator, rule, scope, steps)
        if isinstance(rule, MatchRule):
            chosen = scope[rule.fact]
            points = next(case.points for case in rule.cases if case.value == chosen)
            if steps is not None:
                steps.append(f"{rule.fact} is {chosen}: {points}")
            return points
        assert isinstance(rule, ItemsRule)
        return self.items(indicator, rule, scope, steps)

    def deductions(self, indicator: Indicator, rule: DeductionRule, scope: dict[str, Value], steps: list[str] | None) -> Decimal:
        total = Decimal(0)
        for number, deduction in enumerate(rule.deductions, start=1):
            if deduction.when is not None and not self.holds(deduction.when, scope, indicator):
                if steps is not None:
                    steps.append(f"deduction {number}: `{deduction.when.text}` does not hold")
                continue
            points = self.number(deduction.points, scope, indicator)
            count = self.number(deduction.per, scope, indicator) if deduction.per is not None else Decimal(1)
            amount = points * count
            total += amount
            if steps is not None:
                condition = f"`{deduction.when.text}` holds" if deduction.when is not None else "applies"
                per = f", {count} × {points}" if deduction.per is not None else f", {points}"
                steps.append(f"deduction {number}: {condition}{per}: −{amount}")
        if steps is not None:
            steps.append(f"{indicator.weight} − {total} = {indicator.weight - total}")
        return indicator.weight - total

    def ladder(
        self, ladder: tuple[Step, ...], scope: Mapping[str, Value], indicator: Indicator, steps: list[str] | None, word: str
    ) -> Decimal:
        for number, step in enumerate(ladder, start=1):
            if step.when is None:
                value = self.number(step.then, scope, indicator)
                if steps is not None:
                    steps.append(f"{word} {number} (otherwise): {value}")
                return value
            if self.holds(step.when, scope, indicator):
                value = self.number(step.then, scope, indicator)
                if steps is not None:
                    steps.append(f"{word} {number}: `{step.when.text}` holds: {value}")
                return value
        raise AssertionError("the checker requires a closing otherwise")

    def items(self, indicator: Indicator, rule: ItemsRule, scope: dict[str, Value], steps: list[str] | None) -> Decimal:
        records = self.facts[rule.over]
        assert isinstance(records, tuple)
        selected = self.selections[indicator.id]
        if steps is not None:
            steps.append(f"{len(selected)} of {len(records)} items of {rule.over} selected")
        if not selected:
            assert isinstance(rule.empty, Decimal)
            if steps is not None:
                steps.append(f"no item selected: {rule.empty}")
            return rule.empty
        valued = []
        for index in selected:
            item_scope = {**scope, **dict(records[index])}
            item_steps: list[str] | None = [] if steps is not None else None
            if isinstance(rule.value, Expression):
                value = self.number(rule.value, item_scope, indicator)
            else:
                value = self.ladder(rule.value, item_scope, indicator, item_steps, "value step")
            clamped = min(max(value, Decimal(0)), Decimal(1))
            weight = self.number(rule.weight, item_scope, indicator) if rule.weight is not None else Decimal(1)
            if weight <= 0:
                program = self.programs[rule.weight.path] if rule.weight is not None else None
                raise _failure(indicator, program, item_scope, f"item {index} has weight {weight}; weights must be positive")
            if steps is not None:
                detail = f" ({'; '.join(item_steps)})" if item_steps else ""
                clamp_note = f", clamped to {clamped}" if clamped != value else ""
                steps.append(f"item {index}: value {value}{clamp_note}, weight {weight}{detail}")
            valued.append((index, item_scope, clamped, weight))
        weights = sum((weight for *_, weight in valued), Decimal(0))
        mean = sum((value * weight for _, _, value, weight in valued), Decimal(0)) / weights
        self.item_values[indicator.id] = valued
        raw = indicator.weight * mean
        if steps is not None:
            steps.append(f"weighted mean {mean}; {indicator.weight} × mean = {raw}")
        return raw

    # -- 5. findings --------------------------------------------------------------------------

    def findings(self) -> list[Finding]:
        found: list[Finding] = []
        scope = self.scope  # every score is in it now
        for indicator in self.compiled.indicators:
            rule = indicator.rule
            if self.not_applicable[indicator.id] or not (
                indicator.findings or (indicator.report and self.trace) or (isinstance(rule, ItemsRule) and rule.findings)
            ):
                continue
            effective = self.effective[indicator.id]
            score = self.scores[indicator.id]
            # Against the effective weight as rounded: a full share of 14.2857… scores 14.29 and loses 0.
            lost = max(self.round(effective) - score, Decimal(0))
            scope.update(self.lets.get(indicator.id, ()))
            scope["score"], scope["weight"], scope["lost"] = score, effective, lost
            # Points are lost, and so reported, where rules score them: on leaves. A parent's
            # findings are notes, or every lost point would be counted twice.
            attributed = self.zero if indicator.children else lost
            for template in indicator.findings:
                if self.applies(template, scope, indicator, default=lost > 0):
                    found.append(self.finding(indicator, template, scope, attributed))
            if indicator.report and self.trace:
                self.narratives[indicator.id] = self.narrate(indicator.report, scope, indicator)
            if isinstance(rule, ItemsRule) and rule.findings and indicator.id in self.item_values:
                valued = self.item_values[indicator.id]
                weights = sum((weight for *_, weight in valued), Decimal(0))
                for _, item_scope, value, weight in valued:
                    share = self.round(effective * weight / weights * (1 - value))
                    scope_with_value = {**item_scope, "value": value}
                    for template in rule.findings:
                        if self.applies(template, scope_with_value, indicator, default=value < 1):
                            found.append(self.finding(indicator, template, scope_with_value, share))
        return found

    def narrate(self, sentences: tuple[Sentence, ...], scope: Mapping[str, Value], indicator: Indicator | None) -> tuple[Text, ...]:
        """The sentences whose condition holds, filled; those reading a fact not given are left out."""
        told = []
        needed = self.compiled.placeholders
        for sentence in sentences:
            if not all(name in scope for name in needed[sentence.text.path]):
                continue
            if sentence.when is not None and not all(name in scope for name in needed[sentence.when.path]):
                continue
            if sentence.when is None or self.holds(sentence.when, scope, indicator):
                told.append(self.fill(sentence.text, scope))
        return tuple(told)

    def applies(self, template: FindingTemplate, scope: Mapping[str, Value], indicator: Indicator, default: bool) -> bool:
        return default if template.when is None else self.holds(template.when, scope, indicator)

    def finding(self, indicator: Indicator, template: FindingTemplate, scope: Mapping[str, Value], lost: Decimal) -> Finding:
        finding: Finding = object.__new__(Finding)  # all fields at once, as `_results` does
        finding.__dict__.update(
            indicator=indicator.id,
            name=indicator.name,
            points_lost=lost,
            problem=self.fill(template.problem, scope),
            improvement=self.fill(template.improvement, scope),
            severity="deduction" if lost > 0 else "note",
        )
        return finding

    def fill(self, template: Template, scope: Mapping[str, Value]) -> Text:
        checked = self.compiled.templates[template.path]
        english = _fill_parts(checked.en, scope) if checked.en is not None else None
        return Text(_fill_parts(checked.zh, scope), english)


def _fill_parts(parts: tuple[str | Placeholder, ...], scope: Mapping[str, Value]) -> str:
    return "".join([part if type(part) is str else WRITERS[part.spec](scope[part.name]) for part in parts])  # type: ignore[union-attr]


def _failure(indicator: Indicator | None, program: Program | None, scope: Mapping[str, Value], reason: str) -> EvaluationError:
    where = f"indicator {indicator.id!r}" if indicator else "report"
    if program is None:
        location = indicator.location if indicator else None
        return EvaluationError([error("evaluation.failed", f"{where}: {reason}", location)])
    values = ", ".join(f"{name} = {describe_value(scope[name])}" for name in program.names if name in scope)
    involved = f" with {values}" if values else ""
    return EvaluationError(
        [error("evaluation.failed", f"{where}: `{program.source}` cannot be computed{involved}: {reason}", program.location)]
    )


def evaluate(compiled: CompiledRubric, facts: FactValues, rubric_sha256: str, *, trace: bool = True) -> Evaluation:
    """Score `compiled` for converted `facts` (see `facts.prepare`); raise `EvaluationError` if a rule fails.

    With `trace=False` the traces and the report's sentences are left empty: what a batch needs,
    at a third of the cost."""
    with decimal.localcontext(compiled.limits.decimal_context()):  # traps on, for every step below
        try:
            return _evaluate(compiled, facts, rubric_sha256, trace)
        except ArithmeticError:  # a decimal trap outside any rule: shares, findings
            where = Location(compiled.model.file, 1, 1)
            raise EvaluationError([error("evaluation.failed", "a number grew out of range", where)]) from None


def _results(run: _Run, compiled: CompiledRubric) -> tuple[IndicatorResult, ...]:
    """Every indicator's result, in tree order.

    A frozen dataclass's generated `__init__` sets its fields one `object.__setattr__` at a
    time, which made building the results a third of a whole evaluation. Each result here is
    made with its fields set at once, those that do not depend on the facts copied from the
    compiled rubric; the objects are the same (fields, equality, hashing, pickling), as
    `tests/test_evaluate.py` checks.
    """
    effective, scores, not_applicable = run.effective, run.scores, run.not_applicable
    traces, narratives = run.traces, run.narratives
    new = object.__new__
    results = []
    for indicator_id, fixed in compiled.fixed_results:
        result = new(IndicatorResult)
        fields = result.__dict__
        fields.update(fixed)
        fields["effective_weight"] = effective[indicator_id]
        fields["score"] = scores[indicator_id]
        fields["status"] = "not_applicable" if not_applicable[indicator_id] else "scored"
        fields["trace"] = traces.get(indicator_id, _UNTRACED)
        fields["narrative"] = narratives.get(indicator_id, ())
        results.append(result)
    return tuple(results)


def _evaluate(compiled: CompiledRubric, facts: FactValues, rubric_sha256: str, trace: bool) -> Evaluation:
    run = _Run(compiled, facts.values, trace)
    model = compiled.model
    if trace or not run.adopt_plan():
        run.applicability()
        for indicator in compiled.order:
            run.score(indicator)
    total = sum((run.scores[root.id] for root in model.indicators), Decimal(0))
    # The applicable top-level indicators share the whole total (their exact shares can differ
    # from it in the 34th digit, so the maximum is the total itself).
    maximum = model.total if any(not run.not_applicable[root.id] for root in model.indicators) else Decimal(0)
    grade = next((band.name for band in model.grades if total >= band.minimum), None)
    findings = tuple(run.findings() if run.found is None else run.found)
    texts = model.report
    facts_scope: Mapping[str, Value] = facts.values
    narrative = _NO_NARRATIVE
    if trace and (texts.title or texts.basic or texts.conclusion):
        every_score = {language.score_name(indicator_id): score for indicator_id, score in run.scores.items()}
        concluding = {**facts_scope, **every_score, "total": total, "maximum": maximum, "grade": grade.zh if grade else ""}
        title = None
        if texts.title and all(name in facts_scope for name in compiled.placeholders[texts.title.path]):
            title = run.fill(texts.title, facts_scope)
        narrative = Narrative(title, run.narrate(texts.basic, facts_scope, None), run.narrate(texts.conclusion, concluding, None))
    results = _results(run, compiled)
    provenance = Provenance(model.id, model.version, rubric_sha256, facts.sha256, __version__)
    return Evaluation(model.id, model.title, model.version, total, maximum, grade, results, findings, provenance, narrative)
