"""The expression language: hostile input is refused at load, with the exact error expected."""

from __future__ import annotations

import pytest
from conftest import errors, make_rubric

import rubric


def score(expression: str) -> list[str]:
    """Errors of a rubric whose only indicator scores `expression` (written at line 20, column 12)."""
    quoted = expression.replace("'", "''")
    return errors(make_rubric(f"- id: a\n  name: A\n  weight: 10\n  score: '{quoted}'\n"))


# Each hostile expression, with the error (line:col code message) it must give. The expression
# starts at column 13: `    score: '` is 12 characters.
HOSTILE = [
    ('__import__("os").system("ls")', ["20:13 expr.forbidden only the rubric functions can be called"]),
    ('__import__("os")', ["20:13 name.unknown_function unknown function '__import__'"]),
    ("().__class__.__bases__", ["20:13 expr.forbidden expressions cannot use attribute access (a.b)"]),
    ("done.__class__", ["20:13 expr.forbidden expressions cannot use attribute access (a.b)"]),
    ("spent_total[0]", ["20:13 expr.forbidden expressions cannot use indexing (a[b])"]),
    ("[x for x in spent_total]", ["20:13 expr.forbidden expressions cannot use comprehensions"]),
    ("sum(x for x in (1, 2))", ["20:13 name.unknown_function unknown function 'sum'"]),
    ("(lambda: 1)()", ["20:13 expr.forbidden only the rubric functions can be called"]),
    ("lambda: 1", ["20:13 expr.forbidden expressions cannot use lambda"]),
    ('f"{spent_total}"', ["20:13 expr.forbidden expressions cannot use f-strings"]),
    ("9 ** 9 ** 9", ["20:13 expr.forbidden operator ** is not allowed"]),
    ("spent_total // 2", ["20:13 expr.forbidden operator // is not allowed"]),
    ("spent_total % 2", ["20:13 expr.forbidden operator % is not allowed"]),
    ("1 << 100000", ["20:13 expr.forbidden operator << is not allowed"]),
    ("~1", ["20:13 expr.forbidden operator ~ is not allowed"]),
    ("rand()", ["20:13 name.unknown_function unknown function 'rand'"]),
    ("randint(1, 10)", ["20:13 name.unknown_function unknown function 'randint'"]),
    ('open("/etc/passwd")', ["20:13 name.unknown_function unknown function 'open'"]),
    ('int("1")', ["20:13 name.unknown_function unknown function 'int'"]),
    ("__builtins__", ["20:13 name.unknown unknown name '__builtins__'"]),
    ("min", ["20:13 name.function_as_value 'min' is a function: call it, as in min(...)"]),
    ("(x := 1)", ["20:14 expr.forbidden expressions cannot use assignment (:=)"]),
    ("x = 1", ["20:15 expr.syntax expression syntax: invalid syntax (to compare, write ==)"]),
    ("1; 2", ["20:14 expr.syntax expression syntax: invalid syntax"]),
    ("import os", ["20:13 expr.syntax expression syntax: invalid syntax"]),
    ("None", ["20:13 expr.forbidden expressions cannot use None values"]),
    ("1e999999", ["20:13 expr.number number 1e999999 is not allowed"]),
    ("0x10", ["20:13 expr.number number 0x10 is not allowed"]),
    ("0o7 + 0b1", ["20:13 expr.number number 0o7 is not allowed", "20:19 expr.number number 0b1 is not allowed"]),
    ("1_000", ["20:13 expr.number number 1_000 is not allowed"]),
    ("10 if true else 0", ["20:19 name.unknown unknown name 'true'"]),
    ("1j", ["20:13 expr.forbidden expressions cannot use complex values"]),
    ('"a" * 100000000', ["20:13 type.mismatch '*' needs a number, but `\"a\"` is text"]),
    ("min(*(1, 2))", ["20:13 expr.arity min() takes at least 2 arguments, not 1"]),
    ("max(1, 2, key=3)", ["20:27 expr.forbidden max() takes no named arguments"]),
    ("10 if done is True else 0", ["20:19 expr.forbidden operator 'is' is not allowed"]),
    ('10 if level in ("完善",) else 0', [
        "20:28 expr.forbidden expressions cannot use tuples",
        "20:19 expr.forbidden operator 'in' is not allowed",
    ]),
    ("10 # a comment", ["20:16 expr.comment comments (#) are not allowed inside an expression"]),
    ("round(spent_total, places)", ["20:32 expr.literal_argument argument 2 of round() must be a whole number from 0 to 10"]),
    ("round(spent_total, 11)", ["20:32 expr.literal_argument argument 2 of round() must be a whole number from 0 to 10"]),
    ("score_of(a)", ["20:13 expr.score_of score_of() takes one indicator id in quotes"]),
    ('"\\d" == "x"', ["20:13 expr.syntax expression syntax: invalid escape sequence '\\d'"]),
    ("True + 1", ["20:13 type.mismatch '+' needs a number, but `True` is a boolean"]),
    ("-" * 40 + "1", ["20:43 expr.too_deep expression nests deeper than 30 levels"]),
    ('"' + "x" * 201 + '"', ["20:13 expr.string text longer than 200 characters"]),
    # Python reads these as spent_total and min after NFKC normalisation: refused, not read.
    ("ｓpent_total", ["20:13 name.not_ascii name 'ｓpent_total' is not plain ASCII"]),
    ("10 * ｍｉｎ(1, 2)", ["20:18 name.not_ascii name 'ｍｉｎ' is not plain ASCII"]),
    ("spent_total + ℬ", ["20:27 name.not_ascii name 'ℬ' is not plain ASCII"]),
    ("spent_totаl", ["20:13 name.not_ascii name 'spent_totаl' is not plain ASCII"]),  # Cyrillic а
    ("预算 + 1", ["20:13 name.not_ascii name '预算' is not plain ASCII"]),
]


@pytest.mark.parametrize(("expression", "expected"), HOSTILE, ids=[case[0][:30] for case in HOSTILE])
def test_hostile_expression_is_refused_with_its_error(expression: str, expected: list[str]) -> None:
    assert sorted(score(expression)) == sorted(expected)


def test_too_many_parts() -> None:
    # min( then 250 arguments "1" three characters apart: the call is part 1, argument k is
    # part k + 2, so argument 199 (at offset 4 + 3 * 199 = 601, column 13 + 601) is part 201.
    found = score("min(" + ", ".join(["1"] * 250) + ")")
    assert found == ["20:614 expr.too_complex expression has more than 200 parts"]


def test_expression_longer_than_the_limit_is_refused_before_it_is_parsed() -> None:
    assert score("1 + " * 250 + "1") == ["20:13 expr.too_long expression is longer than 1000 characters"]
    assert score("(" * 10_000 + "1" + ")" * 10_000) == ["20:13 expr.too_long expression is longer than 1000 characters"]


def one_leaf(expression: str) -> str:
    return make_rubric(f"- id: a\n  name: A\n  weight: 10\n  score: '{expression}'\n")


FACTS = {"budget_total": 1, "spent_total": 1, "done": True, "level": "完善"}


@pytest.mark.parametrize(
    ("expression", "roomy", "code"),
    [
        ("1 +" + " " * 1100 + "9", rubric.Limits(max_expression_length=1104), "expr.too_long"),  # 1104 characters
        ("1 + " * 39 + "1 - 30", rubric.Limits(max_expression_depth=41), "expr.too_deep"),  # constants at depth 41
        ("max(" + "0, " * 199 + "10)", rubric.Limits(max_expression_nodes=201), "expr.too_complex"),  # call + 200
    ],
)
def test_the_expression_limits_belong_to_the_load(expression: str, roomy: rubric.Limits, code: str) -> None:
    assert rubric.load(one_leaf(expression), limits=roomy).evaluate(FACTS).total == 10
    with pytest.raises(rubric.RubricError) as raised:
        rubric.load(one_leaf(expression))
    assert raised.value.code == code


def test_ten_thousand_nested_parentheses_give_our_error_at_any_length_limit() -> None:
    text = make_rubric("- id: a\n  name: A\n  weight: 10\n  score: '" + "(" * 10_000 + "1" + ")" * 10_000 + "'\n")
    found = rubric.check_rubric(text, limits=rubric.Limits(max_expression_length=100_000))
    assert [(d.code, d.location.line if d.location else 0) for d in found] == [("expr.syntax", 20)]


@pytest.mark.parametrize(
    "expression",
    [
        "10 * min(spent_total / budget_total, 1)",
        "10 if done and not (spent_total > budget_total) else 0",
        "clamp(10 - abs(spent_total - budget_total), 0, 10)",
        "round(floor(spent_total) + ceil(budget_total) / 3, 2)",
        '5 if 0.8 <= spent_total / budget_total < 0.9 else (10 if level == "完善" else 0)',
        "-spent_total + +budget_total",
    ],
)
def test_allowed_expressions_pass(expression: str) -> None:
    assert score(expression) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"max_steps": 0}, "Limits.max_steps must be a positive whole number, not 0"),
        ({"max_file_bytes": 1.5}, "Limits.max_file_bytes must be a positive whole number, not 1.5"),
        ({"decimal_precision": True}, "Limits.decimal_precision must be a positive whole number, not True"),
        ({"max_expression_depth": 101}, "Limits.max_expression_depth can be at most 100"),
    ],
)
def test_limits_are_checked_when_made(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as raised:
        rubric.Limits(**changes)  # type: ignore[arg-type]
    assert str(raised.value) == message
