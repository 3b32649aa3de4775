"""Stage 3 on its own: the model built from a validated document, and from a broken one."""

from __future__ import annotations

from decimal import Decimal

from conftest import RUBRIC_2023, make_rubric

from rubric import schema
from rubric.model import (
    DeductionRule,
    ItemsRule,
    LadderRule,
    MatchRule,
    ScoreRule,
    Text,
    build,
)
from rubric.source import read_file, read_text


def model_of(document):  # type: ignore[no-untyped-def]
    _, bad_paths = schema.validate(document, "rubric.schema.json")
    return build(document, bad_paths)


def test_the_2023_rubric_as_a_model() -> None:
    model = model_of(read_file(str(RUBRIC_2023)))
    assert model.intact
    assert (model.id, model.version, model.year, model.total) == ("cn-dept-overall-2023", "1.0.0", 2023, Decimal(100))
    assert model.title == Text("部门整体支出绩效自评（2023 年度）", "Departmental overall expenditure performance self-evaluation (2023)")
    assert [g.name.zh for g in model.grades] == ["优", "良", "中", "差"]
    assert [g.minimum for g in model.grades] == [90, 80, 60, 0]
    by_id = {i.id: i for i in model.all_indicators()}
    assert [root.id for root in model.indicators] == ["efficacy", "efficiency"]
    assert by_id["procurement_intent"].weight == Decimal("1.5") and type(by_id["procurement_intent"].weight) is Decimal
    assert isinstance(by_id["spending_rate"].rule, ScoreRule)
    assert isinstance(by_id["completion"].rule, LadderRule)
    assert isinstance(by_id["carryover"].rule, DeductionRule)
    assert isinstance(by_id["procurement_controls"].rule, MatchRule)
    assert isinstance(by_id["outputs"].rule, ItemsRule)
    assert by_id["efficacy"].rule is None and len(by_id["efficacy"].children) == 3
    controls = by_id["procurement_controls"].rule
    assert isinstance(controls, MatchRule)
    assert [(case.value, case.points) for case in controls.cases] == [("完善", 2), ("不够完善", Decimal("1.5")), ("未建立", 0)]
    ladder = by_id["completion"].rule
    assert isinstance(ladder, LadderRule)
    assert [(s.when.text if s.when else None, s.then.text) for s in ladder.steps] == [
        ("r >= 0.95", "4"),
        ("r >= 0.90", "3"),
        ("r >= 0.80", "2"),
        (None, "0"),
    ]
    assert by_id["completion"].lets[0][0] == "r" and by_id["completion"].lets[0][1].text == "spent_total / budget_total"


def test_facts_in_the_model() -> None:
    model = model_of(read_file(str(RUBRIC_2023)))
    facts = {fact.id: fact for fact in model.facts}
    assert facts["budget_total"].kinds == ("money",) and facts["budget_total"].unit == "万元"
    assert facts["budget_total"].greater_than == 0 and facts["budget_total"].required
    assert not facts["budget_basic"].required and not facts["budget_basic"].has_default
    assert facts["targets_need_adjustment"].has_default and facts["targets_need_adjustment"].default is False
    assert not facts["targets_need_adjustment"].required
    assert facts["procurement_controls"].values == ("完善", "不够完善", "未建立")
    targets = facts["targets"]
    assert targets.is_list and [f.id for f in targets.fields] == ["name", "kind", "direction", "planned", "actual", "weight"]
    assert targets.fields[3].kinds == ("ratio", "enum")


def test_numbers_written_as_rules_become_expressions() -> None:
    model = model_of(read_text(make_rubric("- {id: a, name: A, weight: 10, score: 7.5}\n"), "t.yaml"))
    rule = model.indicators[0].rule
    assert isinstance(rule, ScoreRule) and rule.expression.text == "7.5"
    assert (rule.expression.location.line, rule.expression.location.column) == (17, 41)


def test_a_broken_part_is_left_out_and_the_rest_is_built() -> None:
    text = make_rubric(
        """
        - {id: good, name: G, weight: 5, score: 5}
        - {id: bad, name: B, weight: 5, score: 5, ladder: [{otherwise: 1}]}
        """,
        extra_facts="broken: {label: X, type: nonsense}\n",
    )
    model = model_of(read_text(text, "t.yaml"))
    assert not model.intact
    good, bad = model.indicators
    assert good.intact and isinstance(good.rule, ScoreRule)
    assert not bad.intact and bad.rule is None and bad.weight == 5
    broken = {fact.id: fact for fact in model.facts}["broken"]
    assert broken.kinds == ()
