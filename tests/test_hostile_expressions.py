"""Hostile expressions, by kind of attack, each with the exact errors it must give: code, place and message.

A rubric may come from anywhere, so every way of reaching past the expression language must be
refused at load, at the token that does it, in words that tell the author what went wrong.
`HOSTILE` in test_expressions.py holds the first fifty; this file holds the rest, grouped by kind:
sandbox escapes, resource bombs, smuggled statements, collections, attribute and index forms,
refused comparisons and operators, calls, `score_of`, literals, confusable characters, type
errors, unknown names and invisible characters.

Every expected value is worked out by hand from docs/expressions.md and the conventions of
`HOSTILE`, never copied from the program's output. `score()` writes the expression on line 20
from column 13, so an error's column is 13 plus the index of its token in the expression,
counting characters (a character beyond U+FFFF counts one). `score()` doubles each `'` for
YAML: a token after n quotes is n columns further right. A syntax error is placed where
Python's parser stops, with Python's own words after "expression syntax: ".
"""

from __future__ import annotations

import pytest
from conftest import diagnostics, make_rubric
from test_expressions import HOSTILE, score

# (id, expression, every error expected as "line:col code message")
Case = tuple[str, str, list[str]]

ENUM_VALUES = "完善, 不够完善, 未建立"  # the `level` fact's values, in declared order


def cannot(column: int, what: str) -> str:
    return f"20:{column} expr.forbidden expressions cannot use {what}"


def operator(column: int, symbol: str) -> str:
    return f"20:{column} expr.forbidden operator {symbol} is not allowed"


def comparison(column: int, symbol: str) -> str:
    return f"20:{column} expr.forbidden operator '{symbol}' is not allowed"


def only_ours(column: int) -> str:
    return f"20:{column} expr.forbidden only the rubric functions can be called"


def named(column: int, function: str) -> str:
    return f"20:{column} expr.forbidden {function}() takes no named arguments"


def syntax(column: int, message: str = "invalid syntax", line: int = 20) -> str:
    return f"{line}:{column} expr.syntax expression syntax: {message}"


def unknown(column: int, name: str) -> str:
    return f"20:{column} name.unknown unknown name '{name}'"


def unknown_function(column: int, name: str) -> str:
    return f"20:{column} name.unknown_function unknown function '{name}'"


def not_ascii(column: int, name: str) -> str:
    return f"20:{column} name.not_ascii name '{name}' is not plain ASCII"


def number(column: int, written: str) -> str:
    return f"20:{column} expr.number number {written} is not allowed"


def mismatch(column: int, message: str) -> str:
    return f"20:{column} type.mismatch {message}"


def arity(column: int, message: str) -> str:
    return f"20:{column} expr.arity {message}"


def not_an_enum_value(column: int, value: str) -> str:
    return f"20:{column} type.enum_value '{value}' is not one of {ENUM_VALUES}"


def literal_argument(column: int) -> str:
    return f"20:{column} expr.literal_argument argument 2 of round() must be a whole number from 0 to 10"


def score_of_misused(column: int = 13) -> str:
    return f"20:{column} expr.score_of score_of() takes one indicator id in quotes"


def invisible(column: int, code_point: str, name: str) -> str:
    return f"20:{column} yaml.character invisible character {code_point} ({name}) is not allowed"


TOO_DEEP = "expr.too_deep expression nests deeper than 30 levels"
TOO_COMPLEX = "expr.too_complex expression has more than 200 parts"
TOO_LONG = "20:13 expr.too_long expression is longer than 1000 characters"
TOO_LONG_TEXT = "20:13 expr.string text longer than 200 characters"
UNEXPECTED_AFTER_BACKSLASH = "unexpected character after line continuation character"
NEEDS_A_NUMBER = "expression gives {}, but a number is needed here"

# Escapes from the sandbox: dunder chains, reflection, builtins, format strings, frames, modules.
# A call of anything but a plain function name is refused at the call, which starts at the
# expression's first character; an unknown function is refused at its name.
SANDBOX_ESCAPES: list[Case] = [
    ("mro-subclasses", "().__class__.__mro__[1].__subclasses__()", [only_ours(13)]),
    ("mro-index", "().__class__.__mro__[1]", [cannot(13, "indexing (a[b])")]),
    ("getattr", 'getattr(spent_total, "__class__")', [unknown_function(13, "getattr")]),
    ("globals-call", "globals()", [unknown_function(13, "globals")]),
    ("locals-index", 'locals()["__builtins__"]', [cannot(13, "indexing (a[b])")]),
    ("vars", "vars(spent_total)", [unknown_function(13, "vars")]),
    ("type", "type(done)", [unknown_function(13, "type")]),
    ("object-subclasses", "object.__subclasses__()", [only_ours(13)]),
    ("builtins-eval-call", '__builtins__["eval"]("1")', [only_ours(13)]),
    ("builtins-attribute", "__builtins__.eval", [cannot(13, "attribute access (a.b)")]),
    ("format-traversal", '"{0.__class__}".format(1)', [only_ours(13)]),
    ("percent-format", '"%s" % spent_total', [operator(13, "%")]),
    ("percent-format-dict", '"%(a)s" % {"a": spent_total}', [operator(13, "%")]),  # the dict is never reached
    ("fstring-dunder", 'f"{spent_total.__class__}"', [cannot(13, "f-strings")]),
    ("fstring-nested", "f\"{f'{1}'}\"", [cannot(13, "f-strings")]),
    ("fstring-import", "f\"{__import__('os').system('ls')}\"", [cannot(13, "f-strings")]),
    ("fstring-in-sum", '10 + f"{spent_total}"', [cannot(18, "f-strings")]),
    ("fstring-after-text", '"a" f"{level}"', [cannot(13, "f-strings")]),  # one joined string, from the first quote
    ("generator-frame", "(x for x in ()).gi_frame", [cannot(13, "attribute access (a.b)")]),
    ("generator-frame-globals", "(x for x in ()).gi_frame.f_back.f_globals", [cannot(13, "attribute access (a.b)")]),
    ("generator-send", "(x for x in ()).send(None)", [only_ours(13)]),
    ("operator-module", "operator.add(1, 2)", [only_ours(13)]),
    ("sys-modules", "sys.modules", [cannot(13, "attribute access (a.b)")]),
    ("os-system", 'os.system("ls")', [only_ours(13)]),
    ("exec", 'exec("import os")', [unknown_function(13, "exec")]),
    ("eval", 'eval("1")', [unknown_function(13, "eval")]),
    ("compile", 'compile("1", "x", "eval")', [unknown_function(13, "compile")]),
    ("open-read", 'open("x").read()', [only_ours(13)]),
    ("breakpoint", "breakpoint()", [unknown_function(13, "breakpoint")]),
    ("input", 'input("?")', [unknown_function(13, "input")]),
    ("print", "print(spent_total)", [unknown_function(13, "print")]),
    ("help", "help(min)", [unknown_function(13, "help")]),  # its argument is never reached
    ("function-globals", "min.__globals__", [cannot(13, "attribute access (a.b)")]),
    ("function-self-import", 'abs.__self__.__import__("os")', [only_ours(13)]),
    ("score-class", 'score_of("a").__class__', [cannot(13, "attribute access (a.b)")]),
    ("attribute-in-product", "10 * abs(spent_total).__class__", [cannot(18, "attribute access (a.b)")]),
    ("reduce-ex", "min(spent_total, budget_total).__reduce_ex__(2)", [only_ours(13)]),
    ("method-on-number", "spent_total.as_integer_ratio()", [only_ours(13)]),
    ("method-on-text", "level.encode()", [only_ours(13)]),
    ("bool-class", "True.__class__", [cannot(13, "attribute access (a.b)")]),
    ("dunder-spec", "__spec__", [unknown(13, "__spec__")]),
    ("dunder-debug", "__debug__", [unknown(13, "__debug__")]),
    ("decimal", 'Decimal("1e999")', [unknown_function(13, "Decimal")]),
    ("setattr", 'setattr(done, "x", 1)', [unknown_function(13, "setattr")]),
    ("subclasses-index", "[].__class__.__base__.__subclasses__()[140]", [cannot(13, "indexing (a[b])")]),
    ("lambda-globals", '(lambda: 0).__globals__["__builtins__"]', [cannot(13, "indexing (a[b])")]),
    ("lambda-import", 'lambda: __import__("os")', [cannot(13, "lambda")]),
    ("lambda-called-in-max", "max(1, (lambda: 2)())", [only_ours(20)]),
    ("import-in-branch", '10 if done else __import__("os")', [unknown_function(29, "__import__")]),
    ("globals-bare", "globals", [unknown(13, "globals")]),
    ("eval-bare-in-branch", "spent_total if done else eval", [unknown(38, "eval")]),
]

# Resource bombs: powers, shifts and repetition that would build huge values, over-long
# literals, and expressions past the limits of length (1000 characters), parts (200) and
# nesting (30 levels: a leaf under 30 nested operations is at level 31).
RESOURCE_BOMBS: list[Case] = [
    ("power-tower", "9**9**9", [operator(13, "**")]),
    ("power-tower-10", "10**10**10", [operator(13, "**")]),
    ("text-times-power", '"a"*10**9', [mismatch(13, "'*' needs a number, but `\"a\"` is text"), operator(17, "**")]),
    ("list-times-power", "[1]*10**9", [cannot(13, "lists"), operator(17, "**")]),
    ("shift-power", "1<<10**9", [operator(13, "<<")]),
    ("power-in-product", "spent_total * 10**999", [operator(27, "**")]),
    ("power-in-max", "max(spent_total, 2**99999)", [operator(30, "**")]),
    ("31-digit-integer", "9" * 31, [number(13, "9" * 31)]),
    ("31-digit-power-of-ten", "1" + "0" * 30, [number(13, "1" + "0" * 30)]),
    ("31-digit-decimal", "0." + "0" * 29 + "1", [number(13, "0." + "0" * 29 + "1")]),
    ("41-digit-factor", "spent_total * 1" + "0" * 40, [number(27, "1" + "0" * 40)]),
    ("999-digit-literal", "9" * 999, [number(13, "9" * 999)]),
    ("long-text-by-concatenation", '"' + "x" * 150 + '" "' + "y" * 60 + '"', [TOO_LONG_TEXT]),  # one text of 210
    ("long-chinese-text", '"' + "完" * 201 + '"', [TOO_LONG_TEXT]),
    # 30 signs at levels 1 to 30: the 1 (index 30) is at level 31.
    ("30-signs", "-" * 30 + "1", [f"20:43 {TOO_DEEP}"]),
    # 1000 characters, within the length limit: the 31st sign (index 30) is the first part too deep.
    ("999-signs", "-" * 999 + "1", [f"20:43 {TOO_DEEP}"]),
    # (((1+1)+1)+...): the innermost sum is at level 30, its left 1 (index 0) at level 31.
    ("31-term-sum", "+".join(["1"] * 31), [f"20:13 {TOO_DEEP}"]),
    # abs( is 4 characters: the 1 inside the 30th call is at index 120, level 31.
    ("30-nested-abs", "abs(" * 30 + "1" + ")" * 30, [f"20:133 {TOO_DEEP}"]),
    # `not ` is 4 characters: done at index 120 is under 30 nots.
    ("30-nots", "not " * 30 + "done", [f"20:133 {TOO_DEEP}"]),
    # Each `1 if done else ` is 15 characters; a conditional's condition is visited first, so the
    # first part at level 31 is the condition of the 30th conditional: index 15 * 29 + 5 = 440.
    ("30-nested-conditionals", "1 if done else " * 30 + "0", [f"20:453 {TOO_DEEP}"]),
    ("201-brackets", "[" * 201 + "1" + "]" * 201, [syntax(213, "too many nested parentheses")]),  # index 200
    ("1001-characters", "1+" * 500 + "1", [TOO_LONG]),
    ("1001-characters-of-spaces", "spent_total" + " " * 987 + "+ 1", [TOO_LONG]),
    # min( then 201 arguments two characters apart: argument k (index 4 + 2 * (k - 1)) is part
    # k + 1, so argument 200, at index 402, is part 201.
    ("201-arguments", "min(" + ",".join(["1"] * 201) + ")", [f"20:415 {TOO_COMPLEX}"]),
    # min( then 67 `min(1,1)` nine characters apart: the k-th inner call is part 3k - 1 and its
    # first argument part 3k, so part 201 is the first argument of the 67th, at 4 + 9 * 66 + 4 = 602.
    ("67-nested-mins", "min(" + ",".join(["min(1,1)"] * 67) + ")", [f"20:615 {TOO_COMPLEX}"]),
]

# Statements smuggled into an expression: Python parses in expression mode, so statements are
# syntax errors where the parser stops; what parses (`:=`, `yield`, `await`, `lambda`) is refused.
# A newline inside the quoted YAML value folds to a space, so it cannot end a statement either.
STATEMENTS: list[Case] = [
    ("semicolon-import", "spent_total; import os", [syntax(24)]),
    ("walrus-bare", "x := 1", [syntax(15)]),
    ("assign-fact", "spent_total = 1", [syntax(25, "invalid syntax (to compare, write ==)")]),
    (
        "assign-in-condition",
        '10 if level = "完善" else 0',
        [syntax(13, "expected 'else' after 'if' expression (to compare, write ==)")],  # Python places it at the start
    ),
    ("augmented-assign", "spent_total += 1", [syntax(25)]),
    ("annotated-assign", "x: int = 1", [syntax(14, "invalid syntax (to compare, write ==)")]),
    ("from-import", "from os import system", [syntax(13)]),
    ("del", "del spent_total", [syntax(13)]),
    ("lambda-default-import", 'lambda x=__import__("os"): x', [cannot(13, "lambda")]),
    ("yield-bare", "yield spent_total", [syntax(13)]),
    ("yield-parenthesised", "(yield spent_total)", [cannot(14, "yield")]),
    ("yield-from", "(yield from ())", [cannot(14, "yield")]),
    ("await", "await done", [cannot(13, "await")]),
    ("async-def", "async def f(): pass", [syntax(13)]),
    ("async-comprehension", "[x async for x in spent_total]", [cannot(13, "comprehensions")]),
    ("global", "global spent_total", [syntax(13)]),
    ("nonlocal", "nonlocal x", [syntax(13)]),
    ("class", "class A: pass", [syntax(13)]),
    ("def", "def f(): return 1", [syntax(13)]),
    ("with", 'with open("x") as f: f', [syntax(13)]),
    ("assert", "assert done, 1", [syntax(13)]),
    ("raise", "raise SystemExit", [syntax(13)]),
    ("return", "return spent_total", [syntax(13)]),
    ("for", "for x in (): pass", [syntax(13)]),
    ("while", "while True: pass", [syntax(13)]),
    ("try", "try: 1", [syntax(13)]),
    ("if-statement", "if done: 10", [syntax(13)]),
    ("print-statement", 'print "x"', [syntax(13, "Missing parentheses in call to 'print'. Did you mean print(...)?")]),
    ("exec-statement", 'exec "x"', [syntax(13, "Missing parentheses in call to 'exec'. Did you mean exec(...)?")]),
    (
        "walrus-in-call",
        "min((x := spent_total), x)",
        [cannot(18, "assignment (:=)"), unknown(37, "x")],  # := is placed at its target x
    ),
    ("walrus-in-condition", "10 if (done := True) else 0", [cannot(20, "assignment (:=)")]),
    # An empty line keeps a line break in the value; import is on line 22, after the 6 spaces
    # written here and the 2 that make_rubric() adds to every line.
    ("newline-then-import", "spent_total\n\n      import os", [syntax(9, line=22)]),
    # One line break folds to a space: the ; is on line 21, after 6 + 2 spaces.
    ("line-break-then-semicolon", "spent_total\n      ; import os", [syntax(9, line=21)]),
    # The value is `spent_total \ + 1`: Python stops at the character after the backslash, the
    # space that the line break became, which is the end of line 20 (column 26).
    ("backslash-continuation", "spent_total \\\n      + 1", [syntax(26, UNEXPECTED_AFTER_BACKSLASH)]),
    ("backslash-at-end", "spent_total \\", [syntax(25, UNEXPECTED_AFTER_BACKSLASH)]),
    (
        "comment-hides-import",
        "10  # ; import os",
        ["20:17 expr.comment comments (#) are not allowed inside an expression"],
    ),
]

# Collection literals, comprehensions, slices and unpacking: none is a value of the language.
COLLECTIONS: list[Case] = [
    ("empty-list", "[]", [cannot(13, "lists")]),
    ("empty-tuple", "()", [cannot(13, "tuples")]),
    ("one-tuple", "(1,)", [cannot(13, "tuples")]),
    ("bare-tuple", "spent_total, budget_total", [cannot(13, "tuples")]),
    ("empty-dict", "{}", [cannot(13, "dicts")]),
    ("dict", '{"a": spent_total}', [cannot(13, "dicts")]),
    ("set", "{1, 2}", [cannot(13, "sets")]),
    ("list-in-max", "max([1, 2], 3)", [cannot(17, "lists")]),
    ("three-literals", "clamp([1], (2,), {3: 4})", [cannot(19, "lists"), cannot(24, "tuples"), cannot(30, "dicts")]),
    ("list-comprehension", "[x for x in (1,)]", [cannot(13, "comprehensions")]),
    ("dict-comprehension", "{x: x for x in (1,)}", [cannot(13, "comprehensions")]),
    ("set-comprehension", "{x for x in (1,)}", [cannot(13, "comprehensions")]),
    ("generator-in-max", "max(1, (x for x in (1,)))", [cannot(20, "comprehensions")]),
    # A generator that is a call's only argument starts at the call's parenthesis (index 3).
    ("generator-sole-argument", "abs(x for x in (1,))", [cannot(16, "comprehensions")]),
    # As with `min(*(1, 2))` in HOSTILE, the number of arguments is checked first, at the call.
    ("generator-to-min", "min(x for x in (1, 2))", [arity(13, "min() takes at least 2 arguments, not 1")]),
    ("slice", "level[0:1]", [cannot(13, "indexing (a[b])")]),
    ("reverse-slice", "level[::-1]", [cannot(13, "indexing (a[b])")]),
    ("slice-in-abs", "abs(spent_total[1:])", [cannot(17, "indexing (a[b])")]),
    ("starred-first", "min(*spent_total, 1)", [cannot(17, "unpacking (*)")]),
    ("starred-middle", "max(1, *(), 2)", [cannot(20, "unpacking (*)")]),
    ("starred-bare", "*spent_total", [syntax(13)]),
    ("starred-in-list", "[*()]", [cannot(13, "lists")]),
    ("double-star-in-dict", "{**{}}", [cannot(13, "dicts")]),
]

# Attribute access and indexing in every position: refused at the start of the whole access,
# which includes the parentheses around its object.
ATTRIBUTES: list[Case] = [
    ("real", "spent_total.real", [cannot(13, "attribute access (a.b)")]),
    ("parenthesised", "(spent_total).real", [cannot(13, "attribute access (a.b)")]),
    ("number-attribute", "1..real", [cannot(13, "attribute access (a.b)")]),
    ("spaced-dot", "spent_total . real", [cannot(13, "attribute access (a.b)")]),
    ("call-result", "abs(spent_total).real", [cannot(13, "attribute access (a.b)")]),
    ("in-product", "10 * spent_total.real", [cannot(18, "attribute access (a.b)")]),
    ("in-condition", "10 if done.real else 0", [cannot(19, "attribute access (a.b)")]),
    ("in-abs", "abs(done.real)", [cannot(17, "attribute access (a.b)")]),
    ("double-index", "spent_total[0][1]", [cannot(13, "indexing (a[b])")]),
    ("index-call-result", "min(1, 2)[0]", [cannot(13, "indexing (a[b])")]),
    ("index-text-literal", '"abc"[0]', [cannot(13, "indexing (a[b])")]),
    ("index-in-comparison", '10 if level[0] == "完" else 0', [cannot(19, "indexing (a[b])")]),
    ("decimal-literal-dot", "1.real", [syntax(14, "invalid decimal literal")]),
    ("trailing-dot", "spent_total.", [syntax(24)]),  # Python gives no place: the end, the dot
]

# Comparisons that are not allowed (`in`, `not in`, `is`, `is not`): refused at the comparison,
# which starts at its left operand; what the comparison holds is still checked.
COMPARISONS: list[Case] = [
    ("in-text", '10 if level in "完善不够" else 0', [comparison(19, "in")]),
    ("is-none", "10 if spent_total is None else 0", [comparison(19, "is"), cannot(34, "None values")]),
    ("is-not", "10 if done is not done else 0", [comparison(19, "is not")]),
    ("not-in", '10 if "完" not in level else 0', [comparison(19, "not in")]),
    ("in-after-ordering", "10 if 0 < spent_total in budget_total else 0", [comparison(19, "in")]),
    ("is-bare", "done is True", [comparison(13, "is")]),
    ("is-in-equality-chain", "10 if done == done is done else 0", [comparison(19, "is")]),
    ("in-tuple", "10 if spent_total in (1, 2) else 0", [comparison(19, "in"), cannot(34, "tuples")]),
]

# Operators that are not allowed: refused at the operation, which starts at its left operand.
OPERATORS: list[Case] = [
    ("power", "spent_total ** 2", [operator(13, "**")]),
    ("power-under-sign", "-spent_total ** 2", [operator(14, "**")]),
    ("floor-division-of-facts", "spent_total // budget_total", [operator(13, "//")]),
    ("modulo-in-parentheses", "10 * (spent_total % 3)", [operator(19, "%")]),
    ("modulo-of-call", "abs(spent_total) % 2", [operator(13, "%")]),
    ("matmul", "budget_total @ spent_total", [operator(13, "@")]),
    ("left-shift", "spent_total << 2", [operator(13, "<<")]),
    ("right-shift", "spent_total >> 2", [operator(13, ">>")]),
    ("bit-and", "done & done", [operator(13, "&")]),
    ("bit-or", "done | done", [operator(13, "|")]),
    ("bit-xor", "done ^ done", [operator(13, "^")]),
    ("invert-bool", "~done", [operator(13, "~")]),
    ("invert-under-sign", "-~spent_total", [operator(14, "~")]),
    ("power-on-right", "1 + 2 ** 3", [operator(17, "**")]),
    ("diamond", "spent_total <> 1", [syntax(25)]),
    ("bang-not", "10 if !done else 0", [syntax(19)]),
    ("double-ampersand", "10 if done && done else 0", [syntax(13, "expected 'else' after 'if' expression")]),
    ("arrow-for-at-least", "spent_total => 1", [syntax(25, "invalid syntax (to compare, write ==)")]),
]

# Calls: named arguments (refused at the first one's value), wrong numbers of arguments (at the
# call), and round()'s places, which must be a whole-number literal from 0 to 10.
CALLS: list[Case] = [
    ("round-ndigits", "round(spent_total, ndigits=2)", [named(40, "round")]),
    ("min-key", "min(spent_total, 1, key=abs)", [named(37, "min")]),
    ("abs-keyword", "abs(x=spent_total)", [named(19, "abs")]),
    ("clamp-keywords", "clamp(spent_total, low=0, high=10)", [named(36, "clamp")]),
    ("kwargs-unpacking", "min(**{})", [named(19, "min")]),
    ("count-keyword", "count(list=targets)", [named(24, "count")]),
    ("min-none", "min()", [arity(13, "min() takes at least 2 arguments, not 0")]),
    ("max-one", "max(spent_total)", [arity(13, "max() takes at least 2 arguments, not 1")]),
    ("abs-two", "abs(spent_total, budget_total)", [arity(13, "abs() takes 1 argument, not 2")]),
    ("floor-none", "floor()", [arity(13, "floor() takes 1 argument, not 0")]),
    ("ceil-two", "ceil(1, 2)", [arity(13, "ceil() takes 1 argument, not 2")]),
    ("round-one", "round(spent_total)", [arity(13, "round() takes 2 arguments, not 1")]),
    ("round-three", "round(spent_total, 2, 3)", [arity(13, "round() takes 2 arguments, not 3")]),
    ("clamp-four", "clamp(1, 2, 3, 4)", [arity(13, "clamp() takes 3 arguments, not 4")]),
    ("count-none", "count()", [arity(13, "count() takes 1 argument, not 0")]),
    ("arity-inside-product", "10 * abs()", [arity(18, "abs() takes 1 argument, not 0")]),
    ("round-places-expression", "round(spent_total, 1 + 1)", [literal_argument(32)]),
    ("round-places-fact", "round(spent_total, done)", [literal_argument(32)]),
    ("round-places-100", "round(spent_total, 100)", [literal_argument(32)]),
    ("round-places-text", 'round(spent_total, "2")', [literal_argument(32)]),
    ("round-places-hex", "round(spent_total, 0x2)", [number(32, "0x2")]),  # 2 places, but not written as a decimal
    ("unclosed-call-with-keyword", "max(1, key=2", [syntax(16, "'(' was never closed")]),  # the = is no comparison
    ("extra-parenthesis", "min(1, 2))", [syntax(22, "unmatched ')'")]),
]

# score_of(): one indicator id, in quotes, of an indicator that exists and does not read itself.
SCORE_OF: list[Case] = [
    # score_of is one of the language's functions (docs/expressions.md, Functions).
    ("bare", "score_of", ["20:13 name.function_as_value 'score_of' is a function: call it, as in score_of(...)"]),
    ("number", "score_of(1)", [score_of_misused()]),
    ("two-ids", 'score_of("a", "a")', [score_of_misused()]),
    ("fact", "score_of(level)", [score_of_misused()]),
    ("fstring", 'score_of(f"a")', [score_of_misused()]),
    ("sum-of-texts", 'score_of("a" + "b")', [score_of_misused()]),
    ("starred", 'score_of(*"a")', [score_of_misused()]),
    ("keyword", 'score_of(id="a")', [score_of_misused()]),
    ("method", 'score_of("A".lower())', [score_of_misused()]),
    ("bytes", 'score_of(b"a")', [score_of_misused()]),
    ("in-product", "10 * score_of(level)", [score_of_misused(18)]),
    ("called-result", 'score_of("a")()', [only_ours(13)]),
    ("attribute-call", 'score_of.__call__("a")', [only_ours(13)]),
    ("capital-id", 'score_of("A")', ["20:22 name.unknown_indicator unknown indicator 'A'"]),
    ("id-with-space", 'score_of("a ")', ["20:22 name.unknown_indicator unknown indicator 'a '"]),
    ("fullwidth-id", 'score_of("ａ")', ["20:22 name.unknown_indicator unknown indicator 'ａ'"]),
    ("unknown-in-product", '10 * score_of("zz")', ["20:27 name.unknown_indicator unknown indicator 'zz'"]),
    # A rule cannot name its own score or weight, nor the report's total: none is in scope there.
    ("own-score", "score + 1", [unknown(13, "score")]),
    ("own-weight", "weight * 1", [unknown(13, "weight")]),
    ("report-total", "total", [unknown(13, "total")]),
    # Reading its own score: a cycle, reported at the indicator (line 17, after `  - `) as in test_check.
    ("itself", 'score_of("a")', ["17:5 indicator.cycle indicators depend on each other in a cycle: a → a"]),
]

# Literals that are not allowed: numbers other than plain decimals, complex, bytes, None.
LITERALS: list[Case] = [
    ("exponent", "1e5", [number(13, "1e5")]),
    ("negative-exponent", "1E-5", [number(13, "1E-5")]),
    ("fraction-exponent", ".5e1", [number(13, ".5e1")]),
    ("hex-upper", "0X1F", [number(13, "0X1F")]),
    ("binary-upper", "0B1", [number(13, "0B1")]),
    ("octal-upper", "0O7", [number(13, "0O7")]),
    ("underscore-decimal", "1_000.5", [number(13, "1_000.5")]),
    ("underscore-fraction", "0.000_1", [number(13, "0.000_1")]),
    ("negative-hex", "-0x10", [number(14, "0x10")]),  # the sign is an operator: the number starts after it
    ("complex-upper", "1.5J", [cannot(13, "complex values")]),
    ("complex-in-product", "spent_total * 1j", [cannot(27, "complex values")]),
    ("raw-bytes", 'rb"x"', [cannot(13, "bytes values")]),
    ("bytes-compared", 'b"x" == b"y"', [cannot(13, "bytes values"), cannot(21, "bytes values")]),
    ("none-compared", "10 if done == None else 0", [cannot(27, "None values")]),
    ("ellipsis", "...", [cannot(13, "ellipsis values")]),
    ("not-implemented", "NotImplemented", [unknown(13, "NotImplemented")]),
    ("ellipsis-name", "Ellipsis", [unknown(13, "Ellipsis")]),
    ("inf", "inf", [unknown(13, "inf")]),
    ("nan", "nan", [unknown(13, "nan")]),
    ("true-uppercase", "10 if TRUE else 0", [unknown(19, "TRUE")]),
    (
        "leading-zeros",
        "007",
        [
            syntax(
                13, "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers"
            )
        ],
    ),
    ("double-underscore", "1__000", [syntax(14, "invalid decimal literal")]),
]

# Confusable characters. A name with any character outside ASCII is refused at the name's first
# character, before anything else is checked, since Python would read `ｓ` as `s`; other look-alike
# characters (operators, quotes, digits, spaces) are not Python at all: syntax errors where they stand.
CONFUSABLES: list[Case] = [
    ("fullwidth-d", "ｄone", [not_ascii(13, "ｄone")]),
    ("fullwidth-name", "ｂｕｄｇｅｔ＿ｔｏｔａｌ", [not_ascii(13, "ｂｕｄｇｅｔ＿ｔｏｔａｌ")]),
    ("cyrillic-ie", "lеvel", [not_ascii(13, "lеvel")]),
    ("cyrillic-dze", "ѕpent_total", [not_ascii(13, "ѕpent_total")]),
    ("cyrillic-o", "dоne", [not_ascii(13, "dоne")]),
    ("greek-omicron", "budget_tοtal", [not_ascii(13, "budget_tοtal")]),
    ("greek-tau-true", "10 if Τrue else 0", [not_ascii(19, "Τrue")]),
    ("bold-s-twice", "𝐬pent_total + 𝐬pent_total", [not_ascii(13, "𝐬pent_total"), not_ascii(27, "𝐬pent_total")]),
    ("fl-ligature", "ﬂoor(spent_total)", [not_ascii(13, "ﬂoor")]),
    ("combining-acute", "done\u0301", [not_ascii(13, "done\u0301")]),
    ("combining-diaeresis-later", "spent_total + done\u0308", [not_ascii(27, "done\u0308")]),
    ("fullwidth-max", "ｍａｘ(1, 2)", [not_ascii(13, "ｍａｘ")]),
    ("fullwidth-ceil", "10 * ｃｅｉｌ(spent_total)", [not_ascii(18, "ｃｅｉｌ")]),
    ("roman-numeral-m", "ⅿin(1, 2)", [not_ascii(13, "ⅿin")]),
    ("modifier-d", "ᵈone", [not_ascii(13, "ᵈone")]),
    ("fullwidth-attribute", "done.ｒeal", [not_ascii(18, "ｒeal")]),
    ("fullwidth-keyword", "round(spent_total, ｐlaces=2)", [not_ascii(32, "ｐlaces")]),
    ("hides-an-import", 'ｓpent_total + __import__("os")', [not_ascii(13, "ｓpent_total")]),
    # Low lines that Python reads as `_`: each would quietly read a real fact.
    ("fullwidth-low-line", "budget＿total", [not_ascii(13, "budget＿total")]),
    ("dashed-low-line", "spent﹍total", [not_ascii(13, "spent﹍total")]),
    (
        "low-lines-in-a-rule",
        "10 * min(spent﹏total / budget︳total, 1)",
        [not_ascii(22, "spent﹏total"), not_ascii(36, "budget︳total")],
    ),
    ("middle-dot", "spent·total", [not_ascii(13, "spent·total")]),
    ("combining-first", "\u0301done", [syntax(13, "invalid character '\u0301' (U+0301)")]),
    ("fullwidth-plus", "spent_total ＋ 1", [syntax(25, "invalid character '＋' (U+FF0B)")]),
    ("fullwidth-parenthesis", "min（1, 2）", [syntax(16, "invalid character '（' (U+FF08)")]),
    ("chinese-quotes", "level == “完善”", [syntax(22, "invalid character '“' (U+201C)")]),
    ("minus-sign", "spent_total − 1", [syntax(25, "invalid character '−' (U+2212)")]),
    ("greek-question-mark", "1 \u037e 2", [syntax(15, "invalid character '\u037e' (U+037E)")]),
    ("fullwidth-digit", "１0", [syntax(13, "invalid character '１' (U+FF11)")]),
    ("trademark", "spent_total™", [syntax(24, "invalid character '™' (U+2122)")]),
    ("no-break-space", "spent_total\u00a0+ 1", [syntax(24, "invalid non-printable character U+00A0")]),
    ("ideographic-space", "spent_total\u3000+ 1", [syntax(24, "invalid non-printable character U+3000")]),
    ("bold-then-fullwidth-plus", "𝐬pent_total ＋ 1", [syntax(25, "invalid character '＋' (U+FF0B)")]),
]

# Type errors the checker knows without facts: budget_total and spent_total are numbers, done a
# boolean, level an enum (完善, 不够完善, 未建立). Each is placed at the part whose type is wrong.
TYPES: list[Case] = [
    ("bool-times", "done * 6", [mismatch(13, "'*' needs a number, but `done` is a boolean")]),
    ("false-times", "False * 10", [mismatch(13, "'*' needs a number, but `False` is a boolean")]),
    ("minus-bool", "-done", [mismatch(14, "a sign needs a number, but `done` is a boolean")]),
    ("plus-text", "+level", [mismatch(14, "a sign needs a number, but `level` is text")]),
    (
        "bool-over-bool",
        "done / done",
        [
            mismatch(13, "'/' needs a number, but `done` is a boolean"),
            mismatch(20, "'/' needs a number, but `done` is a boolean"),
        ],
    ),
    ("number-minus-text", "spent_total - level", [mismatch(27, "'-' needs a number, but `level` is text")]),
    (
        "parenthesised-condition-plus",
        "(done and done) + 1",
        [mismatch(14, "'+' needs a number, but `done and done` is a boolean")],  # inside the parentheses
    ),
    ("abs-bool", "abs(done)", [mismatch(17, "abs() needs a number, but `done` is a boolean")]),
    ("max-text", "max(1, level)", [mismatch(20, "max() needs a number, but `level` is text")]),
    ("clamp-text", 'clamp(spent_total, 0, "10")', [mismatch(35, 'clamp() needs a number, but `"10"` is text')]),
    ("count-text", "count(level)", [mismatch(19, "count() needs a list, but `level` is text")]),
    ("count-number", "count(1)", [mismatch(19, "count() needs a list, but `1` is a number")]),
    ("floor-text", 'floor("1.5")', [mismatch(19, 'floor() needs a number, but `"1.5"` is text')]),
    ("round-bool", "round(done, 2)", [mismatch(19, "round() needs a number, but `done` is a boolean")]),
    (
        "min-text-and-bool",
        "min(level, done)",
        [
            mismatch(17, "min() needs a number, but `level` is text"),
            mismatch(24, "min() needs a number, but `done` is a boolean"),
        ],
    ),
    (
        "number-condition",
        "10 if 1 else 0",
        [mismatch(19, "the condition after 'if' needs a boolean, but `1` is a number")],
    ),
    (
        "text-condition",
        "10 if level else 0",
        [mismatch(19, "the condition after 'if' needs a boolean, but `level` is text")],
    ),
    ("not-text", "10 if not level else 0", [mismatch(23, "not needs a boolean, but `level` is text")]),
    (
        "and-number",
        "10 if done and spent_total else 0",
        [mismatch(28, "'and' needs a boolean, but `spent_total` is a number")],
    ),
    ("or-text", "10 if level or done else 0", [mismatch(19, "'or' needs a boolean, but `level` is text")]),
    ("branches-number-text", "10 if done else level", [mismatch(29, "the two branches give a number and text")]),
    ("branches-bool-number", "done if done else 0", [mismatch(31, "the two branches give a boolean and a number")]),
    (
        "branches-comparison-number",
        'level == "完善" if done else 0',
        [mismatch(40, "the two branches give a boolean and a number")],
    ),
    ("text-score", "level", [mismatch(13, NEEDS_A_NUMBER.format("text"))]),
    ("comparison-score", "spent_total > 1", [mismatch(13, NEEDS_A_NUMBER.format("a boolean"))]),
    ("not-score", "not done", [mismatch(13, NEEDS_A_NUMBER.format("a boolean"))]),
    ("text-branches-score", 'level if done else "x"', [mismatch(13, NEEDS_A_NUMBER.format("text"))]),
    ("number-equals-text", "10 if 1 == level else 0", [mismatch(24, "comparing a number with text is always false")]),
    (
        "bool-equals-number",
        "10 if done == 1 else 0",
        [mismatch(27, "comparing a boolean with a number is always false")],
    ),
    (
        "number-not-equals-text",
        '10 if spent_total != "0" else 0',
        [mismatch(34, "comparing a number with text is always false")],
    ),
    (
        "bool-equals-text",
        '10 if done == "True" else 0',
        [mismatch(27, "comparing a boolean with text is always false")],
    ),
    (
        "number-equals-bool",
        "10 if spent_total == True else 0",
        [mismatch(34, "comparing a number with a boolean is always false")],
    ),
    (
        "ordering-bools",
        "10 if done > False else 0",
        [
            mismatch(19, "ordering (<, <=, >, >=) needs numbers, but `done` is a boolean"),
            mismatch(26, "ordering (<, <=, >, >=) needs numbers, but `False` is a boolean"),
        ],
    ),
    (
        "ordering-texts",
        '10 if "a" < "b" else 0',
        [
            mismatch(19, 'ordering (<, <=, >, >=) needs numbers, but `"a"` is text'),
            mismatch(25, 'ordering (<, <=, >, >=) needs numbers, but `"b"` is text'),
        ],
    ),
    # One part, one error: `done` is wrong once, although it stands in both comparisons of the chain.
    (
        "ordering-chain-bool",
        "10 if 0 < done < 1 else 0",
        [mismatch(23, "ordering (<, <=, >, >=) needs numbers, but `done` is a boolean")],
    ),
    ("enum-typo", '10 if level == "完美" else 0', [not_an_enum_value(28, "完美")]),
    ("enum-on-the-left", '10 if "完美" != level else 0', [not_an_enum_value(19, "完美")]),
    ("enum-trailing-space", '10 if level == "完善 " else 0', [not_an_enum_value(28, "完善 ")]),
    ("enum-empty", '10 if level == "" else 0', [not_an_enum_value(28, "")]),
    ("enum-in-parentheses", '10 if level == ("好") else 0', [not_an_enum_value(29, "好")]),
    (
        "enum-both-ends-of-chain",
        '10 if "好" == level == "差" else 0',
        [not_an_enum_value(19, "好"), not_an_enum_value(35, "差")],
    ),
    # 'x' is written ''x'' in the file: done, after two doubled quotes, is 2 columns further (13 + 24 + 2).
    (
        "enum-single-quotes",
        "10 if level == 'x' else done",
        [not_an_enum_value(28, "x"), mismatch(39, "the two branches give a number and a boolean")],
    ),
    (
        "text-plus-text",
        'level + "x"',
        [
            mismatch(13, "'+' needs a number, but `level` is text"),
            mismatch(21, "'+' needs a number, but `\"x\"` is text"),
        ],
    ),
    (
        "single-quoted-text-plus-bool",
        "'a' + done",
        [
            mismatch(13, "'+' needs a number, but `'a'` is text"),
            mismatch(21, "'+' needs a number, but `done` is a boolean"),
        ],
    ),
    (
        "apostrophe-text-plus-bool",
        '"it\'s" + done',
        [
            mismatch(13, "'+' needs a number, but `\"it's\"` is text"),
            mismatch(23, "'+' needs a number, but `done` is a boolean"),
        ],
    ),
    (
        "chinese-text-times-bool",
        '"完善完善" * done',
        [
            mismatch(13, "'*' needs a number, but `\"完善完善\"` is text"),
            mismatch(22, "'*' needs a number, but `done` is a boolean"),
        ],
    ),
]

# Unknown names: the message names what is unknown; the hint (checked in SUGGESTIONS below)
# offers the closest declared name or function.
NAMES: list[Case] = [
    ("spent-typo", "spent_totl", [unknown(13, "spent_totl")]),
    ("capital-done", "10 if Done else 0", [unknown(19, "Done")]),
    ("missing-underscore", "spent_total / budgettotal", [unknown(27, "budgettotal")]),
    ("levl", '10 if levl == "完善" else 0', [unknown(19, "levl")]),
    ("false-lowercase", "10 if done == false else 0", [unknown(27, "false")]),
    ("after-leading-spaces", "   budget_totl", [unknown(16, "budget_totl")]),
    ("after-a-tab", "\tbudget_totl", [unknown(14, "budget_totl")]),
    ("nothing-close", "x", [unknown(13, "x")]),
    ("after-chinese-text", '10 if level == "完善" and dnoe else 0', [unknown(37, "dnoe")]),
    ("function-typo", "flor(spent_total)", [unknown_function(13, "flor")]),
    ("function-capital", "Round(spent_total, 0)", [unknown_function(13, "Round")]),
    ("function-clip", "clip(spent_total, 0, 1)", [unknown_function(13, "clip")]),
    ("enum-near-miss", '10 if level == "不够完美" else 0', [not_an_enum_value(28, "不够完美")]),
]

SUGGESTIONS: list[tuple[str, str, str | None]] = [
    ("spent-typo", "spent_totl", "did you mean 'spent_total'?"),
    ("capital-done", "10 if Done else 0", "did you mean 'done'?"),
    ("missing-underscore", "spent_total / budgettotal", "did you mean 'budget_total'?"),
    ("levl", '10 if levl == "完善" else 0', "did you mean 'level'?"),
    ("false-lowercase", "10 if done == false else 0", "write False"),
    ("after-leading-spaces", "   budget_totl", "did you mean 'budget_total'?"),
    ("nothing-close", "x", None),
    ("after-chinese-text", '10 if level == "完善" and dnoe else 0', "did you mean 'done'?"),
    ("function-typo", "flor(spent_total)", "did you mean 'floor'?"),
    ("function-capital", "Round(spent_total, 0)", "did you mean 'round'?"),
    ("function-clip", "clip(spent_total, 0, 1)", "did you mean 'clamp'?"),
    ("enum-near-miss", '10 if level == "不够完美" else 0', "did you mean '不够完善'?"),
    ("fullwidth-d", "ｄone", "it reads as 'done': retype it with ASCII letters, digits and _"),
    ("chinese-name", "预算 * 2", "ids are written with ASCII letters, digits and _"),
]

# Invisible and direction-changing characters are refused by the YAML reader, before any
# expression is read, at the character itself: inside names, text literals or anywhere else.
INVISIBLE: list[Case] = [
    ("zero-width-joiner", "done\u200d", [invisible(17, "U+200D", "ZERO WIDTH JOINER")]),
    ("bom-inside", "\ufeffspent_total", [invisible(13, "U+FEFF", "ZERO WIDTH NO-BREAK SPACE")]),
    (
        "trojan-source-pair",
        "spent_total\u202e\u2066 + 1",
        [invisible(24, "U+202E", "RIGHT-TO-LEFT OVERRIDE"), invisible(25, "U+2066", "LEFT-TO-RIGHT ISOLATE")],
    ),
    ("hangul-filler-as-name", "spent_total + \u3164", [invisible(27, "U+3164", "HANGUL FILLER")]),
    ("inside-text", 'level == "完善\u200b"', [invisible(25, "U+200B", "ZERO WIDTH SPACE")]),
    # After `'完善'`, written `''完善''`: two columns further (13 + 13 + 2).
    ("after-doubled-quotes", "'完善' == level\u200b", [invisible(28, "U+200B", "ZERO WIDTH SPACE")]),
    ("after-astral-characters", '"𝐬𝐬" + done\u200b', [invisible(24, "U+200B", "ZERO WIDTH SPACE")]),
    ("variation-selector", "done\ufe0f", [invisible(17, "U+FE0F", "VARIATION SELECTOR-16")]),
    ("tag-character", "spent_total\U000e0041", [invisible(24, "U+E0041", "TAG LATIN CAPITAL LETTER A")]),
    ("line-separator", "done\u2028", [invisible(17, "U+2028", "LINE SEPARATOR")]),
    ("arabic-letter-mark", "\u061cdone", [invisible(13, "U+061C", "ARABIC LETTER MARK")]),
    ("right-to-left-mark", "done\u200f", [invisible(17, "U+200F", "RIGHT-TO-LEFT MARK")]),
    ("grapheme-joiner", "done\u034f", [invisible(17, "U+034F", "COMBINING GRAPHEME JOINER")]),
    ("invisible-times", "spent\u2062_total", [invisible(18, "U+2062", "INVISIBLE TIMES")]),
    # A control character is not YAML at all.
    ("terminal-escape", "done\x1b[2J", ["20:17 yaml.character character U+001B is not allowed in YAML"]),
]

GROUPS: dict[str, list[Case]] = {
    "escape": SANDBOX_ESCAPES,
    "bomb": RESOURCE_BOMBS,
    "statement": STATEMENTS,
    "collection": COLLECTIONS,
    "attribute": ATTRIBUTES,
    "comparison": COMPARISONS,
    "operator": OPERATORS,
    "call": CALLS,
    "score_of": SCORE_OF,
    "literal": LITERALS,
    "confusable": CONFUSABLES,
    "type": TYPES,
    "name": NAMES,
    "invisible": INVISIBLE,
}
CASES = [
    pytest.param(expression, expected, id=f"{group}-{name}")
    for group, cases in GROUPS.items()
    for name, expression, expected in cases
]


@pytest.mark.parametrize(("expression", "expected"), CASES)
def test_hostile_expression_gives_its_errors_where_they_stand(expression: str, expected: list[str]) -> None:
    assert sorted(score(expression)) == sorted(expected)


def hints(expression: str) -> list[str | None]:
    """The hints of the errors, for the rubric `score()` builds (same text, same places)."""
    quoted = expression.replace("'", "''")
    text = make_rubric(f"- id: a\n  name: A\n  weight: 10\n  score: '{quoted}'\n")
    return [found.hint for found in diagnostics(text) if found.is_error]


@pytest.mark.parametrize(("expression", "hint"), [pytest.param(e, h, id=name) for name, e, h in SUGGESTIONS])
def test_unknown_names_come_with_the_closest_name(expression: str, hint: str | None) -> None:
    assert hints(expression) == [hint]


@pytest.mark.parametrize(
    "expression",
    [
        pytest.param("-" * 29 + "1", id="29-signs"),
        pytest.param("+".join(["1"] * 30), id="30-term-sum"),
        pytest.param("abs(" * 29 + "1" + ")" * 29, id="29-nested-abs"),
        pytest.param("1 if done else " * 29 + "0", id="29-nested-conditionals"),
        pytest.param("(" * 150 + "1" + ")" * 150, id="150-parentheses"),  # parentheses are no level
        pytest.param("min(" + ",".join(["1"] * 199) + ")", id="200-parts"),
        pytest.param("spent_total" + " " * 986 + "+ 1", id="1000-characters"),
        pytest.param("9" * 30, id="30-digits"),
        pytest.param("0." + "0" * 28 + "1", id="30-digit-decimal"),
        pytest.param('10 if "' + "x" * 200 + '" == "x" else 0', id="200-character-text"),
    ],
)
def test_at_each_limit_the_expression_passes(expression: str) -> None:
    """The limits are where the docs put them: the bombs above are refused one step past them."""
    assert score(expression) == []


def test_there_are_enough_new_cases() -> None:
    written = [expression for cases in GROUPS.values() for _, expression, _ in cases]
    assert len(written) >= 110
    assert len(written) + len(HOSTILE) >= 150
    assert not set(written) & {expression for expression, _ in HOSTILE}, "a case repeats one of HOSTILE"
    ids = [f"{group}-{name}" for group, cases in GROUPS.items() for name, _, _ in cases]
    assert len(ids) == len(set(ids))
