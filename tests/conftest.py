"""Shared helpers: a small valid rubric to start from, and a way to see what the checker says."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import rubric

ROOT = Path(__file__).resolve().parent.parent
RUBRIC_2023 = ROOT / "rubrics" / "2023.yaml"

HEADER = """\
format: rubric/1
id: demo
title: 示例
version: "1"
year: 2023
language: zh-CN
total: {total}
grades:
  - {{grade: 优, min: 90}}
  - {{grade: 差, min: 0}}
facts:
  budget_total: {{label: 预算, type: money, unit: 万元, greater_than: 0}}
  spent_total: {{label: 支出, type: money, unit: 万元, min: 0}}
  done: {{label: 完成, type: boolean}}
  level: {{label: 等级, type: enum, values: [完善, 不够完善, 未建立]}}
"""

# A list fact for rules over items (`targets` with kind, actual and a weight defaulting to 1).
LIST_FACT = """\
targets:
  label: 指标
  type: list
  fields:
    kind: {type: enum, values: [产出, 效益]}
    actual: {type: ratio}
    weight: {type: number, default: 1}
"""


def make_rubric(indicators: str, *, total: int = 10, extra_facts: str = "") -> str:
    """A rubric text with the standard header and facts, and the given indicators block.

    `indicators` is YAML for the list under `indicators:`, written at column 0; it is indented by
    two spaces. The header has 15 lines, then come `extra_facts` (indented by two), then the
    `indicators:` line: with no extra facts, the first indicator's line is line 17.
    """
    facts = textwrap.indent(textwrap.dedent(extra_facts).lstrip("\n"), "  ") if extra_facts else ""
    body = textwrap.indent(textwrap.dedent(indicators).lstrip("\n"), "  ")
    return HEADER.format(total=total) + facts + "indicators:\n" + body


def diagnostics(text: str) -> list[rubric.Diagnostic]:
    return rubric.check_rubric(text, name="t.yaml")


def errors(text: str) -> list[str]:
    """Each error as `line:col code message`, the form the tests compare against."""
    return [
        f"{d.location.line}:{d.location.column} {d.code} {d.message}"
        for d in diagnostics(text)
        if d.is_error and d.location
    ]


def warnings(text: str) -> list[str]:
    return [
        f"{d.location.line}:{d.location.column} {d.code} {d.message}"
        for d in diagnostics(text)
        if not d.is_error and d.location
    ]


@pytest.fixture(scope="session")
def rubric_2023() -> rubric.Rubric:
    return rubric.load(RUBRIC_2023)


def project_schema(name: str) -> Any:
    """A validator for one of the project's schemas in schemas/ (NAME.schema.json)."""
    schema = json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
