"""The console examples in the docs that use only bundled files print what the docs say.

A line that is only "…" or "..." in an example stands for any number of lines of output.
Examples that need files the reader writes first (demo.yaml, bad.yaml) are covered by their own
tests or left to the reader; this test runs every example it can run from a clean checkout.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest

from rubric.cli import main

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
ELISION = {"…", "..."}


def runnable_examples() -> Iterator[tuple[str, str, list[str], int | None]]:
    """Each runnable example: its doc, command, output, and exit status when an `echo $?` follows."""
    for doc in DOCS:
        for block in re.findall(r"```console\n(.*?)```", doc.read_text(encoding="utf-8"), flags=re.DOTALL):
            lines = block.splitlines()
            starts = [i for i, line in enumerate(lines) if line.startswith("$ ")] + [len(lines)]
            for start, end in pairwise(starts):
                command = lines[start][2:]
                arguments = shlex.split(command, comments=True)
                files = [a for a in arguments if a.endswith((".yaml", ".json"))]
                if (
                    arguments[0] == "rubric"
                    and not {"|", ">", "--output"} & set(arguments)
                    and all((ROOT / name).is_file() for name in files)
                ):
                    status = lines[end + 1] if end < len(lines) and lines[end] == "$ echo $?" else None
                    yield doc.name, command, lines[start + 1 : end], None if status is None else int(status)


def matches(expected: list[str], actual: list[str]) -> bool:
    """True when the actual lines fit the expected ones, an elision line standing for any lines."""
    if not expected:
        return not actual
    if expected[0].strip() in ELISION:
        return any(matches(expected[1:], actual[skip:]) for skip in range(len(actual) + 1))
    return bool(actual) and actual[0] == expected[0] and matches(expected[1:], actual[1:])


EXAMPLES = list(runnable_examples())


def test_the_docs_have_runnable_examples_of_every_command() -> None:
    commands = {shlex.split(command)[1] for _, command, _, _ in EXAMPLES}
    assert {"check", "evaluate", "explain", "report", "test", "schema", "diff", "--help", "--version"} <= commands


@pytest.mark.parametrize(
    ("doc", "command", "expected", "status"), EXAMPLES, ids=[f"{d}: {c}" for d, c, _, _ in EXAMPLES]
)
def test_doc_example_prints_what_the_doc_shows(
    doc: str, command: str, expected: list[str], status: int | None, capsys: pytest.CaptureFixture[str]
) -> None:
    here = Path.cwd()
    os.chdir(ROOT)
    try:
        code = main(shlex.split(command, comments=True)[1:])
    finally:
        os.chdir(here)
    captured = capsys.readouterr()
    actual = (captured.out + captured.err).splitlines()
    assert matches(expected, actual), "\n".join(actual)
    assert status is None or code == status


def test_an_elision_stands_for_any_lines_and_nothing_else() -> None:
    assert matches(["a", "…", "d"], ["a", "b", "c", "d"])
    assert matches(["a", "…", "d"], ["a", "d"])
    assert not matches(["a", "…", "d"], ["a", "b", "c"])
    assert not matches(["a", "b"], ["a", "b", "c"])


def test_every_relative_link_of_the_docs_reaches_a_file() -> None:
    broken = []
    for doc in DOCS:
        for target in re.findall(r"\]\(([^)\s]+)\)", doc.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://", "mailto:", "#")):
                continue
            if not (doc.parent / target.split("#")[0]).exists():
                broken.append(f"{doc.name}: {target}")
    assert broken == []


def anchors(doc: Path) -> set[str]:
    """The anchors GitHub gives a Markdown file's headings: lower case, punctuation dropped,
    spaces as hyphens, a repeated one numbered."""
    found: set[str] = set()
    fenced = False
    for line in doc.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if fenced or not re.match(r"#{1,6} ", line):
            continue
        slug = re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        numbered, count = slug, 0
        while numbered in found:
            count += 1
            numbered = f"{slug}-{count}"
        found.add(numbered)
    return found


def test_every_anchor_of_the_docs_names_a_heading() -> None:
    assert "9-fact-checks-checks" in anchors(ROOT / "docs" / "authoring.en.md")  # the slug rule itself
    broken = []
    for doc in DOCS:
        for target in re.findall(r"\]\(([^)\s]+)\)", doc.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://", "mailto:")) or "#" not in target:
                continue
            file, anchor = target.split("#", 1)
            linked = doc.parent / file if file else doc
            if linked.suffix == ".md" and anchor not in anchors(linked):
                broken.append(f"{doc.name}: {target}")
    assert broken == []


def test_the_api_example_prints_what_the_doc_shows(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    program = re.search(r"```python\n(\"\"\"Score the Haizhu.*?)```", text, flags=re.DOTALL)
    shown = re.search(r"Standard output:\n\n```text\n(.*?)```", text, flags=re.DOTALL)
    assert program is not None and shown is not None
    for name in ("rubrics", "examples"):
        (tmp_path / name).symlink_to(ROOT / name)
    (tmp_path / "example.py").write_text(program.group(1), encoding="utf-8")
    ran = subprocess.run([sys.executable, "example.py"], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, shown.group(1), "")
    assert (tmp_path / "haizhu-2023.json").is_file()
