"""`rubric evaluate`, `rubric explain` and `rubric schema`: output, exit codes, errors on stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from conftest import ROOT, RUBRIC_2023

from rubric import EvaluationError, FactsError, Location, RubricError
from rubric.cli import _exit_code, main
from rubric.errors import error

FACTS = ROOT / "examples" / "haizhu-petition-bureau-2023.yaml"
BROKEN_RUBRIC = Path(__file__).parent / "fixtures" / "broken.yaml"


def run(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(arguments)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_evaluate_prints_the_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["evaluate", str(RUBRIC_2023), str(FACTS)], capsys)
    assert (code, err) == (0, "")
    data = json.loads(out, parse_float=Decimal)
    assert data["rubric"] == {"id": "cn-dept-overall-2023", "title": "部门整体支出绩效自评（2023 年度）", "version": "1.0.0"}
    assert (data["total"], data["max"], data["grade"]) == (Decimal("99.50"), 100, "优")
    assert data["indicators"]["efficacy"]["score"] == Decimal("50.00")
    assert data["indicators"]["efficiency"]["score"] == Decimal("49.50")
    assert set(data["indicators"]["completion"]) >= {"name", "parent", "weight", "effective_weight", "score", "status"}
    assert [f["indicator"] for f in data["findings"]] == ["efficacy", "procurement_controls"]
    assert set(data["provenance"]) == {"rubric_id", "rubric_version", "rubric_sha256", "facts_sha256", "library_version"}


def test_evaluate_gives_the_same_bytes_every_time(capsys: pytest.CaptureFixture[str]) -> None:
    first = run(["evaluate", str(RUBRIC_2023), str(FACTS)], capsys)[1]
    second = run(["evaluate", str(RUBRIC_2023), str(FACTS)], capsys)[1]
    assert first == second


def test_evaluate_text_and_english(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["evaluate", "--format", "text", str(RUBRIC_2023), str(FACTS)], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[1] == "总分 99.50 / 100.00    等级 优"
    assert "2. 采购内控制度 (procurement_controls, 扣分 0.50)" in lines
    code, out, _ = run(["evaluate", "--format", "text", "--lang", "en", str(RUBRIC_2023), str(FACTS)], capsys)
    assert out.splitlines()[1] == "Total 99.50 / 100.00    Grade Excellent"
    assert "2. Procurement internal controls (procurement_controls, lost 0.50)" in out.splitlines()


def test_evaluate_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "result.json"
    code, out, _ = run(["evaluate", str(RUBRIC_2023), str(FACTS), "--output", str(target)], capsys)
    assert (code, out) == (0, "")
    assert json.loads(target.read_text(encoding="utf-8"))["grade"] == "优"


def test_output_replaces_a_file_whole_or_not_at_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "result.json"
    target.write_text("the previous result\n", encoding="utf-8")
    target.chmod(0o640)

    def disk_full(source: str, destination: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("rubric.cli.os.replace", disk_full)
    code, out, err = run(["evaluate", str(RUBRIC_2023), str(FACTS), "--output", str(target)], capsys)
    assert (code, out, err) == (2, "", f"{target}: error: cannot write: No space left on device\n")
    assert target.read_text(encoding="utf-8") == "the previous result\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["result.json"]  # no half-written file left
    monkeypatch.undo()
    assert run(["evaluate", str(RUBRIC_2023), str(FACTS), "--output", str(target)], capsys)[0] == 0
    assert json.loads(target.read_text(encoding="utf-8"))["grade"] == "优"
    assert target.stat().st_mode & 0o777 == 0o640  # the file keeps its permissions


def test_rejected_facts_leave_the_output_file_as_it_was(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "result.json"
    target.write_text("the previous result\n", encoding="utf-8")
    facts = tmp_path / "facts.yaml"
    facts.write_text("budget_total: 1\n", encoding="utf-8")
    assert run(["evaluate", str(RUBRIC_2023), str(facts), "--output", str(target)], capsys)[0] == 4
    assert target.read_text(encoding="utf-8") == "the previous result\n"


def test_rejected_facts_exit_4_with_positions_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facts = tmp_path / "facts.yaml"
    facts.write_text(FACTS.read_text(encoding="utf-8").replace("audit_issues: 0 ", "audit_issues: -1 "), encoding="utf-8")
    code, out, err = run(["evaluate", str(RUBRIC_2023), str(facts)], capsys)
    assert (code, out) == (4, "")
    assert err == f"{facts}:15:15: error: audit_issues: -1 is below the minimum 0\n"


def test_rejected_rubric_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["evaluate", str(BROKEN_RUBRIC), str(FACTS)], capsys)
    assert (code, out) == (3, "")
    assert len(err.splitlines()) == 9 and err.startswith(f"{BROKEN_RUBRIC}:5:10: error: ")


def test_a_rule_that_cannot_be_computed_exits_5(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rubric_file = tmp_path / "r.yaml"
    rubric_file.write_text(
        'format: rubric/1\nid: r\ntitle: t\nversion: "1"\nyear: 2023\nlanguage: zh-CN\ntotal: 1\n'
        "grades: [{grade: 优, min: 0}]\nfacts: {a: {label: A, type: number}}\n"
        "indicators: [{id: i, name: I, weight: 1, score: 1 / a}]\n",
        encoding="utf-8",
    )
    facts = tmp_path / "f.yaml"
    facts.write_text("a: 0\n", encoding="utf-8")
    code, out, err = run(["evaluate", str(rubric_file), str(facts)], capsys)
    assert (code, out) == (5, "")
    assert err == f"{rubric_file}:10:49: error: indicator 'i': `1 / a` cannot be computed with a = 0: division by zero (1 / 0)\n"


@pytest.mark.parametrize(
    "arguments",
    [
        ["evaluate", "missing.yaml", str(FACTS)],
        ["evaluate", str(RUBRIC_2023), "missing.yaml"],
        ["evaluate", str(RUBRIC_2023)],
        ["evaluate", "--format", "xml", str(RUBRIC_2023), str(FACTS)],
        ["explain", str(RUBRIC_2023), str(FACTS), "nonexistent"],
        ["schema"],
    ],
)
def test_bad_usage_exits_2(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(arguments, capsys)
    assert code == 2 and out == "" and err and "Traceback" not in err


def test_explain_shows_the_trace(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["explain", str(RUBRIC_2023), str(FACTS), "procurement_controls"], capsys)
    assert code == 0
    assert out.splitlines() == [
        "采购内控制度 (procurement_controls)",
        "  parent: procurement",
        "  weight 2, effective weight 2",
        "  status: scored",
        "  read:",
        "    procurement_controls = 不够完善",
        "  steps:",
        "    procurement_controls is 不够完善: 1.5",
        "  score: 1.50",
        "  finding (deduction, 0.50): 采购制度还不够完善。",
    ]


def test_schema_prints_a_valid_json_schema_that_accepts_the_example(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["schema", str(RUBRIC_2023)], capsys)
    assert code == 0
    schema = json.loads(out, parse_float=Decimal)
    jsonschema.Draft202012Validator.check_schema(schema)
    from rubric.source import read_file

    jsonschema.Draft202012Validator(schema).validate(read_file(str(FACTS)).data)


def test_schema_rubric_format_prints_the_schema_of_rubric_files(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["schema", "--rubric-format"], capsys)
    assert (code, err) == (0, "")
    printed = json.loads(out)
    assert printed == json.loads((ROOT / "schemas" / "rubric.schema.json").read_text(encoding="utf-8"))
    from rubric.source import read_file

    jsonschema.Draft202012Validator(printed).validate(read_file(str(RUBRIC_2023)).data)


@pytest.mark.parametrize("arguments", [["schema"], ["schema", str(RUBRIC_2023), "--rubric-format"]])
def test_schema_takes_a_rubric_or_rubric_format_not_both(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(arguments, capsys)
    assert (code, out) == (2, "")
    assert err == "error: give either RUBRIC (the schema of its facts files) or --rubric-format (of rubric files)\n"


def test_a_folder_in_place_of_a_file_is_bad_usage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["evaluate", str(RUBRIC_2023), str(tmp_path)], capsys)
    assert (code, out, err) == (2, "", f"{tmp_path}: error: no such file\n")


def test_exit_codes_by_kind_of_failure() -> None:
    unreadable = error("file.unreadable", "cannot read the file: Permission denied", Location("f.yaml", 1, 1))
    assert _exit_code(FactsError([unreadable])) == 2
    assert _exit_code(RubricError([unreadable])) == 2
    other = error("facts.type", "x", None)
    assert (_exit_code(FactsError([other])), _exit_code(EvaluationError([other])), _exit_code(RubricError([other]))) == (4, 5, 3)


@pytest.mark.parametrize(
    "command",
    [
        ["evaluate", str(RUBRIC_2023), str(FACTS)],
        ["report", str(RUBRIC_2023), str(FACTS), "--format", "html"],
        ["check", "--format", "json", str(BROKEN_RUBRIC)],
    ],
    ids=["evaluate", "report", "check"],
)
def test_output_is_the_same_bytes_whatever_the_hash_seed(command: list[str]) -> None:
    """Nothing in the output may follow the order of a set or of hashing."""
    outputs = set()
    for seed in ("0", "1", "4242"):
        environment = {**os.environ, "PYTHONHASHSEED": seed}
        finished = subprocess.run(
            [sys.executable, "-m", "rubric", *command], capture_output=True, env=environment, timeout=120, check=False
        )
        assert finished.returncode in (0, 3) and finished.stdout
        outputs.add(finished.stdout)
    assert len(outputs) == 1
