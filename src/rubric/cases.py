"""An author's test cases for a rubric: named departments and what the rubric must make of them.

A cases file (schemas/cases.schema.json) lists cases; each gives a department's facts (a facts
file, or facts written in place, changed by `with` and `without`) and what is expected: some of
the total, the grade, indicators' scores and findings, or the error the facts must be refused
with. Running them says, for each case that fails, every expectation it missed, with what was
expected and what came out; and which branches of the rubric the cases exercised (coverage.py).
A cases file is read as strictly as a rubric; a problem in it stops the run, as it is the test
itself that is wrong.
"""

from __future__ import annotations

import contextlib
import decimal
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from . import schema, source
from .api import Rubric
from .coverage import Coverage, Observations, coverage, observe
from .errors import Diagnostic, Location, RubricError, error, raise_if_errors
from .evaluate import Evaluation, EvaluationError, evaluate
from .facts import Facts, FactsError, load_facts, prepare
from .limits import DEFAULT_LIMITS, Limits

CASES_SCHEMA = "cases.schema.json"


class CasesError(RubricError):
    """A cases file that cannot be run: unreadable, or not in the cases format."""


@dataclass(frozen=True)
class Case:
    name: str
    location: Location
    document: source.Document  # the case, its places those in the cases file
    facts: Facts  # the department's facts, `with` and `without` applied, each value placed where written


@dataclass(frozen=True)
class CaseResult:
    name: str
    location: Location
    failures: tuple[str, ...]  # one line per expectation missed; none when the case passed

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class TestRun:
    files: tuple[tuple[str, tuple[CaseResult, ...]], ...]  # each cases file's name and results
    coverage: Coverage

    @property
    def results(self) -> tuple[CaseResult, ...]:
        return tuple(result for _, results in self.files for result in results)

    @property
    def failed(self) -> int:
        return sum(not result.passed for result in self.results)


def load_cases(path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS) -> tuple[Case, ...]:
    """The cases of a cases file, their facts read; raise `CasesError` with every problem of the
    file: its format, two cases of one name, a facts file that cannot be read, a `without` that
    names a fact the case does not have (a typo would test something else)."""
    try:
        document = source.read_file(os.fspath(path), limits)
    except RubricError as failure:
        raise CasesError(failure.diagnostics) from None
    problems, _ = schema.validate(document, CASES_SCHEMA)
    raise_if_errors(list(document.diagnostics) + problems, CasesError)
    read: dict[str, source.Document | FactsError] = {}  # each facts file once, however many cases use it
    cases, named = [], dict[str, Location]()
    for part in document.items(("cases",)):
        where = part.locate(("name",))
        name = part.data["name"]
        if name in named:
            problems.append(error("cases.duplicate_name", f"case {name!r} is named twice (first at line {named[name].line})", where))
        named.setdefault(name, where)
        try:
            cases.append(Case(name, part.locate(()), part, _facts(part, read, limits)))
        except CasesError as failure:
            problems.extend(failure.diagnostics)
    raise_if_errors(problems, CasesError)
    return tuple(cases)


def run_cases(rubric: Rubric, files: Mapping[str, tuple[Case, ...]]) -> TestRun:
    """Run every case of every cases file (by name) against `rubric`; coverage is of them all."""
    seen = Observations()
    ran = tuple((name, tuple(_run(rubric, case, seen) for case in cases)) for name, cases in files.items())
    return TestRun(ran, coverage(rubric.compiled, seen))


def _run(rubric: Rubric, case: Case, seen: Observations) -> CaseResult:
    expect = case.document.data["expect"]
    compiled = rubric.compiled
    try:
        prepared = prepare(compiled, case.facts)
    except FactsError as failure:
        return CaseResult(case.name, case.location, tuple(_refused(expect, failure)))
    # Branches a failing rule reached were exercised; the evaluation below names the failure.
    with contextlib.suppress(EvaluationError, ArithmeticError):
        observe(compiled, prepared, seen)
    try:
        evaluation = evaluate(compiled, prepared, rubric.sha256)
    except EvaluationError as failure:
        return CaseResult(case.name, case.location, tuple(_refused(expect, failure)))
    return CaseResult(case.name, case.location, tuple(_missed(expect, evaluation)))


def _facts(case: source.Document, read: dict[str, source.Document | FactsError], limits: Limits) -> Facts:
    """The case's facts, each value placed where it was written (the facts file or the cases file)."""
    given = case.data
    if isinstance(given["facts"], str):
        file = os.path.normpath(os.path.join(os.path.dirname(case.file), given["facts"]))
        if file not in read:
            try:
                read[file] = _facts_document(load_facts(file, limits=limits))
            except FactsError as failure:
                read[file] = failure
        found = read[file]
        if isinstance(found, FactsError):
            where = case.locate(("facts",))
            raise CasesError([_placed(diagnostic, file, where) for diagnostic in found.diagnostics])
        base = found
    else:
        base = case.part(("facts",))
    data = dict(base.data)
    positions, key_positions, spans = dict(base.positions), dict(base.key_positions), dict(base.spans)
    if "with" in given:
        changes = case.part(("with",))
        data.update(changes.data)
        positions.update({path: where for path, where in changes.positions.items() if path})
        key_positions.update(changes.key_positions)
        spans.update(changes.spans)
    missing = [
        error("cases.without", f"without: {fact_id!r} is not among the facts of this case", case.locate(("without", index)))
        for index, fact_id in enumerate(given.get("without", ()))
        if fact_id not in data
    ]
    raise_if_errors(missing, CasesError)
    for fact_id in given.get("without", ()):
        del data[fact_id]
    merged = source.Document(base.file, base.text, data, positions, key_positions, spans, (), base.refused)
    return Facts(data, base.file, merged)


def _facts_document(facts: Facts) -> source.Document:
    assert facts.document is not None  # facts read from a file keep their document
    return facts.document


def _placed(diagnostic: Diagnostic, file: str, where: Location) -> Diagnostic:
    """A problem reading a case's facts file, placed at the case when the file itself has no place
    to show (it cannot be opened)."""
    reason = source.unreadable_reason(diagnostic)
    if reason is None:
        return diagnostic
    return error("cases.facts_unreadable", f"cannot read the facts file {file}: {reason}", where)


def _refused(expect: Mapping[str, Any], failure: RubricError) -> Iterable[str]:
    wanted = expect.get("error")
    if wanted is None:
        yield "the facts were not scored:"
        yield from (f"  {diagnostic}" for diagnostic in failure.diagnostics)
        return
    code, part = _error_wanted(wanted)
    if any(_is(diagnostic, code, part) for diagnostic in failure.diagnostics):
        return
    expected = f"{code}" + (f" with {part!r} in its message" if part else "")
    yield f"error: expected {expected}, got:"
    yield from (f"  {diagnostic}" for diagnostic in failure.diagnostics)


def _error_wanted(wanted: str | Mapping[str, str]) -> tuple[str, str | None]:
    """An expected error's code, and the part of its message asked for, if any."""
    return (wanted, None) if isinstance(wanted, str) else (wanted["code"], wanted.get("message"))


def _is(diagnostic: Diagnostic, code: str, part: str | None) -> bool:
    return diagnostic.code == code and (part is None or part in diagnostic.message)


def _missed(expect: Mapping[str, Any], evaluation: Evaluation) -> Iterable[str]:
    if "error" in expect:
        code, _ = _error_wanted(expect["error"])
        yield f"error: expected {code}, but the facts were scored: total {evaluation.total}"
        return
    if "total" in expect and Decimal(expect["total"]) != evaluation.total:
        yield f"total: expected {expect['total']}, got {evaluation.total}"
    if "grade" in expect:
        grade = evaluation.grade
        if grade is None or expect["grade"] not in (grade.zh, grade.en):
            yield f"grade: expected {expect['grade']}, got {grade.zh if grade else 'none'}"
    results = {result.id: result for result in evaluation.indicators}
    for indicator_id, wanted in expect.get("scores", {}).items():
        result = results.get(indicator_id)
        if result is None:
            yield f"{indicator_id}: the rubric has no such indicator"
            continue
        got = "not_applicable" if result.status == "not_applicable" else result.score
        same = wanted == got if "not_applicable" in (wanted, got) else Decimal(wanted) == got
        if not same:
            yield f"{indicator_id}: expected {wanted}, got {got}"
    problems: dict[str, list[str]] = {}
    for finding in evaluation.findings:
        problems.setdefault(finding.indicator, []).append(finding.problem.zh)
    for wanted in expect.get("findings", ()):
        indicator_id, part = (wanted, None) if isinstance(wanted, str) else (wanted["indicator"], wanted.get("problem"))
        theirs = problems.get(indicator_id, [])
        if indicator_id not in results:
            yield f"findings: the rubric has no indicator {indicator_id!r}"
        elif not any(part is None or part in problem for problem in theirs):
            about = f" with {part!r} in its problem" if part else ""
            yield f"findings: expected a finding of {indicator_id}{about}, found " + (
                "none" if not theirs else "only: " + "; ".join(theirs)
            )
    for indicator_id in expect.get("no_findings", ()):
        theirs = problems.get(indicator_id, [])
        if indicator_id not in results:
            yield f"no_findings: the rubric has no indicator {indicator_id!r}"
        elif theirs:
            yield f"no_findings: expected no finding of {indicator_id}, found: " + "; ".join(theirs)


def to_text(run: TestRun, rubric_file: str, minimum: Decimal | None = None) -> str:
    """The report of a test run: each case, every failure in full, the coverage of each indicator
    with the branches that never ran and where they are written."""
    lines: list[str] = []
    for name, results in run.files:
        lines.append(name)
        for result in results:
            if result.passed:
                lines.append(f"  ok    {result.name}")
                continue
            lines.append(f"  FAIL  {result.name}  ({result.location})")
            lines.extend(f"          {failure}" for failure in result.failures)
    total = len(run.results)
    lines.append(f"{total} case{'s' * (total != 1)}: {total - run.failed} passed, {run.failed} failed")
    found = run.coverage
    lines += ["", f"coverage of {rubric_file}: {found.covered} of {found.branches} branches ({percent(found.percent)})"]
    width = max((len(item.indicator.id) for item in found.indicators), default=0)
    for item in found.indicators:
        lines.append(f"  {item.indicator.id:<{width}}  {item.covered}/{len(item.branches)}  {item.indicator.name.zh}")
        lines.extend(
            f"      never ran: {branch.description}  ({branch.location})" for branch in item.branches if not branch.covered
        )
    if minimum is not None and found.percent < minimum:
        lines.append(f"coverage {percent(found.percent)} is below the minimum of {percent(minimum)}")
    return "\n".join(lines) + "\n"


def percent(value: Decimal) -> str:
    """Per cent to one place, rounded down: 99.96 is 99.9%, so only full coverage shows 100%."""
    shown = value.quantize(Decimal("0.1"), rounding=decimal.ROUND_DOWN)
    return f"{int(shown)}%" if shown == shown.to_integral_value() else f"{shown}%"
