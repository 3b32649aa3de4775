"""Hostile files, end to end: rubric and facts texts written to deceive, crash or exhaust the library.

A rubric or a facts file is untrusted input (docs/security.md). Each case below is a whole file, as
an attacker or a careless author could write it, with every error it must give: code, line, column
and message. The other suites test one stage at a time with short snippets; these tests go through
the public entry points (`rubric.check_rubric`, `facts_from_text` + `Rubric.evaluate`, the
command) so that a problem caught by one stage cannot be lost, misplaced or turned into a traceback
by the next.

The expected places were derived by hand, not copied from the program's output: each case text
carries a marker `⟦` exactly where an error must point (and `⟧` where a message refers back to,
such as the first copy of a repeated key), and `unmark` turns the markers into lines and columns
(counted in characters, one column each, as everywhere else in rubric). `⟨ff⟩` stands for one
raw byte, for texts that are not valid UTF-8; such texts are written to a file and read from
there. Messages follow docs/format.md, docs/facts.md and docs/cli.md, and the conventions of the
existing tests.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import LIST_FACT, RUBRIC_2023, make_rubric

import rubric
from rubric.cli import main
from rubric.facts import facts_from_text

MARK = "⟦"  # an error must point here
REF = "⟧"  # a message refers to this place ("first defined at line L, column C")
_BYTE = re.compile("⟨([0-9a-f]{2})⟩")  # one raw byte, for files that are not UTF-8
HINT = " || "  # "code message || hint": the case checks hints, and its entries without one expect none


@dataclass(frozen=True)
class Unmarked:
    """A case text without its markers, and the places the markers stood."""

    text: str
    raw: bytes | None  # the file's bytes, when the case holds raw bytes
    places: tuple[tuple[int, int], ...]
    refs: tuple[tuple[int, int], ...]


def unmark(marked: str) -> Unmarked:
    """Remove the markers, noting the line and column (from 1, in characters) of each one."""
    pieces: list[str | bytes] = []
    places: list[tuple[int, int]] = []
    refs: list[tuple[int, int]] = []
    line, column, index = 1, 1, 0
    while index < len(marked):
        char = marked[index]
        byte = _BYTE.match(marked, index) if char == "⟨" else None
        if char in (MARK, REF):
            (places if char == MARK else refs).append((line, column))
            index += 1
            continue
        if byte:
            pieces.append(bytes([int(byte.group(1), 16)]))
            column += 1  # a stray byte counts as one character
            index = byte.end()
            continue
        pieces.append(char)
        line, column = (line + 1, 1) if char == "\n" else (line, column + 1)
        index += 1
    text = "".join(piece for piece in pieces if isinstance(piece, str))
    raw = None
    if any(isinstance(piece, bytes) for piece in pieces):
        raw = b"".join(piece if isinstance(piece, bytes) else piece.encode("utf-8") for piece in pieces)
    return Unmarked(text, raw, tuple(places), tuple(refs))


@dataclass(frozen=True)
class Case:
    """A hostile file: its marked text and its errors, one `code message` per `⟦`, in text order."""

    id: str
    marked: str
    expected: tuple[str, ...]

    def __post_init__(self) -> None:
        found = unmark(self.marked)
        markers, errors = len(found.places), len(self.expected)
        assert markers == errors, f"{self.id}: {markers} markers for {errors} errors"


def case(case_id: str, marked: str, *expected: str) -> Case:
    return Case(case_id, marked, expected)


def expected_lines(item: Case) -> list[str]:
    """`line:col code message` for each expected error, with `⟧` in messages replaced by its place."""
    found = unmark(item.marked)
    refs = iter(found.refs)
    lines = []
    for (line, column), text in zip(found.places, item.expected, strict=True):
        while REF in text:
            ref_line, ref_column = next(refs)
            text = text.replace(REF, f"line {ref_line}, column {ref_column}", 1)
        lines.append(f"{line}:{column} {text}")
    return sorted(lines)


def rendered(diagnostics: list[rubric.Diagnostic] | tuple[rubric.Diagnostic, ...], with_hints: bool) -> list[str]:
    lines = []
    for d in diagnostics:
        assert d.location is not None, f"no place for {d}"
        hint = f"{HINT}{d.hint}" if with_hints and d.hint else ""
        lines.append(f"{d.location.line}:{d.location.column} {d.code} {d.message}{hint}")
    return sorted(lines)


def checks_hints(item: Case) -> bool:
    return any(HINT in text for text in item.expected)


# -- rubric files -------------------------------------------------------------------------------
#
# Most cases start from conftest's `make_rubric`: a 15-line header (format … facts: budget_total,
# spent_total, done, level), optional extra facts, `indicators:` and the indicators indented by 2.

LEAF = "- id: a\n  name: A\n  weight: 10\n"
ID_RULE = "an id is a letter or _ followed by letters, digits or _ (at most 64), e.g. budget_total"


def leaf(rule: str, *, extra_facts: str = "", after: str = "") -> str:
    """A rubric whose only indicator 'a' (weight 10, line 17 without extra facts) has `rule`."""
    return make_rubric(LEAF + rule, extra_facts=extra_facts) + after


def laughs(indent: str, first_key: str) -> str:
    """Ten levels of nine aliases each: a billion 'lol's once expanded; the first anchor is marked."""
    lines = [f"{indent}{first_key}0: {MARK}&a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"]
    for level in range(1, 10):
        aliases = ", ".join([f"*{chr(96 + level)}"] * 9)
        lines.append(f"{indent}{first_key}{level}: &{chr(97 + level)} [{aliases}]\n")
    return "".join(lines)


def deep(opening: str, closing: str, marked_level: int, levels: int = 70) -> str:
    """`levels` nested brackets with the marker before the `marked_level`-th opening one."""
    return opening * (marked_level - 1) + MARK + opening * (levels - marked_level + 1) + closing * levels


HUNDRED_AND_ONE = "".join(
    f"{MARK if index == 0 else ''}- {{id: i{index}, name: I, weight: {10 if index == 0 else 0}, score: 0}}\n"
    for index in range(101)
)

RUBRIC_CASES = [
    # --- YAML traps ------------------------------------------------------------------------------
    case(
        "billion laughs",
        leaf("  score: 10\n").replace("title: 示例\n", "title: 示例\ndescription:\n" + laughs("  ", "l")),
        "yaml.alias anchors and aliases (&name, *name) are not allowed",
    ),
    case(
        "alias without anchor",
        make_rubric(f"- id: a\n  name: A\n  weight: {MARK}*w\n  score: 10\n"),
        "yaml.alias anchors and aliases (&name, *name) are not allowed",
    ),
    case(
        "merge key",
        make_rubric(f"- {{{MARK}<<: {{weight: 5}}, id: a, name: A, weight: 10, score: 10}}\n"),
        "yaml.merge merge keys (<<) are not allowed",
    ),
    case(
        "duplicate key deep in children",
        make_rubric(
            """
            - id: p
              name: P
              weight: 10
              children:
                - id: c
                  name: C
                  weight: 10
                  ⟧score: 10
                  ⟦score: 0
            """
        ),
        "yaml.duplicate_key duplicate key 'score' (first defined at ⟧)",
    ),
    case(
        "duplicate key in a flow mapping",
        leaf("  score: 10\n", extra_facts="extra: {label: E, ⟧type: number, ⟦type: text}\n"),
        "yaml.duplicate_key duplicate key 'type' (first defined at ⟧)",
    ),
    case(
        "duplicate top-level total",
        leaf("  score: 10\n").replace("total: 10", "⟧total: 10") + "⟦total: 1000\n",
        "yaml.duplicate_key duplicate key 'total' (first defined at ⟧)",
    ),
    case(
        "python object apply tag",
        leaf('  score: ⟦⟦!!python/object/apply:os.system ["echo pwned"]\n'),
        "yaml.tag tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed",
        "schema.type indicator 'a' score: expected text or a number or true or false, found a list",
    ),
    case(
        "python name tag",
        leaf("  score: 10\n").replace("title: 示例", "title: ⟦!!python/name:os.system 示例"),
        "yaml.tag tag 'tag:yaml.org,2002:python/name:os.system' is not allowed",
    ),
    case(
        "binary tag",
        leaf("  score: 10\n").replace('version: "1"', "version: ⟦!!binary MQ=="),
        "yaml.tag tag 'tag:yaml.org,2002:binary' is not allowed",
    ),
    case(
        "custom tag on an expression",
        leaf("  score: ⟦!foo 10\n"),
        "yaml.tag tag '!foo' is not allowed",
    ),
    case(
        "TAG directive",
        "%TAG !e! tag:evil.example,2024:\n---\n" + leaf("  score: 10\n").replace("title: 示例", "title: ⟦!e!x 示例"),
        "yaml.tag tag 'tag:evil.example,2024:x' is not allowed",
    ),
    case(
        "YAML 1.1 directive does not bring YAML 1.1 back",
        "%YAML 1.1\n---\n" + leaf("  score: 10\n", extra_facts="maybe: {label: M, type: number, required: ⟦yes}\n"),
        "schema.type fact 'maybe' required: expected true or false, found text 'yes'",
    ),
    case(
        "second document",
        leaf("  score: 10\n") + "⟦---\nformat: rubric/1\n",
        "yaml.syntax YAML syntax: a file holds one YAML document; remove the extra '---' and what follows",
    ),
    case(
        "YAML 1.1 booleans",
        leaf(
            "  ladder:\n    - {when: ⟦yes, then: 10}\n    - otherwise: 0\n",
            extra_facts="extra: {label: E, type: number, required: ⟦no}\n"
            "flag: {label: F, type: boolean, default: ⟦on}\n",
        ),
        "schema.type fact 'extra' required: expected true or false, found text 'no'",
        "fact.default fact 'flag': the default 'on' does not fit type boolean",
        "name.unknown unknown name 'yes'",
    ),
    case(
        "octal numbers",
        make_rubric("- id: a\n  name: A\n  weight: ⟦010\n  score: ⟦07\n"),
        "yaml.ambiguous_number 010 is ambiguous (YAML 1.1 reads a leading 0 as octal)",
        "yaml.ambiguous_number 07 is ambiguous (YAML 1.1 reads a leading 0 as octal)",
    ),
    case(
        "sexagesimal weight",
        make_rubric("- id: a\n  name: A\n  weight: ⟦1:20\n  score: 10\n"),
        "schema.type indicator 'a' weight: expected a number, found text '1:20'"
        + HINT
        + "YAML 1.1 would read '1:20' as a date, a number or an infinity; "
        "this format does not: write the value plainly",
    ),
    case(
        "bare dates",
        leaf("  score: 10\n").replace("year: 2023", "year: ⟦2023-01-01").replace("min: 90", "min: ⟦2023-02-30"),
        "schema.type year: expected a whole number, found text '2023-01-01'",
        "schema.type grades[0].min: expected a number, found text '2023-02-30'",
    ),
    case(
        "inf total",
        leaf("  score: 10\n").replace("total: 10", "total: ⟦.inf"),
        "schema.type total: expected a number, found text '.inf'",
    ),
    case(
        "nan grade",
        leaf("  score: 10\n").replace("{grade: 差, min: 0}", "{grade: 差, min: ⟦.nan}"),
        "schema.type grades[1].min: expected a number, found text '.nan'",
    ),
    case(
        "1e400",
        leaf("  score: 10\n").replace("min: 90", "min: ⟦1e400"),
        "yaml.number_range 1e400 is out of range (beyond 10^20 or below 10^-20)",
    ),
    case(
        "400 digits",
        leaf("  score: 10\n").replace("min: 90", "min: ⟦" + "9" * 400),
        "yaml.number_too_long number has more than 30 digits",
    ),
    case(
        "whole number beyond 10^20",
        leaf("  score: 10\n").replace("min: 90", "min: ⟦1000000000000000000000000"),
        "yaml.number_range 1000000000000000000000000 is out of range (beyond 10^20 or below 10^-20)",
    ),
    case(
        "nesting 70 deep",
        leaf("  score: 10\n").replace("title: 示例\n", "title: 示例\ndescription: " + deep("[", "]", 64) + "\n"),
        "yaml.too_deep nesting deeper than 64 levels",
    ),
    case(
        "over a million bytes in fewer characters",
        "⟦" + leaf("  score: 10\n") + "# " + "注" * 333_334 + "\n",
        "yaml.too_large file is larger than 1000000 bytes",
    ),
    case(
        "invalid UTF-8 byte",
        leaf("  score: 10\n").replace("title: 示例", "title: 示例⟦⟨ff⟩"),
        "yaml.encoding the file is not valid UTF-8",
    ),
    case(
        "truncated UTF-8 sequence",
        leaf("  score: 10\n") + "# 注释⟦⟨e4⟩⟨b8⟩\n",
        "yaml.encoding the file is not valid UTF-8",
    ),
    case(
        "NUL character",
        leaf("  score: 10\n").replace("title: 示例", "title: 示⟦\x00例"),
        "yaml.character character U+0000 is not allowed in YAML",
    ),
    case(
        "terminal escape sequence",
        leaf("  score: 10\n  findings:\n    - problem: 清屏⟦\x1b[2J\n      improvement: 改进\n"),
        "yaml.character character U+001B is not allowed in YAML",
    ),
    case(
        "invisible and bidirectional characters",
        leaf(
            "  score: 10 * min(spent_total⟦\u200b / budget_total, 1)\n"
            "  findings:\n    - problem: 预算⟦\u202e完成率\n      improvement: 改进\n",
            extra_facts="budget⟦\u2066: {label: B, type: number}\n",
        ),
        "yaml.character invisible character U+2066 (LEFT-TO-RIGHT ISOLATE) is not allowed",
        "yaml.character invisible character U+200B (ZERO WIDTH SPACE) is not allowed",
        "yaml.character invisible character U+202E (RIGHT-TO-LEFT OVERRIDE) is not allowed",
    ),
    case(
        "escapes that decode to forbidden characters",
        make_rubric(
            '- id: a\n  name: "A⟦\\0B"\n  weight: 10\n  score: 10\n',
            extra_facts='note: {label: "备⟦\\u202e注", type: text}\n',
        ),
        "yaml.character invisible character U+202E (RIGHT-TO-LEFT OVERRIDE) is not allowed",
        "yaml.character character U+0000 is not allowed in YAML",
    ),
    case(
        "tab in indentation",
        leaf("  score: 10\n").replace("  spent_total:", "⟦\tspent_total:"),
        "yaml.syntax YAML syntax: found character '\\t' that cannot start any token",
    ),
    case(
        "keys that are not text",
        leaf("  let: {⟦1: spent_total}\n  score: 10\n") + "⟦true: 1\n⟦null: 2\n? ⟦[a, b]\n: 3\n",
        "yaml.key key '1' is not text",
        "yaml.key key 'true' is not text",
        "yaml.key key 'null' is not text",
        "yaml.key a key must be plain text",
    ),
    case("empty file", "⟦", "yaml.empty the file is empty"),
    case("only comments", "⟦# 评分规则\n# 待写\n", "yaml.empty the file is empty"),
    case(
        "a list instead of a mapping",
        "⟦- format: rubric/1\n- id: demo\n",
        "schema.type the file: expected a mapping, found a list",
    ),
    case(
        "a plain text instead of a mapping",
        "⟦rubric/1\n",
        "schema.type the file: expected a mapping, found text 'rubric/1'",
    ),
    # --- expressions: forbidden syntax in every place that takes one -----------------------------
    case(
        "forbidden syntax in not_applicable, let, score and finding when",
        leaf(
            "  not_applicable: '⟦spent_total.__class__ == done'\n"
            "  let:\n"
            "    r: ⟦budget_total ** 2\n"
            "  score: '⟦(lambda: r)()'\n"
            "  findings:\n"
            "    - when: 'lost > 0 and ⟦__import__(\"os\")'\n"
            "      problem: 问题\n"
            "      improvement: 改进\n"
        ),
        "expr.forbidden expressions cannot use attribute access (a.b)",
        "expr.forbidden operator ** is not allowed",
        "expr.forbidden only the rubric functions can be called",
        "name.unknown_function unknown function '__import__'",
    ),
    case(
        "forbidden syntax in ladder when, then and otherwise",
        leaf(
            "  ladder:\n"
            "    - {when: '⟦done is True', then: 10}\n"
            "    - {when: done, then: '⟦spent_total[0]'}\n"
            "    - otherwise: '⟦f\"{spent_total}\"'\n"
        ),
        "expr.forbidden operator 'is' is not allowed",
        "expr.forbidden expressions cannot use indexing (a[b])",
        "expr.forbidden expressions cannot use f-strings",
    ),
    case(
        "forbidden syntax in deduction when, per and points",
        leaf(
            "  deductions:\n"
            "    - when: '⟦None == done'\n"
            "      points: 1\n"
            "    - per: ⟦spent_total // 2\n"
            "      points: '⟦1e3'\n"
        ),
        "expr.forbidden expressions cannot use None values",
        "expr.forbidden operator // is not allowed",
        "expr.number number 1e3 is not allowed",
    ),
    case(
        "forbidden syntax in items where, value steps, weight and item findings",
        leaf(
            "  items:\n"
            "    over: targets\n"
            "    where: '(⟦w := 1) > 0'\n"
            "    value:\n"
            "      - {when: '⟦kind is not \"产出\"', then: 1}\n"
            "      - otherwise: ⟦actual ^ 1\n"
            "    weight: ⟦~weight\n"
            "    empty: 0\n"
            "    findings:\n"
            "      - when: '⟦value @ value > 0'\n"
            "        problem: 问题\n"
            "        improvement: 改进\n",
            extra_facts=LIST_FACT,
        ),
        "expr.forbidden expressions cannot use assignment (:=)",
        "expr.forbidden operator 'is not' is not allowed",
        "expr.forbidden operator ^ is not allowed",
        "expr.forbidden operator ~ is not allowed",
        "expr.forbidden operator @ is not allowed",
    ),
    case(
        "forbidden syntax in checks",
        leaf(
            "  score: 10\n",
            extra_facts="rows:\n  label: 行\n  type: list\n  fields:\n    x: {type: number}\n"
            "  checks:\n    - id: row_x\n      require: '⟦x.real > 0'\n      message: 行约束\n",
            after="checks:\n"
            "  - id: maximum\n"
            "    require: 'max(spent_total, budget_total, key=⟦done) > 0'\n"
            "    message: 约束\n"
            "  - id: score\n"
            "    require: '⟦score_of(\"a\") > 0'\n"
            "    message: 约束\n",
        ),
        "expr.forbidden expressions cannot use attribute access (a.b)",
        "expr.forbidden max() takes no named arguments",
        "expr.score_of score_of() cannot be used here",
    ),
    case(
        "forbidden syntax in report sentences",
        leaf(
            "  score: 10\n  report:\n    - {text: 丙, when: '⟦{score}'}\n",
            after="report:\n"
            "  basic:\n"
            "    - {text: 甲, when: '⟦lambda: True'}\n"
            "  conclusion:\n"
            "    - {text: 乙, when: '⟦grade.upper() == \"优\"'}\n",
        ),
        "expr.forbidden expressions cannot use sets",
        "expr.forbidden expressions cannot use lambda",
        "expr.forbidden only the rubric functions can be called",
    ),
    # --- rubric-level hostility ------------------------------------------------------------------
    case(
        "weights that do not add up",
        make_rubric(
            """
            - id: p
              name: P
              weight: ⟦10
              children:
                - {id: x, name: X, weight: 3.33, score: 1}
                - {id: y, name: Y, weight: 3.33, score: 1}
                - {id: z, name: Z, weight: 3.33, score: 1}
            - {id: q, name: Q, weight: 0.1, score: 0}
            """
        ).replace("total: 10", "total: ⟦10"),
        "weight.sum the top-level indicators weigh 10.1 in all, but total is 10",
        "weight.sum the children of 'p' weigh 9.99 in all, but 'p' weighs 10",
    ),
    case(
        "cycle through score_of",
        make_rubric(
            """
            - ⟦{id: a, name: A, weight: 4, score: 'score_of("b")'}
            - {id: b, name: B, weight: 3, score: 'score_of("c")'}
            - {id: c, name: C, weight: 3, score: 'score_of("a") - 1'}
            """
        ),
        "indicator.cycle indicators depend on each other in a cycle: a → b → c → a",
    ),
    case(
        "own score through a let",
        make_rubric("- ⟦{id: a, name: A, weight: 10, let: {s: 'score_of(\"a\")'}, score: s}\n"),
        "indicator.cycle indicators depend on each other in a cycle: a → a",
    ),
    case(
        "leaf reads its grandparent",
        make_rubric(
            """
            - ⟦id: g
              name: G
              weight: 10
              children:
                - id: p
                  name: P
                  weight: 10
                  children:
                    - {id: c, name: C, weight: 10, score: 'score_of("g")'}
            """
        ),
        "indicator.cycle indicators depend on each other in a cycle: g → p → c → g",
    ),
    case(
        "ids that are not ASCII",
        make_rubric(
            "- {id: ⟦预算, name: A, weight: 10, let: {⟦rаte: 1}, score: 10}\n",
            extra_facts="⟦ｂudget: {label: 全角, type: number}\n",
        ).replace("id: demo", "id: ⟦示例-2023"),
        "schema.pattern id: a rubric id is letters, digits, '.', '_' or '-' (at most 64), e.g. cn-dept-overall-2023",
        f"schema.name facts: 'ｂudget' is not a valid name: {ID_RULE}",
        f"schema.pattern indicator '预算' id: {ID_RULE}",
        f"schema.name indicator '预算' let: 'rаte' is not a valid name: {ID_RULE}",
    ),
    case(
        "ids with a trailing line break",
        make_rubric('- {id: ⟦"a\\n", name: A, weight: 10, score: 10}\n').replace("id: demo", 'id: ⟦"demo\\n"'),
        "schema.pattern id: a rubric id is letters, digits, '.', '_' or '-' (at most 64), e.g. cn-dept-overall-2023",
        f"schema.pattern indicator 'a\\n' id: {ID_RULE}",
    ),
    case(
        "template placeholders that are not plain names",
        leaf(
            "  score: 10\n  findings:\n"
            "    - problem: '{⟦spent_total.__class__} {⟦spent_total[0]} {⟦0} {⟦}'\n"
            "      improvement: 改进\n"
        ),
        "template.placeholder template: {spent_total.__class__} is not a plain name",
        "template.placeholder template: {spent_total[0]} is not a plain name",
        "template.placeholder template: {0} is not a plain name",
        "template.placeholder template: {} is not a plain name",
    ),
    case(
        "template formats other than .Nf and .N%",
        leaf(
            "  score: 10\n  findings:\n"
            "    - problem: '{⟦spent_total!r} {⟦spent_total:>10} {⟦spent_total:.7f} {⟦spent_total:.999999999f}'\n"
            "      improvement: '{⟦spent_total:{budget_total}} {⟦spent_total:,} {⟦level:.2f} {⟦done}'\n"
        ),
        "template.format template: format !r of {spent_total} is not allowed",
        "template.format template: format :>10 of {spent_total} is not allowed",
        "template.format template: format :.7f of {spent_total} is not allowed",
        "template.format template: format :.999999999f of {spent_total} is not allowed",
        "template.format template: format :{budget_total} of {spent_total} is not allowed",
        "template.format template: format :, of {spent_total} is not allowed",
        "template.format template: {level:.2f} formats text, not a number",
        "template.type template: {done} is a boolean, which has no text form",
    ),
    case(
        "template braces that do not match",
        leaf("  score: 10\n  findings:\n    - problem: ⟦'少了 {'\n      improvement: ⟦'多了 }'\n"),
        "template.syntax template: Single '{' encountered in format string",
        "template.syntax template: Single '}' encountered in format string",
    ),
    case(
        "report templates reaching for Python",
        leaf(
            "  score: 10\n",
            after="report:\n"
            "  title: '{⟦__class__}'\n"
            "  basic:\n"
            "    - '{⟦budget_total.__class__.__mro__}'\n"
            "  conclusion:\n"
            "    - '{⟦grade:.2f}'\n",
        ),
        "name.unknown unknown name '__class__'",
        "template.placeholder template: {budget_total.__class__.__mro__} is not a plain name",
        "template.format template: {grade:.2f} formats text, not a number",
    ),
    case(
        "101 top-level indicators",
        make_rubric(HUNDRED_AND_ONE),
        "schema.maxItems indicators: expected at most 100 items, found 101",
    ),
]


@pytest.mark.parametrize("item", RUBRIC_CASES, ids=[item.id for item in RUBRIC_CASES])
def test_hostile_rubric_file(item: Case, tmp_path: Path) -> None:
    found = unmark(item.marked)
    if found.raw is not None:
        path = tmp_path / "r.yaml"
        path.write_bytes(found.raw)
        diagnostics = rubric.check_rubric(path)
    else:
        diagnostics = rubric.check_rubric(found.text, name="r.yaml")
    errors = [d for d in diagnostics if d.is_error]
    assert rendered(errors, checks_hints(item)) == expected_lines(item)
    with pytest.raises(rubric.RubricError):  # and loading refuses it, with the same errors
        rubric.load(path if found.raw is not None else found.text, name="r.yaml")


def test_the_base_rubric_is_valid() -> None:
    """The starting point of the cases is valid: each case's errors come from its own hostility."""
    assert [d for d in rubric.check_rubric(leaf("  score: 10\n"), name="r.yaml") if d.is_error] == []


# -- facts files --------------------------------------------------------------------------------
#
# A facts file for the 2023 rubric, with the seed department's values, written either as YAML or
# as JSON, one fact per line; a case changes some values (or keys) and may add lines.

TARGETS_YAML = (
    "\n"
    '  - {name: 信访事项及时受理率, kind: 产出, direction: ">=", planned: "100%", actual: "100%"}\n'
    "  - {name: 信访矛盾化解与社会和谐稳定, kind: 效益, direction: qualitative, planned: 达成, actual: 达成}"
)
TARGETS_JSON = (
    "[\n"
    '    {"name": "信访事项及时受理率", "kind": "产出", "direction": ">=", "planned": "100%", "actual": "100%"},\n'
    '    {"name": "信访矛盾化解与社会和谐稳定", "kind": "效益", "direction": "qualitative", '
    '"planned": "达成", "actual": "达成"}\n'
    "  ]"
)
# (fact, YAML value, JSON value)
BASE: list[tuple[str, str, str]] = [
    ("unit_name", "广州市海珠区信访局", '"广州市海珠区信访局"'),
    ("year", "2023", "2023"),
    ("budget_total", "986.45", "986.45"),
    ("spent_total", "986.45", "986.45"),
    ("budget_basic", "788.05", "788.05"),
    ("budget_project", "198.40", "198.40"),
    ("carryover_total", "0", "0"),
    ("audit_issues", "0", "0"),
    ("finance_compliant", "true", "true"),
    ("pre_assessment_done", "true", "true"),
    ("budget_disclosed_on_time", "true", "true"),
    ("accounts_disclosed_on_time", "true", "true"),
    ("performance_info_disclosed", "true", "true"),
    ("perf_rules_established", "true", "true"),
    ("perf_targets_declared", "true", "true"),
    ("perf_monitoring_done", "true", "true"),
    ("prior_self_evaluation_done", "true", "true"),
    ("procurement_intent_published", "true", "true"),
    ("procurement_contracts_filed", "true", "true"),
    ("sme_reserved_share_rate", '"100%"', '"100%"'),
    ("procurement_controls", "不够完善", '"不够完善"'),
    ("asset_rules_established", "true", "true"),
    ("asset_inventory_count", "1", "1"),
    ("asset_accounts_match", "true", "true"),
    ("fixed_asset_utilization", '"92.91%"', '"92.91%"'),
    ("public_funds_budget", "349808.03", "349808.03"),
    ("public_funds_actual", "349808.03", "349808.03"),
    ("three_public_budget", "18596.66", "18596.66"),
    ("three_public_actual", "18596.66", "18596.66"),
    ("targets", TARGETS_YAML, TARGETS_JSON),
    ("targets_need_adjustment", "true", "true"),
]
DELETE = "\0delete"  # a change that leaves the fact out


def facts_yaml(
    changes: Mapping[str, str] | None = None,
    *,
    keys: Mapping[str, str] | None = None,
    head: str = "",
    tail: str = "",
) -> str:
    """The YAML facts file, one `fact: value` per line (line N+1 for the N-th fact without `head`)."""
    lines = []
    for fact, value, _ in BASE:
        value = (changes or {}).get(fact, value)
        if value == DELETE:
            continue
        separator = "" if value.startswith("\n") or value == "" else " "
        lines.append(f"{(keys or {}).get(fact, fact)}:{separator}{value}")
    return head + "\n".join(lines) + "\n" + tail


def facts_json(
    changes: Mapping[str, str] | None = None,
    *,
    keys: Mapping[str, str] | None = None,
    head: str = "",
    extra: tuple[str, ...] = (),
    tail: str = "",
) -> str:
    """The JSON facts file: `{`, then one `"fact": value` per line indented by 2, then `}`."""
    entries = []
    for fact, _, value in BASE:
        value = (changes or {}).get(fact, value)
        if value == DELETE:
            continue
        key = (keys or {}).get(fact, fact)
        markers = key[: len(key) - len(key.lstrip(MARK + REF))]  # a marker on a key stands before its quote
        entries.append(f'  {markers}"{key[len(markers) :]}": {value}')
    entries.extend(f"  {entry}" for entry in extra)
    return head + "{\n" + ",\n".join(entries) + "\n}\n" + tail


MONEY_WAN = 'expected money: a number in 万元, or text with its unit such as "986.45万元"'
MONEY_YUAN = 'expected money: a number in 元, or text with its unit such as "986.45万元"'
RATIO = 'expected a ratio: a number (1 is 100%) or a percentage such as "92.91%"'
BOOLEAN = "expected true or false"
WHOLE = "expected a whole number"
CONTROLS = "expected one of 完善, 不够完善, 未建立"
YAML11 = "facts are read as YAML 1.2: write true, false or a plain number"
DUPLICATE = "yaml.duplicate_key duplicate key '{0}' (first defined at ⟧)"
TARGET_MISSING_ACTUAL = "facts.missing targets[0]: missing field 'actual' (实际完成值)"
LAUGHS = laughs("", "lol")


def yaml11_boolean(word: str) -> str:
    return f"YAML 1.1 would read {word!r} as a boolean; {YAML11}"


YAML_FACTS_CASES = [
    case(
        "YAML 1.1 booleans",
        facts_yaml(
            {
                "finance_compliant": "⟦yes",
                "pre_assessment_done": "⟦no",
                "perf_monitoring_done": "⟦on",
                "asset_accounts_match": "⟦off",
            }
        ),
        f"facts.type finance_compliant: {BOOLEAN}, found text 'yes'{HINT}{yaml11_boolean('yes')}",
        f"facts.type pre_assessment_done: {BOOLEAN}, found text 'no'{HINT}{yaml11_boolean('no')}",
        f"facts.type perf_monitoring_done: {BOOLEAN}, found text 'on'{HINT}{yaml11_boolean('on')}",
        f"facts.type asset_accounts_match: {BOOLEAN}, found text 'off'{HINT}{yaml11_boolean('off')}",
    ),
    case(
        "quoted true",
        facts_yaml({"targets_need_adjustment": '⟦"true"'}),
        f"facts.type targets_need_adjustment: {BOOLEAN}, found text 'true'{HINT}write true without quotes",
    ),
    case(
        "octal",
        facts_yaml({"audit_issues": "⟦010"}),
        "yaml.ambiguous_number 010 is ambiguous (YAML 1.1 reads a leading 0 as octal)",
    ),
    case(
        "sexagesimal",
        facts_yaml({"asset_inventory_count": "⟦1:20"}),
        f"facts.type asset_inventory_count: {WHOLE}, found text '1:20'",
    ),
    case(
        "bare date",
        facts_yaml({"year": "⟦2023-01-01", "unit_name": "2023-01-01"}),  # a date is text: fine as a unit's name
        f"facts.type year: {WHOLE}, found text '2023-01-01'",
    ),
    case(
        "impossible date",
        facts_yaml({"year": "⟦2023-02-30"}),
        f"facts.type year: {WHOLE}, found text '2023-02-30'",
    ),
    case(
        "inf and nan",
        facts_yaml({"budget_total": "⟦.inf", "spent_total": "⟦.nan", "carryover_total": "⟦-.inf"}),
        f"facts.type budget_total: {MONEY_WAN}, found text '.inf'",
        f"facts.type spent_total: {MONEY_WAN}, found text '.nan'",
        f"facts.type carryover_total: {MONEY_WAN}, found text '-.inf'",
    ),
    case(
        "1e400",
        facts_yaml({"budget_total": "⟦1e400"}),
        "yaml.number_range 1e400 is out of range (beyond 10^20 or below 10^-20)",
    ),
    case(
        "400 digits",
        facts_yaml({"carryover_total": "⟦" + "1" * 400}),
        "yaml.number_too_long number has more than 30 digits",
    ),
    case(
        "whole number beyond 10^20",
        facts_yaml({"public_funds_budget": "⟦1000000000000000000000000"}),
        "yaml.number_range 1000000000000000000000000 is out of range (beyond 10^20 or below 10^-20)",
    ),
    case(
        "number below 10^-20",
        facts_yaml({"fixed_asset_utilization": "⟦0.000000000000000000000001"}),
        "yaml.number_range 0.000000000000000000000001 is out of range (beyond 10^20 or below 10^-20)",
    ),
    case(
        "anchor and alias",
        facts_yaml({"budget_total": "⟦&b 986.45", "spent_total": "*b"}),
        "yaml.alias anchors and aliases (&name, *name) are not allowed",
    ),
    case(
        "billion laughs",
        facts_yaml(tail=LAUGHS),
        "yaml.alias anchors and aliases (&name, *name) are not allowed",
    ),
    case(
        "merge key in a record",
        facts_yaml(
            {
                "targets": '\n  - {⟦<<: {kind: 产出}, name: 甲, kind: 产出, direction: ">=", '
                'planned: "100%", actual: "100%"}'
            }
        ),
        "yaml.merge merge keys (<<) are not allowed",
    ),
    case(
        "duplicate key in a record",
        facts_yaml(
            {"targets": '\n  - {name: 甲, kind: 产出, direction: ">=", planned: "100%", ⟧actual: "100%", ⟦actual: 0}'}
        ),
        DUPLICATE.format("actual"),
    ),
    case(
        "duplicate fact",
        facts_yaml(keys={"budget_total": "⟧budget_total"}, tail="⟦budget_total: 1\n"),
        DUPLICATE.format("budget_total"),
    ),
    case(
        "python object apply tag",
        facts_yaml({"unit_name": '⟦!!python/object/apply:os.system ["echo pwned"]'}),
        "yaml.tag tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed",
    ),
    case(
        "binary tag",
        facts_yaml({"unit_name": "⟦!!binary 5rW354+g"}),
        "yaml.tag tag 'tag:yaml.org,2002:binary' is not allowed",
    ),
    case(
        "custom tag",
        facts_yaml({"procurement_controls": "⟦!foo 不够完善"}),
        "yaml.tag tag '!foo' is not allowed",
    ),
    case(
        "TAG directive",
        facts_yaml({"unit_name": "⟦!x 海珠"}, head="%TAG ! tag:evil.example,2024:\n---\n"),
        "yaml.tag tag 'tag:evil.example,2024:x' is not allowed",
    ),
    case(
        "core tags forcing a value",
        facts_yaml({"finance_compliant": "⟦!!bool yes", "budget_total": "⟦!!float .inf"}),
        "yaml.tag '.inf' is not a valid float",
        "yaml.tag 'yes' is not a valid bool",
    ),
    case(
        "second document",
        facts_yaml(tail="⟦---\nbudget_total: 1\n"),
        "yaml.syntax YAML syntax: a file holds one YAML document; remove the extra '---' and what follows",
    ),
    case("empty file", "⟦", "yaml.empty the file is empty"),
    case("only comments", "⟦# 事实\n", "yaml.empty the file is empty"),
    case(
        "a list instead of a mapping",
        "⟦- unit_name: 海珠\n- year: 2023\n",
        "facts.not_mapping a facts file is a mapping from fact id to value",
    ),
    case(
        "tab in indentation",
        facts_yaml({"targets": TARGETS_YAML.replace("\n  - {name: 信访事项", "\n⟦\t- {name: 信访事项")}),
        "yaml.syntax YAML syntax: found character '\\t' that cannot start any token",
    ),
    case(
        "NUL character",
        facts_yaml({"unit_name": "海珠⟦\x00区"}),
        "yaml.character character U+0000 is not allowed in YAML",
    ),
    case(
        "terminal escape sequence",
        facts_yaml({"unit_name": "⟦\x1b[31m海珠"}),
        "yaml.character character U+001B is not allowed in YAML",
    ),
    case(
        "invisible and bidirectional characters",
        facts_yaml({"unit_name": "海珠⟦\u202e局"}, keys={"budget_total": "budget_total⟦\u200b"}),
        "yaml.character invisible character U+202E (RIGHT-TO-LEFT OVERRIDE) is not allowed",
        "yaml.character invisible character U+200B (ZERO WIDTH SPACE) is not allowed",
    ),
    case(
        "escapes that decode to forbidden characters",
        facts_yaml({"unit_name": '"海珠⟦\\u202e局"', "procurement_controls": '"不够完善⟦\\x07"'}),
        "yaml.character invisible character U+202E (RIGHT-TO-LEFT OVERRIDE) is not allowed",
        "yaml.character character U+0007 is not allowed in YAML",
    ),
    case(
        "invalid UTF-8 byte",
        facts_yaml({"unit_name": "海珠⟦⟨ff⟩"}),
        "yaml.encoding the file is not valid UTF-8",
    ),
    case(
        "over a million bytes",
        "⟦" + facts_yaml() + "# " + "注" * 333_334 + "\n",
        "yaml.too_large file is larger than 1000000 bytes",
    ),
    case(
        "nesting 70 deep",
        facts_yaml({"unit_name": deep("[", "]", 64)}),
        "yaml.too_deep nesting deeper than 64 levels",
    ),
    case(
        "keys that are not text",
        facts_yaml(tail="⟦2023: 年度\n⟦true: 是\n? ⟦[a, b]\n: c\n"),
        "yaml.key key '2023' is not text",
        "yaml.key key 'true' is not text",
        "yaml.key a key must be plain text",
    ),
    case(
        "numbers in quotes",
        facts_yaml({"budget_total": '⟦"986.45"', "audit_issues": '⟦"0"', "sme_reserved_share_rate": '⟦"0.95"'}),
        f"facts.type budget_total: {MONEY_WAN}, found text '986.45'",
        f"facts.type audit_issues: {WHOLE}, found text '0'",
        f"facts.type sme_reserved_share_rate: {RATIO}, found text '0.95'",
    ),
    case(
        "money in the wrong form",
        facts_yaml(
            {
                "budget_total": "⟦986.45美元",
                "spent_total": "⟦100千元",
                "carryover_total": '⟦"1,000元"',
                "public_funds_actual": '⟦"349808.03 元"',
                "three_public_budget": "⟦¥18596.66",
            }
        ),
        f"facts.type budget_total: {MONEY_WAN}, found text '986.45美元'",
        f"facts.type spent_total: {MONEY_WAN}, found text '100千元'",
        f"facts.type carryover_total: {MONEY_WAN}, found text '1,000元'",
        f"facts.type public_funds_actual: {MONEY_YUAN}, found text '349808.03 元'",
        f"facts.type three_public_budget: {MONEY_YUAN}, found text '¥18596.66'",
    ),
    case(
        "money and percentages with a trailing line break",
        facts_yaml({"budget_total": '⟦"986.45万元\\n"', "fixed_asset_utilization": "⟦|\n  92.91%"}),
        f"facts.type budget_total: {MONEY_WAN}, found text '986.45万元\\n'",
        f"facts.type fixed_asset_utilization: {RATIO}, found text '92.91%\\n'",
    ),
    case(
        "percentages for facts that are not ratios",
        facts_yaml({"audit_issues": "⟦5%", "budget_total": '⟦"50%"'}),
        f"facts.type budget_total: {MONEY_WAN}, found text '50%'",
        f"facts.type audit_issues: {WHOLE}, found text '5%'",
    ),
    case(
        "out of range",
        facts_yaml(
            {
                "year": "⟦3000",
                "budget_total": "⟦0",
                "spent_total": '⟦"-5万元"',
                "sme_reserved_share_rate": "⟦-0.1",
                "asset_inventory_count": "⟦-1",
            }
        ),
        "facts.range year: 3000 is above the maximum 2999",
        "facts.range budget_total: 0 must be greater than 0",
        "facts.range spent_total: -5万元 (-5 in 万元) is out of range (must be at least 0)",
        "facts.range sme_reserved_share_rate: -0.1 is below the minimum 0",
        "facts.range asset_inventory_count: -1 is below the minimum 0",
    ),
    case(
        "missing and misspelt facts",
        facts_yaml(
            {"fixed_asset_utilization": DELETE},
            keys={"budget_total": "⟦budget_totl"},
            head="# 2023 年度事实\n# 海珠区信访局\n⟦⟦",
        ),
        "facts.missing missing required fact 'budget_total' (财政拨款年度预算数)",
        "facts.missing missing required fact 'fixed_asset_utilization' (固定资产利用率)",
        f"facts.unknown unknown fact 'budget_totl'{HINT}did you mean 'budget_total'?",
    ),
    case(
        "records that are wrong",
        facts_yaml({"targets": '\n  - ⟦{name: 甲, kind: ⟦产量, direction: ⟦=>, planned: "100%", ⟦owner: 张三}'}),
        TARGET_MISSING_ACTUAL,
        "facts.type targets[0].kind: expected one of 产出, 效益, found text '产量'",
        "facts.type targets[0].direction: expected one of >=, <=, qualitative, found text '=>'",
        "facts.unknown targets[0]: unknown field 'owner'",
    ),
    case(
        "a record that is not a mapping",
        facts_yaml({"targets": "\n  - ⟦信访事项"}),
        "facts.type targets[0]: expected a mapping, found text '信访事项'",
    ),
    case(
        "a list fact that is not a list",
        facts_yaml({"targets": "⟦信访事项"}),
        "facts.type targets: expected a list, found text '信访事项'",
    ),
    case(
        "enum near miss",
        facts_yaml({"procurement_controls": "⟦不完善"}),
        f"facts.type procurement_controls: {CONTROLS}, found text '不完善'{HINT}did you mean '不够完善'?",
    ),
    case(
        "mappings and lists where scalars are expected",
        facts_yaml(
            {
                "unit_name": "⟦{zh: 海珠区信访局}",
                "budget_total": "⟦{value: 986.45, unit: 万元}",
                "finance_compliant": "⟦[true]",
            }
        ),
        "facts.type unit_name: expected text, found a mapping",
        f"facts.type budget_total: {MONEY_WAN}, found a mapping",
        f"facts.type finance_compliant: {BOOLEAN}, found a list",
    ),
    case(
        "booleans and numbers swapped",
        facts_yaml({"unit_name": "⟦123", "budget_total": "⟦false", "audit_issues": "⟦true"}),
        "facts.type unit_name: expected text, found 123 (a number)",
        f"facts.type budget_total: {MONEY_WAN}, found false (a boolean)",
        f"facts.type audit_issues: {WHOLE}, found true (a boolean)",
    ),
    case(
        "fraction for a whole number",
        facts_yaml({"audit_issues": "⟦1.5"}),
        f"facts.type audit_issues: {WHOLE}, found 1.5 (a number)",
    ),
    case(
        "null values",
        facts_yaml({"unit_name": "⟦null", "budget_basic": "⟦~"}),
        "facts.type unit_name: expected text, found nothing",
        f"facts.type budget_basic: {MONEY_WAN}, found nothing",
    ),
    case(
        "empty value",
        facts_yaml().replace("budget_project: 198.40\n", "budget_project:⟦\n"),  # nothing after the colon
        f"facts.type budget_project: {MONEY_WAN}, found nothing",
    ),
    case(
        "checks that do not hold",
        facts_yaml(
            {
                "budget_basic": "⟦788.05",
                "budget_project": "198.41",
                "targets": '\n  - ⟦{name: 甲, kind: 产出, direction: ">=", planned: 0, actual: 1}',
            }
        ),
        "facts.check check budget_parts_sum: 基本支出与项目支出之和应等于财政拨款年度预算数 "
        "(`budget_basic + budget_project == budget_total` does not hold: "
        "budget_basic = 788.05, budget_project = 198.41, budget_total = 986.45)",
        "facts.check check target_planned_positive on targets[0]: 数值型指标的目标值（planned）必须是大于 0 的数 "
        "(`direction == \"qualitative\" or planned > 0` does not hold: direction = text '>=', planned = 0)",
    ),
]

JSON_FACTS_CASES = [
    case(
        "NaN",
        facts_json({"budget_total": "⟦NaN"}),
        f"facts.type budget_total: {MONEY_WAN}, found text 'NaN'",
    ),
    case(
        "Infinity and -Infinity",
        facts_json({"spent_total": "⟦Infinity", "carryover_total": "⟦-Infinity"}),
        f"facts.type spent_total: {MONEY_WAN}, found text 'Infinity'",
        f"facts.type carryover_total: {MONEY_WAN}, found text '-Infinity'",
    ),
    case(
        "1e400",
        facts_json({"public_funds_actual": "⟦1e400"}),
        "yaml.number_range 1e400 is out of range (beyond 10^20 or below 10^-20)",
    ),
    case(
        "400 digits",
        facts_json({"three_public_actual": "⟦" + "9" * 400}),
        "yaml.number_too_long number has more than 30 digits",
    ),
    case(
        "whole number beyond 10^20",
        facts_json({"audit_issues": "⟦123456789012345678901234"}),
        "yaml.number_range 123456789012345678901234 is out of range (beyond 10^20 or below 10^-20)",
    ),
    case(
        "duplicate keys",
        facts_json(keys={"budget_total": "⟧budget_total"}, extra=('⟦"budget_total": 1',)),
        DUPLICATE.format("budget_total"),
    ),
    case(
        "duplicate key spelt with an escape",
        facts_json(keys={"budget_total": "⟧budget_total"}, extra=('⟦"budget\\u005ftotal": 1',)),
        DUPLICATE.format("budget_total"),
    ),
    case(
        "duplicate key in a record",
        facts_json(
            {
                "targets": '[{"name": "甲", "kind": "产出", "direction": ">=", '
                '⟧"planned": 1, ⟦"planned": 0.5, "actual": 1}]',
            }
        ),
        DUPLICATE.format("planned"),
    ),
    case(
        "booleans where numbers are expected",
        facts_json({"audit_issues": "⟦false", "budget_total": "⟦true"}),
        f"facts.type budget_total: {MONEY_WAN}, found true (a boolean)",
        f"facts.type audit_issues: {WHOLE}, found false (a boolean)",
    ),
    case(
        "numbers in quotes",
        facts_json({"year": '⟦"2023"', "spent_total": '⟦"986.45"'}),
        f"facts.type year: {WHOLE}, found text '2023'",
        f"facts.type spent_total: {MONEY_WAN}, found text '986.45'",
    ),
    case(
        "unknown fact with a suggestion",
        facts_json(keys={"finance_compliant": "⟦finance_compliance"}, head="⟦"),
        "facts.missing missing required fact 'finance_compliant' (财务管理合规)",
        f"facts.unknown unknown fact 'finance_compliance'{HINT}did you mean 'finance_compliant'?",
    ),
    case(
        "unknown fact named like a prototype",
        facts_json(extra=('⟦"__proto__": {"budget_total": 1}',)),
        "facts.unknown unknown fact '__proto__'",
    ),
    case(
        "money in the wrong form",
        facts_json(
            {
                "budget_total": '⟦"986.45美元"',
                "carryover_total": '⟦"1,000元"',
                "public_funds_budget": '⟦"349808.03 元"',
                "three_public_actual": '⟦"¥18596.66"',
            }
        ),
        f"facts.type budget_total: {MONEY_WAN}, found text '986.45美元'",
        f"facts.type carryover_total: {MONEY_WAN}, found text '1,000元'",
        f"facts.type public_funds_budget: {MONEY_YUAN}, found text '349808.03 元'",
        f"facts.type three_public_actual: {MONEY_YUAN}, found text '¥18596.66'",
    ),
    case(
        "money with a trailing line break",
        facts_json({"spent_total": '⟦"986.45万元\\n"'}),
        f"facts.type spent_total: {MONEY_WAN}, found text '986.45万元\\n'",
    ),
    case(
        "percentage for a count",
        facts_json({"asset_inventory_count": '⟦"100%"'}),
        f"facts.type asset_inventory_count: {WHOLE}, found text '100%'",
    ),
    case(
        "out of range",
        facts_json({"budget_total": "⟦-0", "fixed_asset_utilization": "⟦-0.1", "year": "⟦1899"}),
        "facts.range year: 1899 is below the minimum 1900",
        "facts.range budget_total: 0 must be greater than 0",
        "facts.range fixed_asset_utilization: -0.1 is below the minimum 0",
    ),
    case(
        "missing required facts",
        facts_json({"spent_total": DELETE, "targets": DELETE}, head="⟦⟦"),
        "facts.missing missing required fact 'spent_total' (实际支出数)",
        "facts.missing missing required fact 'targets' (年度绩效指标（产出与效益）)",
    ),
    case(
        "records that are wrong",
        facts_json(
            {
                "targets": "[\n"
                '    ⟦{"kind": "产出", "direction": ⟦"≥", "planned": 1, "actual": 1, '
                '"weight": ⟦0, ⟦"unit": "%"}\n'
                "  ]"
            }
        ),
        "facts.missing targets[0]: missing field 'name' (指标名称)",
        "facts.type targets[0].direction: expected one of >=, <=, qualitative, found text '≥'",
        "facts.range targets[0].weight: 0 must be greater than 0",
        "facts.unknown targets[0]: unknown field 'unit'",
    ),
    case(
        "a record that is not an object",
        facts_json({"targets": "[⟦42]"}),
        "facts.type targets[0]: expected a mapping, found 42 (a number)",
    ),
    case(
        "a list fact given as a mapping",
        facts_json({"targets": '⟦{"name": "甲", "kind": "产出", "direction": ">=", "planned": 1, "actual": 1}'}),
        "facts.type targets: expected a list, found a mapping",
    ),
    case(
        "enum value not declared",
        facts_json(
            {
                "procurement_controls": '⟦"完整"',
                "targets": '[{"name": "甲", "kind": ⟦"产出 ", "direction": ">=", "planned": 1, "actual": 1}]',
            }
        ),
        f"facts.type procurement_controls: {CONTROLS}, found text '完整'",
        "facts.type targets[0].kind: expected one of 产出, 效益, found text '产出 '",
    ),
    case(
        "objects and arrays where scalars are expected",
        facts_json({"year": '⟦{"value": 2023}', "budget_total": "⟦[986.45]"}),
        f"facts.type year: {WHOLE}, found a mapping",
        f"facts.type budget_total: {MONEY_WAN}, found a list",
    ),
    case(
        "null",
        facts_json({"budget_total": "⟦null"}),
        f"facts.type budget_total: {MONEY_WAN}, found nothing",
    ),
    case(
        "an array instead of an object",
        "⟦[" + facts_json().rstrip("\n") + "]\n",
        "facts.not_mapping a facts file is a mapping from fact id to value",
    ),
    case(
        "two objects",
        facts_json() + "⟦{}\n",
        "yaml.syntax YAML syntax: expected '<document start>', but found '{'",
    ),
    case(
        "escapes that decode to forbidden characters",
        facts_json({"unit_name": '"海珠⟦\\u202e局"', "procurement_controls": '"不够完善⟦\\u0000"'}),
        "yaml.character invisible character U+202E (RIGHT-TO-LEFT OVERRIDE) is not allowed",
        "yaml.character character U+0000 is not allowed in YAML",
    ),
    case(
        "raw line separator inside a string",
        facts_json({"unit_name": '"海珠区⟦\u2028信访局"'}),
        "yaml.character invisible character U+2028 (LINE SEPARATOR) is not allowed",
    ),
    case(
        "invalid UTF-8 byte",
        facts_json({"unit_name": '"海珠⟦⟨c0⟩⟨af⟩"'}),  # an overlong '/'
        "yaml.encoding the file is not valid UTF-8",
    ),
    case(
        "nesting 70 deep",
        facts_json({"unit_name": deep("[", "]", 64)}),
        "yaml.too_deep nesting deeper than 64 levels",
    ),
]

FACTS_CASES = [(item, "f.yaml") for item in YAML_FACTS_CASES] + [(item, "f.json") for item in JSON_FACTS_CASES]


@pytest.mark.parametrize(
    ("item", "name"), FACTS_CASES, ids=[f"{name.split('.')[1]}: {item.id}" for item, name in FACTS_CASES]
)
def test_hostile_facts_file(item: Case, name: str, rubric_2023: rubric.Rubric, tmp_path: Path) -> None:
    found = unmark(item.marked)
    with pytest.raises(rubric.FactsError) as raised:
        if found.raw is not None:
            path = tmp_path / name
            path.write_bytes(found.raw)
            rubric_2023.evaluate(rubric.load_facts(path))
        else:
            rubric_2023.evaluate(facts_from_text(found.text, name))
    diagnostics = raised.value.diagnostics
    assert rendered(diagnostics, checks_hints(item)) == expected_lines(item)
    assert all(d.location is not None and d.location.file.endswith(name) for d in diagnostics)


def test_the_base_facts_files_are_accepted(rubric_2023: rubric.Rubric) -> None:
    """Each facts case is the seed department's file with its own hostility and nothing else."""
    for text, name in ((facts_yaml(), "f.yaml"), (facts_json(), "f.json")):
        assert rubric_2023.evaluate(facts_from_text(text, name)).total == Decimal("99.50")


def test_decimals_in_a_file_are_exact_and_only_python_floats_are_refused(rubric_2023: rubric.Rubric) -> None:
    """docs/facts.md: a file's 0.1 is exactly one tenth; only a Python float is `facts.float`."""
    evaluation = rubric_2023.evaluate(facts_from_text(facts_json({"carryover_total": "0.1"}), "f.json"))
    assert evaluation.indicator("carryover").score == Decimal("3.00")
    data = dict(facts_from_text(facts_json(), "f.json").data, carryover_total=0.1)
    with pytest.raises(rubric.FactsError) as raised:
        rubric_2023.evaluate(data)
    assert [(d.code, d.message) for d in raised.value.diagnostics] == [
        (
            "facts.float",
            "carryover_total: 0.1 is a binary floating-point number, which cannot hold most decimals exactly",
        )
    ]


# -- through the command ------------------------------------------------------------------------


def run(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(arguments)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "internal error" not in captured.err
    return code, captured.out, captured.err


def write(tmp_path: Path, name: str, marked: str) -> tuple[Path, Unmarked]:
    found = unmark(marked)
    path = tmp_path / name
    path.write_bytes(found.raw if found.raw is not None else found.text.encode("utf-8"))
    return path, found


def test_cli_evaluate_refuses_yaml_1_1_facts_with_exit_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, found = write(tmp_path, "f.yaml", facts_yaml({"finance_compliant": "⟦yes"}, tail="⟦budget_totl: 1\n"))
    (line, column), (unknown_line, unknown_column) = found.places
    assert run(["evaluate", str(RUBRIC_2023), str(path)], capsys) == (
        4,
        "",
        f"{path}:{line}:{column}: error: finance_compliant: expected true or false, found text 'yes' "
        f"(YAML 1.1 would read 'yes' as a boolean; {YAML11})\n"
        f"{path}:{unknown_line}:{unknown_column}: error: unknown fact 'budget_totl' (did you mean 'budget_total'?)\n",
    )


def test_cli_evaluate_refuses_a_rubric_with_a_python_tag_with_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rubric_path, found = write(tmp_path, "r.yaml", leaf('  score: ⟦!!python/object/apply:os.system ["echo pwned"]\n'))
    facts_path, _ = write(tmp_path, "f.yaml", "budget_total: 1\nspent_total: 1\ndone: true\nlevel: 完善\n")
    line, column = found.places[0]
    assert run(["evaluate", str(rubric_path), str(facts_path)], capsys) == (
        3,
        "",
        f"{rubric_path}:{line}:{column}: error: tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed "
        "(only plain YAML values are read: remove the tag)\n"
        f"{rubric_path}:{line}:{column}: error: indicator 'a' score: expected text or a number or true or false, "
        "found a list\n",
    )


def test_cli_check_refuses_billion_laughs_with_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, found = write(tmp_path, "r.yaml", leaf("  score: 10\n") + "description:\n" + laughs("  ", "l"))
    line, column = found.places[0]
    assert run(["check", str(path)], capsys) == (
        3,
        f"{path}:{line}:{column}: error: anchors and aliases (&name, *name) are not allowed "
        "(write the value out in full)\n"
        f"{path}: invalid (1 error, 0 warnings)\n",
        "",
    )


def test_cli_evaluate_places_invalid_utf8_in_characters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, found = write(tmp_path, "f.yaml", facts_yaml({"unit_name": "广州市海珠区⟦⟨ff⟩信访局"}))
    line, column = found.places[0]
    assert (line, column) == (1, 18)  # "unit_name: " is 11 characters, 广州市海珠区 six more
    assert run(["evaluate", str(RUBRIC_2023), str(path)], capsys) == (
        4,
        "",
        f"{path}:1:18: error: the file is not valid UTF-8 (save it as UTF-8)\n",
    )


def test_cli_report_refuses_json_nan_with_exit_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, found = write(tmp_path, "f.json", facts_json({"three_public_budget": "⟦NaN"}))
    line, column = found.places[0]
    assert run(["report", str(RUBRIC_2023), str(path)], capsys) == (
        4,
        "",
        f"{path}:{line}:{column}: error: three_public_budget: {MONEY_YUAN}, found text 'NaN'\n",
    )


def test_cli_evaluate_refuses_a_facts_file_over_the_size_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = write(tmp_path, "f.yaml", facts_yaml() + "# " + "x" * 1_000_000 + "\n")
    assert run(["evaluate", str(RUBRIC_2023), str(path)], capsys) == (
        4,
        "",
        f"{path}:1:1: error: file is larger than 1000000 bytes (split it or trim it)\n",
    )


def test_cli_report_refuses_a_right_to_left_override_written_as_an_escape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The unit's name goes into the report's title: an escaped U+202E would reverse it there."""
    path, found = write(tmp_path, "f.yaml", facts_yaml({"unit_name": '"海珠区信访局⟦\\u202e告报"'}))
    line, column = found.places[0]
    code, out, err = run(["report", str(RUBRIC_2023), str(path)], capsys)
    assert (code, out) == (4, "")
    assert err == (
        f"{path}:{line}:{column}: error: invisible character U+202E (RIGHT-TO-LEFT OVERRIDE) is not allowed "
        "(delete it: it can make text read differently from how it looks)\n"
    )


def test_cli_schema_refuses_a_rubric_with_an_invisible_character(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, found = write(tmp_path, "r.yaml", leaf("  score: 10\n").replace("budget_total:", "budget⟦\u200b_total:", 1))
    line, column = found.places[0]
    assert run(["schema", str(path)], capsys) == (
        3,
        "",
        f"{path}:{line}:{column}: error: invisible character U+200B (ZERO WIDTH SPACE) is not allowed "
        "(delete it: it can make text read differently from how it looks)\n",
    )


def test_cli_evaluate_reports_the_bad_yaml_of_the_docs_as_documented(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/facts.md, "What is refused, and why": the example file with ten mistakes, and its output."""
    example = RUBRIC_2023.parent.parent / "examples" / "haizhu-petition-bureau-2023.yaml"
    lines = example.read_text(encoding="utf-8").splitlines()
    changes = {
        13: 'carryover_total: "1,000元"',
        15: 'audit_issues: "0"',
        16: "finance_compliant: yes",
        32: "procurement_controls: 不完善",
        35: "asset_inventory_count: -1",
        36: 'asset_accounts_match: "true"',
        37: "                                   # fixed_asset_utilization removed",
        41: 'three_public_budget: "¥18596.66"',
        51: '  - {name: 信访事项及时答复率, kind: 产出, direction: ">=", planned: "100%", actul: "100%"}',
    }
    for number, line in changes.items():
        lines[number - 1] = line
    lines.append("budget_totl: 1")
    assert len(lines) == 57
    path = tmp_path / "bad.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    documented = [  # docs/facts.md, verbatim
        (6, 1, "missing required fact 'fixed_asset_utilization' (固定资产利用率)"),
        (13, 18, f"carryover_total: {MONEY_WAN}, found text '1,000元'"),
        (
            15,
            15,
            "audit_issues: expected a whole number, found text '0' "
            "(a number in quotes is ambiguous: write 0 without quotes, or with its unit or %)",
        ),
        (16, 20, f"finance_compliant: expected true or false, found text 'yes' ({yaml11_boolean('yes')})"),
        (32, 23, f"procurement_controls: {CONTROLS}, found text '不完善' (did you mean '不够完善'?)"),
        (35, 24, "asset_inventory_count: -1 is below the minimum 0"),
        (36, 23, "asset_accounts_match: expected true or false, found text 'true' (write true without quotes)"),
        (41, 22, f"three_public_budget: {MONEY_YUAN}, found text '¥18596.66'"),
        (51, 5, "targets[1]: missing field 'actual' (实际完成值)"),
        (51, 67, "targets[1]: unknown field 'actul' (did you mean 'actual'?)"),
        (57, 1, "unknown fact 'budget_totl' (did you mean 'budget_total'?)"),
    ]
    # the places, by hand: the value after "key: ", the record's "{" after "  - ", the key "actul"
    assert lines[50].index("actul") + 1 == 67
    expected = "".join(f"{path}:{line}:{column}: error: {message}\n" for line, column, message in documented)
    assert run(["evaluate", str(RUBRIC_2023), str(path)], capsys) == (4, "", expected)
