"""Stage 2 on its own: the schema is valid, describes real files, and its errors read well."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import RUBRIC_2023, errors, make_rubric

from rubric.schema import load_schema
from rubric.source import read_file

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


@pytest.mark.parametrize("path", sorted(SCHEMAS.glob("*.json")), ids=lambda p: p.name)
def test_every_schema_is_valid_json_schema_2020_12(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_packaged_schema_is_the_repository_schema() -> None:
    assert load_schema("rubric.schema.json") == json.loads((SCHEMAS / "rubric.schema.json").read_text(encoding="utf-8"))


def test_the_2023_rubric_validates_with_plain_jsonschema() -> None:
    """An editor or another tool, using only the schema file, accepts the bundled rubric."""
    schema = json.loads((SCHEMAS / "rubric.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(read_file(str(RUBRIC_2023)).data)
    jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(RUBRIC_2023.read_text(encoding="utf-8")))


def test_the_2023_rubric_points_editors_at_the_schema() -> None:
    first_line = RUBRIC_2023.read_text(encoding="utf-8").splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=../schemas/rubric.schema.json"
    assert (RUBRIC_2023.parent / "../schemas/rubric.schema.json").resolve().is_file()


def leaf(extra: str) -> str:
    return make_rubric("- id: a\n  name: A\n  weight: 10\n  score: 10\n" + extra)


def test_unknown_key_suggests_the_right_one() -> None:
    assert errors(leaf("  findngs: []\n")) == ["21:5 schema.unknown_key indicator 'a': unknown key 'findngs'"]


def test_two_rules_on_one_indicator() -> None:
    assert errors(leaf("  ladder: [{otherwise: 1}]\n")) == [
        "17:5 schema.oneOf indicator 'a': an indicator has exactly one of: children, score, ladder, deductions, "
        "match (with cases), items"
    ]


def test_yaml_1_1_boolean_where_a_boolean_is_expected() -> None:
    text = make_rubric("- {id: a, name: A, weight: 10, score: 10}\n", extra_facts="x: {label: X, type: number, required: yes}\n")
    assert errors(text) == ["16:41 schema.type fact 'x' required: expected true or false, found text 'yes'"]


def test_date_where_a_year_is_expected() -> None:
    text = make_rubric("- {id: a, name: A, weight: 10, score: 10}\n").replace("year: 2023", "year: 2023-01-01")
    assert errors(text) == ["5:7 schema.type year: expected a whole number, found text '2023-01-01'"]


def test_unquoted_version_number() -> None:
    text = make_rubric("- {id: a, name: A, weight: 10, score: 10}\n").replace('version: "1"', "version: 1.10")
    assert errors(text) == ["4:10 schema.type version: expected text, found 1.10 (a number)"]


def test_missing_keys_and_bad_enum() -> None:
    text = make_rubric("- {id: a, name: A, score: 10}\n").replace("rounding", "x")
    text = text.replace("language: zh-CN\n", "language: zh-CN\nrounding: {places: 2, mode: half-up}\n")
    assert errors(text) == [
        "7:29 schema.enum rounding.mode: text 'half-up' is not one of half_up, half_even, down",
        "18:5 schema.required indicator 'a': missing required key 'weight'",
    ]


def test_bad_fact_id() -> None:
    text = make_rubric("- {id: a, name: A, weight: 10, score: 10}\n", extra_facts="预算: {label: X, type: number}\n")
    assert errors(text) == [
        "16:3 schema.name facts: '预算' is not a valid name: an id is a letter or _ followed by letters, digits "
        "or _ (at most 64), e.g. budget_total"
    ]


def test_the_schema_leaves_the_expression_length_to_the_loaders_limits() -> None:
    """A limit raised with `Limits` must not be refused by a fixed maxLength in the schema."""
    assert "maxLength" not in load_schema("rubric.schema.json")["$defs"]["expression"]


def test_each_missing_key_is_reported_once() -> None:
    text = make_rubric("- {id: a}\n")
    assert errors(text) == [
        "17:5 schema.required indicator 'a': missing required key 'name'",
        "17:5 schema.required indicator 'a': missing required key 'weight'",
        "17:5 schema.oneOf indicator 'a': an indicator has exactly one of: children, score, ladder, deductions, "
        "match (with cases), items",
    ]
