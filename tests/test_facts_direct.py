"""The direct path of facts validation against the full one.

`prepare` first tries a direct pass that checks and converts plainly right facts; at any doubt
it hands the facts to the full path (JSON Schema, conversions, every problem placed). The two
must never disagree: whatever the direct path takes, the full path takes too, with the same
values. Facts given as a read-only mapping (not a dict) always take the full path.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import pytest
from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

import rubric
from rubric.facts import _direct_values, load_facts, prepare

sys.path.insert(0, str(ROOT / "benchmarks"))
from departments import departments  # noqa: E402 - the benchmark's generator of varied departments

RUBRIC = rubric.load(ROOT / "rubrics" / "2023.yaml")
SEED = dict(load_facts(ROOT / "examples" / "haizhu-petition-bureau-2023.yaml").data)


def full_path(facts: dict[str, Any]) -> dict[str, Any] | str:
    try:
        return dict(prepare(RUBRIC.compiled, MappingProxyType(facts)).values)
    except rubric.FactsError as refused:
        return f"refused: {refused.code}"


def test_the_seed_and_generated_departments_take_the_direct_path_with_the_full_paths_values() -> None:
    for facts in [SEED, *departments(60, seed=11)]:
        direct = _direct_values(RUBRIC.compiled, facts)
        assert direct is not None
        assert direct == full_path(facts)
        assert prepare(RUBRIC.compiled, facts).sha256 == prepare(RUBRIC.compiled, MappingProxyType(facts)).sha256


ODD_VALUES = [
    None, True, False, 0, 1, -1, 10**21, 10**20, 3.5, Decimal("NaN"), Decimal("Infinity"), Decimal("1E+30"),
    Decimal("0.5"), Decimal("1." + "0" * 45), Decimal("-0.01"), Decimal("1.5"), Decimal("2.0"), "", "x", "1", "true",
    "50%", "150%", "-5%", "986.45万元", "1.2亿元", "349808.03元", "12万", " 50%", "\ud800", "达成", "部分达成", "完善",
    [], [{}], ["x"], (), {}, {"a": 1},
]


def changed(facts: dict[str, Any], draw: st.DataObject) -> dict[str, Any]:
    result = dict(facts)
    for _ in range(draw.draw(st.integers(1, 3))):
        action = draw.draw(st.sampled_from(["set", "drop", "add", "target"]))
        key = draw.draw(st.sampled_from(sorted(result) or ["unit_name"]))
        if action == "set":
            result[key] = draw.draw(st.sampled_from(ODD_VALUES))
        elif action == "drop":
            result.pop(key, None)
        elif action == "add":
            result[draw.draw(st.sampled_from(["unknown", "spent_totl", "year"]))] = draw.draw(st.sampled_from(ODD_VALUES))
        elif isinstance(result.get("targets"), list) and result["targets"] and all(isinstance(t, dict) for t in result["targets"]):
            targets = [dict(target) for target in result["targets"]]
            target = targets[draw.draw(st.integers(0, len(targets) - 1))]
            field = draw.draw(st.sampled_from(sorted(target) + ["extra"]))
            if draw.draw(st.booleans()):
                target[field] = draw.draw(st.sampled_from(ODD_VALUES))
            else:
                target.pop(field, None)
            result["targets"] = targets
    return result


@settings(max_examples=600, deadline=None)
@given(st.data())
def test_whatever_the_direct_path_takes_the_full_path_takes_with_the_same_values(draw: st.DataObject) -> None:
    base = draw.draw(st.sampled_from([SEED, *departments(5, seed=3)]))
    facts = changed(base, draw)
    direct = _direct_values(RUBRIC.compiled, facts)
    if direct is not None:
        assert direct == full_path(facts)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"spent_total": 3.5}, "facts.float"),
        ({"spent_total": "12万"}, "facts.type"),
        ({"unknown": 1}, "facts.unknown"),
        ({"spent_total": Decimal("-1")}, "facts.range"),
    ],
)
def test_facts_the_direct_path_turns_away_get_the_full_paths_errors(change: dict[str, Any], code: str) -> None:
    facts = {**SEED, **change}
    assert _direct_values(RUBRIC.compiled, facts) is None
    with pytest.raises(rubric.FactsError) as refused:
        prepare(RUBRIC.compiled, facts)
    assert refused.value.code == code


def test_every_fact_and_field_set_to_every_odd_value_is_taken_alike_by_both_paths() -> None:
    cases = [{**SEED, key: value} for key in SEED for value in ODD_VALUES]
    first_target = dict(SEED["targets"][0])
    for field in [*first_target, "extra"]:
        for value in ODD_VALUES:
            cases.append({**SEED, "targets": [{**first_target, field: value}, *SEED["targets"][1:]]})
        cases.append({**SEED, "targets": [{k: v for k, v in first_target.items() if k != field}, *SEED["targets"][1:]]})
    taken = 0
    for facts in cases:
        direct = _direct_values(RUBRIC.compiled, facts)
        if direct is not None:
            taken += 1
            assert direct == full_path(facts), facts
    assert taken > 50  # the property is not vacuous: many odd but valid values go the direct way
