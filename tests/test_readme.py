"""The README's commands and example say what the project does."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from rubric.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_readme_opens_with_the_set_up_and_run_and_the_set_up_and_test_commands() -> None:
    commands = blocks("sh")
    assert README.index("```sh") < README.index("## ")
    assert commands[0].strip() == (
        "python3 -m venv .venv && .venv/bin/pip install --quiet . && .venv/bin/rubric check rubrics/2023.yaml"
    )
    assert commands[1].strip() == "python3 -m venv .venv && .venv/bin/pip install --quiet '.[dev]' && .venv/bin/python -m pytest"


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert blocks("sh")[1].strip() in ci.splitlines()


def test_readme_example_gives_the_output_shown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "demo.yaml").write_text(blocks("yaml")[0], encoding="utf-8")
    console = blocks("console")[0].splitlines()
    assert console[0] == "$ rubric check demo.yaml"
    here = Path.cwd()
    os.chdir(tmp_path)
    try:
        assert main(["check", "demo.yaml"]) == 3
    finally:
        os.chdir(here)
    assert capsys.readouterr().out.splitlines() == console[1:]
