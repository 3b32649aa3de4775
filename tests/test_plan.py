"""The planned scoring (plan.py) against the interpretive one (`evaluate._Run`).

`evaluate(facts, trace=False)` scores with the rubric's planned function and falls back to the
interpretive steps when the plan stops. The plan must give the same state (scores, applicability,
effective weights, lets, item values, steps spent), so the same `Evaluation`, and must really be
taken: a plan that always stopped would pass every comparison and speed nothing up.
"""

from __future__ import annotations

import decimal
import pickle
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from conftest import LIST_FACT, ROOT, make_rubric
from hypothesis import given, settings
from test_properties_evaluation import facts_2023, generated_with_facts

import rubric
from rubric import evaluate as evaluation_stage
from rubric.facts import prepare

sys.path.insert(0, str(ROOT / "benchmarks"))
from departments import departments  # noqa: E402 - the benchmark's generator of varied departments

RUBRIC_2023 = rubric.load(ROOT / "rubrics" / "2023.yaml")
SEED = dict(rubric.load_facts(ROOT / "examples" / "haizhu-petition-bureau-2023.yaml").data)

# Lets, conditions of applicability, a score read by another, items with a ladder and weights,
# item findings and a finding that reads a let: what the generated rubrics do not all have.
VARIED = make_rubric(
    """
    - id: main
      name: 主体
      weight: 10
      children:
        - id: rate
          name: 执行率
          weight: 4
          let: {rate: spent_total / budget_total}
          ladder:
            - {when: rate >= 0.95, then: 4}
            - {when: rate >= 0.8, then: 4 * rate}
            - {otherwise: 0}
          findings:
            - problem: "执行率 {rate:.1%}"
              improvement: 加快执行。
        - id: half
          name: 跟随
          weight: 2
          score: 'score_of("rate") / 2'
        - id: outputs
          name: 产出
          weight: 4
          not_applicable: not done
          items:
            over: targets
            where: kind == "产出"
            value:
              - {when: actual >= 1, then: 1}
              - {otherwise: actual}
            weight: weight
            empty: not_applicable
            findings:
              - problem: "产出 {actual:.2%}"
                improvement: 提高产出。
    """,
    extra_facts=LIST_FACT,
)


@contextmanager
def interpretive() -> Iterator[None]:
    """Evaluations made the interpretive way, step by step, as with a trace."""
    with mock.patch.object(evaluation_stage._Run, "adopt_plan", lambda self: False):
        yield


def both_ways(loaded: rubric.Rubric, facts: Any) -> tuple[Any, Any]:
    """The outcome (an `Evaluation`, or the error's diagnostics) planned, then interpretive."""

    def outcome() -> Any:
        try:
            return loaded.evaluate(facts, trace=False)
        except rubric.RubricError as failure:
            return type(failure).__name__, failure.diagnostics

    planned = outcome()
    with interpretive():
        return planned, outcome()


def planned_state(loaded: rubric.Rubric, facts: Any) -> tuple[Any, ...]:
    """The state after scoring, by the plan (which must not stop) and step by step."""
    compiled = loaded.compiled
    values = prepare(compiled, facts).values
    with decimal.localcontext(compiled.limits.decimal_context()):
        run = evaluation_stage._Run(compiled, values, trace=False)
        scored = compiled.scorer(values, run.finding)  # raises if the plan stops
        run.applicability()
        for indicator in compiled.order:
            run.score(indicator)
        found = run.findings()
    item_values = {key: [(index, scope, value, weight) for index, scope, value, weight in rows] for key, rows in run.item_values.items()}
    by_plan = (
        scored.scope, scored.not_applicable, dict(scored.effective), scored.scores, scored.lets, scored.item_values, scored.findings, scored.steps
    )
    step_by_step = (run.scope, run.not_applicable, dict(run.effective), run.scores, run.lets, item_values, found, run.steps)
    return by_plan, step_by_step


def test_the_plan_scores_the_seed_and_generated_departments_as_the_steps_do() -> None:
    for facts in [SEED, *departments(150, seed=5)]:
        by_plan, step_by_step = planned_state(RUBRIC_2023, facts)
        assert by_plan == step_by_step
        planned, stepwise = both_ways(RUBRIC_2023, facts)
        assert planned == stepwise


@settings(max_examples=120, deadline=None)
@given(facts_2023())
def test_the_plan_agrees_on_any_2023_department(facts: dict[str, Any]) -> None:
    planned, stepwise = both_ways(RUBRIC_2023, facts)
    assert planned == stepwise


@settings(max_examples=150, deadline=None)
@given(generated_with_facts())
def test_the_plan_agrees_on_generated_rubrics(case: tuple[str, dict[str, Any]]) -> None:
    text, facts = case
    loaded = rubric.load(text)
    by_plan, step_by_step = planned_state(loaded, facts)
    assert by_plan == step_by_step
    planned, stepwise = both_ways(loaded, facts)
    assert planned == stepwise


@pytest.mark.parametrize("done", [True, False])
@pytest.mark.parametrize("spent", ["0", "85", "99", "100"])
def test_the_plan_keeps_lets_applicability_item_ladders_and_weights(done: bool, spent: str) -> None:
    loaded = rubric.load(VARIED)
    facts = {
        "budget_total": Decimal(100),
        "spent_total": Decimal(spent),
        "done": done,
        "level": "完善",
        "targets": [
            {"kind": "产出", "actual": Decimal("0.5"), "weight": Decimal(3)},
            {"kind": "产出", "actual": Decimal("1.2")},
            {"kind": "效益", "actual": Decimal("0.1")},
        ],
    }
    by_plan, step_by_step = planned_state(loaded, facts)
    assert by_plan == step_by_step
    assert by_plan[4]["rate"] == (("rate", Decimal(spent) / 100),)  # the let, kept for the findings
    assert by_plan[1]["outputs"] is (not done)
    planned, stepwise = both_ways(loaded, facts)
    assert planned == stepwise
    if done:  # every indicator applies, so no weight is scaled
        half = (planned.indicator("rate").score / 2).quantize(Decimal("0.01"), decimal.ROUND_HALF_UP)
        assert planned.indicator("half").score == half
        assert [f.problem.zh for f in planned.findings if f.indicator == "outputs"] == ["产出 50.00%"]


def test_a_rule_that_fails_is_explained_as_without_the_plan() -> None:
    loaded = rubric.load(make_rubric("- {id: a, name: A, weight: 10, score: '10 * spent_total / (budget_total - budget_total)'}"))
    facts = {"budget_total": 5, "spent_total": 1, "done": True, "level": "完善"}
    with pytest.raises(rubric.EvaluationError) as planned:
        loaded.evaluate(facts, trace=False)
    with pytest.raises(rubric.EvaluationError) as traced:
        loaded.evaluate(facts)
    assert planned.value.diagnostics == traced.value.diagnostics
    assert "division by zero" in str(planned.value)


def test_a_run_over_the_step_budget_is_stopped_as_without_the_plan() -> None:
    limits = rubric.Limits(max_steps=60)
    loaded = rubric.load(ROOT / "rubrics" / "2023.yaml", limits=limits)
    with pytest.raises(rubric.EvaluationError) as planned:
        loaded.evaluate(SEED, trace=False)
    with interpretive(), pytest.raises(rubric.EvaluationError) as stepwise:
        loaded.evaluate(SEED, trace=False)
    assert planned.value.diagnostics == stepwise.value.diagnostics
    assert "steps" in str(planned.value)


def test_the_seed_spends_as_many_steps_planned_as_step_by_step() -> None:
    by_plan, step_by_step = planned_state(RUBRIC_2023, SEED)
    assert by_plan[-1] == step_by_step[-1] > 0


def test_an_unpickled_rubric_plans_again() -> None:
    copy = pickle.loads(pickle.dumps(RUBRIC_2023))
    assert copy.compiled.scorer is not RUBRIC_2023.compiled.scorer
    assert copy.evaluate(SEED, trace=False) == RUBRIC_2023.evaluate(SEED, trace=False)
    assert planned_state(copy, SEED)[0] == planned_state(RUBRIC_2023, SEED)[0]
