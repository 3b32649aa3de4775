"""The public face: load a rubric through every stage, in order, once; then evaluate facts.

read (source) → validate (schema) → [merge with the base (inherit) → validate] → build (model)
→ check → compile, at load; facts → evaluate for each department. Each stage only hands its result forward; the loading stages collect
problems instead of stopping, and loading fails with one `RubricError` holding every error
found (warnings ride along on the error and the rubric).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any, TypeGuard, TypeVar

from . import inherit, schema, source
from .check import CheckResult, check
from .compile import CompiledRubric, compile_rubric
from .errors import Diagnostic, Location, RubricError, error, raise_if_errors
from .evaluate import Evaluation, EvaluationError, evaluate
from .facts import Facts, FactsError, facts_schema, prepare
from .limits import DEFAULT_LIMITS, Limits
from .model import Fact, Indicator, RubricModel, Text, build

RUBRIC_SCHEMA = "rubric.schema.json"
T = TypeVar("T")


@dataclass(frozen=True)
class Rubric:
    """A loaded, checked and compiled rubric: immutable, safe to share between threads, picklable."""

    compiled: CompiledRubric
    sha256: str  # of the rubric's canonical content: the same rubric in any layout has the same digest

    def evaluate(self, facts: Facts | Mapping[str, Any], *, trace: bool = True) -> Evaluation:
        """Score one department's facts (a `Facts` from `load_facts`, or a mapping).

        With `trace=False` the scores, grade and findings are the same, but no trace is built and
        no report sentence is written (every `trace` is empty, every `narrative` too): the fast
        path for batches, where nobody reads how a score was reached or the written report.

        Raises `FactsError` with every problem of the facts, or `EvaluationError` when a rule
        cannot be computed for them, or when the evaluation is stopped by anything else (memory
        exhausted, a bug of ours): nothing else, apart from `KeyboardInterrupt`.
        """
        return _contained(
            lambda: evaluate(self.compiled, prepare(self.compiled, facts), self.sha256, trace=trace),
            EvaluationError,
            self.file,
        )

    def evaluate_many(
        self, facts: Iterable[Facts | Mapping[str, Any]], *, jobs: int = 1, trace: bool = False
    ) -> Iterator[Evaluation | FactsError | EvaluationError]:
        """Score many departments: one item per input, in input order, each the `Evaluation` or
        the `FactsError` / `EvaluationError` that `evaluate` would have raised for it.

        Lazy: `facts` is read as the results are taken, a bounded number ahead, so any number of
        departments (or an endless generator) goes through in flat memory. With `jobs` above 1,
        that many worker processes (each a fresh interpreter, given this rubric once) score
        chunks of the input; the results are the same, in the same order. Raises `ValueError`
        for a `jobs` that is not a positive whole number, and `EvaluationError`
        (`resource.exhausted`) if a worker process dies.
        """
        from .batch import evaluate_many  # batch uses this module's `Rubric`: imported here, not at the top

        return evaluate_many(self, facts, jobs=jobs, trace=trace)

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

    @property
    def limits(self) -> Limits:
        return self.compiled.limits


def load(
    path_or_text: str | os.PathLike[str], *, name: str | None = None, limits: Limits | None = None
) -> Rubric:
    """Load a rubric from a file path, or from YAML text (anything containing a line break).

    Raises `RubricError` with every problem found. `name` labels text in messages; `limits`
    bounds what reading, checking and every later evaluation may cost (`Limits()` by default).
    """
    bounds = limits or DEFAULT_LIMITS

    def load_it() -> Rubric:
        document = _resolved(_read(path_or_text, name, bounds), bounds)
        model, result = _checked(document, bounds)
        digest = hashlib.sha256(source.canonical_json(document.data).encode("utf-8")).hexdigest()
        return Rubric(compile_rubric(model, result, bounds), digest)

    return _contained(load_it, RubricError, _label(path_or_text, name))


def check_rubric(
    path_or_text: str | os.PathLike[str], *, name: str | None = None, limits: Limits | None = None
) -> list[Diagnostic]:
    """Every error and warning of a rubric, in file order, without raising for rubric problems."""
    bounds = limits or DEFAULT_LIMITS

    def check_it() -> list[Diagnostic]:
        try:
            document = _resolved(_read(path_or_text, name, bounds), bounds)
            _, result = _checked(document, bounds)
        except RubricError as failure:
            return sorted(failure.diagnostics + failure.warnings, key=_position)
        return sorted(result.diagnostics, key=_position)

    return _contained(check_it, RubricError, _label(path_or_text, name))


def _contained(work: Callable[[], T], error_type: type[RubricError], file: str) -> T:
    """Run `work`; whatever escapes it other than our errors and an interrupt becomes `error_type`.

    Memory or the interpreter's recursion running out is a limit reached, anything else a bug of
    ours; either way the caller gets our error with a place, never a traceback.
    """
    try:
        return work()
    except (RubricError, KeyboardInterrupt):
        raise
    except (MemoryError, RecursionError) as problem:
        reason = "memory ran out" if isinstance(problem, MemoryError) else "nesting ran too deep"
        where = Location(file, 1, 1)
        raise error_type([error("resource.exhausted", f"stopped: {reason}", where, "lower the input's size or nesting")]) from None
    except BaseException as problem:  # noqa: BLE001 - SystemExit included: a library must not end the process
        where = Location(file, 1, 1)
        message = f"stopped by an unexpected {type(problem).__name__}: {problem}"
        raise error_type([error("internal.error", message, where, "this is a bug in rubric: please report it")]) from None


def _is_text(path_or_text: str | os.PathLike[str]) -> TypeGuard[str]:
    return isinstance(path_or_text, str) and ("\n" in path_or_text or not path_or_text.strip())


def _label(path_or_text: str | os.PathLike[str], name: str | None) -> str:
    return name or "<string>" if _is_text(path_or_text) else os.fspath(path_or_text)


def _position(diagnostic: Diagnostic) -> tuple[str, int, int]:
    location = diagnostic.location
    return (location.file, location.line, location.column) if location else ("", 0, 0)


def _read(path_or_text: str | os.PathLike[str], name: str | None, limits: Limits) -> source.Document:
    if _is_text(path_or_text):
        return source.read_text(path_or_text, name or "<string>", limits)
    return source.read_file(os.fspath(FilePath(path_or_text)), limits)


def _resolved(document: source.Document, limits: Limits, chain: tuple[str, ...] = ()) -> source.Document:
    """A rubric that extends another, merged with its base (itself resolved first); any other as read.

    The derived file is validated on its own first (its override, add and remove must be well
    formed to be applied), and so is its base; the merged rubric is then validated and checked
    as a whole like any rubric. `chain` holds the files already on the way, the loaded one
    first: a cycle is refused, and so is a base outside the loaded rubric's folder, so that an
    untrusted rubric cannot make the loader read (and its errors show) files elsewhere.
    """
    if not isinstance(document.data, dict) or "extends" not in document.data:
        return document
    _validated(document)
    chain = chain or (os.path.realpath(document.file),)
    folder = os.path.dirname(chain[0])
    where = document.locate(("extends",))
    base_file = os.path.normpath(os.path.join(os.path.dirname(document.file), document.data["extends"]))
    identity = os.path.realpath(base_file)

    def refuse(code: str, message: str, hint: str) -> RubricError:
        return RubricError([error(code, message, where, hint)])

    if identity in chain:
        loop = " → ".join(os.path.basename(step) for step in (*chain, identity))
        raise refuse("extend.cycle", f"rubrics extend each other in a cycle: {loop}", "a base rubric cannot extend the rubrics derived from it")
    if os.path.commonpath([folder, identity]) != folder:
        raise refuse(
            "extend.outside",
            f"the base rubric {base_file} is outside {folder}, the folder of the rubric being loaded",
            "a base rubric lies in the folder of the rubric that extends it, or below it: copy it there",
        )
    if len(chain) > limits.max_extends_depth:
        raise refuse("limit.extends", f"more than {limits.max_extends_depth} rubrics extend each other in a chain", "extend a rubric nearer the root")
    try:
        base = source.read_file(base_file, limits)
    except RubricError as failure:
        reason = source.unreadable_reason(failure.first)
        if reason is None:
            raise
        raise refuse("extend.unreadable", f"cannot read the base rubric {base_file}: {reason}", "extends is a path relative to this file's folder") from None
    base = _resolved(base, limits, chain + (identity,))
    _validated(base)
    merged, problems = inherit.merge(base, document)
    raise_if_errors(sorted(problems, key=_position))
    if source.nesting(merged.data) > limits.max_yaml_depth:  # each file was within it, not both
        raise refuse(
            "yaml.too_deep",
            f"merged with its base, the rubric nests deeper than {limits.max_yaml_depth} levels",
            "add indicators nearer the top of the tree",
        )
    return merged


def _validated(document: source.Document) -> None:
    """Raise every error of a document that must be well formed before it can be merged."""
    problems, _ = schema.validate(document, RUBRIC_SCHEMA)
    raise_if_errors(sorted(list(document.diagnostics) + problems, key=_position))


def _checked(document: source.Document, limits: Limits) -> tuple[RubricModel, CheckResult]:
    schema_problems, bad_paths = schema.validate(document, RUBRIC_SCHEMA)
    model = build(document, bad_paths)
    result = check(model, document, limits)
    everything = list(document.diagnostics) + schema_problems + result.diagnostics
    everything.sort(key=_position)
    raise_if_errors(everything)
    return model, result
