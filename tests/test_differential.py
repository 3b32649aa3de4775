"""The compiled programs against the reference interpreter, on generated expressions.

`compile.py` turns checked trees into Python functions, with Python's own operators where the
checker proved the operand types and checked helpers elsewhere; `interpret.py` walks the same
trees with simpleeval, checking every operand. For any expression the checker accepts and any
values of the declared types, both must give the same value, or fail with the same message.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import rubric
from rubric.interpret import Evaluator
from rubric.language import EvalFailure

FACTS = (
    "{a: {label: A, type: number}, b: {label: B, type: number}, c: {label: C, type: number},"
    " p: {label: P, type: boolean}, q: {label: Q, type: boolean},"
    " level: {label: L, type: enum, values: [完善, 不够完善]},"
    " u: {label: U, type: [number, enum], values: [达成, 未达成]},"
    " v: {label: V, type: [number, boolean]}}"
)
NUMBER_NAMES = ("a", "b", "c")
BOOLEAN_NAMES = ("p", "q")
LITERALS = ("0", "1", "2", "0.1", "0.25", "100", "3.5", "999999999999")


def numbers(depth: int) -> st.SearchStrategy[str]:
    leaves = st.sampled_from(NUMBER_NAMES + LITERALS + ("u", "v"))  # u and v: known only at run time
    if depth == 0:
        return leaves
    smaller = numbers(depth - 1)
    return st.one_of(
        leaves,
        st.builds(lambda x, op, y: f"({x} {op} {y})", smaller, st.sampled_from("+-*/"), smaller),
        st.builds(lambda x: f"-{x}", smaller),
        st.builds(lambda x: f"+{x}", smaller),
        st.builds(lambda name, args: f"{name}({', '.join(args)})", st.sampled_from(["min", "max"]), st.lists(smaller, min_size=2, max_size=3)),
        st.builds(lambda name, x: f"{name}({x})", st.sampled_from(["abs", "floor", "ceil"]), smaller),
        st.builds(lambda x, places: f"round({x}, {places})", smaller, st.integers(0, 3)),
        st.builds(lambda x, low, high: f"clamp({x}, {low}, {high})", smaller, smaller, smaller),
        st.builds(lambda t, x, y: f"({x} if {t} else {y})", booleans(depth - 1), smaller, smaller),
    )


def booleans(depth: int) -> st.SearchStrategy[str]:
    leaves = st.sampled_from(BOOLEAN_NAMES + ("true", "false", 'level == "完善"', 'u == "达成"', "v == true"))
    if depth == 0:
        return leaves
    smaller_numbers = numbers(depth - 1)
    smaller = booleans(depth - 1)
    return st.one_of(
        leaves,
        st.builds(lambda x, op, y: f"({x} {op} {y})", smaller_numbers, st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), smaller_numbers),
        st.builds(lambda x, y, z: f"({x} < {y} <= {z})", smaller_numbers, smaller_numbers, smaller_numbers),
        st.builds(lambda x, op, y: f"({x} {op} {y})", smaller, st.sampled_from(["and", "or"]), smaller),
        st.builds(lambda x: f"(not {x})", smaller),
        st.builds(lambda x, y: f"({x} == {y})", smaller, smaller),
    )


def scopes() -> st.SearchStrategy[dict[str, Any]]:
    decimal_values = st.one_of(
        st.decimals(min_value=-(10**6), max_value=10**6, places=3, allow_nan=False),
        st.sampled_from([Decimal(0), Decimal(1), Decimal("-1"), Decimal("1E+20")]),
    )
    return st.fixed_dictionaries(
        {
            "a": decimal_values,
            "b": decimal_values,
            "c": decimal_values,
            "p": st.booleans(),
            "q": st.booleans(),
            "level": st.sampled_from(["完善", "不够完善"]),
            "u": st.one_of(decimal_values, st.sampled_from(["达成", "未达成"])),
            "v": st.one_of(decimal_values, st.booleans()),
        }
    )


def load(rule: str) -> rubric.Rubric | None:
    text = (
        'format: rubric/1\nid: d\ntitle: t\nversion: "1"\nyear: 2023\nlanguage: zh-CN\ntotal: 10\n'
        f"grades: [{{grade: 优, min: 0}}]\nfacts: {FACTS}\n"
        f"indicators: [{{id: i, name: I, weight: 10, {rule}}}]\n"
    )
    try:
        return rubric.load(text)
    except rubric.RubricError:
        return None  # the checker refused it (a constant division by zero, say): nothing runs


def outcome(run: Any) -> tuple[str, object]:
    try:
        value = run()
    except EvalFailure as failure:
        return ("failure", str(failure))
    return ("value", (type(value).__name__, value))


def same_outcomes(loaded: rubric.Rubric, scope: dict[str, Any]) -> None:
    for program in loaded.compiled.programs.values():
        compiled = outcome(lambda: program.evaluate(scope))
        reference = outcome(lambda: Evaluator().run(program, scope))
        assert compiled == reference, program.source


@settings(max_examples=400, deadline=None)
@given(numbers(3), scopes())
def test_number_expressions_compute_what_the_interpreter_computes(expression: str, scope: dict[str, Any]) -> None:
    loaded = load(f"score: {json.dumps(expression, ensure_ascii=False)}")
    if loaded is not None:
        same_outcomes(loaded, scope)


@settings(max_examples=400, deadline=None)
@given(booleans(3), scopes())
def test_conditions_compute_what_the_interpreter_computes(condition: str, scope: dict[str, Any]) -> None:
    rule = f"ladder: [{{when: {json.dumps(condition, ensure_ascii=False)}, then: 10}}, {{otherwise: 0}}]"
    loaded = load(rule)
    if loaded is not None:
        same_outcomes(loaded, scope)


def test_the_generated_expressions_are_mostly_accepted_and_reach_both_kinds_of_operation() -> None:
    """The two properties above would pass vacuously if the checker refused what they generate."""
    accepted = [load(f"score: {json.dumps(e)}") for e in ("(a + b) * c", "(u + a) / 2", "min(a, v)", "-u")]
    assert all(loaded is not None for loaded in accepted)
    (typed,) = accepted[0].compiled.programs.values()  # type: ignore[union-attr]
    (untyped,) = accepted[1].compiled.programs.values()  # type: ignore[union-attr]
    assert typed.evaluate({"a": Decimal(1), "b": Decimal(2), "c": Decimal(3)}) == 9
    assert outcome(lambda: untyped.evaluate({"u": "达成", "a": Decimal(1)})) == (
        "failure",
        "'+' needs numbers, got text '达成' and 1",
    )
