"""schemas/ holds a JSON Schema for every format rubric reads or writes, and real files and
outputs fit them: rubric files, facts files, the JSON result, the JSON of `rubric check`."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from conftest import ROOT, RUBRIC_2023, project_schema

import rubric
from rubric.cli import main
from rubric.render import json_text
from rubric.source import read_file

FACTS = ROOT / "examples" / "haizhu-petition-bureau-2023.yaml"


def test_every_format_has_a_valid_2020_12_schema() -> None:
    names = sorted(path.name for path in (ROOT / "schemas").glob("*.json"))
    assert names == [
        "batch-reject.schema.json",
        "batch-result.schema.json",
        "cases.schema.json",
        "check.schema.json",
        "diff.schema.json",
        "facts.schema.json",
        "result.schema.json",
        "rubric.schema.json",
    ]
    for name in names:
        schema = json.loads((ROOT / "schemas" / name).read_text(encoding="utf-8"))
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema.Draft202012Validator.check_schema(schema)


def test_the_bundled_rubric_fits_the_rubric_schema() -> None:
    project_schema("rubric").validate(read_file(str(RUBRIC_2023)).data)


def test_the_example_facts_fit_the_generic_and_the_generated_facts_schema(rubric_2023: rubric.Rubric) -> None:
    facts = read_file(str(FACTS)).data
    project_schema("facts").validate(facts)
    jsonschema.Draft202012Validator(rubric_2023.facts_schema()).validate(facts)


@pytest.mark.parametrize(
    "facts",
    [
        {"budget_total": None},  # a fact with no value
        {"预算": 1},  # not an id
        {"targets": [[1, 2]]},  # a list fact's records are mappings
        {"targets": [{"name": {"zh": "x"}}]},  # fields are plain values
    ],
)
def test_the_generic_facts_schema_refuses_what_no_rubric_accepts(facts: dict[str, object]) -> None:
    assert not project_schema("facts").is_valid(facts)


def evaluate_json(capsys: pytest.CaptureFixture[str], *arguments: str) -> object:
    assert main(["evaluate", str(RUBRIC_2023), *arguments]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_seed_result_fits_the_result_schema(capsys: pytest.CaptureFixture[str], lang: str) -> None:
    project_schema("result").validate(evaluate_json(capsys, str(FACTS), "--lang", lang))


def test_a_result_with_not_applicable_indicators_fits_the_result_schema(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    facts = read_file(str(FACTS)).data
    facts["targets"] = []  # outputs and outcomes do not apply
    path = tmp_path / "facts.json"
    path.write_text(json_text(facts), encoding="utf-8")
    result = evaluate_json(capsys, str(path))
    assert isinstance(result, dict) and result["indicators"]["outputs"]["status"] == "not_applicable"
    project_schema("result").validate(result)


def test_the_result_schema_holds_the_documented_key_names(capsys: pytest.CaptureFixture[str]) -> None:
    result = evaluate_json(capsys, str(FACTS))
    assert isinstance(result, dict)
    result["maximum"] = result.pop("max")
    assert not project_schema("result").is_valid(result)


@pytest.mark.parametrize(("path", "code"), [(RUBRIC_2023, 0), (ROOT / "tests" / "fixtures" / "broken.yaml", 3)])
def test_check_json_fits_the_check_schema(capsys: pytest.CaptureFixture[str], path: Path, code: int) -> None:
    assert main(["check", "--format", "json", str(path)]) == code
    report = json.loads(capsys.readouterr().out)
    project_schema("check").validate(report)
    assert report[0]["valid"] is (code == 0)
