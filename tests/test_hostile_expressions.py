"""More hostile expressions, by kind of attack, each with the error it must give and where.

Together with `HOSTILE` in test_expressions.py these are over 150. Each expected place is worked
out from the expression itself: the column is 13 (where `score()` writes the expression) plus the
index of the token the error must point at, so no position is copied from the program's output.
Messages are ours except for Python's own syntax messages, where code and place are checked.
"""

from __future__ import annotations

import pytest
from test_expressions import score

F = "expr.forbidden"
ATTRIBUTE = "expressions cannot use attribute access (a.b)"
INDEXING = "expressions cannot use indexing (a[b])"
ONLY_OURS = "only the rubric functions can be called"
COMPREHENSION = "expressions cannot use comprehensions"
ASCII = "name.not_ascii"


def at(expression: str, token: str, occurrence: int = 1) -> int:
    """The column of the `occurrence`-th `token` in the expression, as written at column 13."""
    index = -1
    for _ in range(occurrence):
        index = expression.index(token, index + 1)
    return 13 + index


# (expression, [(code, token where the error points or its index, message or None for Python's wording)])
Case = tuple[str, list[tuple[str, str | int, str | None]]]

SANDBOX_ESCAPES: list[Case] = [
    ("().__class__.__mro__[1].__subclasses__()", [(F, "(", ONLY_OURS)]),
    ("().__class__.__bases__[0]", [(F, "(", INDEXING)]),
    ("spent_total.__class__.__mro__", [(F, "spent_total", ATTRIBUTE)]),
    ("level.__len__()", [(F, "level", ONLY_OURS)]),
    ('getattr(spent_total, "real")', [("name.unknown_function", "getattr", "unknown function 'getattr'")]),
    ("globals()", [("name.unknown_function", "globals", "unknown function 'globals'")]),
    ("locals()", [("name.unknown_function", "locals", "unknown function 'locals'")]),
    ("vars()", [("name.unknown_function", "vars", "unknown function 'vars'")]),
    ("type(spent_total)", [("name.unknown_function", "type", "unknown function 'type'")]),
    ("object()", [("name.unknown_function", "object", "unknown function 'object'")]),
    ('__builtins__["eval"]', [(F, "__builtins__", INDEXING)]),
    ("__builtins__", [("name.unknown", "__builtins__", "unknown name '__builtins__'")]),
    ('"{0.__class__}".format(1)', [(F, '"', ONLY_OURS)]),
    ('"%s" % spent_total', [(F, '"', "operator % is not allowed")]),
    ('f"{spent_total.__class__}"', [(F, "f", "expressions cannot use f-strings")]),
    ('f"{spent_total!r:>{10}}"', [(F, "f", "expressions cannot use f-strings")]),
    ("(x for x in ()).gi_frame", [(F, "(", ATTRIBUTE)]),
    ("(x for x in (1,))", [(F, "(", COMPREHENSION)]),
    ("operator", [("name.unknown", "operator", "unknown name 'operator'")]),
    ("sys", [("name.unknown", "sys", "unknown name 'sys'")]),
    ("os.system", [(F, "os", ATTRIBUTE)]),
    ('exec("1")', [("name.unknown_function", "exec", "unknown function 'exec'")]),
    ('eval("1")', [("name.unknown_function", "eval", "unknown function 'eval'")]),
    ('compile("1", "", "eval")', [("name.unknown_function", "compile", "unknown function 'compile'")]),
    ('open("rubrics/2023.yaml").read()', [(F, "open", ONLY_OURS)]),
    ("breakpoint()", [("name.unknown_function", "breakpoint", "unknown function 'breakpoint'")]),
    ("input()", [("name.unknown_function", "input", "unknown function 'input'")]),
    ("print(spent_total)", [("name.unknown_function", "print", "unknown function 'print'")]),
    ("help()", [("name.unknown_function", "help", "unknown function 'help'")]),
    ("min.__globals__", [(F, "min", ATTRIBUTE)]),
    ("min.__self__", [(F, "min", ATTRIBUTE)]),
    ("(lambda: 0).__code__", [(F, "(", ATTRIBUTE)]),
    ("(lambda: 0)", [(F, "lambda", "expressions cannot use lambda")]),
    ("[c for c in ().__class__.__base__.__subclasses__()]", [(F, "[", COMPREHENSION)]),
    ("{k: 1 for k in (1,)}", [(F, "{", COMPREHENSION)]),
    ("{k for k in (1,)}", [(F, "{", COMPREHENSION)]),
    ('score_of("a").__class__', [(F, "score_of", ATTRIBUTE)]),
    ("done.real", [(F, "done", ATTRIBUTE)]),
    ('"".join(("a", "b"))', [(F, '"', ONLY_OURS)]),
    ("__import__", [("name.unknown", "__import__", "unknown name '__import__'")]),
    ("__name__", [("name.unknown", "__name__", "unknown name '__name__'")]),
    ("__loader__", [("name.unknown", "__loader__", "unknown name '__loader__'")]),
    ("random()", [("name.unknown_function", "random", "unknown function 'random'")]),
    ("time()", [("name.unknown_function", "time", "unknown function 'time'")]),
]

RESOURCE_BOMBS: list[Case] = [
    ("9**9**9", [(F, "9", "operator ** is not allowed")]),
    ("10**10**10", [(F, "10", "operator ** is not allowed")]),
    ("spent_total ** 1000000", [(F, "spent_total", "operator ** is not allowed")]),
    ('"a" * 1000000000', [("type.mismatch", '"a"', "'*' needs a number, but `\"a\"` is text")]),
    ("[1] * 1000000000", [(F, "[", "expressions cannot use lists")]),
    ("1 << 1000000000", [(F, "1", "operator << is not allowed")]),
    ("1 >> 1", [(F, "1", "operator >> is not allowed")]),
    ("9" * 31, [("expr.number", "9", "number " + "9" * 31 + " is not allowed")]),
    ("0." + "1" * 30, [("expr.number", "0", "number 0." + "1" * 30 + " is not allowed")]),
    ("1e9999", [("expr.number", "1", "number 1e9999 is not allowed")]),
    ("1E5", [("expr.number", "1", "number 1E5 is not allowed")]),
    ("0x" + "f" * 100, [("expr.number", "0", "number 0x" + "f" * 100 + " is not allowed")]),
    ("+" * 31 + "1", [("expr.too_deep", "1", "expression nests deeper than 30 levels")]),
    ("not " * 31 + "done", [("expr.too_deep", "done", "expression nests deeper than 30 levels")]),
    ("(" * 199 + "1" + ")" * 199, [("expr.syntax", "(", None)]),
    ("1 + " * 300 + "1", [("expr.too_long", "1", "expression is longer than 1000 characters")]),
    ("max(" + ", ".join(["1"] * 201) + ")", [("expr.too_complex", "1", "expression has more than 200 parts")]),
    ('"' + "x" * 500 + '"', [("expr.string", '"', "text longer than 200 characters")]),
    ("1 if done else " * 40 + "0", [("expr.too_deep", "1", "expression nests deeper than 30 levels")]),
]
# Where a limit is first passed is an index, worked out here: max( is part 1 and its k-th argument
# (at index 4 + 3 * (k - 1)) part k + 1, so the 200th argument is part 201; the 31st sign, `not`
# or conditional is the first part below depth 30 (a conditional's test is visited first).
RESOURCE_BOMBS[12] = (RESOURCE_BOMBS[12][0], [("expr.too_deep", 30, "expression nests deeper than 30 levels")])
RESOURCE_BOMBS[13] = (RESOURCE_BOMBS[13][0], [("expr.too_deep", 4 * 30, "expression nests deeper than 30 levels")])
RESOURCE_BOMBS[14] = ("(" * 201 + "1" + ")" * 201, [("expr.syntax", 200, None)])  # past Python's 200 levels
RESOURCE_BOMBS[16] = (RESOURCE_BOMBS[16][0], [("expr.too_complex", 4 + 3 * 199, "expression has more than 200 parts")])
RESOURCE_BOMBS[18] = (RESOURCE_BOMBS[18][0], [("expr.too_deep", 15 * 29 + 5, "expression nests deeper than 30 levels")])

STATEMENTS: list[Case] = [
    ("1; 2", [("expr.syntax", ";", None)]),
    ("x = 1", [("expr.syntax", "=", None)]),  # Python points at the =
    ("(y := 5)", [(F, "y", "expressions cannot use assignment (:=)")]),
    ("import os", [("expr.syntax", "import", None)]),
    ("del spent_total", [("expr.syntax", "del", None)]),
    ("lambda: spent_total", [(F, "lambda", "expressions cannot use lambda")]),
    ("yield 1", [("expr.syntax", "yield", None)]),
    ("await spent_total", [(F, "await", "expressions cannot use await")]),
    ("global x", [("expr.syntax", "global", None)]),
    ("class A: pass", [("expr.syntax", "class", None)]),
    ("def f(): pass", [("expr.syntax", "def", None)]),
    ("assert done", [("expr.syntax", "assert", None)]),
    ("raise ValueError", [("expr.syntax", "raise", None)]),
    ("with open(x): 1", [("expr.syntax", "with", None)]),
    ("pass", [("expr.syntax", "pass", None)]),
    ("1 if done else 0; import os", [("expr.syntax", ";", None)]),
]

COLLECTIONS: list[Case] = [
    ("[1, 2]", [(F, "[", "expressions cannot use lists")]),
    ("(1, 2)", [(F, "(", "expressions cannot use tuples")]),
    ("{1: 2}", [(F, "{", "expressions cannot use dicts")]),
    ("{1, 2}", [(F, "{", "expressions cannot use sets")]),
    ("spent_total[1:2]", [(F, "spent_total", INDEXING)]),
    ("max(*[1, 2])", [("expr.arity", "max", "max() takes at least 2 arguments, not 1")]),
    ("min(1, *[2])", [(F, "*", "expressions cannot use unpacking (*)")]),
    ("count(targets)", [("name.unknown", "targets", "unknown name 'targets'")]),
    ("level[0]", [(F, "level", INDEXING)]),
]

OPERATORS: list[Case] = [
    ("spent_total @ budget_total", [(F, "spent_total", "operator @ is not allowed")]),
    ("spent_total & 1", [(F, "spent_total", "operator & is not allowed")]),
    ("spent_total | 1", [(F, "spent_total", "operator | is not allowed")]),
    ("spent_total ^ 1", [(F, "spent_total", "operator ^ is not allowed")]),
    ("~spent_total", [(F, "~", "operator ~ is not allowed")]),
    ("spent_total // 3", [(F, "spent_total", "operator // is not allowed")]),
    ("10 if done is not False else 0", [(F, "done", "operator 'is not' is not allowed")]),
    ('10 if level not in "完善" else 0', [(F, "level", "operator 'not in' is not allowed")]),
    ('10 if "完" in level else 0', [(F, '"完"', "operator 'in' is not allowed")]),
]

CALLS: list[Case] = [
    ("round(spent_total, places=2)", [(F, "2", "round() takes no named arguments")]),
    ("min(spent_total)", [("expr.arity", "min", "min() takes at least 2 arguments, not 1")]),
    ("abs()", [("expr.arity", "abs", "abs() takes 1 argument, not 0")]),
    ("abs(1, 2)", [("expr.arity", "abs", "abs() takes 1 argument, not 2")]),
    ("clamp(spent_total, 0)", [("expr.arity", "clamp", "clamp() takes 3 arguments, not 2")]),
    ("floor(1, 2)", [("expr.arity", "floor", "floor() takes 1 argument, not 2")]),
    (
        "round(spent_total, -1)",
        [("expr.literal_argument", "-1", "argument 2 of round() must be a whole number from 0 to 10")],
    ),
    (
        "round(spent_total, 1.5)",
        [("expr.literal_argument", "1.5", "argument 2 of round() must be a whole number from 0 to 10")],
    ),
    (
        "round(spent_total, True)",
        [("expr.literal_argument", "True", "argument 2 of round() must be a whole number from 0 to 10")],
    ),
    ("score_of()", [("expr.score_of", "score_of", "score_of() takes one indicator id in quotes")]),
    ('score_of("a", "b")', [("expr.score_of", "score_of", "score_of() takes one indicator id in quotes")]),
    ('score_of("zz")', [("name.unknown_indicator", '"zz"', "unknown indicator 'zz'")]),
    ("score_of", [("name.unknown", "score_of", "unknown name 'score_of'")]),
    ("abs", [("name.function_as_value", "abs", "'abs' is a function: call it, as in abs(...)")]),
    ("sum((1, 2))", [("name.unknown_function", "sum", "unknown function 'sum'")]),
    ("len(level)", [("name.unknown_function", "len", "unknown function 'len'")]),
    ("mni(1, 2)", [("name.unknown_function", "mni", "unknown function 'mni'")]),
    ("min(1, 2)(3)", [(F, "min", ONLY_OURS)]),
]

LITERALS: list[Case] = [
    ("None", [(F, "None", "expressions cannot use None values")]),
    ("2j", [(F, "2j", "expressions cannot use complex values")]),
    ('b"x"', [(F, "b", "expressions cannot use bytes values")]),
    ("0b101", [("expr.number", "0b101", "number 0b101 is not allowed")]),
    ("0o17", [("expr.number", "0o17", "number 0o17 is not allowed")]),
    ("1_0", [("expr.number", "1_0", "number 1_0 is not allowed")]),
    ("...", [(F, "...", "expressions cannot use ellipsis values")]),
    ("1.5e3", [("expr.number", "1.5e3", "number 1.5e3 is not allowed")]),
    ("true", [("name.unknown", "true", "unknown name 'true'")]),
    ("null", [("name.unknown", "null", "unknown name 'null'")]),
]

CONFUSABLES: list[Case] = [
    ("ｂudget_total", [(ASCII, "ｂ", "name 'ｂudget_total' is not plain ASCII")]),
    ("𝐬pent_total", [(ASCII, "𝐬", "name '𝐬pent_total' is not plain ASCII")]),  # mathematical bold s
    ("spent_tοtal", [(ASCII, "s", "name 'spent_tοtal' is not plain ASCII")]),  # Greek omicron
    ("ﬁnance", [(ASCII, "ﬁ", "name 'ﬁnance' is not plain ASCII")]),  # the fi ligature
    ("donе", [(ASCII, "d", "name 'donе' is not plain ASCII")]),  # Cyrillic е
    ("10 * ｍax(1, 2)", [(ASCII, "ｍ", "name 'ｍax' is not plain ASCII")]),
    ('ｓcore_of("a")', [(ASCII, "ｓ", "name 'ｓcore_of' is not plain ASCII")]),
    ("spent_total + ｓpent_total", [(ASCII, "ｓ", "name 'ｓpent_total' is not plain ASCII")]),
    ("ℓevel", [(ASCII, "ℓ", "name 'ℓevel' is not plain ASCII")]),  # script small l
    ("ⅾone", [(ASCII, "ⅾ", "name 'ⅾone' is not plain ASCII")]),  # Roman numeral five hundred
    ("预算", [(ASCII, "预", "name '预算' is not plain ASCII")]),
]

TYPES: list[Case] = [
    ("done + 1", [("type.mismatch", "done", "'+' needs a number, but `done` is a boolean")]),
    ("level * 2", [("type.mismatch", "level", "'*' needs a number, but `level` is text")]),
    ("-level", [("type.mismatch", "level", "a sign needs a number, but `level` is text")]),
    (
        "10 if spent_total else 0",
        [("type.mismatch", "spent_total", "the condition after 'if' needs a boolean, but `spent_total` is a number")],
    ),
    (
        "10 if not spent_total else 0",
        [("type.mismatch", "spent_total", "not needs a boolean, but `spent_total` is a number")],
    ),
    ("10 if done and 1 else 0", [("type.mismatch", 15, "'and' needs a boolean, but `1` is a number")]),
    ('10 if level == "好" else 0', [("type.enum_value", '"好"', "'好' is not one of 完善, 不够完善, 未建立")]),
    ("10 if level == 1 else 0", [("type.mismatch", 15, "comparing text with a number is always false")]),
    (
        '10 if level > "完善" else 0',
        [
            ("type.mismatch", "level", "ordering (<, <=, >, >=) needs numbers, but `level` is text"),
            ("type.mismatch", '"完善"', 'ordering (<, <=, >, >=) needs numbers, but `"完善"` is text'),
        ],
    ),
    ("done", [("type.mismatch", "done", "expression gives a boolean, but a number is needed here")]),
    ('"十分"', [("type.mismatch", '"', "expression gives text, but a number is needed here")]),
    ('10 if done else "0"', [("type.mismatch", '"0"', "the two branches give a number and text")]),
    ("min(done, 1)", [("type.mismatch", "done", "min() needs a number, but `done` is a boolean")]),
    ("count(spent_total)", [("type.mismatch", "spent_total", "count() needs a list, but `spent_total` is a number")]),
    ("budget_totl", [("name.unknown", "budget_totl", "unknown name 'budget_totl'")]),
]

INVISIBLE: list[Case] = [
    (
        "spent\u200b_total",
        [("yaml.character", "\u200b", "invisible character U+200B (ZERO WIDTH SPACE) is not allowed")],
    ),
    (
        "10 if done\u202e else 0",
        [("yaml.character", "\u202e", "invisible character U+202E (RIGHT-TO-LEFT OVERRIDE) is not allowed")],
    ),
    (
        "spent_total\u2066",
        [("yaml.character", "\u2066", "invisible character U+2066 (LEFT-TO-RIGHT ISOLATE) is not allowed")],
    ),
    ("\u00adspent_total", [("yaml.character", "\u00ad", "invisible character U+00AD (SOFT HYPHEN) is not allowed")]),
    ("spent_total\u2060", [("yaml.character", "\u2060", "invisible character U+2060 (WORD JOINER) is not allowed")]),
]

GROUPS = {
    "escape": SANDBOX_ESCAPES,
    "bomb": RESOURCE_BOMBS,
    "statement": STATEMENTS,
    "collection": COLLECTIONS,
    "operator": OPERATORS,
    "call": CALLS,
    "literal": LITERALS,
    "confusable": CONFUSABLES,
    "type": TYPES,
    "invisible": INVISIBLE,
}
CASES = [(group, expression, expected) for group, cases in GROUPS.items() for expression, expected in cases]


def test_there_are_enough_cases() -> None:
    from test_expressions import HOSTILE

    assert len(CASES) + len(HOSTILE) >= 150


@pytest.mark.parametrize(
    ("group", "expression", "expected"), CASES, ids=[f"{group}: {expression[:40]}" for group, expression, _ in CASES]
)
def test_hostile_expression_gives_its_error_where_it_stands(
    group: str, expression: str, expected: list[tuple[str, str | int, str | None]]
) -> None:
    found = score(expression)
    places = [
        f"20:{13 + token if isinstance(token, int) else at(expression, token)} {code}" for code, token, _ in expected
    ]
    assert [" ".join(line.split(" ")[:2]) for line in found] == places, found
    for line, (_, _, message) in zip(found, expected, strict=True):
        if message is not None:
            assert line.split(" ", 2)[2] == message
