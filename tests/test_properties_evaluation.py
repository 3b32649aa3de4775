"""Properties of evaluation under hypothesis: bounds, sums, determinism, monotone rules."""

from __future__ import annotations

import json
from decimal import Decimal, localcontext
from typing import Any

import pytest
from conftest import RUBRIC_2023, project_schema
from hypothesis import given, settings
from hypothesis import strategies as st
from test_properties import rubric_data, to_yaml

import rubric
from rubric.language import round_decimal
from rubric.limits import DEFAULT_LIMITS
from rubric.render import to_json

LOADED = rubric.load(RUBRIC_2023)
RESULT_SCHEMA = project_schema("result")
FACTS_SCHEMA = project_schema("facts")

money = st.decimals(min_value=0, max_value=10**6, places=2)
positive_money = st.decimals(min_value=Decimal("0.01"), max_value=10**6, places=2)
ratio = st.decimals(min_value=0, max_value=2, places=4)
levels = st.sampled_from(["达成", "基本达成", "部分达成", "未达成"])


@st.composite
def a_target(draw: st.DrawFn) -> dict[str, Any]:
    direction = draw(st.sampled_from([">=", "<=", "qualitative"]))
    record: dict[str, Any] = {"name": "指标", "kind": draw(st.sampled_from(["产出", "效益"])), "direction": direction}
    if direction == "qualitative":
        record.update(planned="达成", actual=draw(levels))
    else:
        record.update(planned=draw(positive_money), actual=draw(money))
    if draw(st.booleans()):
        record["weight"] = draw(st.decimals(min_value=Decimal("0.1"), max_value=10, places=1))
    return record


@st.composite
def facts_2023(draw: st.DrawFn) -> dict[str, Any]:
    budget = draw(positive_money)
    facts: dict[str, Any] = {
        "unit_name": "某单位",
        "year": 2023,
        "budget_total": budget,
        "spent_total": draw(money),
        "carryover_total": draw(money),
        "audit_issues": draw(st.integers(0, 10)),
        "procurement_controls": draw(st.sampled_from(["完善", "不够完善", "未建立"])),
        "sme_reserved_share_rate": draw(ratio),
        "asset_inventory_count": draw(st.integers(0, 5)),
        "fixed_asset_utilization": draw(ratio),
        "public_funds_budget": draw(money),
        "public_funds_actual": draw(money),
        "three_public_budget": draw(money),
        "three_public_actual": draw(money),
        "targets": draw(st.lists(a_target(), max_size=6)),
        "targets_need_adjustment": draw(st.booleans()),
    }
    for flag in (
        "finance_compliant", "pre_assessment_done", "budget_disclosed_on_time", "accounts_disclosed_on_time",
        "performance_info_disclosed", "perf_rules_established", "perf_targets_declared", "perf_monitoring_done",
        "prior_self_evaluation_done", "procurement_intent_published", "procurement_contracts_filed",
        "asset_rules_established", "asset_accounts_match",
    ):  # fmt: skip
        facts[flag] = draw(st.booleans())
    if draw(st.booleans()):
        basic = draw(st.decimals(min_value=0, max_value=budget, places=2))
        facts.update(budget_basic=basic, budget_project=budget - basic)
    return facts


def rounded(value: Decimal) -> Decimal:
    return round_decimal(value, 2, "half_up")


def check_invariants(evaluation: rubric.Evaluation) -> Decimal:
    """Check what must hold; give how far rounding may lift the total above the maximum.

    A leaf's score lies in [0, its effective weight rounded]: with a shared-out weight, a full
    score is the effective weight rounded once (10 × 50 / 35 = 14.2857… scores 14.29, as the
    contract states), which can be a fraction of a cent above the exact effective weight.
    """
    by_id = {result.id: result for result in evaluation.indicators}
    slack = Decimal(0)
    for result in evaluation.indicators:
        children = [child for child in evaluation.indicators if child.parent == result.id]
        if children:
            assert result.score == sum((child.score for child in children), Decimal(0)), result.id
        else:
            assert 0 <= result.score <= rounded(result.effective_weight), result.id
            slack += max(rounded(result.effective_weight) - result.effective_weight, Decimal(0))
            if result.effective_weight == result.weight:
                assert result.score <= result.weight
        if result.status == "not_applicable":
            assert result.score == 0 and result.effective_weight == 0
        if result.parent is not None:
            assert by_id[result.parent].status == "scored" or result.status == "not_applicable"
    roots = [result for result in evaluation.indicators if result.parent is None]
    assert evaluation.total == sum((root.score for root in roots), Decimal(0))
    assert evaluation.total <= evaluation.maximum + slack
    return slack


@settings(max_examples=150, deadline=None)
@given(facts_2023())
def test_scores_stay_within_bounds_and_parents_are_sums(facts: dict[str, Any]) -> None:
    evaluation = LOADED.evaluate(facts)
    check_invariants(evaluation)
    RESULT_SCHEMA.validate(json.loads(to_json(evaluation)))
    assert evaluation.maximum == 100 and evaluation.total <= 100  # the 2023 shares always round to whole sums
    assert evaluation.grade is not None


@settings(max_examples=60, deadline=None)
@given(facts_2023())
def test_the_same_facts_give_the_same_bytes(facts: dict[str, Any]) -> None:
    assert to_json(LOADED.evaluate(facts)) == to_json(LOADED.evaluate(dict(reversed(list(facts.items())))))


@pytest.mark.parametrize(
    ("fact", "indicators", "direction"),
    [
        ("spent_total", ("completion", "spending_rate"), 1),
        ("fixed_asset_utilization", ("asset_utilization",), 1),
        ("sme_reserved_share_rate", ("sme_share",), 1),
        ("carryover_total", ("carryover",), -1),
        ("public_funds_actual", ("public_funds",), -1),
        ("audit_issues", ("audit",), -1),
    ],
)
@settings(max_examples=60, deadline=None)
@given(facts=facts_2023(), low=st.decimals(min_value=0, max_value=10**4, places=2), step=st.decimals(min_value=0, max_value=10**3, places=2))
def test_monotone_rules_stay_monotone(
    fact: str, indicators: tuple[str, ...], direction: int, facts: dict[str, Any], low: Decimal, step: Decimal
) -> None:
    if fact == "audit_issues":
        low, step = Decimal(int(low) % 20), Decimal(int(step) % 5)
    smaller = LOADED.evaluate(dict(facts, **{fact: low}))
    larger = LOADED.evaluate(dict(facts, **{fact: low + step}))
    for indicator in indicators:
        before, after = smaller.indicator(indicator).score, larger.indicator(indicator).score
        assert (after - before) * direction >= 0, (indicator, before, after)


@st.composite
def generated_with_facts(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    data = draw(rubric_data())
    facts = {
        "budget_total": draw(positive_money),
        "spent_total": draw(money),
        "done": draw(st.booleans()),
        "level": draw(st.sampled_from(["完善", "不够完善", "未建立"])),
        "targets": draw(
            st.lists(
                st.fixed_dictionaries({"kind": st.sampled_from(["产出", "效益"]), "actual": ratio}),
                max_size=4,
            )
        ),
    }
    return to_yaml(data) + "\n", facts


@settings(max_examples=150, deadline=None)
@given(generated_with_facts())
def test_generated_rubrics_keep_the_invariants(case: tuple[str, dict[str, Any]]) -> None:
    text, facts = case
    evaluation = rubric.load(text).evaluate(facts)
    check_invariants(evaluation)
    RESULT_SCHEMA.validate(json.loads(to_json(evaluation)))
    applicable_roots = [r for r in evaluation.indicators if r.parent is None and r.status == "scored"]
    assert evaluation.maximum == (rubric.load(text).model.total if applicable_roots else 0)
    for result in evaluation.indicators:
        children = [child for child in evaluation.indicators if child.parent == result.id and child.status == "scored"]
        if children:  # shares add up to the parent's effective weight, to the 34th digit
            with localcontext(DEFAULT_LIMITS.decimal_context()):
                shares = sum((child.effective_weight for child in children), Decimal(0))
            assert abs(shares - result.effective_weight) < Decimal("1e-30")


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["986.45万元", "1.2亿元", "92.91%", "达成", "完善", "true", "1,000元", "-5%"]),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_any_facts_give_an_evaluation_or_our_errors(data: st.DataObject) -> None:
    base = data.draw(facts_2023())
    names = sorted(base) + ["unknown_fact"]
    for name in data.draw(st.lists(st.sampled_from(names), max_size=4, unique=True)):
        base[name] = data.draw(values)
    try:
        check_invariants(LOADED.evaluate(base))
        FACTS_SCHEMA.validate(base)  # whatever a rubric accepts has the generic form of a facts file
    except rubric.RubricError as failure:
        assert isinstance(failure, (rubric.FactsError, rubric.EvaluationError)) and failure.diagnostics
