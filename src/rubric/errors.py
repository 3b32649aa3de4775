"""Problems as data, and the one exception type that carries them.

Every stage reports what is wrong as `Diagnostic` values rather than raising at the first one,
so that an author sees every mistake of a file in one run (as `jsonschema.iter_errors` does).
A stage that finds errors raises one `RubricError` holding all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Location:
    """Where something stands in a source file; line and column count from 1."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem: where, a stable code that tools can match on, what is wrong, what to do."""

    severity: Severity
    code: str
    message: str
    location: Location | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}{self.severity}: {self.message}{hint}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def error(code: str, message: str, location: Location | None = None, hint: str | None = None) -> Diagnostic:
    return Diagnostic("error", code, message, location, hint)


def warning(code: str, message: str, location: Location | None = None, hint: str | None = None) -> Diagnostic:
    return Diagnostic("warning", code, message, location, hint)


class RubricError(Exception):
    """The only exception `rubric` lets out: one or more problems, each with its place and code.

    `str()` gives one `path:line:col: error: message` line per problem. `warnings` carries the
    warnings found alongside, so that nothing found is lost when loading fails.
    """

    def __init__(self, diagnostics: list[Diagnostic] | tuple[Diagnostic, ...], warnings: tuple[Diagnostic, ...] = ()):
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        self.warnings: tuple[Diagnostic, ...] = tuple(warnings)
        super().__init__("\n".join(str(d) for d in self.diagnostics))

    @property
    def first(self) -> Diagnostic:
        return self.diagnostics[0]

    @property
    def code(self) -> str:
        return self.first.code

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.diagnostics, self.warnings))


def raise_if_errors(diagnostics: list[Diagnostic], error_type: type[RubricError] = RubricError) -> None:
    """Raise `error_type` with every error of `diagnostics` (warnings ride along), if there is one."""
    errors = [d for d in diagnostics if d.is_error]
    if errors:
        raise error_type(errors, tuple(d for d in diagnostics if not d.is_error))
