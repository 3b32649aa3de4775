"""Properties over generated rubrics, expressions and files (hypothesis)."""

from __future__ import annotations

import copy
import json
import pickle
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import rubric
from rubric.interpret import Evaluator
from rubric.language import EvalFailure
from rubric.source import read_bytes

FACTS = {
    "budget_total": {"label": "预算", "type": "money", "unit": "万元", "greater_than": 0},
    "spent_total": {"label": "支出", "type": "money", "unit": "万元", "min": 0},
    "done": {"label": "完成", "type": "boolean"},
    "level": {"label": "等级", "type": "enum", "values": ["完善", "不够完善", "未建立"]},
    "targets": {
        "label": "指标",
        "type": "list",
        "fields": {"kind": {"type": "enum", "values": ["产出", "效益"]}, "actual": {"type": "ratio"}},
    },
}

half_points = st.integers(min_value=1, max_value=40).map(lambda n: Decimal(n) / 2)


def to_yaml(value: Any) -> str:
    """JSON flow syntax (valid YAML) that keeps decimals exact and unquoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(to_yaml(item) for item in value) + "]"
    return "{" + ", ".join(f"{json.dumps(key, ensure_ascii=False)}: {to_yaml(item)}" for key, item in value.items()) + "}"


@st.composite
def leaf_rule(draw: st.DrawFn, weight: Decimal) -> dict[str, Any]:
    shape = draw(st.sampled_from(["boolean", "rate", "ladder", "deductions", "match", "items"]))
    if shape == "boolean":
        return {"score": f"{weight} if done else 0"}
    if shape == "rate":
        return {"score": f"{weight} * min(spent_total / budget_total, 1)"}
    if shape == "ladder":
        thresholds = sorted(draw(st.sets(st.integers(1, 99), min_size=1, max_size=4)), reverse=True)
        steps = [{"when": f"spent_total / budget_total >= 0.{t:02d}", "then": weight * (len(thresholds) - i) / len(thresholds)} for i, t in enumerate(thresholds)]
        return {"ladder": steps + [{"otherwise": 0}]}
    if shape == "deductions":
        return {"deductions": [{"when": "not done", "points": weight}, {"per": "count(targets)", "points": "0.5"}]}
    if shape == "match":
        return {"match": "level", "cases": {"完善": weight, "不够完善": weight / 2, "未建立": 0}}
    return {"items": {"over": "targets", "where": 'kind == "产出"', "value": "min(actual, 1)", "empty": "not_applicable"}}


@st.composite
def indicator(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    if depth < 2 and draw(st.booleans()):
        children = draw(st.lists(indicator(depth + 1), min_size=1, max_size=3))
        weight = sum((child["weight"] for child in children), Decimal(0))
        return {"name": "分组", "weight": weight, "children": children}
    weight = draw(half_points)
    return {"name": "指标", "weight": weight, **draw(leaf_rule(weight))}


def number_ids(indicators: list[dict[str, Any]], counter: list[int]) -> None:
    for item in indicators:
        item["id"] = f"i{counter[0]}"
        counter[0] += 1
        number_ids(item.get("children", []), counter)


@st.composite
def rubric_data(draw: st.DrawFn) -> dict[str, Any]:
    indicators = draw(st.lists(indicator(), min_size=1, max_size=4))
    number_ids(indicators, [0])
    return {
        "format": "rubric/1",
        "id": "generated",
        "title": "生成的评分规则",
        "version": "1",
        "year": 2023,
        "language": "zh-CN",
        "total": sum((item["weight"] for item in indicators), Decimal(0)),
        "grades": [{"grade": "优", "min": 90}, {"grade": "差", "min": 0}],
        "facts": FACTS,
        "indicators": indicators,
    }


def walk(indicators: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for item in indicators:
        found.append(item)
        found.extend(walk(item.get("children", [])))
    return found


@settings(max_examples=150, deadline=None)
@given(rubric_data())
def test_a_valid_generated_rubric_loads(data: dict[str, Any]) -> None:
    loaded = rubric.load(to_yaml(data) + "\n", name="generated.yaml")
    assert loaded.model.total == data["total"]
    assert [i.id for i in loaded.model.all_indicators()] == [i["id"] for i in walk(data["indicators"])]
    assert [i.weight for i in loaded.model.all_indicators()] == [i["weight"] for i in walk(data["indicators"])]
    assert pickle.loads(pickle.dumps(loaded)) == loaded


MUTATIONS = ["weight", "drop_key", "unknown_key", "unknown_name", "boolean_arithmetic", "yaml11"]


@settings(max_examples=150, deadline=None)
@given(rubric_data(), st.sampled_from(MUTATIONS), st.data())
def test_a_generated_invalid_rubric_yields_our_errors(data: dict[str, Any], mutation: str, draw: st.DataObject) -> None:
    broken = copy.deepcopy(data)
    target = draw.draw(st.sampled_from(walk(broken["indicators"])))
    leaves = [item for item in walk(broken["indicators"]) if "children" not in item]
    leaf = draw.draw(st.sampled_from(leaves))
    expected = {
        "weight": "weight.sum",
        "drop_key": "schema.required",
        "unknown_key": "schema.unknown_key",
        "unknown_name": "name.unknown",
        "boolean_arithmetic": "type.mismatch",
        "yaml11": "schema.type",
    }[mutation]
    if mutation == "weight":
        target["weight"] += Decimal("0.5")
    elif mutation == "drop_key":
        del target[draw.draw(st.sampled_from(["id", "name", "weight"]))]
    elif mutation == "unknown_key":
        target["wieght"] = 1
    elif mutation == "unknown_name":
        for key in ("match", "cases", "items", "ladder", "deductions"):
            leaf.pop(key, None)
        leaf["score"] = "spent_totl + 1"
    elif mutation == "boolean_arithmetic":
        for key in ("match", "cases", "items", "ladder", "deductions"):
            leaf.pop(key, None)
        leaf["score"] = "done * 2"
    else:
        broken["facts"] = dict(broken["facts"], extra={"label": "X", "type": "number", "required": "no"})
    text = to_yaml(broken) + "\n"
    try:
        rubric.load(text, name="broken.yaml")
    except rubric.RubricError as failure:
        codes = [d.code for d in failure.diagnostics]
        assert expected in codes
        assert all(d.location is not None and d.location.file == "broken.yaml" and d.location.line >= 1 for d in failure.diagnostics)
    else:
        raise AssertionError(f"{mutation} was accepted")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_any_bytes_give_a_document_or_our_error(raw: bytes) -> None:
    try:
        read_bytes(raw, "fuzz.yaml")
    except rubric.RubricError as failure:
        assert failure.diagnostics and all(d.location is not None for d in failure.diagnostics)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_as_a_rubric_gives_diagnostics_never_an_exception(text: str) -> None:
    found = rubric.check_rubric(text + "\n", name="fuzz.yaml")
    assert all(isinstance(d, rubric.Diagnostic) for d in found)


TOKENS = [
    "spent_total", "budget_total", "done", "level", "targets", "1", "0.5", "2", '"完善"', '"x"', "True",
    "+", "-", "*", "/", "**", "//", "%", "==", "!=", "<", ">=", "and", "or", "not", "if", "else", "(", ")",
    ",", "min(", "max(", "round(", "ceil(", "count(", "score_of(", '"a")', ".", "[", "]", "lambda", ":",
    "for", "in", "x", "__class__", "#", "=", "{", "}", "'", "\\",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=14), st.data())
def test_any_expression_loads_or_gives_our_errors_and_runs_or_fails_cleanly(tokens: list[str], draw: st.DataObject) -> None:
    expression = " ".join(tokens)
    assume("\n" not in expression)
    facts = to_yaml(FACTS)
    text = (
        'format: rubric/1\nid: fuzz\ntitle: t\nversion: "1"\nyear: 2023\nlanguage: zh-CN\ntotal: 10\n'
        "grades: [{grade: 优, min: 0}]\n"
        f"facts: {facts}\n"
        f"indicators: [{{id: a, name: A, weight: 10, score: {json.dumps(expression, ensure_ascii=False)}}}]\n"
    )
    try:
        loaded = rubric.load(text, name="fuzz.yaml")
    except rubric.RubricError as failure:
        assert all(d.location is not None and d.location.line >= 1 for d in failure.diagnostics)
        return
    (program,) = [p for p in loaded.compiled.programs.values()]
    names = {
        "spent_total": draw.draw(st.decimals(min_value=0, max_value=10**6, places=2)),
        "budget_total": draw.draw(st.decimals(min_value=0, max_value=10**6, places=2)),
        "done": draw.draw(st.booleans()),
        "level": draw.draw(st.sampled_from(["完善", "不够完善", "未建立"])),
        "targets": (),
    }
    try:
        result = Evaluator().run(program, names)
    except EvalFailure:
        return
    assert type(result) in (Decimal, bool, str)


@settings(max_examples=200, deadline=None)
@given(
    st.decimals(min_value=-(10**9), max_value=10**9, places=4),
    st.decimals(min_value=-(10**9), max_value=10**9, places=4),
    st.sampled_from(["+", "-", "*"]),
)
def test_arithmetic_is_exact(left: Decimal, right: Decimal, operator: str) -> None:
    text = (
        'format: rubric/1\nid: x\ntitle: t\nversion: "1"\nyear: 2023\nlanguage: zh-CN\ntotal: 1\n'
        "grades: [{grade: 优, min: 0}]\nfacts: {a: {label: A, type: number}, b: {label: B, type: number}}\n"
        f'indicators: [{{id: i, name: I, weight: 1, score: "a {operator} b"}}]\n'
    )
    (program,) = rubric.load(text).compiled.programs.values()
    exact = {"+": left + right, "-": left - right, "*": left * right}[operator]  # default context: 28 digits suffice here
    assert Evaluator().run(program, {"a": left, "b": right}) == exact


@settings(max_examples=50, deadline=None)
@given(rubric_data())
def test_loading_is_deterministic(data: dict[str, Any]) -> None:
    text = to_yaml(data) + "\n"
    first, second = rubric.load(text), rubric.load(text)
    assert first == second
    assert pickle.dumps(first.model) == pickle.dumps(second.model)
    assert [p.source for p in first.compiled.programs.values()] == [p.source for p in second.compiled.programs.values()]
