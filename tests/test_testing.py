"""rubric.testing: its strategies make facts the rubrics accept, and its properties can fail.

The project's own rubrics are tested with it (`test_rubric_2023`, `test_rubric_2023_petition`),
three lines each; the rest shows that each property fails on a broken evaluation or rubric, and
that the generated facts follow the declarations, the checks and the overrides.
"""

from __future__ import annotations

import copy
import dataclasses
import subprocess
import sys
import textwrap
from decimal import Decimal
from typing import Any

import pytest
from conftest import ROOT, RUBRIC_2023, make_rubric
from hypothesis import given, settings
from hypothesis import strategies as st
from test_properties import rubric_data, to_yaml

import rubric
import rubric.testing
from rubric.source import read_file
from rubric.testing import OMIT, facts

RUBRIC_2023_LOADED = rubric.load(RUBRIC_2023)
PETITION = rubric.load(ROOT / "rubrics" / "2023-petition.yaml")
SEED = read_file(str(ROOT / "examples" / "haizhu-petition-bureau-2023.yaml")).data
SETTINGS = settings(max_examples=50, deadline=None)

# The project's own rubrics, tested the way an author's rubric is: three lines.
test_rubric_2023 = rubric.testing.property_test(RUBRIC_2023_LOADED, max_examples=60)
test_rubric_2023_petition = rubric.testing.property_test(PETITION, max_examples=60)


def seed_evaluation() -> rubric.Evaluation:
    return RUBRIC_2023_LOADED.evaluate(copy.deepcopy(SEED))


def replaced(evaluation: rubric.Evaluation, indicator_id: str, **changes: Any) -> rubric.Evaluation:
    results = tuple(
        dataclasses.replace(result, **changes) if result.id == indicator_id else result
        for result in evaluation.indicators
    )
    return dataclasses.replace(evaluation, indicators=results)


# -- the properties hold, and fail when they should -------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_generated_rubrics_have_every_property_for_their_generated_facts(data: st.DataObject) -> None:
    loaded = rubric.load(to_yaml(data.draw(rubric_data())) + "\n", name="generated.yaml")
    rubric.testing.check_monotone_ladders(loaded)
    rubric.testing.check_properties(loaded, data.draw(facts(loaded)))


def test_the_seed_has_every_property() -> None:
    evaluation = rubric.testing.check_properties(RUBRIC_2023_LOADED, copy.deepcopy(SEED))
    assert evaluation.total == Decimal("99.50")


@pytest.mark.parametrize(
    ("indicator_id", "changes", "message"),
    [
        ("completion", {"score": Decimal("4.01")}, "outside [0, 4.00]"),
        ("completion", {"score": Decimal("-0.01")}, "outside [0, 4.00]"),
        ("completion", {"score": Decimal("3.505")}, "not rounded to 2 places"),
        ("completion", {"status": "not_applicable"}, "is not applicable but scores 4.00 of 4"),
        ("spending_rate", {"score": Decimal("10.01")}, "outside [0, 10.00]"),
        ("execution", {"score": Decimal("10.01")}, "outside [0, 10.00]"),
    ],
)
def test_check_scores_fails_on_a_score_out_of_bounds(indicator_id: str, changes: dict[str, Any], message: str) -> None:
    rubric.testing.check_scores(RUBRIC_2023_LOADED, seed_evaluation())
    with pytest.raises(AssertionError, match=message.replace("[", r"\[").replace("]", r"\]")):
        rubric.testing.check_scores(RUBRIC_2023_LOADED, replaced(seed_evaluation(), indicator_id, **changes))


def test_a_shared_out_weight_bounds_a_leaf_rounded() -> None:
    outputs_only = [target for target in SEED["targets"] if target["kind"] == "产出"]
    evaluation = RUBRIC_2023_LOADED.evaluate(dict(copy.deepcopy(SEED), targets=outputs_only))
    assert evaluation.indicator("spending_rate").score == Decimal("14.29")  # of 10 × 50 / 35 = 14.2857…
    rubric.testing.check_scores(RUBRIC_2023_LOADED, evaluation)
    with pytest.raises(AssertionError, match=r"scores 14.30, outside \[0, 14.29\] \(effective weight 14.28571"):
        rubric.testing.check_scores(RUBRIC_2023_LOADED, replaced(evaluation, "spending_rate", score=Decimal("14.30")))


def test_check_sums_fails_when_a_parent_is_not_the_sum_of_its_children() -> None:
    rubric.testing.check_sums(RUBRIC_2023_LOADED, seed_evaluation())
    with pytest.raises(AssertionError, match="'execution' scores 9.00, not the sum of its children's scores 10.00"):
        rubric.testing.check_sums(RUBRIC_2023_LOADED, replaced(seed_evaluation(), "execution", score=Decimal("9.00")))


def test_check_sums_fails_when_shares_do_not_add_up_or_applicability_disagrees() -> None:
    shifted = replaced(seed_evaluation(), "completion", effective_weight=Decimal("4.001"))
    with pytest.raises(
        AssertionError, match="'execution': the effective weights of the applicable ones add up to 10.001"
    ):
        rubric.testing.check_sums(RUBRIC_2023_LOADED, shifted)
    out = replaced(seed_evaluation(), "execution", status="not_applicable")
    with pytest.raises(AssertionError, match="'execution' is not applicable, but its child 'completion' is scored"):
        rubric.testing.check_sums(RUBRIC_2023_LOADED, out)


def test_check_total_fails_on_a_wrong_total_maximum_or_grade() -> None:
    evaluation = seed_evaluation()
    rubric.testing.check_total(RUBRIC_2023_LOADED, evaluation)
    with pytest.raises(AssertionError, match="the total is 99.40, not the sum of the top-level scores 99.50"):
        rubric.testing.check_total(RUBRIC_2023_LOADED, dataclasses.replace(evaluation, total=Decimal("99.40")))
    with pytest.raises(AssertionError, match="the maximum is 99, not 100"):
        rubric.testing.check_total(RUBRIC_2023_LOADED, dataclasses.replace(evaluation, maximum=Decimal(99)))
    with pytest.raises(AssertionError, match="a total of 99.50 is graded 良, not 优"):
        rubric.testing.check_total(RUBRIC_2023_LOADED, dataclasses.replace(evaluation, grade=rubric.Text("良")))


def test_check_findings_fails_on_points_lost_out_of_bounds_or_the_wrong_severity() -> None:
    evaluation = seed_evaluation()
    rubric.testing.check_findings(RUBRIC_2023_LOADED, evaluation)
    note, deduction = evaluation.findings  # efficacy's note, procurement_controls' 0.50
    for finding, change, message in [
        (note, {"points_lost": Decimal("0.50"), "severity": "deduction"}, "'efficacy' loses 0.50 points, outside"),
        (deduction, {"points_lost": Decimal("2.50")}, "'procurement_controls' loses 2.50 points, outside"),
        (deduction, {"severity": "note"}, "is a note that loses 0.50 points"),
    ]:
        broken = dataclasses.replace(evaluation, findings=(dataclasses.replace(finding, **change),))
        with pytest.raises(AssertionError, match=message):
            rubric.testing.check_findings(RUBRIC_2023_LOADED, broken)


class Flaky(rubric.Rubric):
    """A rubric whose evaluation changes from one call to the next, or without traces."""

    calls = 0
    fast_path_differs = False

    def evaluate(self, facts: Any, *, trace: bool = True) -> rubric.Evaluation:
        result = super().evaluate(facts, trace=trace)
        Flaky.calls += 1
        if (Flaky.fast_path_differs and not trace) or (not Flaky.fast_path_differs and Flaky.calls % 2 == 0):
            result = dataclasses.replace(result, total=result.total - 1)
        return result


def test_check_deterministic_fails_when_evaluations_differ() -> None:
    flaky = Flaky(RUBRIC_2023_LOADED.compiled, RUBRIC_2023_LOADED.sha256)
    rubric.testing.check_deterministic(RUBRIC_2023_LOADED, copy.deepcopy(SEED))
    Flaky.calls, Flaky.fast_path_differs = 0, False
    with pytest.raises(AssertionError, match="evaluating the same facts twice gave different evaluations"):
        rubric.testing.check_deterministic(flaky, copy.deepcopy(SEED))
    Flaky.calls, Flaky.fast_path_differs = 0, True
    with pytest.raises(AssertionError, match="scoring without traces"):
        rubric.testing.check_deterministic(flaky, copy.deepcopy(SEED))


def test_check_fact_checks_fails_when_a_broken_check_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    rubric.testing.check_fact_checks(RUBRIC_2023_LOADED, copy.deepcopy(SEED))
    monkeypatch.setattr(rubric.facts, "_checks_hold", lambda *arguments: True)
    monkeypatch.setattr(rubric.facts, "_check_problems", lambda *arguments: [])
    with pytest.raises(
        AssertionError, match="budget_total = 987.45 breaks check budget_parts_sum .* yet the facts were accepted"
    ):
        rubric.testing.check_fact_checks(RUBRIC_2023_LOADED, copy.deepcopy(SEED))


def test_check_properties_fails_on_refused_facts() -> None:
    with pytest.raises(AssertionError, match="refused the facts"):
        rubric.testing.check_properties(RUBRIC_2023_LOADED, dict(SEED, budget_total=0))


DIVIDES = make_rubric(
    """
    - id: a
      name: A
      weight: 10
      score: min(10, 1 / share)
    """,
    extra_facts="share: {label: 份额, type: ratio, min: 0}\n",
)


def test_the_property_test_finds_a_division_the_rubric_does_not_guard() -> None:
    test = rubric.testing.property_test(rubric.load(DIVIDES), max_examples=50)
    with pytest.raises(AssertionError, match=r"(?s)cannot score facts it accepts.*division by zero"):
        test()


# -- ladders ---------------------------------------------------------------------------------------


def ladder_rubric(steps: str, *, extra_facts: str = "rate: {label: 比率, type: ratio, min: 0}\n") -> rubric.Rubric:
    indicator = "- id: a\n  name: A\n  weight: 4\n  ladder:\n" + textwrap.indent(
        textwrap.dedent(steps).strip("\n"), "    "
    )
    return rubric.load(make_rubric(indicator, total=4, extra_facts=extra_facts))


def test_the_ladders_of_the_2023_rubrics_are_monotone() -> None:
    checked = rubric.testing.check_monotone_ladders(RUBRIC_2023_LOADED)
    assert [(c.indicator, c.name, c.direction) for c in checked] == [
        ("completion", "r", "rising"),
        ("asset_utilization", "u", "rising"),
    ]
    assert checked[0].points[0] == (Decimal("-0.20"), Decimal(0)) and checked[0].points[-1][1] == 4
    petition = rubric.testing.check_monotone_ladders(PETITION)
    assert ("petitions_settled_on_time", "on_time", "rising") in [(c.indicator, c.name, c.direction) for c in petition]


def test_a_ladder_with_a_step_out_of_order_is_not_monotone() -> None:
    broken = ladder_rubric(
        """
        - {when: rate >= 0.95, then: 3}
        - {when: rate >= 0.90, then: 4}
        - otherwise: 0
        """
    )
    with pytest.raises(
        AssertionError, match=r"the ladder of indicator 'a' is not monotone in rate: .*0\.925 → 4, 0\.95 → 3"
    ):
        rubric.testing.check_monotone_ladders(broken)
    with pytest.raises(AssertionError, match="not monotone"):
        rubric.testing.property_test(broken, max_examples=5)()


def test_a_penalty_ladder_falls_and_other_ladders_are_left_alone() -> None:
    penalty = ladder_rubric(
        """
        - {when: 5 <= issues, then: 0}
        - {when: issues >= 1, then: 2}
        - otherwise: 4
        """,
        extra_facts="issues: {label: 问题数, type: integer, min: 0}\n",
    )
    (checked,) = rubric.testing.check_monotone_ladders(penalty)
    assert (checked.name, checked.direction, [p for _, p in checked.points]) == ("issues", "falling", [4, 2, 2, 0, 0])
    for steps in (
        "- {when: rate >= 0.9, then: 4 * rate}\n- otherwise: 0",  # points computed from the value
        "- {when: rate >= 0.9, then: 4}\n- {when: rate <= 0.1, then: 2}\n- otherwise: 0",  # both directions
        "- {when: rate >= 0.9 and rate < 2, then: 4}\n- otherwise: 0",  # not one comparison
    ):
        assert rubric.testing.check_monotone_ladders(ladder_rubric(steps)) == ()


# -- the facts it generates ----------------------------------------------------------------------------

ALL_KINDS = make_rubric(
    """
    - id: a
      name: A
      weight: 10
      score: 10 if flag else 0
    """,
    extra_facts="""
    number_of: {label: 数, type: integer, min: 2, max: 7}
    amount: {label: 金额, type: money, unit: 元, greater_than: 10, less_than: 20.5}
    large: {label: 大额, type: money, unit: 亿元, min: 0}
    rate: {label: 比率, type: ratio, min: 0, max: 1}
    fine: {label: 细, type: number, min: 0.001, max: 0.002}
    open_number: {label: 数值, type: number}
    flag: {label: 标志, type: boolean}
    note: {label: 说明, type: text, required: false}
    either: {label: 值, type: [ratio, enum], values: [达成, 未达成]}
    with_default: {label: 默认, type: integer, min: 0, default: 3}
    rows:
      label: 记录
      type: list
      min_items: 1
      max_items: 3
      fields:
        kind: {type: enum, values: [甲, 乙]}
        share: {type: ratio, min: 0, max: 1, default: 1}
        comment: {type: text, required: false}
        part_a: {type: integer, min: 0, max: 10}
        part_b: {type: integer, min: 0, max: 10}
        whole: {type: integer, min: 0, max: 15}
      checks:
        - {id: parts_sum, require: part_a + part_b == whole, message: 之和}
        - {id: share_of_b, require: kind == "甲" or share < 0.5, message: 乙的份额}
    """,
)
KINDS = rubric.load(ALL_KINDS)


def no_floats(value: Any) -> bool:
    if isinstance(value, dict):
        return all(no_floats(item) for item in value.values())
    if isinstance(value, list):
        return all(no_floats(item) for item in value)
    return not isinstance(value, float)


@SETTINGS
@given(facts(KINDS))
def test_generated_facts_follow_the_declarations(generated: dict[str, Any]) -> None:
    assert no_floats(generated)
    assert type(generated["number_of"]) is int and 2 <= generated["number_of"] <= 7
    assert type(generated["amount"]) is Decimal and 10 < generated["amount"] < Decimal("20.5")
    assert 0 <= generated["large"] <= 10  # up to 10 亿元, in 亿元
    assert 0 <= generated["rate"] <= 1 and Decimal("0.001") <= generated["fine"] <= Decimal("0.002")
    assert abs(generated["open_number"]) <= 1000
    assert type(generated["flag"]) is bool and type(generated.get("note", "")) is str
    assert generated["either"] in ("达成", "未达成") or type(generated["either"]) is Decimal
    assert 1 <= len(generated["rows"]) <= 3
    for row in generated["rows"]:
        assert (
            {"kind", "part_a", "part_b", "whole"}
            <= set(row)
            <= {"kind", "share", "comment", "part_a", "part_b", "whole"}
        )
        assert row["part_a"] + row["part_b"] == row["whole"] <= 15  # solved from the check
        assert row["kind"] == "甲" or row.get("share", 1) < Decimal("0.5")  # drawn again until it holds
    assert KINDS.evaluate(generated).total in (0, 10)


def forms_seen(strategy: st.SearchStrategy[dict[str, Any]], forms: dict[str, Any]) -> set[str]:
    """The forms (named predicates) that some of 100 generated departments take (derandomized)."""
    seen: set[str] = set()

    @settings(max_examples=100, deadline=None, derandomize=True, database=None)
    @given(strategy)
    def look(generated: dict[str, Any]) -> None:
        seen.update(name for name, form in forms.items() if form(generated))

    look()
    return seen


def test_optional_facts_fields_and_union_types_take_every_form() -> None:
    forms = {
        "note given": lambda f: "note" in f,
        "note left out": lambda f: "note" not in f,
        "default left out": lambda f: "with_default" not in f,
        "default given": lambda f: "with_default" in f,
        "union as enum": lambda f: isinstance(f["either"], str),
        "union as ratio": lambda f: isinstance(f["either"], Decimal),
        "negative number": lambda f: f["open_number"] < 0,
        "field default left out": lambda f: any("share" not in row for row in f["rows"]),
        "乙 with a share": lambda f: any("share" in row and row["kind"] == "乙" for row in f["rows"]),
        "three rows": lambda f: len(f["rows"]) == 3,
    }
    assert forms_seen(facts(KINDS), forms) == set(forms)


def test_optional_facts_in_checks_are_given_and_their_records_take_both_forms() -> None:
    forms = {
        "both budget parts": lambda f: "budget_basic" in f and "budget_project" in f,
        "no budget parts": lambda f: "budget_basic" not in f,
        "qualitative target": lambda f: any(t["direction"] == "qualitative" for t in f["targets"]),
        "numeric target": lambda f: any(t["direction"] != "qualitative" for t in f["targets"]),
        "no targets": lambda f: not f["targets"],
    }
    assert forms_seen(facts(RUBRIC_2023_LOADED), forms) == set(forms)


@SETTINGS
@given(facts(PETITION))
def test_petition_facts_meet_both_checks(generated: dict[str, Any]) -> None:
    parts = generated["petitions_letters"] + generated["petitions_visits"] + generated["petitions_online"]
    assert parts == generated["petitions_total"] >= generated["petitions_on_time"]
    assert all(type(generated[name]) is int for name in ("petitions_total", "petitions_on_time"))
    if "budget_basic" in generated and "budget_project" in generated:
        assert generated["budget_basic"] + generated["budget_project"] == generated["budget_total"]


# -- overrides -------------------------------------------------------------------------------------------


@SETTINGS
@given(facts(RUBRIC_2023_LOADED, budget_total=st.just(Decimal("100")), budget_basic=st.just(OMIT), targets=st.just([])))
def test_overrides_replace_a_fact_s_strategy(generated: dict[str, Any]) -> None:
    assert generated["budget_total"] == 100 and "budget_basic" not in generated and generated["targets"] == []
    RUBRIC_2023_LOADED.evaluate(generated)


@SETTINGS
@given(facts(PETITION, petitions_letters=st.integers(0, 3), petitions_on_time=st.just(0)))
def test_a_fact_computed_from_overridden_ones_is_still_computed(generated: dict[str, Any]) -> None:
    assert generated["petitions_letters"] <= 3 and generated["petitions_on_time"] == 0
    assert (
        generated["petitions_letters"] + generated["petitions_visits"] + generated["petitions_online"]
        == generated["petitions_total"]
    )
    PETITION.evaluate(generated)


@SETTINGS
@given(
    facts(
        PETITION,
        **{
            name: st.just(0)
            for name in ("petitions_total", "petitions_letters", "petitions_visits", "petitions_online")
        },
    )
)
def test_an_overridden_computed_fact_is_checked_like_any_other(generated: dict[str, Any]) -> None:
    assert (
        generated["petitions_total"] == generated["petitions_on_time"] == 0
    )  # on_time is drawn again within on_time <= total
    assert PETITION.evaluate(generated).indicator("petitions_settled_on_time").status == "not_applicable"


def test_overrides_are_checked() -> None:
    with pytest.raises(
        ValueError,
        match="'budget_totl' is not a fact of rubric cn-dept-overall-2023 \\(did you mean 'budget_total'\\?\\)",
    ):
        facts(RUBRIC_2023_LOADED, budget_totl=st.just(1))
    with pytest.raises(TypeError, match="must be a hypothesis strategy"):
        facts(RUBRIC_2023_LOADED, budget_total=Decimal(1))  # type: ignore[arg-type]

    @settings(max_examples=5, database=None)
    @given(facts(RUBRIC_2023_LOADED, budget_total=st.just(Decimal(-1))))
    def drawn(generated: dict[str, Any]) -> None:
        pass

    with pytest.raises(
        ValueError,
        match="Decimal\\('-1'\\) was drawn for fact 'budget_total', a value that rubric cn-dept-overall-2023 refuses",
    ):
        drawn()


# -- hypothesis stays optional ---------------------------------------------------------------------------


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)


def test_import_rubric_does_not_import_hypothesis() -> None:
    done = run_python("import sys, rubric; rubric.load('rubrics/2023.yaml'); print('hypothesis' in sys.modules)")
    assert done.stdout.strip() == "False", done.stderr


def test_rubric_testing_without_hypothesis_says_how_to_install_it() -> None:
    done = run_python(
        "import sys\nsys.modules['hypothesis'] = None\n"
        "try:\n    import rubric.testing\nexcept ImportError as missing:\n    print(missing)\n"
    )
    assert "pip install 'rubric[testing]'" in done.stdout, done.stderr
