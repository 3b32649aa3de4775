"""Evaluation, hand-computed from the 2023 scoring contract (../shared/reference/framework-2023.md).

Each case starts from the seed department's facts (examples/), changes what the case is
about, and compares with numbers worked out by hand from the contract's rules.
"""

from __future__ import annotations

import copy
import decimal
import json
import pickle
import threading
from decimal import Decimal
from typing import Any

import pytest
from conftest import ROOT, make_rubric

import rubric
from rubric.render import to_json
from rubric.source import read_file

SEED = read_file(str(ROOT / "examples" / "haizhu-petition-bureau-2023.yaml")).data


def facts(**changes: Any) -> dict[str, Any]:
    changed = copy.deepcopy(SEED)
    changed.update(changes)
    return changed


def scores(rubric_2023: rubric.Rubric, **changes: Any) -> dict[str, Decimal]:
    evaluation = rubric_2023.evaluate(facts(**changes))
    return {result.id: result.score for result in evaluation.indicators}


def target(name: str, kind: str, direction: str, planned: Any, actual: Any, weight: Any = None) -> dict[str, Any]:
    record = {"name": name, "kind": kind, "direction": direction, "planned": planned, "actual": actual}
    if weight is not None:
        record["weight"] = weight
    return record


@pytest.mark.parametrize(
    ("spent", "expected"),
    [
        ("937.1275", Decimal(4)),  # exactly 95% of 986.45
        ("937.1274", Decimal(3)),  # just below 95%
        ("887.805", Decimal(3)),  # exactly 90%
        ("789.16", Decimal(2)),  # exactly 80%
        ("789.15", Decimal(0)),  # just below 80%
        ("1200", Decimal(4)),  # above budget is valid
    ],
)
def test_completion_ladder_at_its_thresholds(rubric_2023: rubric.Rubric, spent: str, expected: Decimal) -> None:
    assert scores(rubric_2023, spent_total=Decimal(spent))["completion"] == expected


def test_spending_rate_is_ten_times_the_rate(rubric_2023: rubric.Rubric) -> None:
    # 789.16 / 986.45 = 0.8 exactly: 10 × 0.8 = 8
    assert scores(rubric_2023, spent_total=Decimal("789.16"))["spending_rate"] == Decimal("8.00")
    # 900 / 986.45 = 0.912362... : 10 × that = 9.1236... → 9.12
    assert scores(rubric_2023, spent_total=Decimal("900"))["spending_rate"] == Decimal("9.12")


@pytest.mark.parametrize(
    ("carryover", "expected"),
    [
        ("19.729", "3.00"),  # exactly 2% of 986.45
        ("19.729001", "2.50"),  # just above 2%: a started point counts as one
        ("19.82764", "2.50"),  # 2.01%
        ("29.5935", "2.50"),  # exactly 3%: one point over
        ("29.603365", "2.00"),  # 3.001%: a second point started
        ("34.52575", "2.00"),  # 3.5%
        ("78.916", "0.00"),  # 8%: six points over, 3 − 3 = 0
        ("98.645", "0.00"),  # 10%: floored at 0
    ],
)
def test_carryover_deductions(rubric_2023: rubric.Rubric, carryover: str, expected: str) -> None:
    assert scores(rubric_2023, carryover_total=Decimal(carryover))["carryover"] == Decimal(expected)


@pytest.mark.parametrize(
    ("budget", "actual", "expected"),
    [
        ("1000", "1000", "3.00"),  # exactly 100%
        ("1000", "1000.1", "2.50"),  # 100.01%: loses 0.5
        ("1000", "1010", "2.50"),  # 101%: one point
        ("1000", "1010.01", "2.00"),  # a second point started
        ("1000", "1060", "0.00"),  # 106%: six points, 3 − 3 = 0
        ("1000", "900", "3.00"),  # under budget
        ("0", "0", "3.00"),  # a budget of 0, nothing spent
        ("0", "0.01", "0.00"),  # a budget of 0, something spent
    ],
)
def test_cost_control_of_public_funds_and_three_public(
    rubric_2023: rubric.Rubric, budget: str, actual: str, expected: str
) -> None:
    result = scores(
        rubric_2023,
        public_funds_budget=Decimal(budget),
        public_funds_actual=Decimal(actual),
        three_public_budget=Decimal(budget),
        three_public_actual=Decimal(actual),
    )
    assert result["public_funds"] == Decimal(expected)
    assert result["three_public"] == Decimal(expected)


@pytest.mark.parametrize(
    ("compliant", "issues", "expected"),
    [(True, 0, "3.00"), (True, 1, "2.00"), (True, 3, "0.00"), (True, 7, "0.00"), (False, 0, "0.00")],
)
def test_audit(rubric_2023: rubric.Rubric, compliant: bool, issues: int, expected: str) -> None:
    result = scores(rubric_2023, finance_compliant=compliant, audit_issues=issues)
    assert result["audit"] == Decimal(expected)


@pytest.mark.parametrize(("level", "expected"), [("完善", "2.00"), ("不够完善", "1.50"), ("未建立", "0.00")])
def test_procurement_controls_match(rubric_2023: rubric.Rubric, level: str, expected: str) -> None:
    assert scores(rubric_2023, procurement_controls=level)["procurement_controls"] == Decimal(expected)


@pytest.mark.parametrize(
    ("level", "expected"),
    [("完善", []), ("不够完善", [("采购制度还不够完善。", Decimal("0.50"))]), ("未建立", [("未建立采购内控制度。", Decimal("2.00"))])],
)
def test_procurement_controls_finding_says_which_level(
    rubric_2023: rubric.Rubric, level: str, expected: list[tuple[str, Decimal]]
) -> None:
    found = rubric_2023.evaluate(facts(procurement_controls=level)).findings
    assert [(f.problem.zh, f.points_lost) for f in found if f.indicator == "procurement_controls"] == expected


@pytest.mark.parametrize(
    ("utilization", "expected"),
    [("0.90", "3.00"), ("0.8999", "2.00"), ("0.80", "2.00"), ("0.70", "1.00"), ("0.6999", "0.00")],
)
def test_asset_utilization_ladder(rubric_2023: rubric.Rubric, utilization: str, expected: str) -> None:
    assert scores(rubric_2023, fixed_asset_utilization=Decimal(utilization))["asset_utilization"] == Decimal(expected)


def test_booleans_and_counts(rubric_2023: rubric.Rubric) -> None:
    result = scores(
        rubric_2023,
        pre_assessment_done=False,
        performance_info_disclosed=False,
        procurement_intent_published=False,
        asset_inventory_count=0,
        asset_accounts_match=False,
    )
    assert result["pre_assessment"] == 0 and result["performance_disclosure"] == 0
    assert result["procurement_intent"] == 0 and result["asset_inventory"] == 0 and result["asset_accounts"] == 0
    # 50 − 6 − 2 − 1.5 (intent) − 0.5 (controls, as in the seed) − 1.5 − 1 = 37.5
    assert result["efficiency"] == Decimal("37.50")


def test_sme_share_rounds_half_up(rubric_2023: rubric.Rubric) -> None:
    # 2 × 0.9925 = 1.985: half-up gives 1.99 (half-even would give 1.98)
    assert scores(rubric_2023, sme_reserved_share_rate="99.25%")["sme_share"] == Decimal("1.99")
    # an SME share above 1 is valid and capped
    assert scores(rubric_2023, sme_reserved_share_rate=Decimal("1.5"))["sme_share"] == Decimal("2.00")


def test_targets_weighted_mean(rubric_2023: rubric.Rubric) -> None:
    targets = [
        target("a", "产出", ">=", "100%", "100%", weight=1),
        target("b", "产出", ">=", 200, 100, weight=3),  # 0.5
        target("c", "效益", "<=", 100, 110),  # 1 − 10/100 = 0.9
        target("d", "效益", "qualitative", "达成", "基本达成"),  # 0.8
    ]
    result = scores(rubric_2023, targets=targets)
    # outputs: 25 × (1×1 + 3×0.5) / 4 = 25 × 0.625 = 15.625 → 15.63 (half-up)
    assert result["outputs"] == Decimal("15.63")
    # outcomes: 15 × (0.9 + 0.8) / 2 = 12.75
    assert result["outcomes"] == Decimal("12.75")
    # efficacy: 10 + 15.63 + 12.75
    assert result["efficacy"] == Decimal("38.38")


def test_target_above_plan_is_capped_and_below_max_is_full(rubric_2023: rubric.Rubric) -> None:
    targets = [target("a", "产出", ">=", 100, 150), target("b", "效益", "<=", 100, 90)]
    result = scores(rubric_2023, targets=targets)
    assert result["outputs"] == Decimal("25.00") and result["outcomes"] == Decimal("15.00")


def test_far_over_a_maximum_scores_zero(rubric_2023: rubric.Rubric) -> None:
    targets = [target("a", "产出", "<=", 100, 250), target("b", "效益", "qualitative", "达成", "未达成")]
    result = scores(rubric_2023, targets=targets)
    assert result["outputs"] == Decimal("0.00") and result["outcomes"] == Decimal("0.00")


def test_outcomes_not_applicable_shares_their_weight(rubric_2023: rubric.Rubric) -> None:
    evaluation = rubric_2023.evaluate(facts(targets=[target("a", "产出", ">=", 100, 100)]))
    outcomes = evaluation.indicator("outcomes")
    assert (outcomes.status, outcomes.effective_weight, outcomes.score) == ("not_applicable", 0, 0)
    spending = evaluation.indicator("spending_rate")
    outputs = evaluation.indicator("outputs")
    # effective weights 10 × 50 / 35 and 25 × 50 / 35, not rounded
    assert str(spending.effective_weight).startswith("14.285714285714285714")
    assert str(outputs.effective_weight).startswith("35.714285714285714285")
    assert (spending.score, outputs.score) == (Decimal("14.29"), Decimal("35.71"))
    assert evaluation.indicator("efficacy").score == Decimal("50.00")


def test_no_targets_at_all_gives_the_whole_50_to_spending(rubric_2023: rubric.Rubric) -> None:
    evaluation = rubric_2023.evaluate(facts(targets=[]))
    assert evaluation.indicator("spending_rate").effective_weight == 50
    assert evaluation.indicator("spending_rate").score == Decimal("50.00")
    assert [evaluation.indicator(i).status for i in ("outputs", "outcomes")] == ["not_applicable", "not_applicable"]
    assert evaluation.total == Decimal("99.50") and evaluation.maximum == 100


def test_half_spending_with_outcomes_not_applicable(rubric_2023: rubric.Rubric) -> None:
    # 10 × 0.5 = 5 on the nominal weight, scaled by 50/35: 7.142857... → 7.14
    evaluation = rubric_2023.evaluate(
        facts(spent_total=Decimal("493.225"), targets=[target("a", "产出", ">=", 100, 100)])
    )
    assert evaluation.indicator("spending_rate").score == Decimal("7.14")


@pytest.mark.parametrize(
    ("total", "grade"),
    [("100", "优"), ("90", "优"), ("89.99", "良"), ("80", "良"), ("79.995", "良"), ("60", "中"), ("59.99", "差"), ("0", "差")],
)
def test_grade_bands_on_the_rounded_total(total: str, grade: str) -> None:
    text = make_rubric("- {id: a, name: A, weight: 100, score: x}\n", total=100, extra_facts="x: {label: X, type: number}\n")
    text = text.replace("  - {grade: 优, min: 90}\n  - {grade: 差, min: 0}\n", "  - {grade: 优, min: 90}\n  - {grade: 良, min: 80}\n  - {grade: 中, min: 60}\n  - {grade: 差, min: 0}\n")
    evaluation = rubric.load(text).evaluate(
        {"budget_total": 1, "spent_total": 1, "done": True, "level": "完善", "x": Decimal(total)}
    )
    assert evaluation.grade is not None and evaluation.grade.zh == grade


def test_clamping_to_zero_and_weight() -> None:
    text = make_rubric(
        """
        - {id: high, name: H, weight: 5, score: 'spent_total * 100'}
        - {id: low, name: L, weight: 5, score: '0 - spent_total'}
        """
    )
    evaluation = rubric.load(text).evaluate({"budget_total": 1, "spent_total": 3, "done": True, "level": "完善"})
    assert evaluation.indicator("high").score == Decimal("5.00")
    assert evaluation.indicator("low").score == Decimal("0.00")
    assert "clamped 300 to 5 (0 to 5)" in evaluation.indicator("high").trace.steps


def test_findings_in_tree_order_with_points_lost(rubric_2023: rubric.Rubric) -> None:
    evaluation = rubric_2023.evaluate(
        facts(
            fixed_asset_utilization="78.50%",
            audit_issues=1,
            targets=[target("及时受理率", "产出", ">=", "100%", "90%"), target("满意度", "效益", "qualitative", "达成", "达成")],
        )
    )
    found = [(f.indicator, f.points_lost, f.severity, f.problem.zh) for f in evaluation.findings]
    assert found == [
        ("efficacy", Decimal("0.00"), "note", "年初制定的产出和效益指标不够精细，个别指标重复或难以量化。"),
        ("outputs", Decimal("2.50"), "deduction", "绩效指标“及时受理率”未完全达成（完成程度 90.00%）。"),
        ("audit", Decimal("1.00"), "deduction", "审计、巡察共指出问题 1 个。"),
        ("procurement_controls", Decimal("0.50"), "deduction", "采购制度还不够完善。"),
        ("asset_utilization", Decimal("2.00"), "deduction", "固定资产利用率为 78.50%，低于 90%。"),
    ]


def test_a_rule_that_fails_names_indicator_expression_and_values() -> None:
    text = make_rubric("- {id: rate, name: R, weight: 10, score: '10 * spent_total / budget_total'}\n").replace(
        "greater_than: 0", "min: 0"
    )
    loaded = rubric.load(text, name="t.yaml")
    with pytest.raises(rubric.EvaluationError) as raised:
        loaded.evaluate({"budget_total": 0, "spent_total": 5, "done": True, "level": "完善"})
    assert str(raised.value) == (
        "t.yaml:17:44: error: indicator 'rate': `10 * spent_total / budget_total` cannot be computed "
        "with budget_total = 0, spent_total = 5: division by zero (50 / 0)"
    )


def test_score_of_reads_the_other_score() -> None:
    text = make_rubric(
        """
        - {id: half, name: H, weight: 5, score: 'score_of("full") / 2'}
        - {id: full, name: F, weight: 5, score: 'spent_total'}
        """
    )
    evaluation = rubric.load(text).evaluate({"budget_total": 1, "spent_total": 3, "done": True, "level": "完善"})
    assert evaluation.indicator("half").score == Decimal("1.50")
    assert ("score_of(full)", Decimal("3.00")) in evaluation.indicator("half").trace.reads


def test_trace_shows_the_ladder_step_taken(rubric_2023: rubric.Rubric) -> None:
    trace = rubric_2023.evaluate(facts(spent_total=Decimal("900"))).indicator("completion").trace
    assert dict(trace.reads) == {"budget_total": Decimal("986.45"), "spent_total": Decimal("900")}
    assert trace.lets[0][0] == "r"
    assert trace.steps == ("step 2: `r >= 0.90` holds: 3",)


def test_to_dict_has_the_promised_shape(rubric_2023: rubric.Rubric) -> None:
    data = rubric_2023.evaluate(facts()).to_dict()
    assert {"rubric", "total", "max", "grade", "indicators", "findings", "provenance"} <= set(data)
    assert set(data["rubric"]) == {"id", "title", "version"}
    assert {"name", "parent", "weight", "effective_weight", "score", "status"} <= set(data["indicators"]["carryover"])
    assert data["indicators"]["carryover"]["parent"] == "execution"
    assert set(data["findings"][0]) >= {"indicator", "points_lost", "problem", "improvement", "severity"}
    assert type(data["total"]) is Decimal


def test_json_keeps_every_digit(rubric_2023: rubric.Rubric) -> None:
    evaluation = rubric_2023.evaluate(facts(targets=[target("a", "产出", ">=", 100, 100)]))
    parsed = json.loads(to_json(evaluation), parse_float=Decimal)
    assert parsed["indicators"]["spending_rate"]["effective_weight"] == evaluation.indicator("spending_rate").effective_weight
    assert parsed["total"] == Decimal("99.50")


def test_provenance_identifies_rubric_and_facts(rubric_2023: rubric.Rubric) -> None:
    first = rubric_2023.evaluate(facts()).provenance
    reordered = dict(reversed(list(facts(budget_total=Decimal("986.450")).items())))
    second = rubric_2023.evaluate(reordered).provenance
    assert first == second
    assert len(first.facts_sha256) == 64 and first.rubric_id == "cn-dept-overall-2023" and first.rubric_version == "1.0.0"
    assert rubric_2023.evaluate(facts(audit_issues=1)).provenance.facts_sha256 != first.facts_sha256
    assert first.library_version == rubric.__version__


def test_rubric_digest_ignores_comments_layout_and_key_order(rubric_2023: rubric.Rubric) -> None:
    text = (ROOT / "rubrics" / "2023.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    moved = "\n".join(line for line in lines if not line.startswith("#")) + "\n# a new comment\n"
    moved = moved.replace("format: rubric/1\nid: cn-dept-overall-2023\n", "id: cn-dept-overall-2023\nformat: rubric/1\n")
    assert rubric.load(moved).sha256 == rubric_2023.sha256
    assert rubric.load(text.replace("weight: 10\n", "weight: 10.0\n", 1)).sha256 == rubric_2023.sha256
    assert rubric.load(text.replace("采购制度还不够完善。", "采购制度不完善。")).sha256 != rubric_2023.sha256


def test_one_rubric_evaluated_from_many_threads(rubric_2023: rubric.Rubric) -> None:
    cases = [facts(spent_total=Decimal(900 + step), audit_issues=step % 4) for step in range(40)]
    expected = [to_json(rubric_2023.evaluate(case)) for case in cases]
    results: dict[int, str] = {}

    start = threading.Barrier(8)

    def work(offset: int) -> None:
        start.wait()  # all eight at once
        for index in range(offset, len(cases), 8):
            results[index] = to_json(rubric_2023.evaluate(cases[index]))

    threads = [threading.Thread(target=work, args=(offset,)) for offset in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [results[index] for index in range(len(cases))] == expected


def test_a_pickled_rubric_evaluates_the_same(rubric_2023: rubric.Rubric) -> None:
    again = pickle.loads(pickle.dumps(rubric_2023))
    assert to_json(again.evaluate(facts())) == to_json(rubric_2023.evaluate(facts()))


def test_outputs_not_applicable_shares_their_weight(rubric_2023: rubric.Rubric) -> None:
    evaluation = rubric_2023.evaluate(facts(targets=[target("a", "效益", "qualitative", "达成", "部分达成")]))
    assert evaluation.indicator("outputs").status == "not_applicable"
    # spending_rate 10 × 50 / 25 = 20 and outcomes 15 × 50 / 25 = 30; outcomes scores 30 × 0.6 = 18
    assert (evaluation.indicator("spending_rate").effective_weight, evaluation.indicator("outcomes").effective_weight) == (20, 30)
    assert evaluation.indicator("outcomes").score == Decimal("18.00")
    assert evaluation.indicator("efficacy").score == Decimal("38.00")
    (finding,) = [f for f in evaluation.findings if f.indicator == "outcomes"]
    assert (finding.points_lost, finding.problem.zh) == (Decimal("12.00"), "绩效指标“a”未完全达成（完成程度 60.00%）。")


def test_conclusion_sentences_read_indicator_scores() -> None:
    text = make_rubric(
        """
        - {id: alpha, name: A, weight: 5, score: 'spent_total'}
        - {id: beta, name: B, weight: 5, score: 5}
        """
    ) + (
        "report:\n"
        "  conclusion:\n"
        "    - {text: A 得满分, when: 'score_of(\"alpha\") == 5'}\n"
        "    - {text: A 有失分, when: 'score_of(\"alpha\") < 5'}\n"
    )
    loaded = rubric.load(text)
    base = {"budget_total": 1, "done": True, "level": "完善"}
    assert [t.zh for t in loaded.evaluate({**base, "spent_total": 5}).narrative.conclusion] == ["A 得满分"]
    assert [t.zh for t in loaded.evaluate({**base, "spent_total": 4}).narrative.conclusion] == ["A 有失分"]


BASE_FACTS = {"budget_total": 1, "spent_total": 1, "done": True, "level": "完善"}


def test_the_step_budget_covers_the_whole_evaluation() -> None:
    # Each rule is 3 parts (a BinOp and two operands); two rules take 6 steps.
    text = make_rubric(
        """
        - {id: a, name: A, weight: 5, score: 'spent_total * 5'}
        - {id: b, name: B, weight: 5, score: 'spent_total * 5'}
        """
    )
    assert rubric.load(text, limits=rubric.Limits(max_steps=6)).evaluate(BASE_FACTS).total == 10
    with pytest.raises(rubric.EvaluationError) as raised:
        rubric.load(text, limits=rubric.Limits(max_steps=5)).evaluate(BASE_FACTS)
    assert raised.value.code == "evaluation.failed"
    assert "more than 5 steps in one evaluation (Limits.max_steps)" in raised.value.first.message
    assert raised.value.first.location is not None and raised.value.first.location.line == 18  # rule b


def test_decimal_bounds_belong_to_each_rubric_not_to_the_process() -> None:
    text = make_rubric("- {id: a, name: A, weight: 10, score: 'min(spent_total * 100000000000, 10)'}\n")
    narrow = rubric.load(text, limits=rubric.Limits(max_exponent=10))
    wide = rubric.load(text)
    with pytest.raises(rubric.EvaluationError) as raised:
        narrow.evaluate(BASE_FACTS)  # 10**11 is beyond 10**10
    assert raised.value.code == "evaluation.failed" and "a number grew out of range" in raised.value.first.message
    assert wide.evaluate(BASE_FACTS).total == 10
    assert decimal.getcontext().Emax == decimal.DefaultContext.Emax  # the process's context is untouched


@pytest.mark.parametrize(
    ("raised", "code"),
    [(MemoryError(), "resource.exhausted"), (RecursionError(), "resource.exhausted"), (SystemExit(3), "internal.error")],
)
def test_anything_escaping_an_evaluation_becomes_an_evaluation_error(
    monkeypatch: pytest.MonkeyPatch, rubric_2023: rubric.Rubric, raised: BaseException, code: str
) -> None:
    def fail(*arguments: object, **keywords: object) -> None:
        raise raised

    monkeypatch.setattr("rubric.api.evaluate", fail)
    with pytest.raises(rubric.EvaluationError) as caught:
        rubric_2023.evaluate(facts())
    assert caught.value.code == code
    location = caught.value.first.location
    assert location is not None and (location.line, location.column) == (1, 1) and location.file.endswith("2023.yaml")


def test_an_interrupt_is_not_swallowed(monkeypatch: pytest.MonkeyPatch, rubric_2023: rubric.Rubric) -> None:
    def interrupt(*arguments: object, **keywords: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("rubric.api.evaluate", interrupt)
    with pytest.raises(KeyboardInterrupt):
        rubric_2023.evaluate(facts())


def test_evaluation_never_changes_the_facts_it_reads(rubric_2023: rubric.Rubric) -> None:
    given = facts()
    before = copy.deepcopy(given)
    rubric_2023.evaluate(given)
    assert given == before


def test_a_number_written_out_in_a_finding_stays_short() -> None:
    """Numbers cannot pass 10**999, so a placeholder writes at most about a thousand digits."""
    tens = " * ".join(["100000000000000000000000000000"] * 29)  # (10**29)**29 = 10**841, at the depth limit
    budgets = " * ".join(["budget_total"] * 7)
    text = make_rubric(
        f"""
        - id: a
          name: A
          weight: 10
          let:
            big: spent_total * {tens}
            bigger: big * {budgets}
          score: 0
          findings:
            - {{problem: '{{bigger:.2f}}', improvement: x}}
        """
    )
    loaded = rubric.load(text)
    finding = loaded.evaluate(dict(BASE_FACTS, spent_total=10**20, budget_total=1)).findings[0]
    assert finding.problem.zh == "1" + "0" * 861 + ".00"  # 10**20 * 10**841
    with pytest.raises(rubric.EvaluationError) as raised:
        loaded.evaluate(dict(BASE_FACTS, spent_total=10**20, budget_total=10**20))  # 10**1001
    assert "a number grew out of range" in raised.value.first.message


def test_item_weights_that_overflow_give_an_evaluation_error() -> None:
    text = make_rubric(
        """
        - id: a
          name: A
          weight: 10
          items:
            over: rows
            weight: w
            value:
              - otherwise: x
            empty: 0
        """,
        extra_facts="rows: {label: R, type: list, fields: {x: {label: X, type: number}, w: {label: W, type: number}}}\n",
    )
    loaded = rubric.load(text, limits=rubric.Limits(max_exponent=15))
    # The value (clamped to 1) weighted by 10**20 is beyond 10**15, outside any expression.
    with pytest.raises(rubric.EvaluationError) as raised:
        loaded.evaluate(dict(BASE_FACTS, rows=[{"x": 1, "w": 10**20}]))
    assert [(d.code, d.message, d.location.line if d.location else 0) for d in raised.value.diagnostics] == [
        ("evaluation.failed", "indicator 'a': a number grew out of range", 18)  # after one extra fact line
    ]


def test_without_trace_scores_and_findings_are_the_same_and_traces_and_report_texts_are_left_out(
    rubric_2023: rubric.Rubric,
) -> None:
    changed = facts(spent_total=Decimal("789.16"), audit_issues=2)
    full = rubric_2023.evaluate(changed)
    fast = rubric_2023.evaluate(changed, trace=False)
    assert (fast.total, fast.maximum, fast.grade, fast.findings) == (full.total, full.maximum, full.grade, full.findings)
    assert [(i.id, i.score, i.status, i.effective_weight, i.parent, i.depth) for i in fast.indicators] == [
        (i.id, i.score, i.status, i.effective_weight, i.parent, i.depth) for i in full.indicators
    ]
    assert full.indicator("spending_rate").trace.steps and full.narrative.conclusion
    assert {i.trace for i in fast.indicators} == {rubric.Trace()}
    assert {i.narrative for i in fast.indicators} == {()}
    assert fast.narrative == rubric.Narrative(None, (), ())


def test_results_are_ordinary_frozen_dataclasses(rubric_2023: rubric.Rubric) -> None:
    """Results are built by setting all their fields at once; they must be what __init__ makes."""
    made = rubric_2023.evaluate(facts()).indicator("completion")
    fields = {name: getattr(made, name) for name in made.__dataclass_fields__}
    assert made == rubric.IndicatorResult(**fields) and hash(made) == hash(rubric.IndicatorResult(**fields))
    assert pickle.loads(pickle.dumps(made)) == made and repr(made) == repr(rubric.IndicatorResult(**fields))
    with pytest.raises(AttributeError):
        made.score = Decimal(0)  # type: ignore[misc]
