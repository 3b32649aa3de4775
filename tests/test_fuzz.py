"""Fuzzing the promise callers build on: whatever the input, only our errors, and in bounded time.

A rubric and a department's facts are untrusted text. A program that loads and scores them (a
finance bureau's batch scorer, an editor plugin running `check_rubric` on every keystroke) catches
`rubric.RubricError` and shows its diagnostics; any other exception (a `TypeError`, a
`UnicodeEncodeError`, a `RecursionError`) or a call that does not return takes that program down.
The hostile suites check the inputs someone thought of; these properties let hypothesis look for
the ones nobody did:

1. expressions, built from the grammar of the expression language and from random sequences of
   tokens (hostile ones included), as the `score:` of an indicator, quoted in every YAML style;
2. the 2023 rubric with one to three random mutations (spans deleted, refused YAML features,
   control and look-alike characters, lines repeated, indentation shifted, values replaced), as
   text and as the bytes of a file;
3. the seed facts, as YAML and as JSON, mutated the same way, then read and scored;
4. one line of text, which `load` and `load_facts` take for a path (NUL bytes included);
5. surrogates: lone ones in the text given, and YAML escapes (`"\\ud800"`) in a valid UTF-8 file.

Each property catches `RubricError` only, so anything else fails the test. `load` and `evaluate`
turn an unexpected exception into a `RubricError` coded `internal.error` or `resource.exhausted`
as a last line of defence; by the library's own word that is a bug ("this is a bug in rubric"),
and these inputs are far below every limit, so those codes fail the properties too. Every library
call is timed by the test itself against `BOUND_SECONDS`; hypothesis's own deadline is off, so a
slow example fails with its duration instead of being reported as flaky.
"""

from __future__ import annotations

import json
import re
import textwrap
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest
from conftest import ROOT, RUBRIC_2023, make_rubric
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rubric
from rubric.facts import facts_from_text
from rubric.render import json_text
from rubric.source import read_file

T = TypeVar("T")

BOUND_SECONDS = 2.0  # one load of the 2023 rubric takes about 0.2 s on the 2-core test machine
CONTAINED_BUGS = frozenset({"internal.error", "resource.exhausted"})

FACTS_EXAMPLE = ROOT / "examples" / "haizhu-petition-bureau-2023.yaml"
RUBRIC_TEXT = RUBRIC_2023.read_text(encoding="utf-8")
FACTS_YAML = FACTS_EXAMPLE.read_text(encoding="utf-8")
FACTS_JSON = json_text(read_file(str(FACTS_EXAMPLE)).data) + "\n"
LOADED_2023 = rubric.load(RUBRIC_2023)
SEED_FACTS = rubric.load_facts(FACTS_EXAMPLE)

SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large]


# --- The checks every property shares ------------------------------------------------------------


def timed(call: Callable[[], T], what: str) -> T:
    """Run one library call; fail if it took `BOUND_SECONDS` or more, whether it returned or raised.

    A call over the bound is timed twice more, and the fastest of the three counts: the machine may
    be busy with other work for a moment (another test run on its two cores), while an input that
    is slow is slow every time.
    """
    start = time.perf_counter()
    try:
        return call()
    finally:
        elapsed = time.perf_counter() - start
        if elapsed >= BOUND_SECONDS:
            elapsed = min(elapsed, duration(call), duration(call))
        assert elapsed < BOUND_SECONDS, f"{what} took {elapsed:.2f} s, the fastest of three (bound: {BOUND_SECONDS} s)"


def duration(call: Callable[[], object]) -> float:
    """How long `call` takes, returning or refusing (any other exception propagates)."""
    start = time.perf_counter()
    try:
        call()
    except rubric.RubricError:
        pass
    return time.perf_counter() - start


def assert_our_refusal(failure: rubric.RubricError, *, placed: bool) -> None:
    """A refusal as promised: some diagnostics, none of them a contained bug, each placed if `placed`."""
    assert failure.diagnostics, f"{type(failure).__name__} without diagnostics"
    for diagnostic in failure.diagnostics:
        assert diagnostic.code not in CONTAINED_BUGS, f"a bug, contained by the last line of defence: {diagnostic}"
        if placed:
            assert diagnostic.location is not None, f"a diagnostic without a location: {diagnostic}"
            assert diagnostic.location.line >= 1 and diagnostic.location.column >= 1, f"bad location: {diagnostic}"


def scored_or_refused(
    loaded: rubric.Rubric, facts: rubric.Facts | dict[str, Any], *, valid_facts: bool
) -> rubric.Evaluation | None:
    """Evaluating gives an `Evaluation`, or None after checking the `FactsError` / `EvaluationError`.

    With `valid_facts`, the facts meet the declarations, so only `EvaluationError` may come. A
    `FactsError` for facts read from a file places each problem in that file.
    """
    try:
        evaluation = timed(lambda: loaded.evaluate(facts), "evaluate")
    except rubric.RubricError as failure:
        allowed = (rubric.EvaluationError,) if valid_facts else (rubric.FactsError, rubric.EvaluationError)
        assert isinstance(failure, allowed), f"evaluate raised {type(failure).__name__}: {failure}"
        assert_our_refusal(failure, placed=isinstance(failure, rubric.FactsError) and isinstance(facts, rubric.Facts))
        return None
    assert isinstance(evaluation, rubric.Evaluation)
    return evaluation


def load_or_refuse(text_or_path: str | Path, name: str | None = "fuzz.yaml") -> rubric.Rubric | None:
    """`rubric.load`, within the bound: the rubric, or None after checking the refusal."""
    try:
        return timed(lambda: rubric.load(text_or_path, name=name), "load")
    except rubric.RubricError as failure:
        assert_our_refusal(failure, placed=True)
        return None


# --- 1. Expressions ------------------------------------------------------------------------------

TARGETS_FACT = """\
targets:
  label: 指标
  type: list
  fields:
    kind: {type: enum, values: [产出, 效益]}
    actual: {type: ratio}
"""
LEVELS = ["完善", "不够完善", "未建立"]
KINDS = ("number", "boolean", "text")
STYLES = ("single", "double", "raw_double", "plain", "literal")


def rubric_scoring(expression: str, style: str) -> str:
    """The demo rubric (conftest's header, a `targets` list fact) whose indicator `a` scores `expression`.

    Indicator `b` scores a constant, so that `score_of("b")` has something to read. `style` is how
    the expression is written in YAML: single-quoted ('' doubling), double-quoted (JSON escaping),
    double-quoted as it stands (so that YAML escapes such as \\ud800 in it are read by YAML), plain,
    or as a literal block.
    """
    if style == "single":
        value = "'" + expression.replace("'", "''") + "'"
    elif style == "double":
        value = json.dumps(expression, ensure_ascii=False)
    elif style == "raw_double":
        value = '"' + expression + '"'
    elif style == "plain":
        value = expression
    else:
        value = "|-\n" + textwrap.indent(expression, "    ", lambda line: True)
    indicators = f"- id: a\n  name: A\n  weight: 5\n  score: {value}\n- id: b\n  name: B\n  weight: 5\n  score: 5\n"
    return make_rubric(indicators, extra_facts=TARGETS_FACT)


number_literals = st.one_of(
    st.sampled_from(["0", "1", "2", "5", "10", "0.5", ".5", "0.95", "100", "3.0", "0.01"]),
    st.decimals(min_value=0, max_value=10**6, places=3).map(lambda number: format(number, "f")),
)
# Hypothesis's characters() includes lone surrogates, which have properties of their own (section 5).
any_character = st.characters(exclude_categories=["Cs"])
text_values = st.one_of(st.sampled_from([*LEVELS, "产出", "x", "", ">="]), st.text(any_character, max_size=6))


def _gap(draw: st.DrawFn) -> str:
    return draw(st.sampled_from([" ", "", "  "]))


def _text_literal(draw: st.DrawFn) -> str:
    value, quote = draw(text_values), draw(st.sampled_from(['"', "'"]))
    return quote + value.replace("\\", "\\\\").replace(quote, "\\" + quote) + quote


def _leaf(draw: st.DrawFn, kind: str) -> str:
    if kind == "number":
        return draw(
            st.one_of(
                number_literals,
                st.sampled_from(["spent_total", "budget_total", "count(targets)", 'score_of("b")']),
                st.sampled_from(['score_of("a")', 'score_of("zz")', "budget_totl", "targets", "x"]),  # refused
            )
        )
    if kind == "boolean":
        return draw(st.sampled_from(["True", "False", "done", 'level == "完善"', "true"]))
    return "level" if draw(st.booleans()) else _text_literal(draw)


def _expression(draw: st.DrawFn, kind: str, depth: int) -> str:
    """An expression of type `kind` (one part in twenty is of another type, for the checker to refuse)."""
    if draw(st.integers(0, 19)) == 19:
        kind = draw(st.sampled_from(KINDS))
    if depth <= 0 or draw(st.integers(0, 3)) == 0:
        return _leaf(draw, kind)

    def sub(of: str) -> str:
        return _expression(draw, of, depth - 1)

    shape = draw(st.integers(0, 7))
    if shape == 0:
        return f"({sub(kind)})"
    if shape == 1:
        return f"{sub(kind)} if {sub('boolean')} else {sub(kind)}"
    if kind == "number":
        if shape == 2:
            operator = draw(st.sampled_from(["+", "-", "*", "/"]))
            return f"{sub('number')}{_gap(draw)}{operator}{_gap(draw)}{sub('number')}"
        if shape == 3:
            return draw(st.sampled_from(["-", "+", "- "])) + sub("number")
        if shape == 4:
            return f"{draw(st.sampled_from(['abs', 'floor', 'ceil']))}({sub('number')})"
        if shape == 5:
            arguments = [sub("number") for _ in range(draw(st.integers(1, 4)))]
            return f"{draw(st.sampled_from(['min', 'max']))}({f',{_gap(draw)}'.join(arguments)})"
        if shape == 6:
            places = draw(
                st.one_of(st.integers(0, 10).map(str), st.sampled_from(["11", "-1", "2.5", "x", "budget_total"]))
            )
            return f"round({sub('number')}, {places})"
        return f"clamp({sub('number')}, {sub('number')}, {sub('number')})"
    if kind == "boolean":
        if shape in (2, 3):
            operands = [sub("number") for _ in range(draw(st.integers(2, 4)))]
            chain = operands[0]
            for operand in operands[1:]:
                chain += f"{_gap(draw)}{draw(st.sampled_from(['<', '<=', '>', '>=', '==', '!=']))}{_gap(draw)}{operand}"
            return chain
        if shape == 4:
            return f"{sub('text')} {draw(st.sampled_from(['==', '!=']))} {sub('text')}"
        if shape == 5:
            return f"{sub('boolean')} {draw(st.sampled_from(['and', 'or']))} {sub('boolean')}"
        if shape == 6:
            return f"not {sub('boolean')}"
        return f"{sub('boolean')} == {sub('boolean')}"
    return f"({sub('text')})"


@st.composite
def grammar_expressions(draw: st.DrawFn) -> str:
    """A score from the grammar: mostly well typed, nested up to seven levels."""
    return _expression(draw, "number", draw(st.integers(0, 7)))


TOKENS = [
    # the language
    "spent_total", "budget_total", "done", "level", "targets", "1", "0.5", ".5", "10", '"完善"', "'x'", "True",
    "False", "+", "-", "*", "/", "==", "!=", "<", "<=", ">", ">=", "and", "or", "not", "if", "else", "(", ")", ",",
    "min(", "max(", "abs(", "floor(", "ceil(", "round(", "clamp(", "count(", "score_of(", '"a"', '"b"',
    # refused Python
    "__class__", "__bases__", ".", "[", "]", "lambda", ":", "**", "//", "%", "<<", ">>", "&", "|", "^", "~", ":=",
    ";", "=", "{", "}", 'f"', '"', "'", "#", "\\", "yield", "await", "import", "__import__", "getattr", "None",
    "true", "in", "is", "for", "x", "...", "@", "!", "`", "$", "?",
    # numbers beyond the language
    "9" * 40, "9" * 400, "1" + "0" * 30, "0." + "0" * 40 + "1", "1e999999", "1e-999999", "0x10", "0o7", "0b1",
    "1_000", "1j", "1.", "00", "٣", "１",
    # look-alikes and invisible characters
    "ｓpent_total", "spent_totаl", "ｍｉｎ(", "ℬ", "\u200b", "\u202e", "\ufeff", "\u00ad", "\u2028", "\x85",
    # control characters, and YAML escapes (read by YAML in a double-quoted scalar)
    "\n", "\t", "\r", "\x00", "\x1b", "\x7f", "\\ud800", "\\udfff", "\\x00", "\\N", "\\L", "\\u202e", "\\U0010ffff",
    # YAML punctuation
    ": ", " #", "- ", "&a", "*a", "!!python/object:os.system", "---", "|", ">",
    # depth
    "(" * 40, ")" * 40, "(" * 120, "-" * 35, "not " * 35, "min(" * 20,
]  # fmt: skip

token_expressions = st.lists(
    st.tuples(st.sampled_from(TOKENS), st.sampled_from([" ", ""])), min_size=1, max_size=16
).map(lambda pairs: "".join(token + gap for token, gap in pairs))

valid_demo_facts = st.fixed_dictionaries(
    {
        "budget_total": st.decimals(min_value=Decimal("0.01"), max_value=10**6, places=2),
        "spent_total": st.decimals(min_value=0, max_value=10**6, places=2),
        "done": st.booleans(),
        "level": st.sampled_from(LEVELS),
        "targets": st.lists(
            st.fixed_dictionaries(
                {"kind": st.sampled_from(["产出", "效益"]), "actual": st.decimals(min_value=0, max_value=2, places=4)}
            ),
            max_size=3,
        ),
    }
)


def check_expression(expression: str, style: str, facts: dict[str, Any]) -> None:
    """Load and check agree; a loaded rubric scores valid facts within its points, or cannot compute."""
    text = rubric_scoring(expression, style)
    loaded = load_or_refuse(text)
    found = timed(lambda: rubric.check_rubric(text, name="fuzz.yaml"), "check_rubric")
    assert all(isinstance(d, rubric.Diagnostic) and d.code not in CONTAINED_BUGS for d in found), found
    assert any(d.is_error for d in found) == (loaded is None), "load and check_rubric disagree"
    if loaded is not None:
        evaluation = scored_or_refused(loaded, facts, valid_facts=True)
        if evaluation is not None:  # a's score is kept within its weight, 5, and b scores 5
            assert evaluation.maximum == 10 and 5 <= evaluation.total <= 10, (evaluation.total, evaluation.maximum)


@settings(max_examples=200, deadline=None, suppress_health_check=SLOW)
@given(grammar_expressions(), st.sampled_from(STYLES), valid_demo_facts)
def test_an_expression_from_the_grammar_loads_and_scores_or_gives_our_errors(
    expression: str, style: str, facts: dict[str, Any]
) -> None:
    check_expression(expression, style, facts)


@settings(max_examples=200, deadline=None, suppress_health_check=SLOW)
@given(token_expressions, st.sampled_from(STYLES), valid_demo_facts)
def test_a_random_token_sequence_loads_and_scores_or_gives_our_errors(
    expression: str, style: str, facts: dict[str, Any]
) -> None:
    check_expression(expression, style, facts)


# --- Mutations of a whole document ---------------------------------------------------------------

# Surrogates (U+D800 to U+DFFF) have properties of their own (section 5), so that a bug with
# them does not hide the others: hypothesis reports one failure per property.

# After a key (block or flow): the value up to the end of the line, a comma or a closing bracket.
VALUE = re.compile(r"(?<=: )[^\s,{}\[\]#][^,{}\[\]\n#]*")
# A key whose value is the block below it.
BLOCK_KEY = re.compile(r"^ *(- )?[\w\"]+: *(#.*)?$")

YAML_SNIPPETS = [
    "&a ", "*a", "<<: *a\n", "&a x\n", "!!python/object:os.system ", "!!python/object/apply:os.system [ls]\n",
    "!!binary aGk=", "!!set {a}", "!!timestamp ", "!foo ", "!<tag:yaml.org,2002:str> ", "? [a]\n", "? {a: 1}\n: 2\n",
    "%TAG ! tag:example.com,2000:\n", "%YAML 1.1\n", "---\n", "...\n", "\t", "\x00", "\x1b", "\r", "\r\n", "\x85",
    "\u2028", "\u200b", "\u202e", "\ufeff", "ｓ", "а", "9" * 50, "1e999999", "-", ": ", ",", "{", "}", "[",
    "]", "'", '"', "|", ">", "#", "\\", "\n", "  ", "- x\n", "x: 1\n", "id: a\n", "format: rubric/1\n",
    "[" * 100, "{a: " * 100, "- " * 80, "#" + "x" * 1_000_001, '"\\x00"', '"\\u202e"', '"\\U0010ffff"',
]  # fmt: skip

EXPRESSION_VALUES = [
    "1 / 0", "budget_total / (spent_total - spent_total)", "clamp(1, 2, 0)", "round(1, 11)", "min()", 'score_of("zz")',
    "__import__('os').system('ls')", "().__class__", "9 ** 9 ** 9", "1e999999", "x", "True", '"达成"', "not 1",
    "spent_total" + " + spent_total" * 40, "(" * 200 + "1" + ")" * 200, "1" * 2000,
]  # fmt: skip

TEMPLATE_VALUES = [
    '"{rate:.999999999f}"', '"{rate:>999999999}"', '"{rate:.2%}"', '"{rate.__class__}"', '"{rate[0]}"', '"{0}"',
    '"{}"', '"{{"', '"{rate!r}"', '"{rate:,}"', '"{"', '"}"', '"{unit_name:.9999999999}"', '"{nonexistent}"',
    '"{__import__}"', '"{score_of(\\"efficacy\\")}"', '"{rate:%}"', '"{rate:e}"', '"{rate:.0f}{rate:.10f}"',
]  # fmt: skip

SCALAR_VALUES = [
    "0", "-0", "-1", "1e-20", "1e20", "1e21", "1e999999", "99999999999999999999", "9" * 31, "0." + "0" * 40 + "1",
    "0x10", "010", "1_000", "1:30", ".inf", "-.inf", ".nan", "null", "~", "", "true", "yes", "no", "on",
    "2023-01-01", "2023.5", "[]", "{}", "[1, 2]", "{a: 1}", '"\\x00"', '"\\u202e"', '"\\N"', '"\\_"',
    "&a 1", "*a", "!!str 1", "!!python/name:os.system", "'" + "x" * 5000 + "'", "[" * 70 + "]" * 70,
]  # fmt: skip

FACT_VALUES = [
    '"1e999999万元"', '"1e20%"', '"1E+20%"', '"-0万元"', '"0万元"', '"1.2亿元"', '"9' + "9" * 39 + '万元"', '"100%"',
    '"100 %"', '"１００%"', '"٣%"', '"NaN%"', '"sNaN万元"', '"Infinity元"', '"-Infinity%"', '"1,000元"', '"¥100"',
    '"100千元"', '"0.5e1%"', '"%"', '"万元"', '"-%"', '".%"', '"1..2%"', "达成", '"达成"', "不完善", "不够完善",
    '"产出"', '"qualitative"', '">="', "1900", "2999", "3000", "2023.0", "1e0", "1e3", "-2023",
]  # fmt: skip

code_points = st.one_of(
    any_character,
    st.sampled_from(["\x00", "\t", "\r", "\x85", "\u2028", "\u200b", "\u202e", "\ufeff", "\ufffe", "\U0010ffff"]),
)


@st.composite
def mutated(draw: st.DrawFn, text: str, values: list[str]) -> str:
    """`text` after one to three random mutations; `values` are replacements for a value after a key."""
    for _ in range(draw(st.integers(1, 3))):
        lines = text.splitlines(keepends=True) or [""]
        line = draw(st.integers(0, len(lines) - 1))
        where = draw(st.integers(0, len(text)))
        mutation = draw(st.integers(0, 9))
        if mutation == 0:  # a value replaced
            found = list(VALUE.finditer(text))
            if found:
                match = draw(st.sampled_from(found))
                text = text[: match.start()] + draw(st.sampled_from(values)) + text[match.end() :]
        elif mutation == 1:  # a span deleted
            text = text[:where] + text[where + draw(st.integers(1, 200)) :]
        elif mutation == 2:  # a snippet inserted, anywhere or at the start of a line
            at = where if draw(st.booleans()) else sum(len(before) for before in lines[:line])
            text = text[:at] + draw(st.sampled_from(YAML_SNIPPETS)) + text[at:]
        elif mutation == 3:  # a line repeated (a duplicate key, mostly)
            text = "".join(lines[: line + 1] + lines[line:])
        elif mutation == 4:  # indentation shifted for a few lines
            shift = draw(st.sampled_from([-4, -2, -1, 1, 2, 4]))
            count = draw(st.integers(1, 5))
            moved = [
                (" " * shift + row if shift > 0 else row[min(-shift, len(row) - len(row.lstrip(" "))) :])
                for row in lines[line : line + count]
            ]
            text = "".join(lines[:line] + moved + lines[line + count :])
        elif mutation == 5:  # a character replaced by any code point
            text = text[:where] + draw(code_points) + text[where + 1 :]
        elif mutation == 6:  # two lines swapped
            other = draw(st.integers(0, len(lines) - 1))
            lines[line], lines[other] = lines[other], lines[line]
            text = "".join(lines)
        else:  # a line with what is indented under it (a subtree): deleted, repeated, or replaced by a value
            end = subtree_end(lines, line)
            if mutation == 7:
                text = "".join(lines[:line] + lines[end:])
            elif mutation == 8:
                text = "".join(lines[:end] + lines[line:])
            else:  # of a key whose value is a block, mostly: `fields:`, `children:`, `ladder:`...
                blocks = [index for index, row in enumerate(lines) if BLOCK_KEY.match(row)]
                line = draw(st.sampled_from(blocks)) if blocks else line
                key = lines[line].split(":", 1)[0] if ":" in lines[line] else "x"
                end = subtree_end(lines, line)
                text = "".join([*lines[:line], f"{key}: {draw(st.sampled_from(values))}\n", *lines[end:]])
    return text


def subtree_end(lines: list[str], start: int) -> int:
    """The index after the last line that belongs under `lines[start]`: blank, or indented deeper."""

    def indent(row: str) -> int:
        return len(row) - len(row.lstrip(" "))

    end = start + 1
    while end < len(lines) and (not lines[end].strip() or indent(lines[end]) > indent(lines[start])):
        end += 1
    return end


@st.composite
def mutated_bytes(draw: st.DrawFn, text: str, values: list[str]) -> bytes:
    """A mutated document as the bytes of a file, then maybe bytes inserted (a broken multibyte sequence, an
    encoded surrogate, a BOM in the middle), the end cut off (through a character), or all of it in UTF-16."""
    raw = draw(mutated(text, values)).encode("utf-8")
    if draw(st.booleans()):
        where = draw(st.integers(0, len(raw)))
        inserted = draw(
            st.one_of(
                st.binary(min_size=1, max_size=4),
                st.sampled_from([b"\xef\xbb\xbf", b"\xe4\xb8", b"\xff", b"\xed\xa0\x80", b"\xc0\x80"]),
            )
        )
        raw = raw[:where] + inserted + raw[where:]
    if draw(st.booleans()):
        raw = raw[: draw(st.integers(0, len(raw)))]
    if draw(st.integers(0, 9)) == 9:
        raw = raw.decode("utf-8", "replace").encode("utf-16")
    return raw


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory for the files written from generated bytes (module scope: hypothesis reruns the test)."""
    return tmp_path_factory.mktemp("fuzz")


# --- 2. Rubrics ----------------------------------------------------------------------------------

RUBRIC_VALUES = SCALAR_VALUES + EXPRESSION_VALUES + TEMPLATE_VALUES


@settings(max_examples=45, deadline=None, suppress_health_check=SLOW)
@given(mutated(RUBRIC_TEXT, RUBRIC_VALUES))
def test_a_mutated_rubric_loads_and_scores_or_gives_our_errors(text: str) -> None:
    loaded = load_or_refuse(text)
    if loaded is not None:
        scored_or_refused(loaded, SEED_FACTS, valid_facts=False)


@settings(max_examples=30, deadline=None, suppress_health_check=SLOW)
@given(mutated_bytes(RUBRIC_TEXT, RUBRIC_VALUES))
def test_a_mutated_rubric_file_loads_or_gives_our_errors(scratch: Path, raw: bytes) -> None:
    path = scratch / "mutated.yaml"
    path.write_bytes(raw)
    load_or_refuse(path, name=None)


# --- 3. Facts ------------------------------------------------------------------------------------

FACTS_VALUES = SCALAR_VALUES + FACT_VALUES


def check_facts(read: Callable[[], rubric.Facts]) -> None:
    """Reading gives facts or refuses them, each problem placed; facts read are scored or refused."""
    try:
        facts = timed(read, "reading the facts")
    except rubric.RubricError as failure:
        assert_our_refusal(failure, placed=True)
        return
    scored_or_refused(LOADED_2023, facts, valid_facts=False)


@settings(max_examples=300, deadline=None, suppress_health_check=SLOW)
@given(
    st.one_of(
        st.tuples(st.just("facts.yaml"), mutated(FACTS_YAML, FACTS_VALUES)),
        st.tuples(st.just("facts.json"), mutated(FACTS_JSON, FACTS_VALUES)),
    )
)
def test_mutated_facts_are_scored_or_give_our_errors(case: tuple[str, str]) -> None:
    name, text = case
    check_facts(lambda: facts_from_text(text, name))


@settings(max_examples=150, deadline=None, suppress_health_check=SLOW)
@given(st.one_of(mutated_bytes(FACTS_YAML, FACTS_VALUES), mutated_bytes(FACTS_JSON, FACTS_VALUES)))
def test_a_mutated_facts_file_is_scored_or_gives_our_errors(scratch: Path, raw: bytes) -> None:
    path = scratch / "facts.yaml"
    path.write_bytes(raw)
    check_facts(lambda: rubric.load_facts(path))


# --- 4. Paths ------------------------------------------------------------------------------------

# One line of text is a path to `load` (text needs a line break). Names relative to the working
# directory, without '/', so that no device or pipe can be named; NUL and lone surrogates included.
one_line = st.lists(
    st.one_of(
        st.sampled_from(["\x00", "\ud800", "\udcff", ".", "..", "~", " ", "\\", "?", "*"]),
        st.text(st.characters(exclude_characters="/\n"), min_size=1, max_size=8),
    ),
    min_size=1,
    max_size=5,
).map("".join)


@settings(max_examples=100, deadline=None)
@given(one_line)
def test_any_one_line_path_gives_a_rubric_or_our_errors(path: str) -> None:
    load_or_refuse(path, name=None)
    try:
        timed(lambda: rubric.load_facts(path), "load_facts")
    except rubric.RubricError as failure:
        assert_our_refusal(failure, placed=True)


# --- 5. Surrogates --------------------------------------------------------------------------------


@st.composite
def with_a_surrogate(draw: st.DrawFn, text: str) -> str:
    """`text` with a surrogate (U+D800 to U+DFFF) in it: a lone one in the text itself, as a Python str
    may hold one (text read with errors="surrogateescape"); or, in a double-quoted value, a YAML escape
    of a lone one (`"\\ud800"`) or of a UTF-16 pair (`"\\ud840\\udc00"`, how Python's `json.dumps`
    writes 𠀀 by default): the file is then valid UTF-8, and only the value read from it may not be."""
    code = draw(st.integers(0xD800, 0xDFFF))
    if draw(st.booleans()):
        where = draw(st.integers(0, len(text)))
        return text[:where] + chr(code) + text[where:]
    escape = f"\\u{code:04x}"
    if draw(st.booleans()):
        escape = f"\\u{draw(st.integers(0xD800, 0xDBFF)):04x}\\u{draw(st.integers(0xDC00, 0xDFFF)):04x}"
    match = draw(st.sampled_from(list(VALUE.finditer(text))))
    return text[: match.start()] + f'"x{escape}"' + text[match.end() :]


@settings(max_examples=15, deadline=None, suppress_health_check=SLOW)
@given(with_a_surrogate(RUBRIC_TEXT))
def test_a_surrogate_in_a_rubric_gives_our_errors(text: str) -> None:
    loaded = load_or_refuse(text)
    if loaded is not None:
        scored_or_refused(loaded, SEED_FACTS, valid_facts=False)


@settings(max_examples=100, deadline=None, suppress_health_check=SLOW)
@given(st.one_of(with_a_surrogate(FACTS_YAML), with_a_surrogate(FACTS_JSON)))
def test_a_surrogate_in_facts_gives_our_errors(text: str) -> None:
    check_facts(lambda: facts_from_text(text, "facts.yaml"))
