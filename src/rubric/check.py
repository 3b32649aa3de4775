"""Stage 4: check the whole model before anything is evaluated.

Like CEL's checker, this stage parses every expression once, allows only the syntax of the
rubric language (an allow-list, not simpleeval's block-list), resolves every name against the
declared facts, lets and indicators, infers types, and finds what can be known without facts:
unknown names (with a suggestion), type mismatches, cycles, weights that do not add up,
ladder steps that can never be reached, facts never used. Every problem is collected; each one
points at the offending token inside its expression, placed in the YAML file.
"""

from __future__ import annotations

import ast
import difflib
import io
import keyword
import re
import string
import tokenize
import unicodedata
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from . import language
from .errors import Diagnostic, Location, error, warning
from .language import ANY, BOOLEAN, FUNCTIONS, LIST, NUMBER, TEXT, Type
from .limits import DEFAULT_LIMITS, Limits
from .model import (
    DeductionRule,
    Expression,
    Fact,
    FactCheck,
    FindingTemplate,
    Indicator,
    ItemsRule,
    LadderRule,
    MatchRule,
    RubricModel,
    ScoreRule,
    Sentence,
    Step,
    Template,
)
from .source import Document, Path, yaml11_reading

NUMERIC_KINDS = frozenset({"integer", "number", "money", "ratio"})
MONEY_UNITS = ("元", "万元", "亿元")
# A name as written: ASCII name characters and any character outside ASCII (which Python may
# read as a name character, or normalise into one).
_NAME_RUN = re.compile(r"(?:[A-Za-z0-9_]|[^\x00-\x7f])+")
_FORMAT_SPEC = re.compile(rf"^(?:\.[0-{language.MAX_FORMAT_PLACES}][f%])?\Z")
_RESERVED_FIELDS = frozenset({"True", "False", "None", "true", "false", "value", language.SCORE_OF})
_PLAIN_DECIMAL = re.compile(r"^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\Z")

_FORBIDDEN_SYNTAX = {
    ast.Attribute: "attribute access (a.b)",
    ast.Subscript: "indexing (a[b])",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.JoinedStr: "f-strings",
    ast.FormattedValue: "f-strings",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Dict: "dicts",
    ast.Set: "sets",
    ast.NamedExpr: "assignment (:=)",
    ast.Starred: "unpacking (*)",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "slices",
}
_OPERATOR_SYMBOLS = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.MatMult: "@",
    ast.Invert: "~",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
}
_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div)
_ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_EQUALITY = (ast.Eq, ast.NotEq)


@dataclass(frozen=True)
class Binding:
    """What a name stands for in one expression's scope."""

    type: Type
    origin: str  # "fact", "let", "field", "computed", "later_let", "optional_fact", "optional_field"


@dataclass(frozen=True)
class CheckedExpression:
    """An expression that passed every check: its syntax tree (parsed once, here) and its type."""

    expression: Expression
    tree: ast.Expression
    source: str  # the text that was parsed: line breaks as spaces, surrounding blanks removed
    type: Type
    names: frozenset[str]  # facts, lets and fields read
    scores: frozenset[str]  # indicators whose scores are read with score_of()
    name_types: tuple[tuple[str, Type], ...] = ()  # each name read and its type, sorted: what the compiler relies on


@dataclass(frozen=True)
class Placeholder:
    name: str
    spec: str


@dataclass(frozen=True)
class CheckedTemplate:
    """A template split into literal text and placeholders, for Chinese and English texts."""

    zh: tuple[str | Placeholder, ...]
    en: tuple[str | Placeholder, ...] | None


@dataclass
class CheckResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    expressions: dict[Path, CheckedExpression] = field(default_factory=dict)
    templates: dict[Path, CheckedTemplate] = field(default_factory=dict)
    scores_read: dict[str, frozenset[str]] = field(default_factory=dict)  # indicator id -> scores its rule and lets read
    dependencies: dict[str, frozenset[str]] = field(default_factory=dict)  # the same, and its children

    @property
    def ok(self) -> bool:
        return not any(diagnostic.is_error for diagnostic in self.diagnostics)


def check(model: RubricModel, document: Document, limits: Limits = DEFAULT_LIMITS) -> CheckResult:
    return _Checker(model, document, limits).run()


def fact_type(fact: Fact) -> Type:
    if not fact.kinds or len(fact.kinds) > 1:
        return ANY
    kind = fact.kinds[0]
    if kind in NUMERIC_KINDS:
        return NUMBER
    if kind == "boolean":
        return BOOLEAN
    if kind == "enum":
        return Type("text", fact.values)
    return LIST if kind == "list" else TEXT


def _suggest(name: str, candidates: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


class _Checker:
    def __init__(self, model: RubricModel, document: Document, limits: Limits):
        self.model = model
        self.document = document
        self.limits = limits
        self.result = CheckResult()
        self.used_names: set[str] = set()
        self.facts = {fact.id: fact for fact in model.facts}
        self.indicators: dict[str, Indicator] = {}
        self.current_reads: set[str] = set()  # names read by the indicator being checked

    # -- reporting -------------------------------------------------------------------------

    def error(self, code: str, message: str, location: Location, hint: str | None = None) -> None:
        self.result.diagnostics.append(error(code, message, location, hint))

    def warn(self, code: str, message: str, location: Location, hint: str | None = None) -> None:
        self.result.diagnostics.append(warning(code, message, location, hint))

    # -- the whole rubric -------------------------------------------------------------------

    def run(self) -> CheckResult:
        self.check_facts()
        self.collect_indicators()
        base = self.base_scope()
        self.check_fact_checks()
        self.check_report(base)
        for indicator in self.model.all_indicators():
            self.check_indicator(indicator, base)
        self.check_weights()
        self.check_grades()
        self.check_cycles()
        self.check_unused()
        self.result.diagnostics.sort(
            key=lambda d: (d.location.file, d.location.line, d.location.column) if d.location else ("", 0, 0)
        )
        return self.result

    def check_name(self, name: str, what: str, location: Location) -> bool:
        if keyword.iskeyword(name) or name in language.RESERVED_NAMES or name in FUNCTIONS:
            self.error(
                "name.reserved",
                f"{what} {name!r} uses a reserved name",
                location,
                "reserved: Python keywords, True, False, None, true, false, score, weight, lost, value, total, maximum, grade, "
                "score_of and the function names",
            )
            return False
        return True

    def check_facts(self) -> None:
        for fact in self.model.facts:
            self.check_name(fact.id, "fact", fact.location)
            self.check_declaration(fact, "fact")
            for item_field in fact.fields:
                self.check_declaration(item_field, f"field of {fact.id!r}:")
                if item_field.id in _RESERVED_FIELDS or keyword.iskeyword(item_field.id) or item_field.id in FUNCTIONS:
                    self.error(
                        "name.reserved",
                        f"field {item_field.id!r} of {fact.id!r} uses a reserved name",
                        item_field.location,
                        "reserved for fields: Python keywords, True, False, None, true, false, value, score_of "
                        "and the function names",
                    )
            if fact.min_items is not None and fact.max_items is not None and fact.min_items > fact.max_items:
                self.error("fact.bounds", f"fact {fact.id!r}: min_items is above max_items", fact.location)

    def check_declaration(self, fact: Fact, what: str) -> None:
        if not fact.kinds:
            return
        where = f"{what} {fact.id!r}"
        kinds = set(fact.kinds)
        if "enum" in kinds and not fact.values:
            self.error("fact.values", f"{where} is an enum but lists no values", fact.location, "add values: [...]")
        if fact.values and "enum" not in kinds:
            self.error("fact.values", f"{where} lists values but is not an enum", fact.location, "use type: enum")
        if "money" in kinds and fact.unit not in MONEY_UNITS:
            found = f"unit {fact.unit!r}" if fact.unit else "no unit"
            self.error("fact.unit", f"{where} is money with {found}", fact.location, "money takes unit 元, 万元 or 亿元")
        has_bounds = any(b is not None for b in (fact.minimum, fact.maximum, fact.greater_than, fact.less_than))
        if has_bounds and not kinds & NUMERIC_KINDS:
            self.error("fact.bounds", f"{where}: min/max only apply to numbers", fact.location)
        if fact.minimum is not None and fact.greater_than is not None:
            self.error("fact.bounds", f"{where} has both min and greater_than", fact.location, "keep one lower bound")
        if fact.maximum is not None and fact.less_than is not None:
            self.error("fact.bounds", f"{where} has both max and less_than", fact.location, "keep one upper bound")
        low = fact.minimum if fact.minimum is not None else fact.greater_than
        high = fact.maximum if fact.maximum is not None else fact.less_than
        inclusive = fact.minimum is not None and fact.maximum is not None
        if low is not None and high is not None and (low > high or (low == high and not inclusive)):
            self.error("fact.bounds", f"{where}: no value lies between {low} and {high}", fact.location)
        if fact.has_default:
            if fact.required:
                self.error(
                    "fact.default",
                    f"{where} is required and has a default",
                    fact.location,
                    "a fact with a default is optional: remove required: true",
                )
            if self.default_fits(fact) and not _within_bounds(fact, fact.default):
                self.error("fact.default", f"{where}: the default {_show_value(fact.default)} is out of its bounds", fact.location)
            if not self.default_fits(fact):
                surprise = yaml11_reading(fact.default) if isinstance(fact.default, str) else None
                self.error(
                    "fact.default",
                    f"{where}: the default {_show_value(fact.default)} does not fit type {', '.join(fact.kinds)}",
                    self.document.locate(fact.path + ("default",)),
                    f"YAML 1.1 would read {fact.default!r} as {surprise}; this format does not: write true or false" if surprise else None,
                )

    @staticmethod
    def default_fits(fact: Fact) -> bool:
        value = fact.default
        for kind in fact.kinds:
            if kind == "boolean" and isinstance(value, bool):
                return True
            if kind in NUMERIC_KINDS and isinstance(value, (int, Decimal)) and not isinstance(value, bool):
                return kind != "integer" or value == int(value)
            if kind == "text" and isinstance(value, str):
                return True
            if kind == "enum" and value in fact.values:
                return True
        return False

    def in_merge_order(self, location: Location) -> tuple[int, int, int]:
        """Where a declaration stands: a base's before the rubric derived from it, then by line.
        Of two declarations with one name, the later is the one reported."""
        files = self.document.files
        return (files.index(location.file) if location.file in files else len(files), location.line, location.column)

    def collect_indicators(self) -> None:
        for indicator in sorted(self.model.all_indicators(), key=lambda indicator: self.in_merge_order(indicator.location)):
            if not self.check_name(indicator.id, "indicator", indicator.location):
                continue
            if indicator.id in self.indicators:
                first = self.indicators[indicator.id].location
                self.error(
                    "indicator.duplicate_id",
                    f"indicator id {indicator.id!r} is used twice (first at {_place(first, indicator.location)})",
                    self.document.locate(indicator.path + ("id",)),
                    "ids are unique in a rubric",
                )
                continue
            self.indicators[indicator.id] = indicator

    def check_fact_checks(self) -> None:
        """Checks read facts (optional ones too: a check waits until they are given). Their ids are
        unique across the rubric, top-level and per record alike, since an error names the check by id."""
        every_fact = {fact.id: Binding(fact_type(fact), "fact") for fact in self.model.facts}
        seen: dict[str, FactCheck] = {}
        scoped = [(check, every_fact) for check in self.model.checks] + [
            (check, {**every_fact, **{field.id: Binding(fact_type(field), "field") for field in fact.fields}})
            for fact in self.model.facts
            for check in fact.checks
        ]
        for check, scope in sorted(scoped, key=lambda pair: self.in_merge_order(pair[0].location)):
            if check.id in seen:
                self.error(
                    "check.duplicate_id",
                    f"check id {check.id!r} is used twice (first at {_place(seen[check.id].location, check.location)})",
                    check.location,
                    "each check has its own id, which names it when a department's data fails it",
                )
            seen.setdefault(check.id, check)
            self.expression(check.require, scope, BOOLEAN, reads_scores=False)

    def base_scope(self) -> dict[str, Binding]:
        scope = {
            fact.id: Binding(fact_type(fact), "fact" if fact.always_present else "optional_fact")
            for fact in self.model.facts
        }
        return scope

    # -- indicators and their rules ----------------------------------------------------------

    def check_indicator(self, indicator: Indicator, base: dict[str, Binding]) -> None:
        reads: set[str] = set()
        self.current_reads = set()
        if indicator.not_applicable is not None:
            self.expression(indicator.not_applicable, base, BOOLEAN, reads_scores=False)
        scope = dict(base)
        lets = indicator.lets
        for name, _ in lets:
            scope[name] = Binding(ANY, "later_let")
        for name, expression in lets:
            location = self.document.locate_key(expression.path)
            if self.check_name(name, "let", location) and name in self.facts:
                self.error("let.shadows", f"let {name!r} has the name of a fact", location, "choose another name")
            checked = self.expression(expression, scope, None)
            scope[name] = Binding(checked.type if checked else ANY, "let")
            if checked:
                reads |= checked.scores
        if indicator.rule is not None:
            reads |= self.rule(indicator, scope)
        computed = dict(scope)
        computed.update({name: Binding(NUMBER, "computed") for name in ("score", "weight", "lost")})
        for finding in indicator.findings:
            self.finding(finding, computed)
        self.sentences(indicator.report, computed)
        self.result.scores_read[indicator.id] = frozenset(reads)
        self.result.dependencies[indicator.id] = frozenset(reads) | frozenset(child.id for child in indicator.children)
        for name, expression in lets:
            if name not in self.current_reads:
                self.warn("let.unused", f"let {name!r} of {indicator.id!r} is never used", self.document.locate_key(expression.path))

    def sentences(self, sentences: tuple[Sentence, ...], scope: dict[str, Binding], reads_scores: bool = True) -> None:
        """Report sentences may read optional facts: a sentence whose fact was not given is left out."""
        lenient = {name: Binding(b.type, "fact") if b.origin == "optional_fact" else b for name, b in scope.items()}
        for sentence in sentences:
            if sentence.when is not None:
                self.expression(sentence.when, lenient, BOOLEAN, reads_scores)
            self.template(sentence.text, lenient)

    def check_report(self, base: dict[str, Binding]) -> None:
        report = self.model.report
        facts_only = {name: Binding(b.type, "fact") for name, b in base.items()}
        if report.title is not None:
            self.template(report.title, facts_only)
        self.sentences(report.basic, facts_only, reads_scores=False)
        # The grade is one of the bands' Chinese names, so `grade == "忧"` is caught as a typo.
        grade_type = Type("text", tuple(band.name.zh for band in self.model.grades))
        with_results = dict(facts_only)
        with_results.update({"total": Binding(NUMBER, "computed"), "maximum": Binding(NUMBER, "computed"), "grade": Binding(grade_type, "computed")})
        self.sentences(report.conclusion, with_results)

    def finding(self, finding: FindingTemplate, scope: dict[str, Binding]) -> None:
        if finding.when is not None:
            self.expression(finding.when, scope, BOOLEAN)
        self.template(finding.problem, scope)
        self.template(finding.improvement, scope)

    def rule(self, indicator: Indicator, scope: dict[str, Binding]) -> set[str]:
        rule = indicator.rule
        reads: set[str] = set()

        def run(expression: Expression | None, expected: Type | None, in_scope: dict[str, Binding] = scope) -> None:
            if expression is not None:
                checked = self.expression(expression, in_scope, expected)
                if checked:
                    reads.update(checked.scores)

        if isinstance(rule, ScoreRule):
            run(rule.expression, NUMBER)
        elif isinstance(rule, LadderRule):
            self.steps(rule.steps, indicator, "ladder", run)
        elif isinstance(rule, DeductionRule):
            for deduction in rule.deductions:
                run(deduction.when, BOOLEAN)
                run(deduction.per, NUMBER)
                run(deduction.points, NUMBER)
        elif isinstance(rule, MatchRule):
            self.match(rule, indicator)
        elif isinstance(rule, ItemsRule):
            item_scope = self.items_scope(rule, scope)
            if rule.where is not None:
                # items are selected before any score or let exists: `where` reads facts and fields
                where_scope = {name: b for name, b in item_scope.items() if b.origin not in ("let", "later_let")}
                self.expression(rule.where, where_scope, BOOLEAN, reads_scores=False)
            if isinstance(rule.value, Expression):
                run(rule.value, NUMBER, item_scope)
            else:
                self.steps(rule.value, indicator, "value", lambda e, t: run(e, t, item_scope))
            run(rule.weight, NUMBER, item_scope)
            finding_scope = dict(item_scope)
            finding_scope["value"] = Binding(NUMBER, "computed")
            for finding in rule.findings:
                self.finding(finding, finding_scope)
        return reads

    def steps(self, steps: tuple[Step, ...], indicator: Indicator, what: str, run) -> None:  # type: ignore[no-untyped-def]
        for position, step in enumerate(steps):
            if step.when is None and position != len(steps) - 1:
                self.error(
                    f"{what}.otherwise_not_last",
                    f"indicator {indicator.id!r}: otherwise must be the last step",
                    step.then.location,
                    "steps after otherwise can never be reached",
                )
            run(step.when, BOOLEAN)
            run(step.then, NUMBER)
        if steps and steps[-1].when is not None:
            self.error(
                f"{what}.no_otherwise",
                f"indicator {indicator.id!r}: the {what} does not say what happens when no step matches",
                steps[-1].when.location,
                "end it with a step `- otherwise: 0` (or the points you mean)",
            )
        self.unreachable_steps(steps, what)

    def unreachable_steps(self, steps: tuple[Step, ...], what: str) -> None:
        """Warn about a step whose condition an earlier step always takes first."""
        seen: list[tuple[Step, tuple[str, str, Decimal, bool] | None]] = []
        for step in steps:
            if step.when is None:
                break
            checked = self.result.expressions.get(step.when.path)
            if checked is None:
                continue
            bound = _bound(checked.tree.body, checked.source)
            for earlier, earlier_bound in seen:
                assert earlier.when is not None
                earlier_checked = self.result.expressions[earlier.when.path]
                always = isinstance(earlier_checked.tree.body, ast.Constant) and earlier_checked.tree.body.value is True
                if always or (bound and earlier_bound and _covers(earlier_bound, bound)):
                    self.warn(
                        f"{what}.unreachable",
                        f"step `{checked.source}` can never be reached: "
                        f"`{earlier_checked.source}` (line {earlier.when.location.line}) comes first and takes every such value",
                        step.when.location,
                        "order the steps from the strictest condition to the loosest",
                    )
                    break
            seen.append((step, bound))

    def match(self, rule: MatchRule, indicator: Indicator) -> None:
        fact = self.facts.get(rule.fact)
        self.used_names.add(rule.fact)
        if fact is None:
            self.error(
                "name.unknown_fact",
                f"indicator {indicator.id!r} matches on unknown fact {rule.fact!r}",
                rule.fact_location,
                _suggest(rule.fact, self.facts),
            )
            return
        if not fact.always_present:
            self.error(
                "name.optional_fact",
                f"fact {fact.id!r} may be missing (it is optional and has no default)",
                rule.fact_location,
                "give it a default, or make it required",
            )
            return
        if fact.kinds != ("enum",):
            if fact.kinds:
                self.error(
                    "match.not_enum",
                    f"indicator {indicator.id!r} matches on {rule.fact!r}, which is not an enum",
                    rule.fact_location,
                    "match takes a fact of type enum; use ladder for numbers",
                )
            return
        known = set(fact.values)
        for case in rule.cases:
            if case.value not in known:
                self.error(
                    "match.unknown_case",
                    f"indicator {indicator.id!r}: {case.value!r} is not a value of {fact.id!r}",
                    case.location,
                    _suggest(case.value, fact.values) or f"values: {', '.join(fact.values)}",
                )
        missing = [value for value in fact.values if value not in {case.value for case in rule.cases}]
        if missing:
            self.error(
                "match.missing_case",
                f"indicator {indicator.id!r} gives no points for {', '.join(repr(v) for v in missing)} of {fact.id!r}",
                rule.location,
                "every value of the enum needs a case",
            )

    def items_scope(self, rule: ItemsRule, scope: dict[str, Binding]) -> dict[str, Binding]:
        fact = self.facts.get(rule.over)
        self.used_names.add(rule.over)
        item_scope = dict(scope)
        if fact is None:
            self.error("name.unknown_fact", f"items over unknown fact {rule.over!r}", rule.over_location, _suggest(rule.over, self.facts))
            return item_scope
        if not fact.is_list:
            if fact.kinds:
                self.error("items.not_list", f"items over {rule.over!r}, which is not a list fact", rule.over_location)
            return item_scope
        if not fact.always_present:
            self.error(
                "name.optional_fact",
                f"fact {fact.id!r} may be missing (it is optional and has no default)",
                rule.over_location,
                "make it required: an empty list is a value",
            )
        for item_field in fact.fields:
            if item_field.id in scope and scope[item_field.id].origin != "later_let":
                self.error(
                    "items.field_shadows",
                    f"field {item_field.id!r} of {fact.id!r} has the name of a "
                    f"{'fact' if 'fact' in scope[item_field.id].origin else scope[item_field.id].origin}",
                    item_field.location,
                    "rename the field or the other name",
                )
            item_scope[item_field.id] = Binding(fact_type(item_field), "field" if item_field.always_present else "optional_field")
        return item_scope

    # -- weights, grades, cycles, unused facts --------------------------------------------------

    def check_weights(self) -> None:
        places = self.model.rounding.places
        for indicator in self.model.all_indicators():
            exponent = indicator.weight.as_tuple().exponent
            if isinstance(exponent, int) and -exponent > places and indicator.weight != round(indicator.weight, places):
                shown = round(indicator.weight, places)
                self.warn(
                    "weight.places",
                    f"{indicator.id!r} weighs {indicator.weight}, finer than scores are rounded ({places} places): "
                    f"a full score shows as {shown}, so its siblings' scores add up to their parent's only by rounding",
                    self.document.locate(indicator.path + ("weight",)),
                    f"give weights at most {places} decimal places",
                )
            if indicator.children and all(child.intact for child in indicator.children) and indicator.intact:
                total = sum((child.weight for child in indicator.children), Decimal(0))
                if total != indicator.weight:
                    self.error(
                        "weight.sum",
                        f"the children of {indicator.id!r} weigh {total} in all, but {indicator.id!r} weighs {indicator.weight}",
                        self.document.locate(indicator.path + ("weight",)),
                        "children's weights must add up to their parent's",
                    )
        roots = self.model.indicators
        if roots and self.model.total >= 0 and all(root.intact for root in roots):
            total = sum((root.weight for root in roots), Decimal(0))
            if total != self.model.total:
                self.error(
                    "weight.sum",
                    f"the top-level indicators weigh {total} in all, but total is {self.model.total}",
                    self.model.total_location,
                    "top-level weights must add up to total",
                )

    def check_grades(self) -> None:
        grades = self.model.grades
        written = self.document.data.get("grades") if isinstance(self.document.data, dict) else None
        if isinstance(written, list) and len(written) != len(grades):
            return  # a band the schema refused is missing: order and gaps cannot be judged
        for previous, grade in zip(grades, grades[1:], strict=False):
            if grade.minimum >= previous.minimum:
                self.error(
                    "grade.order",
                    f"grade {grade.name.zh!r} (min {grade.minimum}) is not below {previous.name.zh!r} (min {previous.minimum})",
                    grade.location,
                    "list grades from the highest min down",
                )
        if grades and grades[-1].minimum > 0:
            self.error(
                "grade.gap",
                f"a total below {grades[-1].minimum} gets no grade",
                grades[-1].location,
                "give the last grade min: 0",
            )
        names = [grade.name.zh for grade in grades]
        for grade in grades:
            if names.count(grade.name.zh) > 1:
                self.error("grade.duplicate", f"grade {grade.name.zh!r} is listed twice", grade.location)
                break

    def check_cycles(self) -> None:
        graph = self.result.dependencies
        state: dict[str, int] = {}  # 1 = on the current path, 2 = done
        reported: set[frozenset[str]] = set()

        def visit(node: str, trail: list[str]) -> None:
            state[node] = 1
            trail.append(node)
            for target in sorted(graph.get(node, ())):
                if state.get(target) == 1:
                    cycle = trail[trail.index(target) :] + [target]
                    key = frozenset(cycle)
                    if key not in reported:
                        reported.add(key)
                        self.error(
                            "indicator.cycle",
                            f"indicators depend on each other in a cycle: {' → '.join(cycle)}",
                            self.indicators[target].location,
                            "a score cannot read itself, its parent, or a score that reads it (children feed parents)",
                        )
                elif state.get(target) is None and target in graph:
                    visit(target, trail)
            trail.pop()
            state[node] = 2

        for node in graph:
            if state.get(node) is None:
                visit(node, [])

    def check_unused(self) -> None:
        """Unused facts, once everything else is right: parts skipped for errors read nothing."""
        if not self.model.intact or not self.result.ok:
            return
        for fact in self.model.facts:
            if fact.id not in self.used_names:
                self.warn("fact.unused", f"fact {fact.id!r} is declared but never used", fact.location)

    # -- templates ------------------------------------------------------------------------------

    def template(self, template: Template, scope: dict[str, Binding]) -> None:
        data = self.document.data_at(template.path)
        parts: dict[str, tuple[str | Placeholder, ...] | None] = {}
        for language_key in ("zh", "en"):
            path = template.path + (language_key,) if isinstance(data, dict) else template.path
            text = template.text.zh if language_key == "zh" else template.text.en
            if text is None:
                parts[language_key] = None
                continue
            parts[language_key] = self.template_text(text, path, scope)
        zh = parts["zh"]
        if zh is not None:
            self.result.templates[template.path] = CheckedTemplate(zh, parts["en"])

    def template_text(self, text: str, path: Path, scope: dict[str, Binding]) -> tuple[str | Placeholder, ...] | None:
        try:
            pieces = list(string.Formatter().parse(text))
        except ValueError as problem:
            self.error("template.syntax", f"template: {problem}", self.document.locate(path), "write {{ and }} for literal braces")
            return None
        result: list[str | Placeholder] = []
        starts = iter(_field_starts(text))
        ok = True
        for literal, name, spec, conversion in pieces:
            if literal:
                result.append(literal)
            if name is None:
                continue
            location = self.document.locate_in_scalar(path, next(starts) + 1)
            if not name.isidentifier():
                self.error(
                    "template.placeholder",
                    f"template: {{{name}}} is not a plain name",
                    location,
                    "only {name}, {name:.2f} or {name:.1%} may stand in a template",
                )
                ok = False
                continue
            if conversion is not None or not _FORMAT_SPEC.match(spec or ""):
                self.error(
                    "template.format",
                    f"template: format {'!' + conversion if conversion else ':' + (spec or '')} of {{{name}}} is not allowed",
                    location,
                    "use :.Nf for N decimal places or :.N% for a percentage (N from 0 to 6)",
                )
                ok = False
                continue
            if not self.resolve(name, scope, location):
                ok = False
                continue
            binding = scope[name]
            if binding.type.kind in ("boolean", "list"):
                self.error(
                    "template.type",
                    f"template: {{{name}}} is {binding.type}, which has no text form",
                    location,
                    "write one sentence or finding for each case, each with its own when:",
                )
                ok = False
                continue
            if spec and binding.type.kind not in ("number", "any"):
                self.error("template.format", f"template: {{{name}:{spec}}} formats {binding.type}, not a number", location)
                ok = False
                continue
            result.append(Placeholder(name, spec or ""))
        return tuple(result) if ok else None

    def resolve(self, name: str, scope: dict[str, Binding], location: Location) -> bool:
        binding = scope.get(name)
        if binding is None:
            if name in FUNCTIONS:
                self.error("name.function_as_value", f"{name!r} is a function: call it, as in {name}(...)", location)
            elif name in ("true", "false"):
                self.error("name.unknown", f"unknown name {name!r}", location, f"write {name.capitalize()}")
            else:
                self.error("name.unknown", f"unknown name {name!r}", location, _suggest(name, scope))
            return False
        self.used_names.add(name)
        self.current_reads.add(name)
        if binding.origin == "later_let":
            self.error("let.order", f"let {name!r} is used before it is defined", location, "move it above the let that uses it")
            return False
        if binding.origin in ("optional_fact", "optional_field"):
            self.error(
                "name.optional_fact",
                f"{binding.origin.removeprefix('optional_')} {name!r} may be missing (it is optional and has no default)",
                location,
                "give it a default, or make it required",
            )
            return False
        return True

    # -- expressions ------------------------------------------------------------------------------

    def expression(
        self, expression: Expression, scope: dict[str, Binding], expected: Type | None, reads_scores: bool = True
    ) -> CheckedExpression | None:
        checker = _ExpressionChecker(self, expression, scope, reads_scores)
        checked = checker.run(expected)
        if checked is not None:
            self.result.expressions[expression.path] = checked
        return checked


class _ExpressionChecker:
    """Parses one expression and walks it once: allow-list, names, types, limits."""

    def __init__(self, owner: _Checker, expression: Expression, scope: dict[str, Binding], reads_scores: bool):
        self.owner = owner
        self.expression = expression
        self.scope = scope
        self.reads_scores = reads_scores
        self.failed = False
        self.nodes = 0
        self.names: dict[str, Type] = {}
        self.scores: set[str] = set()
        self.too_deep = False
        self.lead = 0
        self.source = ""

    def at(self, offset: int) -> Location:
        return self.owner.document.locate_in_scalar(self.expression.path, self.lead + offset)

    def node_at(self, node: ast.AST) -> Location:
        return self.at(self.char_offset(getattr(node, "col_offset", 0)))

    def fail(self, code: str, message: str, node: ast.AST | None, hint: str | None = None, offset: int | None = None) -> None:
        self.failed = True
        location = self.node_at(node) if node is not None else self.at(offset or 0)
        self.owner.error(code, message, location, hint)

    def run(self, expected: Type | None) -> CheckedExpression | None:
        flat = self.expression.text.replace("\r", " ").replace("\n", " ").replace("\t", " ")
        self.lead = len(flat) - len(flat.lstrip(" "))
        self.source = flat.strip(" ")
        if not self.source:
            self.fail("expr.empty", "expression is empty", None)
            return None
        if len(self.source) > self.owner.limits.max_expression_length:
            self.fail(
                "expr.too_long",
                f"expression is longer than {self.owner.limits.max_expression_length} characters",
                None,
                "split it with let",
            )
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # an invalid escape such as "\d" is a mistake, not a warning
                tree = ast.parse(self.source, mode="eval")
        except SyntaxError as problem:
            offset = (problem.offset - 1) if problem.offset else len(self.source) - 1
            message = problem.msg
            if _assigns(self.source):
                message += " (to compare, write ==)"
            self.fail("expr.syntax", f"expression syntax: {message}", None, offset=max(offset, 0))
            return None
        except (ValueError, MemoryError, RecursionError, Warning) as problem:
            self.fail("expr.syntax", f"expression cannot be read: {problem}", None)
            return None
        comment = self.comment_offset()
        if comment is not None:
            self.fail("expr.comment", "comments (#) are not allowed inside an expression", None, "put comments on YAML lines", comment)
            return None
        if self.foreign_names(tree):
            return None
        found = self.visit(tree.body, 1)
        if self.failed:
            return None
        if expected is not None and not _fits(found, expected):
            self.fail(
                "type.mismatch",
                f"expression gives {found}, but {expected} is needed here",
                tree.body,
                _type_hint(found, expected),
            )
            return None
        return CheckedExpression(
            self.expression,
            tree,
            self.source,
            found,
            frozenset(self.names),
            frozenset(self.scores),
            tuple(sorted(self.names.items())),
        )

    def foreign_names(self, tree: ast.AST) -> bool:
        """Refuse names outside ASCII. Python reads `ｓpent_total` (fullwidth s) or `spent＿total`
        (fullwidth low line) as `spent_total` after NFKC normalisation, so a look-alike would
        silently read a real fact; every id is ASCII, so no such name can be meant. Any run of
        name characters outside text literals that holds a non-ASCII character is refused whole."""
        texts = [
            (self.char_offset(node.col_offset), self.char_offset(node.end_col_offset or node.col_offset))
            for node in ast.walk(tree)
            if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))
        ]
        found = False
        for run in _NAME_RUN.finditer(self.source):
            name = run.group()
            if name.isascii() or any(start <= run.start() < end for start, end in texts):
                continue
            found = True
            normal = unicodedata.normalize("NFKC", name)
            self.fail(
                "name.not_ascii",
                f"name {name!r} is not plain ASCII",
                None,
                f"it reads as {normal!r}: retype it with ASCII letters, digits and _"
                if normal.isascii()
                else "ids are written with ASCII letters, digits and _",
                run.start(),
            )
        return found

    def char_offset(self, byte_offset: int) -> int:
        """ast columns count UTF-8 bytes; the source is indexed by character."""
        return len(self.source.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))

    def comment_offset(self) -> int | None:
        try:
            for token in tokenize.generate_tokens(io.StringIO(self.source).readline):
                if token.type == tokenize.COMMENT:
                    return token.start[1]
        except (tokenize.TokenError, SyntaxError):
            return None
        return None

    def visit(self, node: ast.AST, depth: int) -> Type:
        limits = self.owner.limits
        self.nodes += 1
        if self.nodes == limits.max_expression_nodes + 1:
            self.fail(
                "expr.too_complex", f"expression has more than {limits.max_expression_nodes} parts", node, "split it with let"
            )
        if depth > limits.max_expression_depth:
            if not self.too_deep:
                self.too_deep = True
                self.fail(
                    "expr.too_deep",
                    f"expression nests deeper than {limits.max_expression_depth} levels",
                    node,
                    "split it with let",
                )
            return ANY
        if self.nodes > limits.max_expression_nodes:
            return ANY
        handler = getattr(self, f"visit_{type(node).__name__}", None)
        if handler is None:
            name = _FORBIDDEN_SYNTAX.get(type(node), type(node).__name__)
            self.fail("expr.forbidden", f"expressions cannot use {name}", node)
            return ANY
        found: Type = handler(node, depth)
        return found

    def visit_Constant(self, node: ast.Constant, depth: int) -> Type:
        value = node.value
        if isinstance(value, bool):
            return BOOLEAN
        if isinstance(value, (int, float)):
            digits = ast.get_source_segment(self.source, node) or ""
            if not _PLAIN_DECIMAL.match(digits) or len(digits.replace(".", "")) > self.owner.limits.max_number_digits:
                self.fail(
                    "expr.number",
                    f"number {digits} is not allowed",
                    node,
                    f"write plain decimals of at most {self.owner.limits.max_number_digits} digits (no exponent, _, 0x, 0o or 0b)",
                )
            return NUMBER
        if isinstance(value, str):
            if len(value) > self.owner.limits.max_text_literal:
                self.fail("expr.string", f"text longer than {self.owner.limits.max_text_literal} characters", node)
            return TEXT
        self.fail("expr.forbidden", f"expressions cannot use {'None' if value is None else type(value).__name__} values", node)
        return ANY

    def visit_Name(self, node: ast.Name, depth: int) -> Type:
        if node.id in FUNCTIONS or node.id == language.SCORE_OF:
            self.fail("name.function_as_value", f"{node.id!r} is a function: call it, as in {node.id}(...)", node)
            return ANY
        if not self.owner.resolve(node.id, self.scope, self.node_at(node)):
            self.failed = True
            return ANY
        self.names[node.id] = self.scope[node.id].type
        return self.scope[node.id].type

    def expect(self, node: ast.AST, depth: int, wanted: Type, role: str) -> Type:
        found = self.visit(node, depth + 1)
        if not _fits(found, wanted):
            self.fail("type.mismatch", f"{role} needs {wanted}, but {_show(self.source, node)} is {found}", node, _type_hint(found, wanted))
        return found

    def visit_UnaryOp(self, node: ast.UnaryOp, depth: int) -> Type:
        if isinstance(node.op, ast.Not):
            self.expect(node.operand, depth, BOOLEAN, "not")
            return BOOLEAN
        if isinstance(node.op, (ast.USub, ast.UAdd)):
            self.expect(node.operand, depth, NUMBER, "a sign")
            return NUMBER
        self.fail("expr.forbidden", f"operator {_OPERATOR_SYMBOLS.get(type(node.op), '?')} is not allowed", node)
        return ANY

    def visit_BinOp(self, node: ast.BinOp, depth: int) -> Type:
        symbol = _OPERATOR_SYMBOLS.get(type(node.op), "?")
        if not isinstance(node.op, _ARITHMETIC):
            hint = "use floor() and ceil()" if symbol in ("//", "%") else None
            self.fail("expr.forbidden", f"operator {symbol} is not allowed", node, hint)
            return ANY
        self.expect(node.left, depth, NUMBER, f"'{symbol}'")
        self.expect(node.right, depth, NUMBER, f"'{symbol}'")
        return NUMBER

    def visit_BoolOp(self, node: ast.BoolOp, depth: int) -> Type:
        word = "and" if isinstance(node.op, ast.And) else "or"
        for value in node.values:
            self.expect(value, depth, BOOLEAN, f"'{word}'")
        return BOOLEAN

    def visit_Compare(self, node: ast.Compare, depth: int) -> Type:
        left_node = node.left
        left = self.visit(left_node, depth + 1)
        reported: set[int] = set()  # in `0 < x < 1`, x stands on both sides: one error for it
        for operator, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.visit(right_node, depth + 1)
            if isinstance(operator, _ORDERING):
                for side_node, side in ((left_node, left), (right_node, right)):
                    if not _fits(side, NUMBER) and id(side_node) not in reported:
                        reported.add(id(side_node))
                        self.fail(
                            "type.mismatch",
                            f"ordering (<, <=, >, >=) needs numbers, but {_show(self.source, side_node)} is {side}",
                            side_node,
                            _type_hint(side, NUMBER),
                        )
            elif isinstance(operator, _EQUALITY):
                self.check_equality(left_node, left, right_node, right)
            else:
                symbol = _OPERATOR_SYMBOLS.get(type(operator), "?")
                self.fail("expr.forbidden", f"operator '{symbol}' is not allowed", node, "compare with == and combine with or")
            left_node, left = right_node, right
        return BOOLEAN

    def check_equality(self, left_node: ast.AST, left: Type, right_node: ast.AST, right: Type) -> None:
        if ANY in (left, right):
            return
        if left.kind != right.kind:
            self.fail(
                "type.mismatch",
                f"comparing {left} with {right} is always false",
                right_node,
                "compare values of the same type",
            )
            return
        for enum, literal_node in ((left, right_node), (right, left_node)):
            if enum.kind == "text" and enum.values is not None:
                if isinstance(literal_node, ast.Constant) and isinstance(literal_node.value, str):
                    if literal_node.value not in enum.values:
                        self.fail(
                            "type.enum_value",
                            f"{literal_node.value!r} is not one of {', '.join(enum.values)}",
                            literal_node,
                            _suggest(literal_node.value, enum.values),
                        )

    def visit_IfExp(self, node: ast.IfExp, depth: int) -> Type:
        self.expect(node.test, depth, BOOLEAN, "the condition after 'if'")
        body = self.visit(node.body, depth + 1)
        orelse = self.visit(node.orelse, depth + 1)
        if ANY in (body, orelse):
            return ANY
        if body.kind != orelse.kind:
            self.fail("type.mismatch", f"the two branches give {body} and {orelse}", node.orelse, "both branches must give the same type")
            return ANY
        if body.kind == "text":
            return TEXT
        return body

    def score_of(self, node: ast.Call) -> Type:
        argument = node.args[0] if len(node.args) == 1 and not node.keywords else None
        if not (isinstance(argument, ast.Constant) and isinstance(argument.value, str)):
            self.fail("expr.score_of", f"{language.SCORE_OF}() takes one indicator id in quotes", node, f'{language.SCORE_OF}("audit")')
            return NUMBER
        if not self.reads_scores:
            self.fail(
                "expr.score_of",
                f"{language.SCORE_OF}() cannot be used here",
                node,
                "not_applicable, checks, items' where and the report's basic sentences read facts (and fields) only",
            )
            return NUMBER
        if argument.value not in self.owner.indicators:
            self.fail(
                "name.unknown_indicator",
                f"unknown indicator {argument.value!r}",
                argument,
                _suggest(argument.value, self.owner.indicators),
            )
            return NUMBER
        self.scores.add(argument.value)
        return NUMBER

    def visit_Call(self, node: ast.Call, depth: int) -> Type:
        if not isinstance(node.func, ast.Name):
            self.fail("expr.forbidden", "only the rubric functions can be called", node)
            return ANY
        if node.func.id == language.SCORE_OF:
            return self.score_of(node)
        function = FUNCTIONS.get(node.func.id)
        if function is None:
            self.fail(
                "name.unknown_function",
                f"unknown function {node.func.id!r}",
                node.func,
                _suggest(node.func.id, FUNCTIONS) or f"functions: {', '.join(FUNCTIONS)}",
            )
            return ANY
        if node.keywords:
            self.fail("expr.forbidden", f"{function.name}() takes no named arguments", node.keywords[0].value)
            return ANY
        count = len(node.args)
        expected = len(function.parameters)
        if count < expected or (count > expected and not function.variadic):
            self.fail(
                "expr.arity",
                f"{function.name}() takes {function.arity_text()}, not {count}",
                node,
            )
            return NUMBER
        for index, argument in enumerate(node.args):
            wanted = function.parameters[min(index, expected - 1)]
            if index in function.literal_arguments:
                value = argument.value if isinstance(argument, ast.Constant) else None
                if not (isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= language.MAX_ROUND_PLACES):
                    self.fail(
                        "expr.literal_argument",
                        f"argument {index + 1} of {function.name}() must be a whole number from 0 to {language.MAX_ROUND_PLACES}",
                        argument,
                    )
                    continue
            self.expect(argument, depth, wanted, f"{function.name}()")
        return NUMBER


def _within_bounds(fact: Fact, value: object) -> bool:
    if not isinstance(value, (int, Decimal)) or isinstance(value, bool):
        return True
    return fact.admits(Decimal(value))


def _show_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, str) else str(value)


def _fits(found: Type, wanted: Type) -> bool:
    return found.kind == "any" or wanted.kind == "any" or found.kind == wanted.kind


def _type_hint(found: Type, wanted: Type) -> str | None:
    if found.kind == "boolean" and wanted.kind == "number":
        return "a boolean is not a number: write `points if condition else 0`"
    if found.kind == "number" and wanted.kind == "boolean":
        return "a number is not a condition: compare it, as in `x > 0`"
    if found.kind == "text" and wanted.kind == "number":
        return "text is not a number"
    return None


def _show(source: str, node: ast.AST) -> str:
    segment = ast.get_source_segment(source, node) or "it"
    return f"`{segment}`"


def _bound(node: ast.AST, source: str) -> tuple[str, str, Decimal, bool] | None:
    """`x >= 0.9` as (x, "lower", 0.9, inclusive), for a comparison of anything with a number."""
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1):
        return None
    left, operator, right = node.left, node.ops[0], node.comparators[0]
    flipped = False
    if _is_number(left) and not _is_number(right):
        left, right, flipped = right, left, True
    if not _is_number(right) or _is_number(left):
        return None
    number = Decimal(ast.get_source_segment(source, right) or "0")
    kinds = {ast.GtE: ("lower", True), ast.Gt: ("lower", False), ast.LtE: ("upper", True), ast.Lt: ("upper", False)}
    if type(operator) not in kinds:
        return None
    side, inclusive = kinds[type(operator)]
    if flipped:
        side = "upper" if side == "lower" else "lower"
    return ast.dump(left), side, number, inclusive


def _is_number(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool)


def _covers(earlier: tuple[str, str, Decimal, bool], later: tuple[str, str, Decimal, bool]) -> bool:
    """Whether every value the later bound admits is already admitted by the earlier one."""
    key, side, limit, inclusive = earlier
    later_key, later_side, later_limit, later_inclusive = later
    if key != later_key or side != later_side:
        return False
    if side == "lower":
        return later_limit > limit or (later_limit == limit and (inclusive or not later_inclusive))
    return later_limit < limit or (later_limit == limit and (inclusive or not later_inclusive))


def _assigns(source: str) -> bool:
    """Whether an unreadable expression has a lone `=` (outside strings, and not naming an
    argument as in `f(x, key=1)`), where `==` was surely meant."""
    tokens: list[tokenize.TokenInfo] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.string == "=":
                naming = len(tokens) >= 2 and tokens[-1].type == tokenize.NAME and tokens[-2].string in ("(", ",")
                if not naming:
                    return True
            tokens.append(token)
    except (tokenize.TokenError, SyntaxError):
        return False
    return False


def _field_starts(text: str) -> list[int]:
    """Where each replacement field of a template starts, in the order `string.Formatter.parse`
    gives them: `{{` and `}}` are literal braces, and a field may nest fields in its format."""
    starts: list[int] = []
    depth = index = 0
    while index < len(text):
        if depth == 0 and text.startswith(("{{", "}}"), index):
            index += 2
            continue
        if text[index] == "{":
            if depth == 0:
                starts.append(index)
            depth += 1
        elif text[index] == "}" and depth > 0:
            depth -= 1
        index += 1
    return starts


def _place(first: Location, again: Location) -> str:
    """Where a name was first used, as seen from where it is used again: a line of the same file,
    or the file and line (a derived rubric's base)."""
    return f"line {first.line}" if first.file == again.file else f"{first.file}:{first.line}"
