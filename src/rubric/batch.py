"""Many departments at once: JSON Lines in, one result per department out, in input order.

A batch is a stream, not a document: each line is one department's facts, read as strictly as a
facts file (exact decimals, no duplicate keys, bounded size and depth, no invisible characters),
scored with `trace=False`, and written out at once as one compact line (or CSV row). A line that
cannot be read, or whose facts are rejected, or whose rules cannot be computed, becomes a
`Reject` holding its line number and our error, and the batch goes on.

Memory stays flat whatever the input: lines are read in bounded chunks, at most a few chunks are
in flight, and results are written as soon as they are next in order. With several jobs, chunks
of raw lines go to worker processes that parse, score and render them and send back text; the
rubric is sent once to each worker (by the pool's initializer), never with the work.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import pickle
import signal
import stat
import time
import unicodedata
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from itertools import islice
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, TextIO, TypeVar

from .errors import Location, error
from .evaluate import Evaluation, EvaluationError
from .facts import Facts, FactsError
from .limits import Limits
from .source import (  # the reader's own character sets, so that a line refuses what a facts file does
    FORBIDDEN_DECODED,
    INVISIBLE,
    MAX_NUMBER_CHARACTERS,
    SURROGATE,
    within_number_range,
)

if TYPE_CHECKING:
    from .api import Rubric

OutputFormat = Literal["jsonl", "csv"]
Outcome = Evaluation | FactsError | EvaluationError

_CHUNK_LINES = 500  # lines sent to a worker at once: enough to make the sending cost nothing ...
_CHUNK_BYTES = 1 << 20  # ... and a bound on the chunk's size whatever the lines' lengths
_CHUNK_ITEMS = 100  # facts mappings sent to a worker at once by `evaluate_many`
_AHEAD_PER_JOB = 2  # chunks in flight per worker: each has the next one waiting, and no more
_MAX_INTEGER_DIGITS = 30  # the file reader's bound on a whole number's digits

S = TypeVar("S")
C = TypeVar("C")
R = TypeVar("R")


@dataclass(frozen=True)
class Reject:
    """A department that was not scored: its input line and every problem found with it.

    Reading and facts problems are placed in the input (`IN.jsonl:LINE:COL`); a rule that cannot
    be computed keeps its place in the rubric, as `rubric evaluate` reports it.
    """

    line: int
    error: FactsError | EvaluationError


@dataclass(frozen=True)
class Tally:
    """What a batch did: departments read (blank lines are not departments), scored, rejected."""

    departments: int
    scored: int
    rejected: int  # lines that could not be read, or whose facts were refused
    failed: int  # departments whose rules could not be computed


# -- reading one line -----------------------------------------------------------------------------


class _Refused(Exception):
    """A reading problem found inside the JSON parser's hooks, which know no position."""

    def __init__(self, code: str, message: str, hint: str | None = None):
        super().__init__(message)
        self.code, self.message, self.hint = code, message, hint


# Most numbers are short: up to 21 characters, a whole number is below 10^21, and a number with a
# point and no exponent has at most 19 digits before the point or its first digit within 19 places
# after it, so it lies within the reader's range (`within_number_range`) without asking.
_SURELY_IN_RANGE = 21


def _integer(text: str) -> int:
    if len(text) <= _SURELY_IN_RANGE:
        return int(text)
    if len(text) > _MAX_INTEGER_DIGITS:
        raise _Refused("yaml.number_too_long", f"number has more than {_MAX_INTEGER_DIGITS} digits")
    number = int(text)
    if not within_number_range(number):
        raise _Refused("yaml.number_range", f"{text} is out of range (beyond 10^20 or below 10^-20)")
    return number


def _decimal(text: str) -> Decimal:
    """JSON numbers with a point or an exponent, exactly: never through a binary float."""
    if len(text) <= _SURELY_IN_RANGE and "e" not in text and "E" not in text:
        return Decimal(text)
    if len(text) > MAX_NUMBER_CHARACTERS:
        raise _Refused("yaml.number_too_long", f"number has more than {MAX_NUMBER_CHARACTERS} characters")
    number = Decimal(text)
    if not within_number_range(number):
        raise _Refused("yaml.number_range", f"{text} is out of range (beyond 10^20 or below 10^-20)")
    return number


def _constant(name: str) -> Any:
    raise _Refused("yaml.syntax", f"JSON syntax: {name} is not a JSON number", "write a finite number")


def _mapping(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping = dict(pairs)
    if len(mapping) < len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Refused("yaml.duplicate_key", f"duplicate key {key!r}", "each key may appear once in a mapping")
            seen.add(key)
    return mapping


# One decoder serves every line and every thread: it keeps no state between calls.
_DECODER = json.JSONDecoder(
    parse_float=_decimal, parse_int=_integer, parse_constant=_constant, object_pairs_hook=_mapping
)
_BLANK = b" \t\r\n"  # JSON's whitespace
_BOM = b"\xef\xbb\xbf"


def _character_problem(character: str) -> tuple[str, str]:
    """The message and hint for a character the file reader refuses (the same words)."""
    if SURROGATE.match(character):
        return "an escape writes half of a UTF-16 pair without the other half", "write the character itself"
    if INVISIBLE.match(character):
        name = unicodedata.name(character, "unnamed")
        return f"invisible character U+{ord(character):04X} ({name}) is not allowed", (
            "delete it: it can make text read differently from how it looks"
        )
    return f"character U+{ord(character):04X} is not allowed", "remove control characters from the line"


def _hidden_problem(value: Any, max_depth: int) -> _Refused | None:
    """Nesting too deep, or a refused character written as an escape (`\\u200b`, `\\b`), anywhere."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            return _Refused("yaml.too_deep", f"nesting deeper than {max_depth} levels")
        texts: Iterable[Any] = ()
        if isinstance(item, dict):
            texts = item
            stack.extend((inner, depth + 1) for inner in item.values())
        elif isinstance(item, list):
            stack.extend((inner, depth + 1) for inner in item)
        elif isinstance(item, str):
            texts = (item,)
        for text in texts:
            found = SURROGATE.search(text) or FORBIDDEN_DECODED.search(text)
            if found:
                message, hint = _character_problem(found.group())
                return _Refused("yaml.character", message, hint)
    return None


def read_line(raw: bytes, file: str, line: int, limits: Limits) -> dict[str, Any]:
    """One department's facts from one line of JSON, or `FactsError` with the first problem.

    Read as strictly as a facts file, with the reader's codes: UTF-8 (a BOM may open line 1),
    numbers as exact `Decimal` or `int` within the reader's range, no NaN or infinities, no
    duplicate keys, nesting at most `limits.max_yaml_depth`, none of the characters the reader
    refuses, and an object at the top. The length bound is the caller's: it reads the lines.
    """

    def refused(code: str, message: str, column: int = 1, hint: str | None = None) -> FactsError:
        return FactsError([error(code, message, Location(file, line, column), hint)])

    if line == 1 and raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as problem:
        column = len(raw[: problem.start].decode("utf-8", errors="replace")) + 1
        raise refused("yaml.encoding", "the line is not valid UTF-8", column, "save the file as UTF-8") from None
    found = FORBIDDEN_DECODED.search(text)
    if found:
        message, hint = _character_problem(found.group())
        raise refused("yaml.character", message, found.start() + 1, hint)
    try:
        data = _DECODER.decode(text)
    except json.JSONDecodeError as problem:
        # ("Invalid control character at" names its place in the message; ours is the column)
        raise refused("yaml.syntax", f"JSON syntax: {problem.msg.removesuffix(' at')}", problem.colno) from None
    except _Refused as problem:
        raise refused(problem.code, problem.message, hint=problem.hint) from None
    except RecursionError:
        raise refused("yaml.too_deep", f"nesting deeper than {limits.max_yaml_depth} levels") from None
    # Cheap tests first: most lines have no escapes and fewer brackets than the depth bound.
    if "\\" in text or text.count("{") + text.count("[") >= limits.max_yaml_depth:
        hidden = _hidden_problem(data, limits.max_yaml_depth)
        if hidden is not None:
            raise refused(hidden.code, hidden.message, hint=hidden.hint)
    if not isinstance(data, dict):
        raise refused("facts.not_mapping", "a line holds one department's facts: a JSON object from fact id to value")
    return data


def _placed(failure: FactsError | EvaluationError, file: str, line: int) -> FactsError | EvaluationError:
    """Facts given as a mapping have no place; a batch's facts have one: their line."""
    if all(d.location is not None for d in failure.diagnostics):
        return failure
    where = Location(file, line, 1)
    diagnostics = [d if d.location is not None else replace(d, location=where) for d in failure.diagnostics]
    return type(failure)(diagnostics, failure.warnings)


# -- writing one result ---------------------------------------------------------------------------
# Indicator ids match ^[A-Za-z_][A-Za-z0-9_]*$ (the rubric schema), so quotes alone make them JSON.


def _in_full(value: Decimal) -> str:
    return format(value, "f")


def result_json(line: int, evaluation: Evaluation) -> str:
    """One department's result as one line of JSON, keys in a fixed order, every digit kept.

    Numbers are first written with `str`, exact and three times faster than `format(value, "f")`
    (what `json_text` uses), but with an exponent for very large or small values (`1E+2`); a line
    that may hold one ("E+" or "E-" anywhere) is written again with every number in full.
    """
    text = _result_json(line, evaluation, str)
    return _result_json(line, evaluation, _in_full) if "E+" in text or "E-" in text else text


def _result_json(line: int, evaluation: Evaluation, number: Callable[[Decimal], str]) -> str:
    indicators = evaluation.indicators
    scores = ",".join([f'"{result.id}":{number(result.score)}' for result in indicators])
    not_applicable = ",".join([f'"{result.id}"' for result in indicators if result.status == "not_applicable"])
    findings = ",".join(
        [
            f'{{"indicator":"{finding.indicator}","points_lost":{number(finding.points_lost)},'
            f'"problem":{encode_basestring(finding.problem.zh)},'
            f'"improvement":{encode_basestring(finding.improvement.zh)},'
            f'"severity":"{finding.severity}"}}'
            for finding in evaluation.findings
        ]
    )
    grade = encode_basestring(evaluation.grade.zh) if evaluation.grade else "null"
    origin = evaluation.provenance
    return (
        f'{{"line":{line},"total":{number(evaluation.total)},"max":{number(evaluation.maximum)},"grade":{grade},'
        f'"scores":{{{scores}}},"not_applicable":[{not_applicable}],"findings":[{findings}],'
        f'"provenance":{{"rubric_id":{encode_basestring(origin.rubric_id)},'
        f'"rubric_version":{encode_basestring(origin.rubric_version)},"rubric_sha256":"{origin.rubric_sha256}",'
        f'"facts_sha256":"{origin.facts_sha256}","library_version":{encode_basestring(origin.library_version)}}}}}\n'
    )


def indicator_ids(rubric: Rubric) -> list[str]:
    return [indicator.id for top in rubric.indicators for indicator in top.walk()]


def csv_header(rubric: Rubric) -> bytes:
    """A byte-order mark, so that Excel reads the Chinese as UTF-8, then the header row."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(["line", "total", "max", "grade", *indicator_ids(rubric)])
    return _BOM + buffer.getvalue().encode("utf-8")


def _csv_rows(rows: list[tuple[int, Evaluation]], ids: Sequence[str]) -> str:
    """RFC 4180 rows (commas, quotes where needed, CRLF), numbers in full as `result_json` writes them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line, evaluation in rows:
        scores = {result.id: result.score for result in evaluation.indicators}
        values = [evaluation.total, evaluation.maximum, *(scores[i] for i in ids)]
        numbers = [str(value) for value in values]
        if "E" in "".join(numbers):
            numbers = [_in_full(value) for value in values]
        writer.writerow([line, *numbers[:2], evaluation.grade.zh if evaluation.grade else "", *numbers[2:]])
    return buffer.getvalue()


# -- scoring a chunk of lines (in a worker, or in this process with one job) ----------------------


@dataclass(frozen=True)
class _Task:
    """What every chunk of a batch is scored with; sent once to each worker."""

    rubric: Rubric
    file: str  # the input's name in messages
    output_format: OutputFormat
    ids: tuple[str, ...]  # CSV columns


@dataclass(frozen=True)
class _Chunk:
    first_line: int
    lines: tuple[bytes | None, ...]  # None: a line longer than the limit, already skipped
    end: int  # bytes of input read up to the end of this chunk


@dataclass(frozen=True)
class _Scored:
    text: bytes  # the results, rendered and encoded
    rejects: tuple[Reject, ...]
    departments: int
    end: int


def _score_chunk(task: _Task, chunk: _Chunk) -> _Scored:
    rubric, file = task.rubric, task.file
    limits = rubric.limits
    results: list[tuple[int, Evaluation]] = []
    rejects: list[Reject] = []
    departments = 0
    for line, raw in enumerate(chunk.lines, start=chunk.first_line):
        if raw is not None and not raw.strip(_BLANK):
            continue
        departments += 1
        try:
            if raw is None:
                message = f"the line is longer than {limits.max_file_bytes} bytes"
                raise FactsError([error("yaml.too_large", message, Location(file, line, 1), "split or trim it")])
            results.append((line, rubric.evaluate(read_line(raw, file, line, limits), trace=False)))
        except (FactsError, EvaluationError) as failure:
            rejects.append(Reject(line, _placed(failure, file, line)))
    if task.output_format == "csv":
        text = _csv_rows(results, task.ids)
    else:
        text = "".join(result_json(line, evaluation) for line, evaluation in results)
    return _Scored(text.encode("utf-8"), tuple(rejects), departments, chunk.end)


def _chunks(source: BinaryIO, file: str, max_line_bytes: int) -> Iterator[_Chunk]:
    """The input in chunks of lines. A line longer than the bound is skipped as it is read (so
    that it never sits in memory whole) and left as None for the worker to reject."""
    first, size, offset = 1, 0, 0
    lines: list[bytes | None] = []
    while True:
        try:
            raw = source.readline(max_line_bytes + 1)  # the content, and the line end if it fits
            offset += len(raw)
            if not raw:
                break
            if len(raw) <= max_line_bytes or raw.endswith(b"\n"):
                lines.append(raw)
                size += len(raw)
            else:
                lines.append(None)
                while raw and not raw.endswith(b"\n"):
                    raw = source.readline(1 << 16)
                    offset += len(raw)
        except OSError as problem:
            where = Location(file, first + len(lines), 1)
            raise FactsError(
                [error("file.unreadable", f"cannot read the input: {problem.strerror or problem}", where)]
            ) from None
        if len(lines) >= _CHUNK_LINES or size >= _CHUNK_BYTES:
            yield _Chunk(first, tuple(lines), offset)
            first, lines, size = first + len(lines), [], 0
    if lines:
        yield _Chunk(first, tuple(lines), offset)


# -- the ordered pool -----------------------------------------------------------------------------

_worker_state: Any = None  # in a worker process: what the pool's initializer received


def _start_worker(state: Any) -> None:
    """Keep what every task needs, and leave Ctrl-C to the parent, which ends the workers."""
    global _worker_state
    _worker_state = state
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _in_worker(work: Callable[[Any, Any], Any], chunk: Any) -> Any:
    return work(_worker_state, chunk)


def _context() -> multiprocessing.context.BaseContext:
    """A fresh interpreter per worker (forkserver, or spawn where there is none), never a bare
    fork: forking a process that runs threads (the caller's, or the pool's own) can deadlock."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def in_order(work: Callable[[S, C], R], state: S, chunks: Iterable[C], jobs: int) -> Generator[R, None, None]:
    """`work(state, chunk)` for every chunk, results in the chunks' order.

    With one job, here. With more, in `jobs` worker processes that get `state` once; at most
    `_AHEAD_PER_JOB * jobs` chunks are in flight, so `chunks` is consumed lazily and memory stays
    flat whatever its length. A worker that dies is our `EvaluationError` (`resource.exhausted`).
    """
    if jobs == 1:
        for chunk in chunks:
            yield work(state, chunk)
        return
    pool = ProcessPoolExecutor(jobs, mp_context=_context(), initializer=_start_worker, initargs=(state,))
    pending: deque[Future[R]] = deque()
    finished = False
    try:
        for chunk in chunks:
            pending.append(pool.submit(_in_worker, work, chunk))
            if len(pending) >= _AHEAD_PER_JOB * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
        finished = True
    except BrokenProcessPool:
        message = "a worker process stopped unexpectedly (killed, or out of memory)"
        raise EvaluationError([error("resource.exhausted", message, hint="run again with fewer jobs")]) from None
    finally:
        # Interrupted or abandoned: drop what has not started; workers finish their chunk and exit.
        pool.shutdown(wait=finished, cancel_futures=True)


# -- a batch of lines, for the command ------------------------------------------------------------


def score_lines(
    rubric: Rubric,
    source: BinaryIO,
    file: str,
    output: BinaryIO,
    on_reject: Callable[[Reject], None],
    *,
    output_format: OutputFormat = "jsonl",
    jobs: int = 1,
    progress: Progress | None = None,
) -> Tally:
    """Score every line of `source` and write the results to `output` in input order.

    `file` names the input in messages. Each reject goes to `on_reject`, in input order, as soon
    as it is known; the batch goes on. Raises `FactsError` (`file.unreadable`) if the input cannot
    be read, `OSError` if the output cannot be written.
    """
    if output_format == "csv":
        output.write(csv_header(rubric))
    task = _Task(rubric, file, output_format, tuple(indicator_ids(rubric)))
    departments = rejected = failed = 0
    chunks = _chunks(source, file, rubric.limits.max_file_bytes)
    with closing(in_order(_score_chunk, task, chunks, jobs)) as results:  # on an interrupt too: no work left queued
        for scored in results:
            output.write(scored.text)
            departments += scored.departments
            for reject in scored.rejects:
                if isinstance(reject.error, EvaluationError):
                    failed += 1
                else:
                    rejected += 1
                on_reject(reject)
            if progress is not None:
                progress.show(departments, rejected + failed, scored.end)
    if progress is not None:
        progress.finish(departments, rejected + failed)
    return Tally(departments, departments - rejected - failed, rejected, failed)


def input_size(source: BinaryIO) -> int | None:
    """The size of a regular file, for the time left; None for a pipe or a terminal."""
    try:
        status = os.fstat(source.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        return None
    return status.st_size if stat.S_ISREG(status.st_mode) else None


class Progress:
    """One line on a terminal, redrawn in place: departments so far, rate, time left.

    Mutable by nature (it remembers when it started and last drew), so a small class. It draws at
    most every `interval` seconds, so drawing costs nothing; the time left is known only when the
    input's size is (a regular file), from the share of its bytes done so far.
    """

    def __init__(
        self, stream: TextIO, size: int | None, *, clock: Callable[[], float] = time.monotonic, interval: float = 0.2
    ):
        self.stream, self.size, self.clock, self.interval = stream, size, clock, interval
        self.started = self.drawn = clock()
        self.shown = False

    def show(self, departments: int, rejected: int, done: int) -> None:
        now = self.clock()
        if now - self.drawn < self.interval:
            return
        self.drawn = now
        elapsed = now - self.started
        left = ""
        if self.size and 0 < done < self.size:
            left = f"  about {timedelta(seconds=round(elapsed * (self.size - done) / done))} left"
        self._draw(f"{self._counts(departments, rejected, elapsed)}{left}")

    def finish(self, departments: int, rejected: int) -> None:
        elapsed = self.clock() - self.started
        self._draw(f"{self._counts(departments, rejected, elapsed)}  done in {timedelta(seconds=round(elapsed))}")
        self.stream.write("\n")
        self.stream.flush()
        self.shown = False

    def clear(self) -> None:
        """Wipe the line, so that a message can be written on stderr in its place."""
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.shown = False

    @staticmethod
    def _counts(departments: int, rejected: int, elapsed: float) -> str:
        rate = departments / elapsed if elapsed > 0 else 0
        problems = f" ({rejected:,} rejected)" if rejected else ""
        return f"  {departments:,} departments{problems}  {rate:,.0f}/s"

    def _draw(self, text: str) -> None:
        self.stream.write(f"\r\x1b[K{text}")
        self.stream.flush()
        self.shown = True


# -- many facts mappings, for Python callers ------------------------------------------------------


def _outcome(rubric: Rubric, facts: Facts | Mapping[str, Any], trace: bool) -> Outcome:
    try:
        return rubric.evaluate(facts, trace=trace)
    except (FactsError, EvaluationError) as failure:
        return failure


def _pickled(item: object) -> bytes | None:
    """The item as bytes for a worker, or None if it does not pickle (it is then scored here)."""
    try:
        return pickle.dumps(item, pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - pickling runs the object's own code, which may raise anything
        return None


def _evaluate_chunk(state: tuple[Rubric, bool], blobs: tuple[bytes | None, ...]) -> list[Outcome | None]:
    """Score each item; None for one that does not travel (not pickled, or not unpickled here)."""
    rubric, trace = state
    outcomes: list[Outcome | None] = []
    for blob in blobs:
        try:
            item = None if blob is None else pickle.loads(blob)
        except Exception:  # noqa: BLE001 - a class the worker cannot import, say: the parent scores it
            item = None
        outcomes.append(None if item is None else _outcome(rubric, item, trace))
    return outcomes


def evaluate_many(
    rubric: Rubric, facts: Iterable[Facts | Mapping[str, Any]], *, jobs: int, trace: bool
) -> Iterator[Outcome]:
    """`Rubric.evaluate_many`: one outcome per item, in order, consuming `facts` lazily."""
    if type(jobs) is not int or jobs < 1:
        raise ValueError(f"jobs must be a positive whole number, not {jobs!r}")  # now, not at the first result
    return _outcomes(rubric, facts, jobs, trace)


def _outcomes(rubric: Rubric, facts: Iterable[Facts | Mapping[str, Any]], jobs: int, trace: bool) -> Iterator[Outcome]:
    if jobs == 1:
        for item in facts:
            yield _outcome(rubric, item, trace)
        return
    # Each chunk keeps its items here until its outcomes come back, to score any that did not travel.
    kept: deque[list[Facts | Mapping[str, Any]]] = deque()

    def chunks() -> Iterator[tuple[bytes | None, ...]]:
        iterator = iter(facts)
        while items := list(islice(iterator, _CHUNK_ITEMS)):
            kept.append(items)
            yield tuple(_pickled(item) for item in items)

    with closing(in_order(_evaluate_chunk, (rubric, trace), chunks(), jobs)) as results:
        for outcomes in results:
            items = kept.popleft()
            for item, outcome in zip(items, outcomes):
                yield _outcome(rubric, item, trace) if outcome is None else outcome
