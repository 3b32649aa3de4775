"""Stage 2: validate a document against its JSON Schema, with errors placed in the file.

The schemas in `schemas/` are the single description of each format: editors use them, and so
does this stage. jsonschema reports each failure with its path in the document; the document
knows where each path stands, so every error gets a line and column, and a message written for
a finance officer rather than a schema engineer.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError

from .errors import Diagnostic, error
from .source import Document, Path, yaml11_reading

_TYPE_NAMES = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "null": "nothing",
}


@cache
def load_schema(name: str) -> dict[str, Any]:
    """A schema shipped with the package (the same files as the repository's `schemas/`)."""
    text = resources.files("rubric").joinpath("schemas", name).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _end_anchored(pattern: str) -> re.Pattern[str]:
    """JSON Schema patterns are ECMA-262 regular expressions, where `$` matches only at the end;
    Python's `$` also matches before a final line break, so "demo\n" would pass `^[a-z]+$`."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not _end_anchored(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


StrictDraft202012 = jsonschema.validators.extend(jsonschema.Draft202012Validator, validators={"pattern": _pattern})


@cache
def _validator(name: str) -> Any:
    """A validator of a shipped schema, made once, with its references written out in place.

    jsonschema resolves every `$ref` anew each time it meets one, which made validating
    `rubrics/2023.yaml` cost 40 ms here; a schema whose references are replaced by what they
    name (a copy, the file is untouched) validates the same documents with the same errors, at
    a fraction of the cost. A definition that refers to itself (an indicator's children), or a
    reference beside other keywords, stays a reference.
    """
    schema = load_schema(name)
    definitions = schema.get("$defs", {})

    def inlined(node: Any, within: frozenset[str] = frozenset()) -> Any:
        if isinstance(node, list):
            return [inlined(item, within) for item in node]
        if not isinstance(node, dict):
            return node
        reference = node.get("$ref")
        if isinstance(reference, str) and reference.startswith("#/$defs/") and set(node) <= {"$ref", "description"}:
            key = reference.removeprefix("#/$defs/")
            if key in definitions and key not in within:  # a definition within itself stays a reference
                return inlined(definitions[key], within | {key})
        return {key: value if key in ("enum", "const") else inlined(value, within) for key, value in node.items()}

    return StrictDraft202012(inlined(schema))


def validate(document: Document, schema_name: str) -> tuple[list[Diagnostic], frozenset[Path]]:
    """Every violation of the shipped schema `schema_name` in `document`, and the paths where
    they were found. A value the reader already refused (a number out of range, say) is not
    reported again."""
    schema = load_schema(schema_name)
    validator = _validator(schema_name)
    diagnostics: list[Diagnostic] = []
    bad_paths: set[Path] = set()
    for failure in validator.iter_errors(document.data):
        path: Path = tuple(failure.absolute_path)
        bad_paths.add(path)
        if path not in document.refused:
            diagnostics.extend(_render(document, schema, failure, path))
    # jsonschema reports a `required` failure once per missing key, each naming them all
    unique = list(dict.fromkeys(diagnostics))
    unique.sort(key=lambda d: (d.location.line, d.location.column) if d.location else (0, 0))
    return unique, frozenset(bad_paths)


def describe(data: Any, path: Path) -> str:
    """A short human name for the thing at `path`: "indicator 'completion'", "fact 'year'"..."""
    node = data
    names: list[str] = []
    for index, step in enumerate(path):
        parent_key = path[index - 1] if index else None
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(step, int) and parent_key in ("indicators", "children") and isinstance(node, dict):
            names.append(f"indicator {node.get('id', step)!r}")
        elif parent_key == "facts":
            names.append(f"fact {step!r}")
        elif parent_key == "fields":
            names.append(f"field {step!r}")
    suffix = plain_path(path[_last_named(path) :])
    if not names:
        return suffix or "the file"
    return f"{names[-1]} {suffix}" if suffix else names[-1]


def _last_named(path: Path) -> int:
    last = 0
    for index, step in enumerate(path):
        parent_key = path[index - 1] if index else None
        if (isinstance(step, int) and parent_key in ("indicators", "children")) or parent_key in ("facts", "fields"):
            last = index + 1
    return last


def plain_path(path: Iterable[str | int]) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def found_text(value: Any) -> str:
    if isinstance(value, bool):
        return f"{'true' if value else 'false'} (a boolean)"
    if isinstance(value, (int, float, Decimal)):
        finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
        return f"{value} (a number)" if finite else f"{value} (not a finite number)"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else f"{value[:60]}…"
        return f"text {shown!r}" + (f" ({len(value)} characters)" if len(value) > 60 else "")
    if value is None:
        return "nothing"
    return "a mapping" if isinstance(value, dict) else "a list"


def _expected(types: str | list[str]) -> str:
    names = [types] if isinstance(types, str) else types
    return " or ".join(_TYPE_NAMES.get(name, name) for name in names)


def _allowed_keys(root: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    keys = list(schema.get("properties", {}))
    reference = schema.get("$ref")
    if isinstance(reference, str) and reference.startswith("#/$defs/"):
        keys += _allowed_keys(root, root["$defs"][reference.removeprefix("#/$defs/")])
    return keys


def _render(document: Document, root: dict[str, Any], failure: ValidationError, path: Path) -> list[Diagnostic]:
    data = document.data
    where = describe(data, path)
    kind = failure.validator
    instance = failure.instance
    custom = failure.schema.get("errorMessage") if isinstance(failure.schema, dict) else None

    if "propertyNames" in failure.relative_schema_path or "propertyNames" in failure.schema_path:
        location = document.locate_key(path + (instance,))
        return [error("schema.name", f"{where}: {instance!r} is not a valid name: {custom or failure.message}", location)]

    if kind == "required":
        missing = [key for key in failure.validator_value if isinstance(instance, dict) and key not in instance]
        return [
            error("schema.required", f"{where}: missing required key {key!r}", document.locate(path), f"add {key}: ...")
            for key in missing
        ]

    if kind in ("additionalProperties", "unevaluatedProperties") and isinstance(instance, dict):
        allowed = _allowed_keys(root, failure.schema)
        unexpected = [key for key in instance if key not in allowed]
        problems = []
        for key in unexpected:
            close = difflib.get_close_matches(key, allowed, n=1)
            suggestion = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(allowed)}"
            problems.append(
                error("schema.unknown_key", f"{where}: unknown key {key!r}", document.locate_key(path + (key,)), suggestion)
            )
        return problems

    location = document.locate(path)
    if kind == "type":
        message = f"{where}: expected {_expected(failure.validator_value)}, found {found_text(instance)}"
        return [error("schema.type", message, location, _type_hint(instance, failure.validator_value))]

    if kind == "enum":
        options = [str(option) for option in failure.validator_value]
        close = difflib.get_close_matches(str(instance), options, n=1)
        closest = f"did you mean {close[0]!r}?" if close else None
        return [error("schema.enum", f"{where}: {found_text(instance)} is not one of {', '.join(options)}", location, closest)]

    if custom and kind in ("oneOf", "anyOf", "pattern", "const", "not"):
        return [error(f"schema.{kind}", f"{where}: {custom}", location)]
    if kind == "dependentRequired" and isinstance(instance, dict):
        needed = [key for keys in failure.validator_value.values() for key in keys if key not in instance]
        return [error("schema.dependentRequired", f"{where}: {', '.join(map(repr, needed))} is needed here too", location)]
    return [error(f"schema.{kind}", f"{where}: {readable(failure)}", location)]


def readable(failure: ValidationError) -> str:
    """What was expected and what was found, briefly. jsonschema's own messages name values by
    their Python repr, which for a list of a hundred indicators is thousands of characters."""
    kind, expected, instance = failure.validator, failure.validator_value, failure.instance
    if kind == "type":
        return f"expected {_expected(expected)}, found {found_text(instance)}"
    bound = "at least" if kind.startswith("min") else "at most"
    if kind in ("minItems", "maxItems") and isinstance(instance, list):
        return f"expected {bound} {expected} items, found {len(instance)}"
    if kind in ("minLength", "maxLength") and isinstance(instance, str):
        return f"expected {bound} {expected} characters, found {len(instance)}"
    if kind in ("minProperties", "maxProperties") and isinstance(instance, dict):
        return f"expected {bound} {expected} keys, found {len(instance)}"
    message: str = failure.message
    return message if len(message) <= 200 else message[:200] + "…"


def _type_hint(instance: Any, expected: str | list[str]) -> str | None:
    """Why a value has the wrong type, when YAML made it so."""
    surprise = yaml11_reading(instance) if isinstance(instance, str) else None
    if surprise and expected == "boolean":
        return f"YAML 1.1 would read {instance!r} as a boolean; this format reads only true and false"
    if surprise:
        return f"YAML 1.1 would read {instance!r} as {surprise}; this format does not: write the value plainly"
    if expected == "string" and not isinstance(instance, (dict, list)):
        return f'quote it: "{_scalar_text(instance)}"'
    return None


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
