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
        "python3 -m venv .venv && .venv/bin/pip install --quiet . && "
        ".venv/bin/rubric evaluate rubrics/2023.yaml examples/haizhu-petition-bureau-2023.yaml"
    )
    assert commands[1].strip() == "python3 -m venv .venv && .venv/bin/pip install --quiet '.[dev]' && .venv/bin/python -m pytest"


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert blocks("sh")[1].strip() in ci.splitlines()


def test_readme_python_example_runs_and_prints_what_it_says(capsys: pytest.CaptureFixture[str]) -> None:
    example = [block for block in blocks("python") if "evaluate" in block][0]
    here = Path.cwd()
    os.chdir(ROOT)
    try:
        exec(compile(example, "README.md", "exec"), {})
    finally:
        os.chdir(here)
    out = capsys.readouterr().out.splitlines()
    assert out == ["99.50 优", "履职效能 0.00 年初制定的产出和效益指标不够精细，个别指标重复或难以量化。", "采购内控制度 0.50 采购制度还不够完善。"]


def test_readme_example_gives_the_output_shown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "demo.yaml").write_text(blocks("yaml")[0], encoding="utf-8")
    console = [block for block in blocks("console") if "check demo.yaml" in block][0].splitlines()
    assert console[0] == "$ rubric check demo.yaml"
    here = Path.cwd()
    os.chdir(tmp_path)
    try:
        assert main(["check", "demo.yaml"]) == 3
    finally:
        os.chdir(here)
    assert capsys.readouterr().out.splitlines() == console[1:]
