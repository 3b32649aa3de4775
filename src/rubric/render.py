"""Stage 8: write results for people and for programs.

JSON is written by hand so that every `Decimal` comes out as a JSON number with exactly its
digits (the standard library would need floats), and so that the same evaluation always gives
the same bytes.
"""

from __future__ import annotations

import json
import unicodedata
from decimal import Decimal
from typing import Any

from .errors import Diagnostic
from .evaluate import Evaluation, IndicatorResult
from .language import format_value
from .model import Text


def json_text(value: Any, indent: int = 2, _level: int = 0) -> str:
    """JSON for plain data whose numbers may be `Decimal`; keys keep their order."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} has no JSON form")
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    pad = " " * (indent * (_level + 1))
    end = " " * (indent * _level)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{pad}{json.dumps(str(key), ensure_ascii=False)}: {json_text(item, indent, _level + 1)}" for key, item in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + end + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(f"{pad}{json_text(item, indent, _level + 1)}" for item in value) + "\n" + end + "]"
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def to_json(evaluation: Evaluation, lang: str = "zh") -> str:
    return json_text(evaluation.to_dict(lang)) + "\n"


def pick(text: Text | None, lang: str) -> str:
    """A text in the language asked for, Chinese when it has no English; a dash for none."""
    return "—" if text is None else text.in_language(lang)


def text_width(text: str) -> int:
    """Columns a text takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def points(value: Decimal) -> str:
    return format_value(value, ".2f")


def diagnostic_json(diagnostic: Diagnostic) -> dict[str, object]:
    """A diagnostic as the JSON outputs write it (`rubric check`, rejects, `rubric diff`)."""
    location = diagnostic.location
    return {
        "severity": diagnostic.severity,
        "code": diagnostic.code,
        "message": diagnostic.message,
        "hint": diagnostic.hint,
        "file": location.file if location else None,
        "line": location.line if location else None,
        "column": location.column if location else None,
    }


_LABELS = {
    "zh": {
        "total": "总分",
        "grade": "等级",
        "na": "不适用",
        "findings": "存在问题与改进方向",
        "none": "无扣分项，无存在问题。",
        "problem": "问题",
        "improvement": "改进",
        "lost": "扣分",
        "note": "不扣分",
    },
    "en": {
        "total": "Total",
        "grade": "Grade",
        "na": "not applicable",
        "findings": "Problems and improvements",
        "none": "No points lost and no problems.",
        "problem": "Problem",
        "improvement": "Improvement",
        "lost": "lost",
        "note": "no deduction",
    },
}


def to_text(evaluation: Evaluation, lang: str = "zh") -> str:
    """A readable tree of scores, then the findings."""
    labels = _LABELS[lang]
    lines = [
        f"{pick(evaluation.rubric_title, lang)} ({evaluation.rubric_id} {evaluation.rubric_version})",
        f"{labels['total']} {points(evaluation.total)} / {points(evaluation.maximum)}    "
        f"{labels['grade']} {pick(evaluation.grade, lang)}",
        "",
    ]
    rows = []
    for result in evaluation.indicators:
        label = "  " * result.depth + f"{pick(result.name, lang)} {result.id}"
        if result.status == "not_applicable":
            value = labels["na"]
        else:
            value = f"{points(result.score)} / {points(result.effective_weight)}"
        rows.append((label, value))
    column = max(text_width(label) for label, _ in rows) + 2
    lines.extend(label + " " * (column - text_width(label)) + value for label, value in rows)
    lines += ["", labels["findings"]]
    if not evaluation.findings:
        lines.append(labels["none"])
    for number, finding in enumerate(evaluation.findings, start=1):
        cost = f"{labels['lost']} {points(finding.points_lost)}" if finding.severity == "deduction" else labels["note"]
        lines.append(f"{number}. {pick(finding.name, lang)} ({finding.indicator}, {cost})")
        lines.append(f"   {labels['problem']}: {pick(finding.problem, lang)}")
        lines.append(f"   {labels['improvement']}: {pick(finding.improvement, lang)}")
    return "\n".join(lines) + "\n"


def explain(evaluation: Evaluation, result: IndicatorResult, lang: str = "zh") -> str:
    """How one indicator's score was reached, step by step."""
    lines = [f"{pick(result.name, lang)} ({result.id})"]
    if result.parent:
        lines.append(f"  parent: {result.parent}")
    lines.append(f"  weight {result.weight}, effective weight {result.effective_weight}")
    lines.append(f"  status: {result.status}")
    if result.trace.reads:
        lines.append("  read:")
        lines.extend(f"    {name} = {_show(value)}" for name, value in result.trace.reads)
    if result.trace.lets:
        lines.append("  computed:")
        lines.extend(f"    {name} = {_show(value)}" for name, value in result.trace.lets)
    if result.trace.steps:
        lines.append("  steps:")
        lines.extend(f"    {step}" for step in result.trace.steps)
    lines.append(f"  score: {points(result.score)}")
    findings = [finding for finding in evaluation.findings if finding.indicator == result.id]
    for finding in findings:
        lines.append(f"  finding ({finding.severity}, {points(finding.points_lost)}): {pick(finding.problem, lang)}")
    return "\n".join(lines) + "\n"


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, tuple):
        return f"{len(value)} items"
    return str(value)
