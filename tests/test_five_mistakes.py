"""A rubric with a mistake of each stage reports all of them, each where it stands."""

from __future__ import annotations

from pathlib import Path

import pytest

import rubric

BROKEN = Path(__file__).parent / "fixtures" / "broken.yaml"


def test_every_mistake_is_reported_with_its_line_and_column() -> None:
    with pytest.raises(rubric.RubricError) as raised:
        rubric.load(BROKEN)
    found = [(d.location.line, d.location.column, d.code) for d in raised.value.diagnostics if d.location]
    assert found == [
        (5, 10, "schema.type"),  # version: 2 is a number, not text
        (15, 46, "schema.type"),  # required: no is YAML 1.1's false, text here
        (17, 3, "yaml.duplicate_key"),  # spent_total declared twice
        (22, 21, "name.unknown"),  # spent_totl
        (23, 5, "schema.required"),  # process has no weight...
        (25, 5, "schema.unknown_key"),  # ...because it is spelled wieght
        (29, 13, "weight.sum"),  # parts weighs 5, its children 6
        (34, 20, "type.mismatch"),  # 3 * ok: a boolean is not a number
        (39, 20, "expr.forbidden"),  # spent_total.real: attribute access
    ]


def test_each_problem_prints_as_path_line_col() -> None:
    with pytest.raises(rubric.RubricError) as raised:
        rubric.load(BROKEN)
    lines = str(raised.value).splitlines()
    assert len(lines) == 9
    assert lines[3] == f"{BROKEN}:22:21: error: unknown name 'spent_totl' (did you mean 'spent_total'?)"
    assert lines[1] == (
        f"{BROKEN}:15:46: error: fact 'done' required: expected true or false, found text 'no' "
        "(YAML 1.1 would read 'no' as a boolean; this format reads only true and false)"
    )
