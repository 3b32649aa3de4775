"""Stage 6: a department's facts, validated against the rubric's declarations and made exact.

A facts file is untrusted input like a rubric. It is read by the same strict reader, validated
by a JSON Schema generated from the rubric's fact declarations (the one `rubric schema` prints),
then converted: every number becomes an exact `Decimal` (never through a binary float), a ratio
may be written "92.91%", money may carry its unit ("986.45万元", "349808.03元", "1.2亿元") and is
converted exactly to the declared unit. Anything ambiguous is refused. Last, the rubric's
checks are run. Every problem of a facts file is reported together, each with the
fact's path and, for a file, its line and column.
"""

from __future__ import annotations

import decimal
import difflib
import hashlib
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError

from . import source
from .compile import CompiledRubric, Program, Value
from .errors import Diagnostic, Location, RubricError, error
from .language import EvalFailure, describe_value
from .limits import DEFAULT_LIMITS, Limits
from .model import Fact, FactCheck, RubricModel
from .schema import StrictDraft202012, found_text, plain_path, readable
from .source import (
    MAX_NUMBER_CHARACTERS,
    SURROGATE,
    Document,
    Path,
    canonical_json,
    within_number_range,
    yaml11_reading,
)

UNIT_EXPONENTS = {"元": 0, "万元": 4, "亿元": 8}
_NUMBER_TEXT = r"-?[0-9]{1,21}(?:\.[0-9]{1,20})?"  # within the file reader's range and length
_MONEY_TEXT = re.compile(rf"^({_NUMBER_TEXT})(元|万元|亿元)$")
_PERCENT_TEXT = re.compile(rf"^({_NUMBER_TEXT})%$")
_NUMERIC = ("integer", "number", "money", "ratio")


class FactsError(RubricError):
    """The facts cannot be scored with this rubric: every problem found, each placed."""


@dataclass(frozen=True)
class Facts:
    """A department's facts as given, before they are checked against a rubric."""

    data: Mapping[str, Any]
    name: str
    document: Document | None = None

    def locate(self, path: Path) -> Location | None:
        return self.document.locate(path) if self.document else None

    def locate_key(self, path: Path) -> Location | None:
        return self.document.locate_key(path) if self.document else None


Record = tuple[tuple[str, Value], ...]


@dataclass(frozen=True)
class FactValues:
    """Facts converted for one rubric: exact values by fact id, and their canonical digest."""

    values: Mapping[str, Value]
    canonical: str
    sha256: str


def load_facts(path: str | os.PathLike[str], *, limits: Limits | None = None) -> Facts:
    """Read a facts file (YAML or JSON); raise `FactsError` if it cannot be read as a mapping."""
    name = os.fspath(path)
    try:
        document = source.read_file(name, limits or DEFAULT_LIMITS)
    except RubricError as failure:
        raise FactsError(failure.diagnostics) from None
    return _facts_of_document(document)


def facts_from_text(text: str, name: str = "<facts>", *, limits: Limits | None = None) -> Facts:
    try:
        document = source.read_text(text, name, limits or DEFAULT_LIMITS)
    except RubricError as failure:
        raise FactsError(failure.diagnostics) from None
    return _facts_of_document(document)


def _facts_of_document(document: Document) -> Facts:
    problems = [d for d in document.diagnostics if d.is_error]
    if not isinstance(document.data, dict):
        problems.append(
            error("facts.not_mapping", "a facts file is a mapping from fact id to value", Location(document.file, 1, 1))
        )
    if problems:
        raise FactsError(problems)
    return Facts(document.data, document.file, document)


def as_facts(facts: Facts | Mapping[str, Any], limits: Limits = DEFAULT_LIMITS) -> Facts:
    """Facts from a file are already plain data; a mapping from Python is copied as plain data."""
    if isinstance(facts, Facts):
        return facts
    if not isinstance(facts, Mapping):
        raise FactsError([error("facts.not_mapping", f"facts must be a mapping from fact id to value, not {type(facts).__name__}")])
    problems: list[Diagnostic] = []
    data = _plain_data(facts, (), 1, limits.max_yaml_depth, problems)
    if problems:
        raise FactsError(problems)
    return Facts(data, "<facts>")


_DATA_SCALARS = (str, bool, int, float, Decimal, type(None))


def _plain_data(value: Any, path: Path, depth: int, max_depth: int, problems: list[Diagnostic]) -> Any:
    """A copy made only of text, numbers, booleans, None, lists and mappings keyed by text.

    What a facts file can hold, and nothing more: no object whose comparison, hashing or
    formatting runs code, no list that contains itself, no number too large to compare cheaply
    (the bounds of the file reader), and nothing the caller changes later reaches the evaluation.
    """
    where = plain_path(path) or "facts"
    if depth > max_depth:
        problems.append(error("facts.type", f"{where}: nested deeper than {max_depth} levels"))
        return None
    if type(value) in _DATA_SCALARS:
        if type(value) in (int, Decimal) and not within_number_range(value):
            problems.append(error("facts.range", f"{where}: a number beyond 10^20 or below 10^-20 is out of range"))
        elif type(value) is Decimal and len(value.as_tuple().digits) > MAX_NUMBER_CHARACTERS:
            problems.append(error("facts.range", f"{where}: a number with more than {MAX_NUMBER_CHARACTERS} digits"))
        elif type(value) is str and SURROGATE.search(value):
            problems.append(error("facts.type", f"{where}: text holding half of a UTF-16 pair is not text"))
        return value
    if isinstance(value, Mapping):
        copied: dict[str, Any] = {}
        for key, item in value.items():
            if type(key) is not str or SURROGATE.search(key):
                problems.append(error("facts.type", f"{where}: a key of type {type(key).__name__}; keys are text"))
                continue
            copied[key] = _plain_data(item, path + (key,), depth + 1, max_depth, problems)
        return copied
    if isinstance(value, (list, tuple)):
        return [_plain_data(item, path + (index,), depth + 1, max_depth, problems) for index, item in enumerate(value)]
    problems.append(
        error(
            "facts.type",
            f"{where}: a value of type {type(value).__name__} is not data",
            hint="give text, numbers, booleans, lists and mappings, as a facts file would",
        )
    )
    return None


# -- the generated schema -----------------------------------------------------------------------


def _kind_schemas(fact: Fact, kind: str) -> list[dict[str, Any]]:
    bounds: dict[str, Any] = {}
    for key, keyword in (
        ("minimum", "minimum"),
        ("maximum", "maximum"),
        ("greater_than", "exclusiveMinimum"),
        ("less_than", "exclusiveMaximum"),
    ):
        value = getattr(fact, key)
        if value is not None:
            bounds[keyword] = value
    if kind == "integer":
        return [{"type": "integer", **bounds}]
    if kind == "number":
        return [{"type": "number", **bounds}]
    if kind == "money":
        return [{"type": "number", **bounds}, {"type": "string", "pattern": _MONEY_TEXT.pattern}]
    if kind == "ratio":
        return [{"type": "number", **bounds}, {"type": "string", "pattern": _PERCENT_TEXT.pattern}]
    if kind == "boolean":
        return [{"type": "boolean"}]
    if kind == "enum":
        return [{"enum": list(fact.values)}]
    return [{"type": "string"}]


def _expected_text(fact: Fact) -> str:
    parts = []
    for kind in fact.kinds:
        if kind == "money":
            parts.append(f'money: a number in {fact.unit}, or text with its unit such as "986.45万元"')
        elif kind == "ratio":
            parts.append('a ratio: a number (1 is 100%) or a percentage such as "92.91%"')
        elif kind == "enum":
            parts.append(f"one of {', '.join(fact.values)}")
        else:
            parts.append({"integer": "a whole number", "number": "a number", "boolean": "true or false", "text": "text"}[kind])
    return " or ".join(parts)


def _value_schema(fact: Fact) -> dict[str, Any]:
    options = [schema for kind in fact.kinds for schema in _kind_schemas(fact, kind)]
    schema: dict[str, Any] = options[0] if len(options) == 1 else {"anyOf": options}
    if fact.label:
        schema["title"] = fact.label.zh
    schema["errorMessage"] = f"expected {_expected_text(fact)}"
    return schema


def _fact_schema(fact: Fact) -> dict[str, Any]:
    if not fact.is_list:
        return _value_schema(fact)
    record = {
        "type": "object",
        "properties": {field.id: _value_schema(field) for field in fact.fields},
        "required": [field.id for field in fact.fields if field.required],
        "additionalProperties": False,
    }
    schema: dict[str, Any] = {"type": "array", "items": record}
    if fact.label:
        schema["title"] = fact.label.zh
    if fact.min_items is not None:
        schema["minItems"] = fact.min_items
    if fact.max_items is not None:
        schema["maxItems"] = fact.max_items
    return schema


def facts_schema(model: RubricModel) -> dict[str, Any]:
    """The JSON Schema (2020-12) of a facts file for this rubric."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"Facts for rubric {model.id} {model.version}",
        "description": f"{model.title.zh}: the facts a department supplies to be scored.",
        "type": "object",
        "properties": {fact.id: _fact_schema(fact) for fact in model.facts},
        "required": [fact.id for fact in model.facts if fact.required],
        "additionalProperties": False,
    }


# -- validation and conversion ----------------------------------------------------------------


def prepare(compiled: CompiledRubric, facts: Facts | Mapping[str, Any]) -> FactValues:
    """Validate and convert `facts` for this rubric, or raise `FactsError` with every problem.

    Facts with nothing wrong take a direct path: one pass over the declarations that checks each
    value as the generated schema would and converts it. At the first doubt it gives up, and
    the full path (the JSON Schema, then the conversions, collecting every problem with its
    place) runs from the start; it gives the same values for any facts the direct path takes.
    """
    data = facts.data if isinstance(facts, Facts) else facts
    direct = _direct_values(compiled, data) if type(data) is dict else None
    if direct is not None:
        return _fact_values(direct)
    given = as_facts(facts, compiled.limits)
    model = compiled.model
    problems = _schema_problems(model, given)
    values: dict[str, Value] = {}
    failed_paths = {path for path, _ in problems}
    for fact in model.facts:
        path: Path = (fact.id,)
        if any(bad[:1] == path for bad in failed_paths):
            continue
        if fact.id not in given.data:  # the schema refused a missing required fact
            if fact.has_default:
                values[fact.id] = converted_default(fact)
            continue
        converted = _convert(fact, given.data[fact.id], path, given, problems)
        if converted is not None:
            values[fact.id] = converted
    if not problems:
        problems.extend(_check_problems(compiled, model, given, values))
    if problems:
        order = {fact.id: index for index, fact in enumerate(model.facts)}
        problems.sort(key=lambda problem: _order_key(problem, order))
        raise FactsError([diagnostic for _, diagnostic in problems])
    return _fact_values(values)


def _fact_values(values: dict[str, Value]) -> FactValues:
    canonical = canonical_json(values)
    return FactValues(values, canonical, hashlib.sha256(canonical.encode("utf-8")).hexdigest())


# -- the direct path for facts with nothing wrong -------------------------------------------------

_ABSENT = object()


def _direct_values(compiled: CompiledRubric, data: dict[Any, Any]) -> dict[str, Value] | None:
    """The converted values, when every fact is plainly right; None sends the facts to the full path."""
    values: dict[str, Value] = {}
    given = 0
    for fact in compiled.model.facts:
        raw = data.get(fact.id, _ABSENT)
        if raw is _ABSENT:
            if fact.required:
                return None
            if fact.has_default:
                values[fact.id] = converted_default(fact)
            continue
        given += 1
        value = direct_list(fact, raw) if fact.is_list else direct_scalar(fact, raw)
        if value is None:
            return None
        values[fact.id] = value
    if given != len(data) or not all(type(key) is str for key in data):  # an unknown fact, or a key not text
        return None
    if not _checks_hold(compiled, values):
        return None
    return values


@cache
def numeric_kinds(kinds: tuple[str, ...]) -> tuple[tuple[str, ...], bool]:
    """Of a fact's types, the numeric ones, and whether they allow whole numbers only."""
    numeric = tuple(kind for kind in kinds if kind in _NUMERIC)
    return numeric, numeric == ("integer",)


def direct_scalar(fact: Fact, raw: Any) -> Value | None:
    """What `_convert` gives for a value the schema accepts, or None for anything else."""
    kind = type(raw)
    kinds = fact.kinds
    if kind is Decimal or kind is int:
        numeric, whole_only = numeric_kinds(kinds)
        if not numeric or not within_number_range(raw):
            return None
        number = raw if kind is Decimal else Decimal(raw)
        if not number.is_finite() or len(number.as_tuple().digits) > MAX_NUMBER_CHARACTERS or not fact.admits(number):
            return None
        if whole_only:
            return number if number == number.to_integral_value() else None
        return number
    if kind is bool:
        return raw if "boolean" in kinds else None
    if kind is str:
        if SURROGATE.search(raw):
            return None
        numeric = numeric_kinds(kinds)[0]
        converted = convert_text(fact, raw, numeric) if numeric else None
        if converted is not None:
            return converted if fact.admits(converted) else None
        return raw if "text" in kinds or ("enum" in kinds and raw in fact.values) else None
    return None


def direct_list(fact: Fact, raw: Any) -> Value | None:
    if type(raw) is not list:
        return None
    if (fact.min_items is not None and len(raw) < fact.min_items) or (fact.max_items is not None and len(raw) > fact.max_items):
        return None
    known = {item_field.id for item_field in fact.fields}
    records: list[Record] = []
    for item in raw:
        if type(item) is not dict or not all(type(key) is str and key in known for key in item):
            return None
        record: list[tuple[str, Value]] = []
        for item_field in fact.fields:
            if item_field.id in item:
                value = direct_scalar(item_field, item[item_field.id])
                if value is None:
                    return None
            elif item_field.required:
                return None
            elif item_field.has_default:
                value = converted_default(item_field)
            else:
                continue
            record.append((item_field.id, value))
        records.append(tuple(record))
    return tuple(records)


def _checks_hold(compiled: CompiledRubric, values: Mapping[str, Value]) -> bool:
    """Whether every check plainly holds: all run in one decimal context, and one that fails,
    or cannot be computed, sends the facts to the full path, which says why."""
    limits = compiled.limits
    programs = compiled.programs
    model = compiled.model
    with decimal.localcontext(limits.decimal_context()):
        try:
            for check in model.checks:
                program = programs[check.require.path]
                if all(name in values for name in program.names) and not _plainly_holds(program, values, limits):
                    return False
            for fact in model.facts:
                if not fact.checks or fact.id not in values:
                    continue
                records = values[fact.id]
                assert isinstance(records, tuple)
                for record in records:
                    scope = {**values, **dict(record)}
                    for check in fact.checks:
                        program = programs[check.require.path]
                        if all(name in scope for name in program.names) and not _plainly_holds(program, scope, limits):
                            return False
        except Exception:  # noqa: BLE001 - a program's failure, which the full path names
            return False
    return True


def _plainly_holds(program: Program, scope: Mapping[str, Value], limits: Limits) -> bool:
    return program.cost <= limits.max_steps and program.function(scope) is True


def _schema_problems(model: RubricModel, facts: Facts) -> list[tuple[Path, Diagnostic]]:
    schema = facts_schema(model)
    validator = _FactsValidator(schema)
    declared = {fact.id: fact for fact in model.facts}
    problems: list[tuple[Path, Diagnostic]] = []
    for failure in validator.iter_errors(facts.data):
        path: Path = tuple(failure.absolute_path)
        problems.extend((path + extra, diagnostic) for extra, diagnostic in _render(failure, path, facts, declared))
    # jsonschema reports a `required` failure once per missing key, each naming them all
    return list(dict.fromkeys(problems))


def _is_finite_number(checker: Any, instance: Any) -> bool:
    """JSON Schema's number, without NaN and infinities (a Decimal NaN cannot even be compared)."""
    if isinstance(instance, bool) or not isinstance(instance, (int, float, Decimal)):
        return False
    return instance.is_finite() if isinstance(instance, Decimal) else math.isfinite(instance)


def _is_whole_number(checker: Any, instance: Any) -> bool:
    """JSON Schema's integer, with a whole `Decimal` (such as Decimal("3")) counted as one."""
    if isinstance(instance, Decimal):
        return instance.is_finite() and instance == instance.to_integral_value()
    return isinstance(instance, int) and not isinstance(instance, bool)


_FactsValidator = jsonschema.validators.extend(
    StrictDraft202012,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine_many(
        {"number": _is_finite_number, "integer": _is_whole_number}
    ),
)


def _order_key(problem: tuple[Path, Diagnostic], declared: Mapping[str, int]) -> tuple[Any, ...]:
    """File order for a file; declaration order (unknown facts last) for a mapping."""
    path, diagnostic = problem
    location = diagnostic.location
    if location is not None:
        return (location.line, location.column, 0, ())
    first = declared.get(str(path[0]), len(declared)) if path else -1
    rest = tuple((0, step, "") if isinstance(step, int) else (1, 0, str(step)) for step in path[1:])
    return (0, 0, first, rest)


def _label(fact: Fact | None) -> str:
    return f" ({fact.label.zh})" if fact and fact.label else ""


def _render(
    failure: ValidationError, path: Path, facts: Facts, declared: Mapping[str, Fact]
) -> list[tuple[Path, Diagnostic]]:
    kind = failure.validator
    instance = failure.instance
    where = plain_path(path) or "facts"
    if kind == "required" and isinstance(instance, dict):
        missing = [key for key in failure.validator_value if key not in instance]
        fields = {f.id: f for f in declared[str(path[0])].fields} if path and str(path[0]) in declared else {}
        problems: list[tuple[Path, Diagnostic]] = []
        for key in missing:
            fact = fields.get(key) if path else declared.get(key)
            what = f"{where}: missing field {key!r}" if path else f"missing required fact {key!r}"
            problems.append(((key,), error("facts.missing", what + _label(fact), facts.locate(path))))
        return problems
    if kind == "additionalProperties" and isinstance(instance, dict):
        known = list(failure.schema.get("properties", {}))
        unknown: list[tuple[Path, Diagnostic]] = []
        for key in instance:
            if key in known:
                continue
            close = difflib.get_close_matches(str(key), known, n=1)
            what = f"unknown fact {key!r}" if not path else f"{where}: unknown field {key!r}"
            hint = f"did you mean {close[0]!r}?" if close else None
            unknown.append(((key,), error("facts.unknown", what, facts.locate_key(path + (key,)), hint)))
        return unknown
    location = facts.locate(path)
    bound = next((sub for sub in failure.context or () if sub.validator in _BOUND_WORDS), None)
    if kind == "anyOf" and bound is not None:
        failure, kind = bound, bound.validator  # the value has the right type; it is out of range
    if kind in _BOUND_WORDS:
        return [((), error("facts.range", f"{where}: {instance} {_BOUND_WORDS[kind]} {failure.validator_value}", location))]
    custom = failure.schema.get("errorMessage") if isinstance(failure.schema, dict) else None
    if custom:
        hint = None
        if kind == "enum":
            close = difflib.get_close_matches(str(instance), [str(v) for v in failure.validator_value], n=1)
            hint = f"did you mean {close[0]!r}?" if close else None
        elif isinstance(instance, str):
            hint = _text_hint(instance)
        return [((), error("facts.type", f"{where}: {custom}, found {found_text(instance)}", location, hint))]
    if kind in ("minItems", "maxItems"):
        return [((), error("facts.count", f"{where}: {readable(failure)}", location))]
    return [((), error(f"facts.{kind}", f"{where}: {readable(failure)}", location))]


def _text_hint(text: str) -> str | None:
    """Why a text was not taken as the value meant."""
    if text.strip() != text:
        return "remove the spaces around the value"
    if re.fullmatch(_NUMBER_TEXT, text):
        return f"a number in quotes is ambiguous: write {text} without quotes, or with its unit or %"
    surprise = yaml11_reading(text)
    if surprise:
        return f"YAML 1.1 would read {text!r} as {surprise}; facts are read as YAML 1.2: write true, false or a plain number"
    if text.lower() in ("true", "false"):
        return f"write {text.lower()} without quotes"
    return None


_BOUND_WORDS = {
    "minimum": "is below the minimum",
    "maximum": "is above the maximum",
    "exclusiveMinimum": "must be greater than",
    "exclusiveMaximum": "must be less than",
}


def converted_default(fact: Fact) -> Value:
    default = fact.default
    if isinstance(default, bool) or isinstance(default, str):
        return default
    return Decimal(default)


def _convert(fact: Fact, raw: Any, path: Path, facts: Facts, problems: list[tuple[Path, Diagnostic]]) -> Value | None:
    if fact.is_list:
        return _convert_list(fact, raw, path, facts, problems)
    where = plain_path(path)
    location = facts.locate(path)
    if isinstance(raw, float):
        message = f"{where}: {raw!r} is a binary floating-point number, which cannot hold most decimals exactly"
        hint = f'give an int or a Decimal, such as Decimal("{raw}")'
        problems.append((path, error("facts.float", message, location, hint)))
        return None
    numeric, whole_only = numeric_kinds(fact.kinds)
    if isinstance(raw, (bool, str)) and not (isinstance(raw, str) and numeric):
        return raw  # booleans, text and enum values passed the schema as they are
    if isinstance(raw, str):
        converted = convert_text(fact, raw, numeric)
        if converted is None:
            return raw  # an enum value of a union type
        if not fact.admits(converted):
            message = f"{where}: {raw} ({converted} in {fact.unit or 'its unit'}) is out of range{_range_text(fact)}"
            problems.append((path, error("facts.range", message, location)))
            return None
        return converted
    number = Decimal(raw)
    if whole_only and number != number.to_integral_value():
        problems.append((path, error("facts.type", f"{where}: expected a whole number, found {raw}", location)))
        return None
    return number


def convert_text(fact: Fact, raw: str, kinds: tuple[str, ...]) -> Decimal | None:
    money = _MONEY_TEXT.fullmatch(raw)
    if money and "money" in kinds and fact.unit:
        return Decimal(money.group(1)).scaleb(UNIT_EXPONENTS[money.group(2)] - UNIT_EXPONENTS[fact.unit])
    percent = _PERCENT_TEXT.fullmatch(raw)
    if percent and "ratio" in kinds:
        return Decimal(percent.group(1)).scaleb(-2)
    return None


def _range_text(fact: Fact) -> str:
    parts = []
    if fact.minimum is not None:
        parts.append(f"at least {fact.minimum}")
    if fact.greater_than is not None:
        parts.append(f"more than {fact.greater_than}")
    if fact.maximum is not None:
        parts.append(f"at most {fact.maximum}")
    if fact.less_than is not None:
        parts.append(f"less than {fact.less_than}")
    return f" (must be {' and '.join(parts)})" if parts else ""


def _convert_list(fact: Fact, raw: Any, path: Path, facts: Facts, problems: list[tuple[Path, Diagnostic]]) -> Value | None:
    records: list[Record] = []
    ok = True
    for index, item in enumerate(raw):
        record: list[tuple[str, Value]] = []
        for item_field in fact.fields:
            field_path = path + (index, item_field.id)
            if item_field.id in item:
                value = _convert(item_field, item[item_field.id], field_path, facts, problems)
                if value is None:
                    ok = False
                    continue
            elif item_field.has_default:
                value = converted_default(item_field)
            else:
                continue  # an optional field left out
            record.append((item_field.id, value))
        records.append(tuple(record))
    return tuple(records) if ok else None


def _check_problems(
    compiled: CompiledRubric, model: RubricModel, facts: Facts, values: Mapping[str, Value]
) -> list[tuple[Path, Diagnostic]]:
    problems: list[tuple[Path, Diagnostic]] = []
    for check in model.checks:
        program = compiled.programs[check.require.path]
        if not all(name in values for name in program.names):
            continue  # it reads an optional fact that was not given
        failure = _failed(program, values, check, compiled.limits)
        if failure is not None:
            first = program.names[0] if program.names else None
            location = facts.locate((first,)) if first else None
            problems.append(((first,) if first else (), error("facts.check", f"check {check.id}: {failure}", location)))
    for fact in model.facts:
        if not fact.checks or fact.id not in values:
            continue
        records = values[fact.id]
        assert isinstance(records, tuple)
        for index, record in enumerate(records):
            scope = dict(values)
            scope.update(dict(record))
            for check in fact.checks:
                program = compiled.programs[check.require.path]
                if not all(name in scope for name in program.names):
                    continue
                failure = _failed(program, scope, check, compiled.limits)
                if failure is not None:
                    location = facts.locate((fact.id, index))
                    problems.append(((fact.id, index), error("facts.check", f"check {check.id} on {fact.id}[{index}]: {failure}", location)))
    return problems


def _failed(program: Program, scope: Mapping[str, Value], check: FactCheck, limits: Limits) -> str | None:
    """The message of a check these values do not meet, with the values it read; or None."""
    try:
        met = program.evaluate(scope, limits) is True
        reason = ""
    except EvalFailure as problem:
        met, reason = False, f"; {problem}"
    if met:
        return None
    shown = ", ".join(f"{name} = {describe_value(scope[name])}" for name in program.names)
    return f"{check.message.zh} (`{program.source}` does not hold: {shown}{reason})"
