"""Stage 3: the rubric as frozen dataclasses, built from a schema-validated document.

The model holds what the author wrote, typed and placed, and nothing computed: expressions are
still text here (the checker parses them). Building is tolerant of parts the schema refused, so
that the checker can still report the mistakes of every other part in the same run; such parts
are left out (a fact with no usable type becomes `kinds=()`, an indicator with a broken rule gets
`intact=False`), and a model with them is never returned to a caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, Union

from .errors import Location
from .source import Document, Path


@dataclass(frozen=True, slots=True)
class Text:
    """A text in the rubric's language (Chinese), with an optional English translation."""

    zh: str
    en: str | None = None

    def __str__(self) -> str:
        return self.zh

    def in_language(self, lang: str) -> str:
        """The English text when asked for and given, the Chinese otherwise."""
        return self.en if lang == "en" and self.en else self.zh


@dataclass(frozen=True, slots=True)
class Expression:
    text: str
    path: Path
    location: Location


@dataclass(frozen=True, slots=True)
class Template:
    text: Text
    path: Path
    location: Location


@dataclass(frozen=True, slots=True)
class FactCheck:
    """A condition the facts must meet before they are scored (or each record of a list fact).

    Its id names it in the error a department's data gets when the condition does not hold."""

    id: str
    require: Expression
    message: Text
    location: Location


@dataclass(frozen=True, slots=True)
class Fact:
    """A declared fact (or a field of a list fact's records)."""

    id: str
    label: Text | None
    kinds: tuple[str, ...]  # e.g. ("money",), ("ratio", "enum"), ("list",); () when unusable
    location: Location
    path: Path
    unit: str | None = None
    values: tuple[str, ...] = ()
    required: bool = True
    default: Any = None
    has_default: bool = False
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    greater_than: Decimal | None = None
    less_than: Decimal | None = None
    description: Text | None = None
    fields: tuple[Fact, ...] = ()
    min_items: int | None = None
    max_items: int | None = None
    checks: tuple[FactCheck, ...] = ()

    @property
    def is_list(self) -> bool:
        return self.kinds == ("list",)

    @property
    def always_present(self) -> bool:
        return self.required or self.has_default

    def admits(self, value: Decimal) -> bool:
        """Whether a number lies within the declared bounds."""
        return not (
            (self.minimum is not None and value < self.minimum)
            or (self.maximum is not None and value > self.maximum)
            or (self.greater_than is not None and value <= self.greater_than)
            or (self.less_than is not None and value >= self.less_than)
        )


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a ladder or of a stepped value; `when` is None for the closing `otherwise`."""

    when: Expression | None
    then: Expression


@dataclass(frozen=True, slots=True)
class FindingTemplate:
    when: Expression | None
    problem: Template
    improvement: Template
    location: Location


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of the written report, included when `when` holds (always, when it is None)."""

    when: Expression | None
    text: Template


@dataclass(frozen=True, slots=True)
class ReportTexts:
    """What the rubric says in the report beyond scores and findings."""

    title: Template | None = None
    basic: tuple[Sentence, ...] = ()
    conclusion: tuple[Sentence, ...] = ()


@dataclass(frozen=True, slots=True)
class ScoreRule:
    expression: Expression


@dataclass(frozen=True, slots=True)
class LadderRule:
    steps: tuple[Step, ...]
    location: Location


@dataclass(frozen=True, slots=True)
class Deduction:
    when: Expression | None
    per: Expression | None
    points: Expression


@dataclass(frozen=True, slots=True)
class DeductionRule:
    deductions: tuple[Deduction, ...]


@dataclass(frozen=True, slots=True)
class Case:
    value: str
    points: Decimal
    location: Location


@dataclass(frozen=True, slots=True)
class MatchRule:
    fact: str
    fact_location: Location
    cases: tuple[Case, ...]
    location: Location


@dataclass(frozen=True, slots=True)
class ItemsRule:
    over: str
    over_location: Location
    where: Expression | None
    value: Expression | tuple[Step, ...]
    value_location: Location
    weight: Expression | None
    empty: Decimal | Literal["not_applicable"]
    findings: tuple[FindingTemplate, ...]


Rule = Union[ScoreRule, LadderRule, DeductionRule, MatchRule, ItemsRule]


@dataclass(frozen=True, slots=True)
class Indicator:
    id: str
    name: Text
    weight: Decimal
    location: Location
    path: Path
    children: tuple[Indicator, ...] = ()
    rule: Rule | None = None
    lets: tuple[tuple[str, Expression], ...] = ()
    not_applicable: Expression | None = None
    findings: tuple[FindingTemplate, ...] = ()
    description: Text | None = None
    report: tuple[Sentence, ...] = ()
    intact: bool = True

    def walk(self) -> list[Indicator]:
        """This indicator and all below it, in tree order."""
        found = [self]
        for child in self.children:
            found.extend(child.walk())
        return found


@dataclass(frozen=True, slots=True)
class Grade:
    name: Text
    minimum: Decimal
    location: Location


@dataclass(frozen=True, slots=True)
class Rounding:
    places: int = 2
    mode: str = "half_up"


@dataclass(frozen=True)
class RubricModel:
    file: str
    id: str
    title: Text
    version: str
    year: int
    language: str
    total: Decimal
    total_location: Location
    rounding: Rounding
    grades: tuple[Grade, ...]
    facts: tuple[Fact, ...]
    indicators: tuple[Indicator, ...]
    description: Text | None = None
    checks: tuple[FactCheck, ...] = ()
    report: ReportTexts = ReportTexts()
    intact: bool = True

    def all_indicators(self) -> list[Indicator]:
        return [indicator for root in self.indicators for indicator in root.walk()]


def build(document: Document, bad_paths: frozenset[Path]) -> RubricModel:
    """The model of a document that passed the schema, or as much of it as did."""
    return _Builder(document, bad_paths).rubric()


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(value)


def _text(value: Any) -> Text:
    if isinstance(value, dict):
        return Text(value["zh"], value.get("en"))
    return Text(value)


class _Builder:
    def __init__(self, document: Document, bad_paths: frozenset[Path]):
        self.document = document
        self.bad_paths = bad_paths

    def clean(self, path: Path, *, except_under: str | None = None) -> bool:
        """No schema error at or below `path` (optionally not counting those under one key)."""
        size = len(path)
        for bad in self.bad_paths:
            if bad[:size] == path and not (except_under and len(bad) > size and bad[size] == except_under):
                return False
        return True

    def at(self, path: Path) -> Location:
        return self.document.locate(path)

    def get(self, path: Path, key: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
        """A value the schema guarantees when the document is clean, or `default` when it is not."""
        container = self.document.data_at(path) if path else self.document.data
        value = container.get(key, default) if isinstance(container, dict) else default
        return value if isinstance(value, kind) and not (isinstance(value, bool) and bool not in _kinds(kind)) else default

    def expression(self, path: Path) -> Expression:
        """An expression; a number or boolean written as a YAML value (`then: 4`, `when: true`)
        is the expression of that value."""
        value = self.document.data_at(path)
        if isinstance(value, bool):
            value = "True" if value else "False"
        elif isinstance(value, Decimal):
            value = format(value, "f")
        return Expression(str(value), path, self.at(path))

    def optional_expression(self, container: Path, key: str) -> Expression | None:
        if self.get(container, key, (str, int, Decimal, bool)) is None:
            return None
        return self.expression(container + (key,))

    def rubric(self) -> RubricModel:
        data = self.document.data if isinstance(self.document.data, dict) else {}
        root: Path = ()
        facts_data = data.get("facts")
        facts = (
            tuple(self.fact(("facts", name)) for name in facts_data if isinstance(name, str))
            if isinstance(facts_data, dict)
            else ()
        )
        indicators_data = data.get("indicators")
        indicators = (
            tuple(
                indicator
                for index in range(len(indicators_data))
                if (indicator := self.indicator(("indicators", index))) is not None
            )
            if isinstance(indicators_data, list)
            else ()
        )
        grades_data = data.get("grades")
        grades = (
            tuple(
                Grade(_text(item["grade"]), _decimal(item["min"]), self.at(("grades", index)))
                for index, item in enumerate(grades_data)
                if self.clean(("grades", index))
            )
            if isinstance(grades_data, list)
            else ()
        )
        rounding = Rounding()
        if self.clean(("rounding",)) and isinstance(data.get("rounding"), dict):
            rounding = Rounding(data["rounding"].get("places", 2), data["rounding"].get("mode", "half_up"))
        total = self.get(root, "total", (int, Decimal))
        title = data.get("title")
        return RubricModel(
            file=self.document.file,
            id=self.get(root, "id", str, ""),
            title=_text(title) if self.clean(("title",)) and title is not None else Text(""),
            description=_text(data["description"]) if self.clean(("description",)) and "description" in data else None,
            version=self.get(root, "version", str, ""),
            year=self.get(root, "year", int, 0),
            language=self.get(root, "language", str, ""),
            total=_decimal(total) if total is not None else Decimal(-1),
            total_location=self.at(("total",)),
            rounding=rounding,
            grades=grades,
            facts=facts,
            indicators=indicators,
            checks=self.checks(("checks",)) if self.clean(("checks",)) else (),
            report=self.report_texts() if self.clean(("report",)) else ReportTexts(),
            intact=not self.bad_paths,
        )

    def report_texts(self) -> ReportTexts:
        data = self.document.data.get("report") if isinstance(self.document.data, dict) else None
        if not isinstance(data, dict):
            return ReportTexts()
        return ReportTexts(
            title=self.template(("report", "title")) if "title" in data else None,
            basic=self.sentences(("report", "basic")),
            conclusion=self.sentences(("report", "conclusion")),
        )

    def sentences(self, path: Path) -> tuple[Sentence, ...]:
        container = self.document.data_at(path[:-1])
        items = container.get(path[-1], []) if isinstance(container, dict) else []
        found = []
        for index, item in enumerate(items):
            if isinstance(item, dict) and "text" in item:
                found.append(Sentence(self.optional_expression(path + (index,), "when"), self.template(path + (index, "text"))))
            else:
                found.append(Sentence(None, self.template(path + (index,))))
        return tuple(found)

    def checks(self, path: Path) -> tuple[FactCheck, ...]:
        container = self.document.data_at(path[:-1]) if path[:-1] else self.document.data
        items = container.get(path[-1], []) if isinstance(container, dict) else []
        return tuple(
            FactCheck(
                str(self.document.data_at(path + (index, "id"))),
                self.expression(path + (index, "require")),
                _text(self.document.data_at(path + (index, "message"))),
                self.at(path + (index,)),
            )
            for index in range(len(items))
        )

    def fact(self, path: Path) -> Fact:
        declaration = self.document.data_at(path)
        fact_id = path[-1]
        assert isinstance(fact_id, str)
        if not self.clean(path, except_under="fields") or not isinstance(declaration, dict):
            return Fact(fact_id, None, (), self.document.locate_key(path), path)
        kinds = declaration["type"]
        kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
        fields: tuple[Fact, ...] = ()
        if kinds == ("list",) and isinstance(declaration.get("fields"), dict) and self.clean(path + ("fields",)):
            fields = tuple(self.fact(path + ("fields", name)) for name in declaration["fields"])
        bound = {key: _decimal(declaration[key]) if key in declaration else None for key in ("min", "max", "greater_than", "less_than")}
        default = declaration.get("default")
        return Fact(
            id=fact_id,
            label=_text(declaration["label"]) if "label" in declaration else None,
            description=_text(declaration["description"]) if "description" in declaration else None,
            kinds=kinds,
            location=self.document.locate_key(path),
            path=path,
            unit=declaration.get("unit"),
            values=tuple(declaration.get("values", ())),
            required=declaration.get("required", "default" not in declaration),
            default=default,
            has_default="default" in declaration,
            minimum=bound["min"],
            maximum=bound["max"],
            greater_than=bound["greater_than"],
            less_than=bound["less_than"],
            fields=fields,
            min_items=declaration.get("min_items"),
            max_items=declaration.get("max_items"),
            checks=self.checks(path + ("checks",)),
        )

    def indicator(self, path: Path) -> Indicator | None:
        data = self.document.data_at(path)
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            return None
        weight = self.get(path, "weight", (int, Decimal))
        children_data = data.get("children")
        children = (
            tuple(
                child
                for index in range(len(children_data))
                if (child := self.indicator(path + ("children", index))) is not None
            )
            if isinstance(children_data, list)
            else ()
        )
        intact = self.clean(path, except_under="children")
        name = data.get("name")
        return Indicator(
            id=data["id"],
            name=_text(name) if self.clean(path + ("name",)) and name is not None else Text(data["id"]),
            description=_text(data["description"]) if intact and "description" in data else None,
            weight=_decimal(weight) if weight is not None else Decimal(-1),
            location=self.at(path),
            path=path,
            children=children,
            rule=self.rule(path, data) if intact else None,
            lets=tuple((name, self.expression(path + ("let", name))) for name in data.get("let", {})) if intact else (),
            not_applicable=self.optional_expression(path, "not_applicable") if intact else None,
            findings=self.findings(path + ("findings",)) if intact else (),
            report=self.sentences(path + ("report",)) if intact else (),
            intact=intact and weight is not None,
        )

    def findings(self, path: Path) -> tuple[FindingTemplate, ...]:
        items = self.document.data_at(path[:-1]).get(path[-1], [])
        return tuple(
            FindingTemplate(
                when=self.optional_expression(path + (index,), "when"),
                problem=self.template(path + (index, "problem")),
                improvement=self.template(path + (index, "improvement")),
                location=self.at(path + (index,)),
            )
            for index in range(len(items))
        )

    def template(self, path: Path) -> Template:
        return Template(_text(self.document.data_at(path)), path, self.at(path))

    def steps(self, path: Path) -> tuple[Step, ...]:
        steps = []
        for index, step in enumerate(self.document.data_at(path)):
            if "otherwise" in step:
                steps.append(Step(None, self.expression(path + (index, "otherwise"))))
            else:
                steps.append(Step(self.expression(path + (index, "when")), self.expression(path + (index, "then"))))
        return tuple(steps)

    def rule(self, path: Path, data: dict[str, Any]) -> Rule | None:
        if "score" in data:
            return ScoreRule(self.expression(path + ("score",)))
        if "ladder" in data:
            return LadderRule(self.steps(path + ("ladder",)), self.at(path + ("ladder",)))
        if "deductions" in data:
            return DeductionRule(
                tuple(
                    Deduction(
                        when=self.optional_expression(path + ("deductions", index), "when"),
                        per=self.optional_expression(path + ("deductions", index), "per"),
                        points=self.expression(path + ("deductions", index, "points")),
                    )
                    for index in range(len(data["deductions"]))
                )
            )
        if "match" in data:
            cases = tuple(
                Case(value, _decimal(points), self.document.locate_key(path + ("cases", value)))
                for value, points in data["cases"].items()
            )
            return MatchRule(data["match"], self.at(path + ("match",)), cases, self.at(path + ("cases",)))
        if "items" in data:
            items_path = path + ("items",)
            items = data["items"]
            value = items["value"]
            empty = items["empty"]
            return ItemsRule(
                over=items["over"],
                over_location=self.at(items_path + ("over",)),
                where=self.optional_expression(items_path, "where"),
                value=self.steps(items_path + ("value",)) if isinstance(value, list) else self.expression(items_path + ("value",)),
                value_location=self.at(items_path + ("value",)),
                weight=self.optional_expression(items_path, "weight"),
                empty=empty if empty == "not_applicable" else _decimal(empty),
                findings=self.findings(items_path + ("findings",)),
            )
        return None


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)
