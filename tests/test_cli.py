"""The `rubric` command: output, exit codes, and never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import RUBRIC_2023

from rubric.cli import main

BROKEN = Path(__file__).parent / "fixtures" / "broken.yaml"


def test_check_accepts_the_2023_rubric(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(RUBRIC_2023)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1].startswith(f"{RUBRIC_2023}: ok (0 errors, ")


def test_check_reports_every_mistake_and_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(BROKEN)]) == 3
    out = capsys.readouterr().out.splitlines()
    errors = [line for line in out if ": error: " in line]
    assert len(errors) == 9
    assert all(line.startswith(f"{BROKEN}:") for line in errors)
    assert out[-1] == f"{BROKEN}: invalid (9 errors, 0 warnings)"


def test_check_several_files_exits_3_if_any_is_invalid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(RUBRIC_2023), str(BROKEN)]) == 3
    out = capsys.readouterr().out
    assert f"{RUBRIC_2023}: ok" in out and f"{BROKEN}: invalid" in out


def test_check_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--format", "json", str(BROKEN)]) == 3
    report = json.loads(capsys.readouterr().out)
    assert report[0]["file"] == str(BROKEN) and report[0]["valid"] is False
    first = report[0]["diagnostics"][0]
    assert first == {
        "severity": "error",
        "code": "schema.type",
        "message": "version: expected text, found 2 (a number)",
        "hint": 'quote it: "2"',
        "file": str(BROKEN),
        "line": 5,
        "column": 10,
    }


def test_missing_file_is_bad_usage(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    assert main(["check", str(missing)]) == 2
    assert capsys.readouterr().out.splitlines()[0] == f"{missing}:1:1: error: cannot read the file: No such file or directory"


@pytest.mark.parametrize("arguments", [[], ["frobnicate"], ["check"], ["check", "--format", "xml", "x.yaml"]])
def test_bad_usage_exits_2(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(arguments) == 2
    assert "usage: rubric" in capsys.readouterr().err


def test_garbage_file_gives_an_error_not_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    garbage = tmp_path / "garbage.yaml"
    garbage.write_bytes(b"\x00\x01{[: ]]}\xff\xfe")
    assert main(["check", str(garbage)]) == 3
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert captured.out.splitlines()[0] == f"{garbage}:1:10: error: the file is not valid UTF-8 (save it as UTF-8)"


def test_python_dash_m_and_the_console_script_work() -> None:
    module = subprocess.run(
        [sys.executable, "-m", "rubric", "check", str(RUBRIC_2023)], capture_output=True, text=True, check=False
    )
    assert module.returncode == 0, module.stderr
    script = Path(sys.executable).parent / "rubric"
    console = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=False)
    assert console.returncode == 0 and console.stdout.startswith("rubric ")


def test_a_file_name_that_is_not_utf8_is_printed_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = os.fsdecode(b"bad\xff.yaml")  # the surrogate-escaped str Python gives for such a name
    (tmp_path / name).write_text("x\n", encoding="utf-8")
    here = Path.cwd()
    os.chdir(tmp_path)
    try:
        code = main(["check", name])
    finally:
        os.chdir(here)
    assert code == 3
    assert capsys.readouterr().out.splitlines() == [
        "bad\\udcff.yaml:1:1: error: the file: expected a mapping, found text 'x'",
        "bad\\udcff.yaml: invalid (1 error, 0 warnings)",
    ]
