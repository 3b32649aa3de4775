"""Stage 6 on its own: facts validated against the declarations and converted exactly."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import ROOT

import rubric
from rubric.facts import facts_from_text, prepare
from rubric.render import json_text
from rubric.source import read_file

EXAMPLE = ROOT / "examples" / "haizhu-petition-bureau-2023.yaml"
SEED = read_file(str(EXAMPLE)).data


def converted(rubric_2023: rubric.Rubric, **changes: Any) -> dict[str, Any]:
    facts = copy.deepcopy(SEED)
    facts.update(changes)
    return dict(prepare(rubric_2023.compiled, facts).values)


def problems(rubric_2023: rubric.Rubric, facts: Any) -> list[str]:
    with pytest.raises(rubric.FactsError) as raised:
        prepare(rubric_2023.compiled, facts)
    return [
        (f"{d.location.line}:{d.location.column} " if d.location else "") + f"{d.code} {d.message}"
        for d in raised.value.diagnostics
    ]


@pytest.mark.parametrize(
    ("fact", "given", "expected"),
    [
        ("budget_total", "986.45万元", Decimal("986.45")),  # declared in 万元
        ("budget_total", "9864500元", Decimal("986.45")),
        ("budget_total", "0.098645亿元", Decimal("986.45")),
        ("public_funds_budget", "34.980803万元", Decimal("349808.03")),  # declared in 元
        ("public_funds_budget", Decimal("349808.03"), Decimal("349808.03")),
        ("public_funds_budget", 349808, Decimal("349808")),
        ("fixed_asset_utilization", "92.91%", Decimal("0.9291")),
        ("fixed_asset_utilization", Decimal("0.9291"), Decimal("0.9291")),
        ("sme_reserved_share_rate", "100%", Decimal("1")),
    ],
)
def test_money_and_ratios_convert_exactly(rubric_2023: rubric.Rubric, fact: str, given: Any, expected: Decimal) -> None:
    value = converted(rubric_2023, **{fact: given})[fact]
    assert type(value) is Decimal and value == expected


def test_json_numbers_are_read_as_decimals(rubric_2023: rubric.Rubric, tmp_path: Path) -> None:
    text = json_text(dict(SEED, fixed_asset_utilization=Decimal("0.1")))
    assert '"fixed_asset_utilization": 0.1,' in text and '"budget_total": 986.45,' in text
    path = tmp_path / "facts.json"
    path.write_text(text, encoding="utf-8")
    values = prepare(rubric_2023.compiled, rubric.load_facts(path)).values
    assert values["fixed_asset_utilization"] == Decimal("0.1")
    assert values["budget_total"] == Decimal("986.45")


def test_file_and_mapping_give_the_same_values(rubric_2023: rubric.Rubric) -> None:
    from_file = prepare(rubric_2023.compiled, rubric.load_facts(EXAMPLE))
    from_mapping = prepare(rubric_2023.compiled, copy.deepcopy(SEED))
    assert from_file.values == from_mapping.values and from_file.sha256 == from_mapping.sha256


def test_defaults_are_applied(rubric_2023: rubric.Rubric) -> None:
    facts = copy.deepcopy(SEED)
    del facts["targets_need_adjustment"]
    values = prepare(rubric_2023.compiled, facts).values
    assert values["targets_need_adjustment"] is False
    assert dict(values["targets"][0])["weight"] == 1  # type: ignore[index]


def test_optional_facts_may_be_left_out(rubric_2023: rubric.Rubric) -> None:
    facts = copy.deepcopy(SEED)
    del facts["budget_basic"]
    values = prepare(rubric_2023.compiled, facts).values
    assert "budget_basic" not in values and values["budget_project"] == Decimal("198.40")


def test_every_problem_of_a_facts_file_is_reported_together(rubric_2023: rubric.Rubric) -> None:
    facts = copy.deepcopy(SEED)
    del facts["three_public_actual"]
    facts.update(
        {
            "three_pubic_actual": 0,
            "budget_total": 986.45,
            "spent_total": True,
            "carryover_total": "-1元",
            "audit_issues": Decimal("1.5"),
            "finance_compliant": "true",
            "sme_reserved_share_rate": "0.95",
            "procurement_controls": "完整",
            "public_funds_budget": "1,000元",
            "public_funds_actual": "¥100",
            "three_public_budget": Decimal("NaN"),
        }
    )
    # without a file, problems come in the order the rubric declares the facts; unknown ones last
    assert problems(rubric_2023, facts) == [
        "facts.float budget_total: 986.45 is a binary floating-point number, which cannot hold most decimals exactly",
        "facts.type spent_total: expected money: a number in 万元, or text with its unit such as \"986.45万元\", "
        "found true (a boolean)",
        "facts.range carryover_total: -1元 (-0.0001 in 万元) is out of range (must be at least 0)",
        "facts.type audit_issues: expected a whole number, found 1.5 (a number)",
        "facts.type finance_compliant: expected true or false, found text 'true'",
        "facts.type sme_reserved_share_rate: expected a ratio: a number (1 is 100%) or a percentage such as "
        "\"92.91%\", found text '0.95'",
        "facts.type procurement_controls: expected one of 完善, 不够完善, 未建立, found text '完整'",
        "facts.type public_funds_budget: expected money: a number in 元, or text with its unit such as \"986.45万元\", "
        "found text '1,000元'",
        "facts.type public_funds_actual: expected money: a number in 元, or text with its unit such as \"986.45万元\", "
        "found text '¥100'",
        "facts.type three_public_budget: expected money: a number in 元, or text with its unit such as \"986.45万元\", "
        "found NaN (not a finite number)",
        "facts.missing missing required fact 'three_public_actual' (“三公”经费实际支出)",
        "facts.unknown unknown fact 'three_pubic_actual'",
    ]


def test_facts_file_problems_have_positions(rubric_2023: rubric.Rubric) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace("procurement_controls: 不够完善", "procurement_controls: 不太完善")
    text = text.replace("budget_total: 986.45 ", "budget_totl: 986.45 ")
    found = problems(rubric_2023, facts_from_text(text, "f.yaml"))
    assert found == [
        "6:1 facts.missing missing required fact 'budget_total' (财政拨款年度预算数)",  # the mapping starts at line 6
        "9:1 facts.unknown unknown fact 'budget_totl'",
        "32:23 facts.type procurement_controls: expected one of 完善, 不够完善, 未建立, found text '不太完善'",
    ]


def test_yaml_problems_of_a_facts_file_are_facts_errors(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("a: 1\na: 2\nb: &x 1\n", encoding="utf-8")
    with pytest.raises(rubric.FactsError) as raised:
        rubric.load_facts(path)
    assert [d.code for d in raised.value.diagnostics] == ["yaml.alias"]
    path.write_text("a: 1\na: 2\n", encoding="utf-8")
    with pytest.raises(rubric.FactsError) as raised:
        rubric.load_facts(path)
    assert [d.code for d in raised.value.diagnostics] == ["yaml.duplicate_key"]
    path.write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(rubric.FactsError) as raised:
        rubric.load_facts(path)
    assert str(raised.value) == f"{path}:1:1: error: a facts file is a mapping from fact id to value"


def test_target_records_are_checked(rubric_2023: rubric.Rubric) -> None:
    facts = copy.deepcopy(SEED)
    facts["targets"] = [
        {"name": "a", "kind": "产出", "direction": ">=", "planned": 0, "actual": 1},
        {"name": "b", "kind": "其他", "direction": ">=", "planned": 1, "actual": 1},
        {"name": "c", "kind": "效益", "direction": "qualitative", "planned": "达成", "actual": "差不多"},
        {"name": "d", "kind": "效益", "direction": ">=", "planned": 1, "actual": 1, "owner": "x"},
        {"kind": "效益", "direction": ">=", "planned": 1, "actual": -1},
    ]
    assert problems(rubric_2023, facts) == [
        "facts.type targets[1].kind: expected one of 产出, 效益, found text '其他'",
        "facts.type targets[2].actual: expected a ratio: a number (1 is 100%) or a percentage such as \"92.91%\" or "
        "one of 达成, 基本达成, 部分达成, 未达成, found text '差不多'",
        "facts.unknown targets[3]: unknown field 'owner'",
        "facts.missing targets[4]: missing field 'name' (指标名称)",
    ]


def test_checks_run_once_the_values_are_right(rubric_2023: rubric.Rubric) -> None:
    facts = copy.deepcopy(SEED)
    facts["budget_project"] = Decimal("198.41")
    facts["targets"] = [
        {"name": "a", "kind": "产出", "direction": ">=", "planned": 0, "actual": 1},
        {"name": "b", "kind": "效益", "direction": "qualitative", "planned": "达成", "actual": Decimal("0.5")},
        {"name": "c", "kind": "效益", "direction": ">=", "planned": 1, "actual": "达成"},
    ]
    assert problems(rubric_2023, facts) == [
        "facts.check check budget_parts_sum: 基本支出与项目支出之和应等于财政拨款年度预算数 (`budget_basic + budget_project == budget_total` "
        "does not hold: budget_basic = 788.05, budget_project = 198.41, budget_total = 986.45)",
        "facts.check check target_planned_positive on targets[0]: 数值型指标的目标值（planned）必须是大于 0 的数 (`direction == \"qualitative\" or "
        "planned > 0` does not hold: direction = text '>=', planned = 0)",
        "facts.check check target_qualitative_actual on targets[1]: 定性指标的实际完成值（actual）应为 达成、基本达成、部分达成 或 未达成 "
        "(`direction != \"qualitative\" or actual == \"达成\" or actual == \"基本达成\" or actual == \"部分达成\" or "
        "actual == \"未达成\"` does not hold: actual = 0.5, direction = text 'qualitative')",
        "facts.check check target_actual_not_negative on targets[2]: 数值型指标的实际完成值（actual）必须是不小于 0 的数 (`direction == \"qualitative\" or "
        "actual >= 0` does not hold: actual = text '达成', direction = text '>='; '>=' needs numbers, got text '达成' and 0)",
    ]


def test_a_check_on_an_optional_fact_waits_for_it(rubric_2023: rubric.Rubric) -> None:
    facts = copy.deepcopy(SEED)
    del facts["budget_project"]
    facts["budget_basic"] = Decimal("1")  # alone: no sum to check
    assert prepare(rubric_2023.compiled, facts).values["budget_basic"] == 1


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (Decimal(0), "facts.range budget_total: 0 must be greater than 0"),
        (Decimal("-1"), "facts.range budget_total: -1 must be greater than 0"),
        ("0万元", "facts.range budget_total: 0万元 (0 in 万元) is out of range (must be more than 0)"),
    ],
)
def test_budget_must_be_positive(rubric_2023: rubric.Rubric, bad: Any, message: str) -> None:
    assert problems(rubric_2023, dict(SEED, budget_total=bad)) == [message]


def test_facts_must_be_a_mapping(rubric_2023: rubric.Rubric) -> None:
    with pytest.raises(rubric.FactsError) as raised:
        rubric_2023.evaluate([1, 2])  # type: ignore[arg-type]
    assert str(raised.value) == "error: facts must be a mapping from fact id to value, not list"


def test_the_generated_schema_is_valid_and_accepts_the_example(rubric_2023: rubric.Rubric) -> None:
    schema = rubric_2023.facts_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(rubric_2023.facts_schema()).validate(SEED)
    assert set(schema["required"]) == {fact.id for fact in rubric_2023.facts if fact.required}
    assert schema["additionalProperties"] is False


def test_each_missing_fact_is_reported_once(rubric_2023: rubric.Rubric) -> None:
    found = problems(rubric_2023, {})
    required = [fact.id for fact in rubric_2023.facts if fact.required]
    assert found == [f"facts.missing missing required fact {fact_id!r} ({label})" for fact_id, label in (
        (fact.id, fact.label.zh if fact.label else "") for fact in rubric_2023.facts if fact.required
    )]
    assert len(found) == len(required) == 28


def test_check_messages_write_decimals_plainly(rubric_2023: rubric.Rubric) -> None:
    found = problems(rubric_2023, dict(SEED, budget_total="1.2亿元", spent_total=Decimal(1)))
    assert found == [
        "facts.check check budget_parts_sum: 基本支出与项目支出之和应等于财政拨款年度预算数 (`budget_basic + budget_project == budget_total` "
        "does not hold: budget_basic = 788.05, budget_project = 198.40, budget_total = 12000)"
    ]


def test_an_optional_field_may_be_left_out() -> None:
    text = (
        'format: rubric/1\nid: r\ntitle: t\nversion: "1"\nyear: 2023\nlanguage: zh-CN\ntotal: 1\n'
        "grades: [{grade: 优, min: 0}]\n"
        "facts: {rows: {label: R, type: list, fields: {x: {type: number}, note: {type: text, required: false}}}}\n"
        "indicators: [{id: i, name: I, weight: 1, items: {over: rows, value: x, empty: 0}}]\n"
    )
    loaded = rubric.load(text)
    assert loaded.evaluate({"rows": [{"x": Decimal("0.5")}, {"x": 1, "note": "备注"}]}).total == Decimal("0.75")
    with pytest.raises(rubric.FactsError) as raised:
        loaded.evaluate({"rows": [{"note": "备注"}]})
    assert str(raised.value) == "error: rows[0]: missing field 'x'"


class _Hostile:
    """Runs code when compared or hashed: a facts mapping from Python must never reach it."""

    def __eq__(self, other: object) -> bool:
        raise SystemExit(9)

    def __hash__(self) -> int:
        return 1


def _self_containing() -> list[object]:
    loop: list[object] = []
    loop.append(loop)
    return loop


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (object(), "budget_total: a value of type object is not data"),
        (_Hostile(), "budget_total: a value of type _Hostile is not data"),
        (b"986.45", "budget_total: a value of type bytes is not data"),
        (10**400, "budget_total: a number beyond 10^20 or below 10^-20 is out of range"),
        (Decimal("1e-30"), "budget_total: a number beyond 10^20 or below 10^-20 is out of range"),
        ({1: 2}, "budget_total: a key of type int; keys are text"),
        (_self_containing(), "budget_total" + "[0]" * 63 + ": nested deeper than 64 levels"),
    ],
    ids=["object", "hostile", "bytes", "huge int", "tiny decimal", "int key", "self-containing list"],
)
def test_python_facts_must_be_plain_data(rubric_2023: rubric.Rubric, value: object, expected: str) -> None:
    with pytest.raises(rubric.FactsError) as raised:
        rubric_2023.evaluate(dict(SEED, budget_total=value))
    assert [d.message for d in raised.value.diagnostics] == [expected]


def test_a_hostile_key_is_refused_without_being_compared(rubric_2023: rubric.Rubric) -> None:
    facts: dict[object, object] = dict(SEED)
    facts[_Hostile()] = 1
    with pytest.raises(rubric.FactsError) as raised:
        rubric_2023.evaluate(facts)  # type: ignore[arg-type]
    assert [d.message for d in raised.value.diagnostics] == ["facts: a key of type _Hostile; keys are text"]


def test_a_facts_file_is_read_within_the_limits_given(tmp_path: Path) -> None:
    path = tmp_path / "facts.yaml"
    path.write_text("budget_total: 1\n" + "# padding\n" * 20, encoding="utf-8")  # 16 + 200 bytes
    assert rubric.load_facts(path, limits=rubric.Limits(max_file_bytes=216)).data == {"budget_total": 1}
    with pytest.raises(rubric.FactsError) as raised:
        rubric.load_facts(path, limits=rubric.Limits(max_file_bytes=215))
    assert str(raised.value) == f"{path}:1:1: error: file is larger than 215 bytes (split it or trim it)"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "0." + "1" * 100_000 + "万元",
            "facts.type budget_total: expected money: a number in 万元, or text with its unit such as \"986.45万元\", "
            "found text '0." + "1" * 58 + "…' (100004 characters)",
        ),
        (
            "1" * 22 + "元",  # 10^21 元 and more: beyond what a file may hold
            "facts.type budget_total: expected money: a number in 万元, or text with its unit such as \"986.45万元\", "
            "found text '" + "1" * 22 + "元'",
        ),
        (Decimal("0." + "1" * 41), "facts.range budget_total: a number with more than 40 digits"),
    ],
    ids=["100,000 digits", "22 digits", "41-digit Decimal"],
)
def test_numbers_in_text_and_from_python_are_bounded_like_the_file_reader(
    rubric_2023: rubric.Rubric, value: object, expected: str
) -> None:
    with pytest.raises(rubric.FactsError) as raised:
        rubric_2023.evaluate(dict(SEED, budget_total=value))
    assert [f"{d.code} {d.message}" for d in raised.value.diagnostics] == [expected]


def test_python_text_with_half_a_surrogate_pair_is_refused(rubric_2023: rubric.Rubric) -> None:
    with pytest.raises(rubric.FactsError) as raised:
        rubric_2023.evaluate(dict(SEED, unit_name="海珠\ud800"))
    assert [d.message for d in raised.value.diagnostics] == ["unit_name: text holding half of a UTF-16 pair is not text"]


def test_json_escapes_of_a_character_beyond_the_basic_plane_are_joined(rubric_2023: rubric.Rubric) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace("unit_name: 广州市海珠区信访局", 'unit_name: "广州市\\ud840\\udc00区"')
    assert "\\ud840" in text
    evaluation = rubric_2023.evaluate(facts_from_text(text, "f.yaml"))
    assert evaluation.total == Decimal("99.5")
    assert facts_from_text(text, "f.yaml").data["unit_name"] == "广州市\U00020000区"
