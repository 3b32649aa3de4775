"""The `rubric` command: a thin shell over the public API, with stable exit codes.

Exit codes: 0 success; 2 bad usage (unknown option, unreadable file); 3 an invalid rubric.
No Python traceback reaches the user: every expected failure is a `RubricError` printed as
`path:line:col: severity: message`.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence

from .version import __version__
from .api import check_rubric
from .errors import Diagnostic

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_INVALID_RUBRIC = 3
EXIT_INTERNAL = 70


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
    return parser


def _diagnostic_json(diagnostic: Diagnostic) -> dict[str, object]:
    location = diagnostic.location
    return {
        "severity": diagnostic.severity,
        "code": diagnostic.code,
        "message": diagnostic.message,
        "hint": diagnostic.hint,
        "file": location.file if location else None,
        "line": location.line if location else None,
        "column": location.column if location else None,
    }


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
            report.append(
                {"file": path, "valid": errors == 0, "diagnostics": [_diagnostic_json(d) for d in diagnostics]}
            )
            continue
        for diagnostic in diagnostics:
            print(diagnostic)
        verdict = "ok" if not errors else "invalid"
        print(f"{path}: {verdict} ({errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)})")
    if output_format == "json":
        print(json.dumps(report, ensure_ascii=False, indent=2))
    return worst


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        arguments = parser.parse_args(argv)
    except SystemExit as stop:
        return int(stop.code or 0)
    try:
        if arguments.command == "check":
            return _check(arguments.rubrics, arguments.format)
    except KeyboardInterrupt:
        return 130
    except Exception as problem:  # a bug of ours: say so plainly, without a traceback
        print(f"rubric: internal error: {type(problem).__name__}: {problem} (please report this)", file=sys.stderr)
        return EXIT_INTERNAL
    parser.error(f"unknown command {arguments.command!r}")
    return EXIT_USAGE
