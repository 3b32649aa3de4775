"""Stage 1 on its own: strict YAML reading with positions."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from rubric import RubricError, source
from rubric.source import read_bytes, read_file, read_text


def problems(text: str) -> list[str]:
    """Problems of a text as `line:col code`, whether they stop the reading or not."""
    try:
        document = read_text(text, "f.yaml")
    except RubricError as failure:
        found = failure.diagnostics
    else:
        found = document.diagnostics
    return [f"{d.location.line}:{d.location.column} {d.code}" for d in found]


def test_numbers_are_exact_decimals_and_integers_stay_integers() -> None:
    document = read_text("a: 0.1\nb: 986.45\nc: 3\nd: -2.50\n")
    assert document.data == {"a": Decimal("0.1"), "b": Decimal("986.45"), "c": 3, "d": Decimal("-2.50")}
    assert type(document.data["a"]) is Decimal
    assert type(document.data["c"]) is int


def test_yaml_1_2_core_scalars_only() -> None:
    document = read_text("a: yes\nb: no\nc: on\nd: 2023-01-01\ne: true\nf: False\ng: ~\nh: .inf\ni: 1_000\n")
    assert document.data == {
        "a": "yes",
        "b": "no",
        "c": "on",
        "d": "2023-01-01",
        "e": True,
        "f": False,
        "g": None,
        "h": ".inf",
        "i": "1_000",
    }


def test_leading_zero_number_is_refused_as_ambiguous() -> None:
    assert problems("a: 1\nb: 010\n") == ["2:4 yaml.ambiguous_number"]


def test_quoted_leading_zero_is_text() -> None:
    assert read_text('a: "010"\n').data == {"a": "010"}


def test_duplicate_keys_are_refused_at_any_depth() -> None:
    text = "a: 1\nb:\n  c:\n    - {d: 1, d: 2}\n  e: 1\n  e: 2\na: 3\n"
    assert problems(text) == ["4:14 yaml.duplicate_key", "6:3 yaml.duplicate_key", "7:1 yaml.duplicate_key"]


def test_duplicate_key_keeps_the_first_value() -> None:
    document = read_text("a: 1\na: 2\n")
    assert document.data == {"a": 1}
    assert document.diagnostics[0].message == "duplicate key 'a' (first defined at line 1, column 1)"


def test_duplicate_key_names_both_places() -> None:
    document = read_text("b:\n  c:\n    - {d: 1, d: 2}\n", "f.yaml")
    assert [str(d) for d in document.diagnostics] == [
        "f.yaml:3:14: error: duplicate key 'd' (first defined at line 3, column 8) (each key may appear once in a mapping)"
    ]
    json_document = read_text('{"budget_total": 1, "budget_total": 2}', "f.json")
    assert [str(d) for d in json_document.diagnostics] == [
        "f.json:1:21: error: duplicate key 'budget_total' (first defined at line 1, column 2) "
        "(each key may appear once in a mapping)"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object:os.system {}\n",
        "a: !!python/name:os.system\n",
        "a: !custom 1\n",
        "a: !!binary aGVsbG8=\n",
        "a: !!timestamp 2023-01-01\n",
        "a: !!set {x}\n",
    ],
)
def test_tags_beyond_the_core_ones_are_refused(text: str) -> None:
    assert problems(text) == ["1:4 yaml.tag"]


def test_core_tags_are_accepted() -> None:
    assert read_text("a: !!str 010\nb: !!int 7\n").data == {"a": "010", "b": 7}


@pytest.mark.parametrize("text", ["a: &x 1\nb: *x\n", "a: &x [1, 2]\n", "a: [1]\nb: *y\n"])
def test_anchors_and_aliases_are_refused(text: str) -> None:
    with pytest.raises(RubricError) as raised:
        read_text(text, "f.yaml")
    assert raised.value.code == "yaml.alias"


def test_billion_laughs_is_refused_before_expanding() -> None:
    laughs = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for index in range(1, 10):
        laughs += f"{chr(97 + index)}: &{chr(97 + index)} [{', '.join(['*' + chr(96 + index)] * 9)}]\n"
    with pytest.raises(RubricError) as raised:
        read_text(laughs, "f.yaml")
    assert str(raised.value) == "f.yaml:1:4: error: anchors and aliases (&name, *name) are not allowed (write the value out in full)"


def test_merge_keys_are_refused() -> None:
    assert problems("a:\n  <<: {b: 1}\n") == ["2:3 yaml.merge"]


def test_non_text_keys_are_refused() -> None:
    assert problems("1: a\ntrue: b\n") == ["1:1 yaml.key", "2:1 yaml.key"]


def test_file_size_is_limited() -> None:
    text = "a: " + "x" * 1_000_000 + "\n"
    assert problems(text) == ["1:1 yaml.too_large"]
    with pytest.raises(RubricError) as raised:
        read_bytes(text.encode(), "f.yaml")
    assert raised.value.code == "yaml.too_large"


def test_nesting_depth_is_limited() -> None:
    deep = "[" * (64 + 5) + "]" * (64 + 5)
    # the document's mapping is level 1, so the 64th bracket (column 3 + 64) is one too deep
    assert problems(f"a: {deep}\n") == [f"1:{3 + 64} yaml.too_deep"]


def test_nesting_within_the_limit_is_read() -> None:
    fine = "[" * (64 - 2) + "]" * (64 - 2)
    assert problems(f"a: {fine}\n") == []


def test_syntax_error_has_position() -> None:
    with pytest.raises(RubricError) as raised:
        read_text("a: [1, 2\nb: 3\n", "f.yaml")
    assert raised.value.code == "yaml.syntax"
    assert raised.value.first.location is not None and raised.value.first.location.line == 2


def test_several_documents_are_refused() -> None:
    assert problems("a: 1\n---\nb: 2\n") == ["2:1 yaml.syntax"]


def test_empty_file_is_refused() -> None:
    assert problems("# only a comment\n") == ["1:1 yaml.empty"]


def test_invalid_utf8_is_placed() -> None:
    with pytest.raises(RubricError) as raised:
        read_bytes(b"a: 1\nb: \xff\n", "f.yaml")
    assert str(raised.value) == "f.yaml:2:4: error: the file is not valid UTF-8 (save it as UTF-8)"


def test_utf8_bom_is_accepted() -> None:
    assert read_bytes("\ufeffa: 名称\n".encode(), "f.yaml").data == {"a": "名称"}


def test_positions_of_values_and_keys() -> None:
    document = read_text("top:\n  list:\n    - x: 1\n      y: 二\n", "f.yaml")
    assert str(document.locate(("top", "list", 0, "y"))) == "f.yaml:4:10"
    assert str(document.locate_key(("top", "list", 0, "y"))) == "f.yaml:4:7"
    assert str(document.locate(("top", "list", 0, "missing"))) == "f.yaml:3:7"


@pytest.mark.parametrize(
    ("text", "offset", "expected"),
    [
        ("e: spent / budget\n", 8, "1:12"),  # plain
        ("e: 'a == ''x'' or b'\n", 12, "1:19"),
        ("e: 'a == ''x'' or b'\n", 6, "1:12"),  # single-quoted, '' escapes
        ('e: "名称 == x"\n', 6, "1:11"),  # double-quoted, Chinese counts one column each
        ("e: >-\n  first +\n  second\n", 8, "3:3"),  # folded: the line break became a space
        ("e: |\n  a +\n  -b\n", 4, "3:3"),  # literal; '-b' must not match the header
        ("e: >-\n  -x\n", 0, "2:3"),  # the header's '-' is not the value's
        ("e: first\n  + second\n", 8, "2:5"),  # multi-line plain
    ],
)
def test_locate_in_scalar_for_every_style(text: str, offset: int, expected: str) -> None:
    document = read_text(text, "f.yaml")
    location = document.locate_in_scalar(("e",), offset)
    assert f"{location.line}:{location.column}" == expected


def test_control_characters_are_refused_with_their_place() -> None:
    with pytest.raises(RubricError) as raised:
        read_text("a: 1\nb: x\x00y\n", "f.yaml")
    assert str(raised.value) == "f.yaml:2:5: error: character U+0000 is not allowed in YAML (remove control characters from the file)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: x\u200by\n", ["1:5 U+200B (ZERO WIDTH SPACE)"]),
        ("a: 1\nb\u202e: 2\n", ["2:2 U+202E (RIGHT-TO-LEFT OVERRIDE)"]),  # "Trojan Source"
        ("a: '\u2066x\u2069'\n", ["1:5 U+2066 (LEFT-TO-RIGHT ISOLATE)", "1:7 U+2069 (POP DIRECTIONAL ISOLATE)"]),
        ("a: 预\u00ad算\n", ["1:5 U+00AD (SOFT HYPHEN)"]),
        ("a: x\u2028y\n", ["1:5 U+2028 (LINE SEPARATOR)"]),  # a line break to PyYAML, not to editors
        ("a: \u3164\n", ["1:4 U+3164 (HANGUL FILLER)"]),
        ("a: x\ufe0f\n", ["1:5 U+FE0F (VARIATION SELECTOR-16)"]),
        ("a: x\U000e0041\n", ["1:5 U+E0041 (TAG LATIN CAPITAL LETTER A)"]),
    ],
)
def test_invisible_and_direction_changing_characters_are_refused_everywhere(text: str, expected: list[str]) -> None:
    with pytest.raises(RubricError) as raised:
        read_text(text, "f.yaml")
    found = [f"{d.location.line}:{d.location.column} {d.message}" for d in raised.value.diagnostics if d.location]
    assert found == [f"{place} invisible character {name} is not allowed" for place, name in (e.split(" ", 1) for e in expected)]
    assert {d.code for d in raised.value.diagnostics} == {"yaml.character"}


def test_a_byte_order_mark_opening_the_file_is_allowed() -> None:
    assert read_text("\ufeffa: 1\n", "f.yaml").data == {"a": 1}
    assert read_bytes("\ufeffa: 1\n".encode(), "f.yaml").data == {"a": 1}
    assert problems("a: 1\n\ufeffb: 2\n") == ["2:1 yaml.character"]


def test_a_lone_surrogate_in_text_from_python_is_our_error() -> None:
    with pytest.raises(RubricError) as raised:
        read_text("a: 1\nb: x\ud800\n", "f.yaml")
    assert str(raised.value) == (
        "f.yaml:2:5: error: U+D800 is half of a UTF-16 pair, not a character (the text was decoded wrongly: read it as UTF-8)"
    )


@pytest.mark.parametrize(("path", "reason"), [("a\x00b.yaml", "embedded null byte"), ("\ud800.yaml", "surrogates not allowed")])
def test_a_path_no_file_can_have_is_unreadable(path: str, reason: str) -> None:
    with pytest.raises(RubricError) as raised:
        read_file(path)
    assert raised.value.code == "file.unreadable" and reason in raised.value.first.message


def test_an_escaped_half_of_a_surrogate_pair_is_refused_at_its_escape() -> None:
    document = read_text('a: "x\\ud800y"\n', "f.yaml")
    assert [str(d) for d in document.diagnostics] == [
        "f.yaml:1:6: error: an escape writes half of a UTF-16 pair without the other half (write the character itself)"
    ]


def test_a_named_pipe_is_not_read(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.yaml"
    os.mkfifo(pipe)
    with pytest.raises(RubricError) as raised:
        read_file(str(pipe))  # would block forever if opened for a plain read
    assert str(raised.value) == f"{pipe}:1:1: error: cannot read the file: not a regular file"


def _read_both(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    def read() -> object:
        try:
            return read_text(text, "f.yaml")
        except RubricError as failure:
            return str(failure)

    fast = read()
    with monkeypatch.context() as patched:
        patched.setattr(source, "_FastLoader", source._StrictLoader)  # PyYAML's own parser only
        slow = read()
    return fast, slow


def test_libyaml_and_pyyaml_read_every_file_of_the_project_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    root = Path(__file__).resolve().parent.parent
    files = sorted(root.glob("rubrics/*.yaml")) + sorted(root.glob("examples/*.yaml")) + sorted(root.glob("tests/fixtures/*.yaml"))
    assert len(files) >= 3
    for path in files:
        fast, slow = _read_both(path.read_text(encoding="utf-8"), monkeypatch)
        assert fast == slow, path


def test_libyaml_and_pyyaml_read_the_hostile_texts_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    """Same data, positions and spans, or the same error: the hostile suites' texts, and a few
    that only a parser's corner cases reach."""
    from test_hostile_files import FACTS_CASES, RUBRIC_CASES, unmark

    texts = [unmark(item.marked).text for item in RUBRIC_CASES] + [unmark(item.marked).text for item, _ in FACTS_CASES]
    texts += ["a: 'x\n", "a:\n\t- 1\n", "? [a, b]\n: c\n", "%YAML 1.1\n---\na: 1\n", "a: !!binary aGk=\n", "a: b: c\n"]
    texts += ["- " * 40 + "x\n", "a: |\n  line\n   more\n", 'a: "\\u00e9\\x41"\n', "{a: 1, a: 2}\n", "---\na: 1\n---\nb: 2\n"]
    compared = 0
    for text in texts:
        if text is None:  # a case given as raw bytes: read_bytes decodes before this stage
            continue
        fast, slow = _read_both(text, monkeypatch)
        assert fast == slow, text
        compared += 1
    assert compared > 100
