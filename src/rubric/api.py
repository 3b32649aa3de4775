"""The public face: load a rubric through every stage, in order, once.

read (source) → validate (schema) → build (model) → check → compile. Each stage only hands its
result forward; the first four collect problems instead of stopping, and loading fails with
one `RubricError` holding every error found (warnings ride along on the error and the rubric).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path as FilePath

from . import schema, source
from .check import check
from .compile import CompiledRubric, compile_rubric
from .errors import Diagnostic, RubricError, raise_if_errors
from .model import Fact, Indicator, RubricModel, Text, build

RUBRIC_SCHEMA = "rubric.schema.json"


@dataclass(frozen=True)
class Rubric:
    """A loaded, checked and compiled rubric: immutable, safe to share between threads, picklable."""

    compiled: CompiledRubric

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
    return Rubric(compile_rubric(*_checked(_read(path_or_text, name))))


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


def _checked(document: source.Document):  # type: ignore[no-untyped-def]
    schema_problems, bad_paths = schema.validate(document, schema.load_schema(RUBRIC_SCHEMA))
    model = build(document, bad_paths)
    result = check(model, document)
    everything = list(document.diagnostics) + schema_problems + result.diagnostics
    everything.sort(key=_position)
    raise_if_errors(everything)
    return model, result
