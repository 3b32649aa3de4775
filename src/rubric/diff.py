"""After evaluation: how a new version of a rubric moves real departments' scores.

A rubric author changes a ladder or a weight and needs to know, before publishing, whom it
helps and whom it costs. This stage compares two loaded rubrics declaration by declaration
(what the author wrote, wherever in which file it stands), then scores each department's facts
with both and keeps only what moved. A department one side refuses is part of the answer (the
new rubric may require facts the old did not know), not a failure of the comparison.

Every number stays an exact `Decimal`; the same inputs always give the same text and JSON.
"""

from __future__ import annotations

import decimal
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass, replace
from decimal import Decimal
from typing import Any, Generic, Literal, TypeVar, Union

from .api import Rubric
from .errors import Location
from .evaluate import Evaluation, EvaluationError, IndicatorResult
from .facts import Facts, FactsError, load_facts
from .model import Fact, FactCheck, Grade, Indicator, ItemsRule, ReportTexts, Rounding, Sentence, Text
from .render import diagnostic_json, json_text, pick, points, text_width

Aspect = Literal["weight", "rule", "text", "moved"]
Outcome = Union[Evaluation, FactsError, EvaluationError]
D = TypeVar("D", Fact, FactCheck)

# The header keys compared; id and version name the two rubrics and are shown with them.
HEADER_FIELDS = ("title", "description", "year", "language", "total", "rounding", "grades", "report")

# Subtraction in the caller's decimal context could round; a delta must not.
_EXACT = decimal.Context(prec=decimal.MAX_PREC)


@dataclass(frozen=True)
class HeaderChange:
    field: str  # one of HEADER_FIELDS
    old: Any
    new: Any


@dataclass(frozen=True)
class Declarations(Generic[D]):
    """Facts or checks, matched by id: on one side only, or on both but written differently
    (`changed` holds the new declarations)."""

    added: tuple[D, ...] = ()
    removed: tuple[D, ...] = ()
    changed: tuple[D, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@dataclass(frozen=True)
class Placement:
    parent: str | None
    weight: Decimal


@dataclass(frozen=True)
class IndicatorChange:
    id: str
    name: Text  # the new rubric's, unless the indicator was removed
    change: Literal["added", "removed", "changed"]
    aspects: tuple[Aspect, ...]  # what changed, in the order of `Aspect`; () when added or removed
    old: Placement | None
    new: Placement | None


@dataclass(frozen=True)
class RubricChanges:
    header: tuple[HeaderChange, ...]
    facts: Declarations[Fact]
    checks: Declarations[FactCheck]
    indicators: tuple[IndicatorChange, ...]  # in tree order, a removed one where it stood

    def __bool__(self) -> bool:
        return bool(self.header or self.facts or self.checks or self.indicators)


@dataclass(frozen=True)
class ScoreChange:
    """One indicator whose score, points available or status differs for a department."""

    id: str
    name: Text
    old: IndicatorResult | None  # None: the old rubric has no such indicator
    new: IndicatorResult | None

    @property
    def delta(self) -> Decimal | None:
        return None if self.old is None or self.new is None else _EXACT.subtract(self.new.score, self.old.score)


@dataclass(frozen=True)
class FactsComparison:
    """One department scored by both rubrics; either side may have refused it instead."""

    name: str
    old: Outcome
    new: Outcome
    indicators: tuple[ScoreChange, ...]  # empty unless both sides scored

    @property
    def delta(self) -> Decimal | None:
        if isinstance(self.old, Evaluation) and isinstance(self.new, Evaluation):
            return _EXACT.subtract(self.new.total, self.old.total)
        return None


@dataclass(frozen=True)
class Diff:
    old: Rubric
    new: Rubric
    changes: RubricChanges
    facts: tuple[FactsComparison, ...]

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        """Plain data for JSON, numbers as exact `Decimal` (write it with `rubric.render.json_text`)."""
        return {
            "old": _identity(self.old, lang),
            "new": _identity(self.new, lang),
            "changes": {
                "header": [
                    {"field": change.field, "old": _plain(change.old, lang), "new": _plain(change.new, lang)}
                    for change in self.changes.header
                ],
                "facts": _declarations(self.changes.facts),
                "checks": _declarations(self.changes.checks),
                "indicators": [
                    {
                        "id": change.id,
                        "name": pick(change.name, lang),
                        "change": change.change,
                        "aspects": list(change.aspects),
                        "old": _placement(change.old),
                        "new": _placement(change.new),
                    }
                    for change in self.changes.indicators
                ],
            },
            "facts": [
                {
                    "file": comparison.name,
                    "old": _outcome(comparison.old, lang),
                    "new": _outcome(comparison.new, lang),
                    "delta": comparison.delta,
                    "indicators": [
                        {
                            "id": change.id,
                            "name": pick(change.name, lang),
                            "old": _result(change.old),
                            "new": _result(change.new),
                            "delta": change.delta,
                        }
                        for change in comparison.indicators
                    ],
                }
                for comparison in self.facts
            ],
        }


def diff(old: Rubric, new: Rubric, facts: Iterable[str | os.PathLike[str] | Facts | Mapping[str, Any]] = ()) -> Diff:
    """The rubric's changes, and each department's scores moved by them, in the order given.

    A path is read with `load_facts`; a file that cannot be read as facts is refused by both sides.
    """
    compared = []
    for item in facts:
        if isinstance(item, (str, os.PathLike)):
            name = os.fspath(item)
            try:
                item = load_facts(name, limits=old.limits)
            except FactsError as failure:
                compared.append(FactsComparison(name, failure, failure, ()))
                continue
        compared.append(compare(old, new, item))
    return Diff(old, new, rubric_changes(old, new), tuple(compared))


def compare(old: Rubric, new: Rubric, facts: Facts | Mapping[str, Any], name: str | None = None) -> FactsComparison:
    """One department's facts scored by both rubrics, with what moved."""
    label = name or (facts.name if isinstance(facts, Facts) else "<facts>")
    before, after = _score(old, facts), _score(new, facts)
    moved: tuple[ScoreChange, ...] = ()
    if isinstance(before, Evaluation) and isinstance(after, Evaluation):
        moved = _moved(before, after)
    return FactsComparison(label, before, after, moved)


def rubric_changes(old: Rubric, new: Rubric) -> RubricChanges:
    """What differs between two rubrics as written, source positions aside: a rubric moved to
    another file, or reformatted, has no changes."""
    header = tuple(
        HeaderChange(name, getattr(old.model, name), getattr(new.model, name))
        for name in HEADER_FIELDS
        if _shape(getattr(old.model, name)) != _shape(getattr(new.model, name))
    )
    old_checks = {check.id: check for check in old.model.checks}
    new_checks = {check.id: check for check in new.model.checks}
    return RubricChanges(
        header,
        _matched({fact.id: fact for fact in old.facts}, {fact.id: fact for fact in new.facts}),
        _matched(old_checks, new_checks),
        _indicator_changes(old, new),
    )


def to_json(result: Diff, lang: str = "zh") -> str:
    return json_text(result.to_dict(lang)) + "\n"


# -- comparing declarations ---------------------------------------------------------------------


def _shape(value: object) -> object:
    """What the author wrote, without where: every `Location` and document path left out, so
    that equal declarations compare equal from any file or position."""
    if is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__name__,
            *(
                _shape(getattr(value, part.name))
                for part in fields(value)
                if part.name != "path" and not isinstance(getattr(value, part.name), Location)
            ),
        )
    if isinstance(value, (tuple, list)):
        return tuple(_shape(item) for item in value)
    return value


def _matched(old: dict[str, D], new: dict[str, D]) -> Declarations[D]:
    return Declarations(
        added=tuple(item for key, item in new.items() if key not in old),
        removed=tuple(item for key, item in old.items() if key not in new),
        changed=tuple(item for key, item in new.items() if key in old and _shape(old[key]) != _shape(item)),
    )


def _rule(indicator: Indicator) -> object:
    """How it scores: the rule (an items rule's own findings are text), lets, applicability and,
    for a parent, which children it adds up."""
    rule = indicator.rule
    if isinstance(rule, ItemsRule):
        rule = replace(rule, findings=())
    return _shape((rule, indicator.lets, indicator.not_applicable, tuple(child.id for child in indicator.children)))


def _texts(indicator: Indicator) -> object:
    """What it says: name, description, findings (their conditions too) and report sentences."""
    items = indicator.rule.findings if isinstance(indicator.rule, ItemsRule) else ()
    return _shape((indicator.name, indicator.description, indicator.findings, items, indicator.report))


def _aspects(old: Indicator, new: Indicator, old_parent: str | None, new_parent: str | None) -> tuple[Aspect, ...]:
    found: list[Aspect] = []
    if old.weight != new.weight:
        found.append("weight")
    if _rule(old) != _rule(new):
        found.append("rule")
    if _texts(old) != _texts(new):
        found.append("text")
    if old_parent != new_parent:
        found.append("moved")
    return tuple(found)


def _tree(rubric: Rubric) -> dict[str, tuple[Indicator, str | None]]:
    """Every indicator by id, in tree order, with its parent's id."""
    found: dict[str, tuple[Indicator, str | None]] = {}

    def walk(indicators: tuple[Indicator, ...], parent: str | None) -> None:
        for indicator in indicators:
            found[indicator.id] = (indicator, parent)
            walk(indicator.children, indicator.id)

    walk(rubric.indicators, None)
    return found


def _indicator_changes(old: Rubric, new: Rubric) -> tuple[IndicatorChange, ...]:
    before, after = _tree(old), _tree(new)
    changes = []
    for indicator_id in _merged_order(list(before), list(after)):
        if indicator_id not in before:
            indicator, parent = after[indicator_id]
            changes.append(IndicatorChange(indicator_id, indicator.name, "added", (), None, Placement(parent, indicator.weight)))
        elif indicator_id not in after:
            indicator, parent = before[indicator_id]
            changes.append(IndicatorChange(indicator_id, indicator.name, "removed", (), Placement(parent, indicator.weight), None))
        else:
            (was, old_parent), (now, new_parent) = before[indicator_id], after[indicator_id]
            aspects = _aspects(was, now, old_parent, new_parent)
            if aspects:
                changes.append(
                    IndicatorChange(
                        indicator_id, now.name, "changed", aspects, Placement(old_parent, was.weight), Placement(new_parent, now.weight)
                    )
                )
    return tuple(changes)


def _merged_order(old: list[str], new: list[str]) -> list[str]:
    """The new order, each id only the old side has placed after the one it followed there."""
    kept = set(new)
    following: dict[str | None, list[str]] = {}
    anchor: str | None = None
    for item in old:
        if item in kept:
            anchor = item
        else:
            following.setdefault(anchor, []).append(item)
    order = list(following.get(None, []))
    for item in new:
        order.append(item)
        order.extend(following.get(item, []))
    return order


# -- comparing scores ---------------------------------------------------------------------------


def _score(rubric: Rubric, facts: Facts | Mapping[str, Any]) -> Outcome:
    try:
        return rubric.evaluate(facts, trace=False)
    except (FactsError, EvaluationError) as failure:
        return failure


def _moved(old: Evaluation, new: Evaluation) -> tuple[ScoreChange, ...]:
    before = {result.id: result for result in old.indicators}
    after = {result.id: result for result in new.indicators}
    moved = []
    for indicator_id in _merged_order(list(before), list(after)):
        was, now = before.get(indicator_id), after.get(indicator_id)
        if was is not None and now is not None and _standing(was) == _standing(now):
            continue
        shown = now if now is not None else was
        assert shown is not None
        moved.append(ScoreChange(indicator_id, shown.name, was, now))
    return tuple(moved)


def _standing(result: IndicatorResult) -> tuple[Decimal, Decimal, str]:
    return (result.score, result.effective_weight, result.status)


# -- plain data ---------------------------------------------------------------------------------


def _identity(rubric: Rubric, lang: str) -> dict[str, Any]:
    return {"id": rubric.id, "title": pick(rubric.title, lang), "version": rubric.version, "sha256": rubric.sha256}


def _plain(value: Any, lang: str) -> Any:
    """A header value as JSON data."""
    if isinstance(value, Text):
        return pick(value, lang)
    if isinstance(value, Rounding):
        return {"places": value.places, "mode": value.mode}
    if isinstance(value, ReportTexts):
        return {
            "title": None if value.title is None else pick(value.title.text, lang),
            "basic": [_sentence(sentence, lang) for sentence in value.basic],
            "conclusion": [_sentence(sentence, lang) for sentence in value.conclusion],
        }
    if isinstance(value, tuple):  # the grades
        return [{"grade": pick(grade.name, lang), "min": grade.minimum} for grade in value]
    return value


def _sentence(sentence: Sentence, lang: str) -> dict[str, Any]:
    return {"text": pick(sentence.text.text, lang), "when": None if sentence.when is None else sentence.when.text}


def _declarations(declarations: Declarations[Any]) -> dict[str, list[str]]:
    return {
        "added": [item.id for item in declarations.added],
        "removed": [item.id for item in declarations.removed],
        "changed": [item.id for item in declarations.changed],
    }


def _placement(placement: Placement | None) -> dict[str, Any] | None:
    return None if placement is None else {"parent": placement.parent, "weight": placement.weight}


def _outcome(outcome: Outcome, lang: str) -> dict[str, Any]:
    if isinstance(outcome, Evaluation):
        grade = None if outcome.grade is None else pick(outcome.grade, lang)
        return {"status": "scored", "total": outcome.total, "max": outcome.maximum, "grade": grade}
    status = "rejected" if isinstance(outcome, FactsError) else "failed"
    return {"status": status, "errors": [diagnostic_json(diagnostic) for diagnostic in outcome.diagnostics]}


def _result(result: IndicatorResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {"score": result.score, "effective_weight": result.effective_weight, "status": result.status}


# -- text ---------------------------------------------------------------------------------------

_LABELS = {
    "zh": {
        "rubric": "评分规则的变化",
        "unchanged": "评分规则无变化。",
        "kind": "{change}{kind}",
        "facts": "事实",
        "checks": "核对",
        "indicator": "指标",
        "added": "新增",
        "removed": "删除",
        "changed": "修改",
        "weight": "权重",
        "rule": "评分规则",
        "text": "文字",
        "moved": "上级",
        "top": "顶层",
        "placed": "（{where}，权重 {weight}）",
        "places": "{places} 位小数，{mode}",
        "revised": "已修改",
        "total": "总分",
        "grade": "等级",
        "na": "不适用",
        "absent": "无此指标",
        "still": "各指标得分不变。",
        "old": "旧规则",
        "new": "新规则",
        "rejected": "{side}拒绝了这些事实:",
        "failed": "{side}无法计算:",
        "list": "，",
    },
    "en": {
        "rubric": "Changes to the rubric",
        "unchanged": "The rubric is unchanged.",
        "kind": "{change} {kind}",
        "facts": "facts",
        "checks": "checks",
        "indicator": "indicator",
        "added": "added",
        "removed": "removed",
        "changed": "changed",
        "weight": "weight",
        "rule": "rule",
        "text": "text",
        "moved": "parent",
        "top": "top level",
        "placed": " ({where}, weight {weight})",
        "places": "{places} places, {mode}",
        "revised": "changed",
        "total": "Total",
        "grade": "Grade",
        "na": "not applicable",
        "absent": "no such indicator",
        "still": "No indicator's score changes.",
        "old": "old rubric",
        "new": "new rubric",
        "rejected": "{side} rejects these facts:",
        "failed": "{side} cannot score these facts:",
        "list": ", ",
    },
}

# The header keys by name; in English the key itself says it.
_FIELDS = {
    "title": "标题",
    "description": "说明",
    "year": "年度",
    "language": "语言",
    "total": "总分",
    "rounding": "舍入",
    "grades": "等级",
    "report": "报告文字",
}


def to_text(result: Diff, lang: str = "zh") -> str:
    """For the rubric author and finance staff: the rubric's changes, then one block per
    department; every indicator is named with its id, as `rubric evaluate --format text` does."""
    labels = _LABELS[lang]
    lines = [f"{result.old.id} {result.old.version} → {result.new.id} {result.new.version}", "", labels["rubric"]]
    changes = result.changes
    if not changes:
        lines.append(f"  {labels['unchanged']}")
    for change in changes.header:
        name = change.field if lang == "en" else f"{_FIELDS[change.field]} {change.field}"
        lines.append(f"  {name}: {_header_text(change, lang)}")
    lines.extend(_declaration_lines(changes.facts, "facts", lang))
    lines.extend(_declaration_lines(changes.checks, "checks", lang))
    lines.extend(_indicator_line(change, lang) for change in changes.indicators)
    for comparison in result.facts:
        lines += ["", comparison.name, *_comparison_lines(comparison, lang)]
    return "\n".join(lines) + "\n"


def _header_text(change: HeaderChange, lang: str) -> str:
    if change.field == "report":
        return _LABELS[lang]["revised"]
    return f"{_value_text(change.old, lang)} → {_value_text(change.new, lang)}"


def _value_text(value: Any, lang: str) -> str:
    labels = _LABELS[lang]
    if value is None or isinstance(value, Text):
        return pick(value, lang)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Rounding):
        return labels["places"].format(places=value.places, mode=value.mode)
    if isinstance(value, tuple):  # the grades
        return labels["list"].join(_grade_text(grade, lang) for grade in value)
    return str(value)


def _grade_text(grade: Grade, lang: str) -> str:
    return f"{pick(grade.name, lang)} ≥ {format(grade.minimum, 'f')}"


def _declaration_lines(declarations: Declarations[Any], kind: str, lang: str) -> list[str]:
    labels = _LABELS[lang]
    lines = []
    for change in ("added", "removed", "changed"):
        items = getattr(declarations, change)
        if items:
            head = labels["kind"].format(change=labels[change], kind=labels[kind])
            lines.append(f"  {head}: {labels['list'].join(_declaration_name(item, lang) for item in items)}")
    return lines


def _declaration_name(item: Fact | FactCheck, lang: str) -> str:
    if isinstance(item, Fact) and item.label is not None:
        return f"{pick(item.label, lang)} {item.id}"
    return item.id


def _indicator_line(change: IndicatorChange, lang: str) -> str:
    labels = _LABELS[lang]
    head = "  " + labels["kind"].format(change=labels[change.change], kind=labels["indicator"])
    head += f" {pick(change.name, lang)} {change.id}"
    old, new = change.old, change.new
    if old is None or new is None:
        placement = new or old
        assert placement is not None
        where = labels["top"] if placement.parent is None else f"{labels['moved']} {placement.parent}"
        return head + labels["placed"].format(where=where, weight=format(placement.weight, "f"))
    parts = []
    for aspect in change.aspects:
        if aspect == "weight":
            parts.append(f"{labels['weight']} {format(old.weight, 'f')} → {format(new.weight, 'f')}")
        elif aspect == "moved":
            parts.append(f"{labels['moved']} {old.parent or labels['top']} → {new.parent or labels['top']}")
        else:
            parts.append(labels[aspect])
    return f"{head}: {labels['list'].join(parts)}"


def _comparison_lines(comparison: FactsComparison, lang: str) -> list[str]:
    labels = _LABELS[lang]
    old, new, delta = comparison.old, comparison.new, comparison.delta
    if not isinstance(old, Evaluation) or not isinstance(new, Evaluation) or delta is None:
        return [*_side_lines(old, labels["old"], lang), *_side_lines(new, labels["new"], lang)]
    lines = [
        f"  {labels['total']} {format(old.total, 'f')} → {format(new.total, 'f')} ({_signed(delta)})    "
        f"{labels['grade']} {pick(old.grade, lang)} → {pick(new.grade, lang)}"
    ]
    if not comparison.indicators:
        return [*lines, f"  {labels['still']}"]
    rows = [
        (
            f"{pick(change.name, lang)} {change.id}",
            _standing_text(change.old, lang),
            _standing_text(change.new, lang),
            "" if change.delta is None else _signed(change.delta),
        )
        for change in comparison.indicators
    ]
    widths = [max(text_width(row[column]) for row in rows) for column in range(3)]
    for name, before, after, moved in rows:
        line = f"  {_padded(name, widths[0] + 2)}{_padded(before, widths[1])} → {_padded(after, widths[2])}  {moved}"
        lines.append(line.rstrip())
    return lines


def _side_lines(outcome: Outcome, side: str, lang: str) -> list[str]:
    labels = _LABELS[lang]
    if isinstance(outcome, Evaluation):
        return [
            f"  {side}: {labels['total']} {format(outcome.total, 'f')} / {points(outcome.maximum)}    "
            f"{labels['grade']} {pick(outcome.grade, lang)}"
        ]
    reason = labels["rejected"] if isinstance(outcome, FactsError) else labels["failed"]
    return [f"  {reason.format(side=side)}", *(f"    {diagnostic}" for diagnostic in outcome.diagnostics)]


def _standing_text(result: IndicatorResult | None, lang: str) -> str:
    labels = _LABELS[lang]
    if result is None:
        return labels["absent"]
    if result.status == "not_applicable":
        return labels["na"]
    return f"{format(result.score, 'f')} / {points(result.effective_weight)}"


def _padded(text: str, width: int) -> str:
    return text + " " * (width - text_width(text))


def _signed(delta: Decimal) -> str:
    """A change with its sign, `+0.50` or `-1.00`; no change is `0`, whatever its places."""
    return "0" if delta == 0 else format(delta, "+f")
