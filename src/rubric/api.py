"""The public face: load a rubric through every stage, in order, once; then evaluate facts.

read (source) → validate (schema) → build (model) → check → compile, at load; facts → evaluate
for each department. Each stage only hands its result forward; the loading stages collect
problems instead of stopping, and loading fails with one `RubricError` holding every error
found (warnings ride along on the error and the rubric).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any

from . import schema, source
from .check import CheckResult, check
from .compile import CompiledRubric, compile_rubric
from .errors import Diagnostic, RubricError, raise_if_errors
from .evaluate import Evaluation, evaluate
from .facts import Facts, facts_schema, prepare
from .model import Fact, Indicator, RubricModel, Text, build

RUBRIC_SCHEMA = "rubric.schema.json"


@dataclass(frozen=True)
class Rubric:
    """A loaded, checked and compiled rubric: immutable, safe to share between threads, picklable."""

    compiled: CompiledRubric
    sha256: str  # of the rubric's canonical content: the same rubric in any layout has the same digest

    def evaluate(self, facts: Facts | Mapping[str, Any]) -> Evaluation:
        """Score one department's facts (a `Facts` from `load_facts`, or a mapping).

        Raises `FactsError` with every problem of the facts, or `EvaluationError` when a rule
        cannot be computed for them; nothing else.
        """
        return evaluate(self.compiled, prepare(self.compiled, facts), self.sha256)

    def facts_schema(self) -> dict[str, Any]:
        """The JSON Schema of a facts file for this rubric (numbers in it may be `Decimal`)."""
        return facts_schema(self.compiled.model)

    @property
    def id(self) -> str:
        return self.compiled.model.id

    @property
    def title(self) -> Text:
        return self.compiled.model.title

    @property
    def version(self) -> str:
        return self.compiled.model.version

    @property
    def year(self) -> int:
        return self.compiled.model.year

    @property
    def file(self) -> str:
        return self.compiled.model.file

    @property
    def model(self) -> RubricModel:
        return self.compiled.model

    @property
    def facts(self) -> tuple[Fact, ...]:
        return self.compiled.model.facts

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        return self.compiled.model.indicators

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return self.compiled.warnings


def load(path_or_text: str | os.PathLike[str], *, name: str | None = None) -> Rubric:
    """Load a rubric from a file path, or from YAML text (anything containing a line break).

    Raises `RubricError` with every problem found. `name` labels text in messages.
    """
    document = _read(path_or_text, name)
    model, result = _checked(document)
    digest = hashlib.sha256(source.canonical_json(document.data).encode("utf-8")).hexdigest()
    return Rubric(compile_rubric(model, result), digest)


def check_rubric(path_or_text: str | os.PathLike[str], *, name: str | None = None) -> list[Diagnostic]:
    """Every error and warning of a rubric, in file order, without raising for rubric problems."""
    try:
        document = _read(path_or_text, name)
        model, result = _checked(document)
    except RubricError as failure:
        return sorted(failure.diagnostics + failure.warnings, key=_position)
    return sorted(result.diagnostics, key=_position)


def _position(diagnostic: Diagnostic) -> tuple[int, int]:
    location = diagnostic.location
    return (location.line, location.column) if location else (0, 0)


def _read(path_or_text: str | os.PathLike[str], name: str | None) -> source.Document:
    if isinstance(path_or_text, str) and ("\n" in path_or_text or not path_or_text.strip()):
        return source.read_text(path_or_text, name or "<string>")
    return source.read_file(os.fspath(FilePath(path_or_text)))


def _checked(document: source.Document) -> tuple[RubricModel, CheckResult]:
    schema_problems, bad_paths = schema.validate(document, schema.load_schema(RUBRIC_SCHEMA))
    model = build(document, bad_paths)
    result = check(model, document)
    everything = list(document.diagnostics) + schema_problems + result.diagnostics
    everything.sort(key=_position)
    raise_if_errors(everything)
    return model, result
