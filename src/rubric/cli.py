"""The `rubric` command: a thin shell over the public API, with stable exit codes.

Exit codes: 0 done; 1 `test`: a case failed or the coverage is too low; 2 bad usage (unknown
option or command, unreadable file, unknown indicator, a cases file that cannot be run);
3 the rubric is rejected; 4 the facts are rejected; 5 a rule cannot be computed for the facts;
70 an internal error (a bug: please report it); 130 interrupted. `batch` goes on past rejected
departments and ends with 4 (or 5) when there were any; 141 when its reader stops reading.
No Python traceback reaches the user: every expected failure is a `RubricError`, printed as
`path:line:col: error: message`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import stat
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from .api import RUBRIC_SCHEMA, Rubric, check_rubric, load
from .errors import Location, RubricError
from .evaluate import EvaluationError
from .facts import FactsError, load_facts
from .render import diagnostic_json, explain, json_text, to_json, to_text
from .report import to_html, to_markdown
from .schema import load_schema
from .version import __version__

if TYPE_CHECKING:
    from .batch import Reject

EXIT_OK = 0
EXIT_TESTS_FAILED = 1
EXIT_USAGE = 2
EXIT_INVALID_RUBRIC = 3
EXIT_INVALID_FACTS = 4
EXIT_EVALUATION_FAILED = 5
EXIT_INTERNAL = 70
EXIT_BROKEN_PIPE = 141  # as a shell reports a command ended by SIGPIPE


class _Usage(Exception):
    """Bad usage found after parsing (an unreadable file, an unknown indicator)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rubric",
        description="Score government performance self-evaluations from declarative rubrics.",
    )
    parser.add_argument("--version", action="version", version=f"rubric {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    check = commands.add_parser("check", help="check rubric files and report every error and warning")
    check.add_argument("rubrics", nargs="+", metavar="RUBRIC", help="rubric YAML files")
    check.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")

    evaluate = commands.add_parser("evaluate", help="score a department's facts with a rubric")
    evaluate.add_argument("rubric", metavar="RUBRIC")
    evaluate.add_argument("facts", metavar="FACTS", help="facts file (YAML or JSON)")
    evaluate.add_argument("--format", choices=("json", "text"), default="json", help="output format (default: json)")
    evaluate.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")
    evaluate.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of names and texts (default: zh)")

    batch_command = commands.add_parser("batch", help="score many departments' facts, one JSON object a line")
    batch_command.add_argument("rubric", metavar="RUBRIC")
    batch_command.add_argument("input", metavar="IN", help="JSON Lines, a department's facts a line (-: standard input)")
    batch_command.add_argument("--output", metavar="FILE", default="-", help="write results to FILE (default: -, stdout)")
    batch_command.add_argument("--rejects", metavar="FILE", help="write rejects to FILE as JSON Lines (default: stderr)")
    batch_command.add_argument("--format", choices=("jsonl", "csv"), default="jsonl", help="(default: jsonl)")
    batch_command.add_argument("--jobs", type=_positive, default=1, metavar="N", help="worker processes (default: 1)")

    explain_command = commands.add_parser("explain", help="show how one indicator's score was reached")
    explain_command.add_argument("rubric", metavar="RUBRIC")
    explain_command.add_argument("facts", metavar="FACTS")
    explain_command.add_argument("indicator", metavar="INDICATOR_ID")
    explain_command.add_argument("--lang", choices=("zh", "en"), default="zh")

    report = commands.add_parser("report", help="write the self-evaluation report (绩效自评报告)")
    report.add_argument("rubric", metavar="RUBRIC")
    report.add_argument("facts", metavar="FACTS")
    report.add_argument("--format", choices=("markdown", "html"), default="markdown", help="(default: markdown)")
    report.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")

    test = commands.add_parser("test", help="run an author's test cases against a rubric, with coverage")
    test.add_argument("rubric", metavar="RUBRIC")
    test.add_argument("cases", nargs="+", metavar="CASES", help="cases files (YAML)")
    test.add_argument(
        "--min-coverage", type=_percentage, metavar="N", help="fail when the cases exercise less than N%% of the branches"
    )

    schema = commands.add_parser("schema", help="print the JSON Schema of a rubric's facts, or of rubric files")
    schema.add_argument("rubric", metavar="RUBRIC", nargs="?", help="the rubric whose facts files the schema describes")
    schema.add_argument("--rubric-format", action="store_true", help="the JSON Schema of rubric files themselves")

    diff_command = commands.add_parser("diff", help="show how a rubric's changes move departments' scores")
    diff_command.add_argument("old", metavar="OLD", help="the rubric as it is")
    diff_command.add_argument("new", metavar="NEW", help="the rubric as changed")
    diff_command.add_argument("facts", nargs="*", metavar="FACTS", help="facts files (YAML or JSON) to score with both")
    diff_command.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    diff_command.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")
    diff_command.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of names and texts (default: zh)")
    return parser


def _percentage(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except ArithmeticError:
        value = Decimal(-1)
    if not value.is_finite() or not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 100, not {text!r}")
    return value


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, not {text!r}")
    return int(text)


def _check(paths: list[str], output_format: str) -> int:
    worst = EXIT_OK
    report = []
    for path in paths:
        diagnostics = check_rubric(path)
        errors = sum(d.is_error for d in diagnostics)
        warnings = len(diagnostics) - errors
        if any(d.code == "file.unreadable" for d in diagnostics):
            worst = max(worst, EXIT_USAGE) if worst != EXIT_INVALID_RUBRIC else worst
        elif errors:
            worst = EXIT_INVALID_RUBRIC
        if output_format == "json":
            report.append({"file": path, "valid": errors == 0, "diagnostics": [diagnostic_json(d) for d in diagnostics]})
            continue
        for diagnostic in diagnostics:
            print(diagnostic)
        verdict = "ok" if not errors else "invalid"
        print(f"{path}: {verdict} ({errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)})")
    if output_format == "json":
        print(json.dumps(report, ensure_ascii=False, indent=2))
    return worst


def _readable(path: str) -> str:
    if not Path(path).is_file():
        raise _Usage(f"{path}: error: no such file")
    return path


def _load(path: str) -> Rubric:
    return load(_readable(path))


def _write(text: str, output: str | None) -> int:
    if output:
        try:
            with _replacing(Path(output)) as stream:
                stream.write(text.encode("utf-8"))
        except OSError as problem:
            raise _Usage(f"{output}: error: cannot write: {problem.strerror or problem}") from None
    else:
        sys.stdout.write(text)
    return EXIT_OK


@contextlib.contextmanager
def _replacing(path: Path) -> Iterator[BinaryIO]:
    """A stream written beside `path`, renamed over it when the work is done: a reader sees the old
    file or the whole new one, never a part; if the work fails or is interrupted, the file is
    left as it was."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, _mode_for(path))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _mode_for(path: Path) -> int:
    """The mode the file has, or the one a new file gets under the umask (mkstemp gives 0600)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _evaluate(arguments: argparse.Namespace) -> int:
    rubric = _load(arguments.rubric)
    evaluation = rubric.evaluate(load_facts(_readable(arguments.facts)))
    text = to_json(evaluation, arguments.lang) if arguments.format == "json" else to_text(evaluation, arguments.lang)
    return _write(text, arguments.output)


def _batch(arguments: argparse.Namespace) -> int:
    """Score every line of IN; rejects go to --rejects (JSON Lines) or to stderr (messages)."""
    if arguments.output == "-" and arguments.rejects == "-":
        raise _Usage("error: --output and --rejects cannot both be standard output")
    from .batch import Progress, input_size, score_lines  # only this command needs it

    rubric = _load(arguments.rubric)
    name = "<stdin>" if arguments.input == "-" else arguments.input
    try:
        with contextlib.ExitStack() as files:
            source = _source(files, arguments.input)
            output = _sink(files, arguments.output)
            rejects = None if arguments.rejects is None else _sink(files, arguments.rejects)
            # A progress line on the terminal, unless the results themselves are printed there.
            shown = sys.stderr.isatty() and not (arguments.output == "-" and sys.stdout.isatty())
            progress = Progress(sys.stderr, input_size(source)) if shown else None

            def on_reject(reject: Reject) -> None:
                if rejects is not None:
                    rejects.write(_reject_json(reject))
                    return
                if progress is not None:
                    progress.clear()
                sys.stderr.write(_reject_text(reject, name))

            tally = score_lines(
                rubric, source, name, output, on_reject, output_format=arguments.format, jobs=arguments.jobs, progress=progress
            )
            output.flush()
    except BrokenPipeError:
        # The reader stopped reading (`| head`): end quietly, and keep the interpreter's last
        # flush of standard output from failing again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except OSError as problem:  # the disk filled up, say: the files are left as they were
        raise _Usage(f"error: cannot write the results: {problem.strerror or problem}") from None
    if tally.failed:
        return EXIT_EVALUATION_FAILED
    return EXIT_INVALID_FACTS if tally.rejected else EXIT_OK


def _source(files: contextlib.ExitStack, path: str) -> BinaryIO:
    """Standard input for `-`, otherwise the file (or named pipe) at `path`."""
    if path == "-":
        return sys.stdin.buffer
    try:
        return files.enter_context(open(path, "rb"))
    except OSError as problem:
        raise _Usage(f"{path}: error: cannot read: {problem.strerror or problem}") from None


def _sink(files: contextlib.ExitStack, target: str) -> BinaryIO:
    """Standard output for `-`, otherwise a file that is replaced only when the batch is done."""
    if target == "-":
        sys.stdout.flush()
        return sys.stdout.buffer
    try:
        return files.enter_context(_replacing(Path(target)))
    except OSError as problem:
        raise _Usage(f"{target}: error: cannot write: {problem.strerror or problem}") from None


def _reject_json(reject: Reject) -> bytes:
    record = {"line": reject.line, "errors": [diagnostic_json(d) for d in reject.error.diagnostics]}
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8", "backslashreplace")


def _reject_text(reject: Reject, name: str) -> str:
    """One `IN:LINE:COL: error: ...` line per problem; a rule's own place in the rubric follows it."""
    lines = []
    for diagnostic in reject.error.diagnostics:
        location = diagnostic.location
        if location is not None and location.file == name:
            lines.append(f"{diagnostic}\n")
        else:
            rule = f" [{location}]" if location else ""
            lines.append(f"{replace(diagnostic, location=Location(name, reject.line, 1))}{rule}\n")
    return "".join(lines)


def _report(arguments: argparse.Namespace) -> int:
    evaluation = _load(arguments.rubric).evaluate(load_facts(_readable(arguments.facts)))
    text = to_markdown(evaluation) if arguments.format == "markdown" else to_html(evaluation)
    return _write(text, arguments.output)


def _explain(arguments: argparse.Namespace) -> int:
    rubric = _load(arguments.rubric)
    evaluation = rubric.evaluate(load_facts(_readable(arguments.facts)))
    try:
        result = evaluation.indicator(arguments.indicator)
    except KeyError:
        known = ", ".join(result.id for result in evaluation.indicators)
        raise _Usage(f"error: no indicator {arguments.indicator!r} in {arguments.rubric} (indicators: {known})") from None
    sys.stdout.write(explain(evaluation, result, arguments.lang))
    return EXIT_OK


def _test(arguments: argparse.Namespace) -> int:
    """Exit 1 when a case fails or the coverage is below --min-coverage; a cases file that cannot
    be run is bad usage (2), like a file that cannot be read."""
    from .cases import load_cases, run_cases, to_text  # only this command needs them

    rubric = _load(arguments.rubric)
    files, seen = {}, set()
    for path in arguments.cases:  # a file named twice (c.yaml ./c.yaml) is run once
        if os.path.realpath(_readable(path)) not in seen:
            seen.add(os.path.realpath(path))
            files[path] = load_cases(path, rubric.limits)
    run = run_cases(rubric, files)
    sys.stdout.write(to_text(run, arguments.rubric, arguments.min_coverage))
    short = arguments.min_coverage is not None and run.coverage.percent < arguments.min_coverage
    return EXIT_TESTS_FAILED if run.failed or short else EXIT_OK


def _diff(arguments: argparse.Namespace) -> int:
    """Exit 0 whenever the comparison is made: facts that a side rejects, or cannot score, are
    part of the output, not a failure of the command."""
    from .diff import diff, to_json, to_text  # only this command needs them

    old, new, *facts = [_readable(path) for path in (arguments.old, arguments.new, *arguments.facts)]
    result = diff(_load(old), _load(new), facts)
    text = to_json(result, arguments.lang) if arguments.format == "json" else to_text(result, arguments.lang)
    return _write(text, arguments.output)


def _schema(arguments: argparse.Namespace) -> int:
    if arguments.rubric_format == (arguments.rubric is not None):
        raise _Usage("error: give either RUBRIC (the schema of its facts files) or --rubric-format (of rubric files)")
    if arguments.rubric_format:
        sys.stdout.write(json_text(load_schema(RUBRIC_SCHEMA)) + "\n")
    else:
        sys.stdout.write(json_text(_load(arguments.rubric).facts_schema()) + "\n")
    return EXIT_OK


def _print_problems(failure: RubricError) -> None:
    for diagnostic in failure.diagnostics:
        print(diagnostic, file=sys.stderr)


def _exit_code(failure: RubricError) -> int:
    from .cases import CasesError

    if failure.code == "file.unreadable" or isinstance(failure, CasesError):
        return EXIT_USAGE
    if isinstance(failure, FactsError):
        return EXIT_INVALID_FACTS
    if isinstance(failure, EvaluationError):
        return EXIT_EVALUATION_FAILED
    return EXIT_INVALID_RUBRIC


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        # A file name that is not UTF-8 reaches us with lone surrogates; print it escaped, not crash.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    parser = _parser()
    try:
        arguments = parser.parse_args(argv)
    except SystemExit as stop:
        return int(stop.code or 0)
    commands = {"evaluate": _evaluate, "batch": _batch, "explain": _explain, "report": _report, "schema": _schema, "test": _test, "diff": _diff}
    try:
        if arguments.command == "check":
            return _check(arguments.rubrics, arguments.format)
        return commands[arguments.command](arguments)
    except _Usage as usage:
        print(usage, file=sys.stderr)
        return EXIT_USAGE
    except RubricError as failure:
        _print_problems(failure)
        return _exit_code(failure)
    except KeyboardInterrupt:
        return 130
    except Exception as problem:  # a bug of ours: say so plainly, without a traceback
        print(f"rubric: internal error: {type(problem).__name__}: {problem} (please report this)", file=sys.stderr)
        return EXIT_INTERNAL
