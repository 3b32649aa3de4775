"""`rubric batch` and `Rubric.evaluate_many`: JSON Lines in, one result per department out, in order.

Expected values are worked out by hand or come from independent `rubric evaluate` runs on one
department at a time, never from the batch's own output.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import itertools
import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import ROOT, RUBRIC_2023, project_schema

import rubric
from rubric import batch
from rubric.cli import main
from rubric.render import json_text
from rubric.source import read_file

FACTS = ROOT / "examples" / "haizhu-petition-bureau-2023.yaml"
SEED = read_file(str(FACTS)).data
SEED_SHA256 = "4299cafff46bb4dc73c92208828f15baec340e21828af05c53d2aeb655ee870c"  # docs/facts.md
# The 2023 rubric's indicators in tree order, as docs/cli.md lists them (rubric explain … nope).
IDS_2023 = (
    "efficacy,spending_rate,outputs,outcomes,efficiency,budgeting,pre_assessment,execution,completion,carryover,audit,"
    "disclosure,budget_disclosure,accounts_disclosure,performance_disclosure,performance,perf_rules,perf_targets,"
    "perf_monitoring,perf_self_evaluation,procurement,procurement_intent,procurement_contracts,sme_share,"
    "procurement_controls,assets,asset_rules,asset_inventory,asset_accounts,asset_utilization,cost,public_funds,three_public"
)
# One indicator scoring 1 / a: a = 0 cannot be computed (exit 5); a = 2 scores 0.50.
DIVIDING_RUBRIC = (
    'format: rubric/1\nid: r\ntitle: t\nversion: "1"\nyear: 2023\nlanguage: zh-CN\ntotal: 1\n'
    "grades: [{grade: 优, min: 0}]\nfacts: {a: {label: A, type: number}}\n"
    "indicators: [{id: i, name: I, weight: 1, score: 1 / a}]\n"
)


def one_line(facts: dict[str, Any]) -> str:
    """Facts as one line of exact JSON (json_text breaks lines only between values)."""
    return json_text(facts, indent=0).replace("\n", "")


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "generate_departments", ROOT / "benchmarks" / "generate_departments.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(arguments)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def evaluated_alone(
    tmp_path: Path, line: str, capsys: pytest.CaptureFixture[str], rubric_file: Path = RUBRIC_2023
) -> Any:
    """What `rubric evaluate` says of one department on its own."""
    path = tmp_path / "alone.json"
    path.write_text(line, encoding="utf-8")
    code, out, _ = run(["evaluate", str(rubric_file), str(path)], capsys)
    assert code == 0
    return json.loads(out, parse_float=Decimal)


def records(path: Path) -> list[Any]:
    return [json.loads(line, parse_float=Decimal) for line in path.read_text(encoding="utf-8").splitlines()]


# -- results -----------------------------------------------------------------------------------


def test_the_seed_department_scores_as_the_docs_say(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(one_line(SEED) + "\n", encoding="utf-8")
    code, out, err = run(["batch", str(RUBRIC_2023), str(source)], capsys)
    assert (code, err) == (0, "")
    assert out.startswith(
        '{"line":1,"total":99.50,"max":100,"grade":"优","scores":{"efficacy":50.00,"spending_rate":10.00,'
    )
    [result] = [json.loads(line, parse_float=Decimal) for line in out.splitlines()]
    assert list(result) == ["line", "total", "max", "grade", "scores", "not_applicable", "findings", "provenance"]
    assert ",".join(result["scores"]) == IDS_2023
    assert (result["scores"]["efficiency"], result["scores"]["procurement_controls"]) == (
        Decimal("49.50"),
        Decimal("1.50"),
    )
    assert result["not_applicable"] == []
    assert [(f["indicator"], f["points_lost"], f["severity"], f["problem"]) for f in result["findings"]] == [
        ("efficacy", Decimal("0.00"), "note", "年初制定的产出和效益指标不够精细，个别指标重复或难以量化。"),
        ("procurement_controls", Decimal("0.50"), "deduction", "采购制度还不够完善。"),
    ]
    assert result["provenance"]["facts_sha256"] == SEED_SHA256
    assert result["provenance"]["rubric_id"] == "cn-dept-overall-2023"


def test_results_come_in_input_order_and_the_same_bytes_with_one_or_two_jobs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch, "_CHUNK_LINES", 4)  # many chunks, so that the two workers interleave
    lines = list(generator().lines(40, 11, None))
    source = tmp_path / "in.jsonl"
    source.write_text("".join(lines), encoding="utf-8")
    outputs = []
    for jobs in ("1", "2"):
        target = tmp_path / f"out-{jobs}.jsonl"
        assert run(["batch", str(RUBRIC_2023), str(source), "--output", str(target), "--jobs", jobs], capsys) == (
            0,
            "",
            "",
        )
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]
    results = records(tmp_path / "out-1.jsonl")
    assert [result["line"] for result in results] == list(range(1, 41))
    assert len({result["total"] for result in results}) > 10  # the departments differ
    for number in (1, 17, 40):  # each the same as scored alone
        alone = evaluated_alone(tmp_path, lines[number - 1], capsys)
        result = results[number - 1]
        assert (result["total"], result["max"], result["grade"]) == (alone["total"], alone["max"], alone["grade"])
        assert result["scores"] == {key: value["score"] for key, value in alone["indicators"].items()}
        assert result["not_applicable"] == [
            k for k, v in alone["indicators"].items() if v["status"] == "not_applicable"
        ]
        assert result["findings"] == [{k: v for k, v in f.items() if k != "name"} for f in alone["findings"]]
        assert result["provenance"] == alone["provenance"]


def test_every_result_and_reject_fits_its_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(generator().lines(24, 3, 5)), encoding="utf-8")
    target, rejects = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl"
    code = main(["batch", str(RUBRIC_2023), str(source), "--output", str(target), "--rejects", str(rejects)])
    assert code == 4
    assert len(records(target)) == 20 and len(records(rejects)) == 4
    for line in target.read_text(encoding="utf-8").splitlines():  # as JSON numbers: the schema's types
        project_schema("batch-result").validate(json.loads(line))
    for line in rejects.read_text(encoding="utf-8").splitlines():
        project_schema("batch-reject").validate(json.loads(line))
    # the generator breaks every 5th line in turn: a missing fact, a wrong type, out of range, not JSON
    assert [(r["line"], r["errors"][0]["code"]) for r in records(rejects)] == [
        (5, "facts.missing"),
        (10, "facts.type"),
        (15, "facts.range"),
        (20, "yaml.syntax"),
    ]


def test_the_result_schema_refuses_a_renamed_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(one_line(SEED) + "\n", encoding="utf-8")
    code, out, _ = run(["batch", str(RUBRIC_2023), str(source)], capsys)
    result = json.loads(out)
    result["maximum"] = result.pop("max")
    assert code == 0 and not project_schema("batch-result").is_valid(result)


# -- rejects -----------------------------------------------------------------------------------

SEED_LINE = one_line(SEED)
# Exact decimals: 0.1 + 0.2 == 0.3, so the rubric's check basic + project == total holds.
EXACT = dict(
    SEED,
    budget_total=Decimal("0.3"),
    spent_total=Decimal("0.3"),
    budget_basic=Decimal("0.1"),
    budget_project=Decimal("0.2"),
)
BAD_LINES = [
    (SEED_LINE, None),  # 1
    ('{"budget_total": }', ("yaml.syntax", "JSON syntax: Expecting value", 18)),  # 2
    ('{"a": 1, "a": 2}', ("yaml.duplicate_key", "duplicate key 'a'", 1)),  # 3
    ('{"budget_total": NaN}', ("yaml.syntax", "JSON syntax: NaN is not a JSON number", 1)),  # 4
    ("", None),  # 5: blank, skipped
    (
        one_line({k: v for k, v in SEED.items() if k != "budget_total"}),
        ("facts.missing", "missing required fact 'budget_total' (财政拨款年度预算数)", 1),
    ),  # 6
    (one_line(dict(SEED, spent_totl=1)), ("facts.unknown", "unknown fact 'spent_totl'", 1)),  # 7
    (
        "[1, 2]",
        ("facts.not_mapping", "a line holds one department's facts: a JSON object from fact id to value", 1),
    ),  # 8
    (
        '{"unit_name": "\\u200b"}',
        ("yaml.character", "invisible character U+200B (ZERO WIDTH SPACE) is not allowed", 1),
    ),  # 9
    ('{"audit_issues": 1e30}', ("yaml.number_range", "1e30 is out of range (beyond 10^20 or below 10^-20)", 1)),  # 10
    (one_line(EXACT), None),  # 11
    (
        '{"unit_name": "x"}  \u200b',
        ("yaml.character", "invisible character U+200B (ZERO WIDTH SPACE) is not allowed", 21),
    ),  # 12
]


def test_rejected_lines_go_to_the_rejects_file_with_their_line_and_the_batch_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes("".join(line + "\n" for line, _ in BAD_LINES).encode("utf-8") + b'{"unit_name": "\xff"}\n')
    target, rejects = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl"
    code, out, err = run(
        ["batch", str(RUBRIC_2023), str(source), "--output", str(target), "--rejects", str(rejects)], capsys
    )
    assert (code, out, err) == (4, "", "")
    assert [result["line"] for result in records(target)] == [1, 11]
    exact = records(target)[1]
    assert exact["scores"]["spending_rate"] == Decimal("10.00")  # 0.3 / 0.3 exactly
    expected = [
        {
            "line": number,
            "errors": [
                {
                    "severity": "error",
                    "code": code,
                    "message": message,
                    "file": str(source),
                    "line": number,
                    "column": column,
                }
            ],
        }
        for number, (_, problem) in enumerate(BAD_LINES, start=1)
        if problem is not None
        for code, message, column in [problem]
    ]
    expected.append(
        {
            "line": 13,
            "errors": [
                {
                    "severity": "error",
                    "code": "yaml.encoding",
                    "message": "the line is not valid UTF-8",
                    "file": str(source),
                    "line": 13,
                    "column": 16,
                }
            ],
        }
    )
    got = records(rejects)
    assert [
        {"line": r["line"], "errors": [{k: v for k, v in e.items() if k != "hint"} for e in r["errors"]]} for r in got
    ] == expected
    hints = {r["line"]: r["errors"][0]["hint"] for r in got}
    assert hints[3] == "each key may appear once in a mapping"
    assert hints[7] == "did you mean 'spent_total'?"


def test_a_line_gets_every_problem_of_its_facts_as_evaluate_finds_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rubric_2023: rubric.Rubric
) -> None:
    facts = dict(SEED, audit_issues="三个", year=Decimal("2023.5"))
    source = tmp_path / "in.jsonl"
    source.write_text(one_line(facts) + "\n", encoding="utf-8")
    code, _, err = run(["batch", str(RUBRIC_2023), str(source)], capsys)
    with pytest.raises(rubric.FactsError) as raised:
        rubric_2023.evaluate(facts)
    assert len(raised.value.diagnostics) == 2
    assert code == 4
    assert err.splitlines() == [
        f"{source}:1:1: error: {d.message}" + (f" ({d.hint})" if d.hint else "") for d in raised.value.diagnostics
    ]


def test_without_a_rejects_file_rejects_are_messages_on_stderr_and_good_results_are_still_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(SEED_LINE + '\n{"budget_total": }\n\n' + SEED_LINE + "\n", encoding="utf-8")
    code, out, err = run(["batch", str(RUBRIC_2023), str(source)], capsys)
    assert code == 4
    assert [json.loads(line)["line"] for line in out.splitlines()] == [1, 4]
    assert err == f"{source}:2:18: error: JSON syntax: Expecting value\n"


def test_a_rule_that_cannot_be_computed_is_a_reject_placed_at_the_line_and_the_rule_and_exits_5(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rubric_file = tmp_path / "r.yaml"
    rubric_file.write_text(DIVIDING_RUBRIC, encoding="utf-8")
    source = tmp_path / "in.jsonl"
    source.write_text('{"a": 2}\n{"a": 0}\n{"a": "x"}\n', encoding="utf-8")
    code, out, err = run(["batch", str(rubric_file), str(source)], capsys)
    assert code == 5  # a rule failed: 5 wins over 4
    assert [
        (json.loads(line)["line"], json.loads(line, parse_float=Decimal)["total"]) for line in out.splitlines()
    ] == [(1, Decimal("0.50"))]
    rule = f"{rubric_file}:10:49"  # where `rubric evaluate` places the failure (test_cli_evaluate)
    assert err.splitlines() == [
        f"{source}:2:1: error: indicator 'i': `1 / a` cannot be computed with a = 0: division by zero (1 / 0) [{rule}]",
        f"{source}:3:1: error: a: expected a number, found text 'x'",
    ]
    rejects = tmp_path / "rejects.jsonl"
    assert main(["batch", str(rubric_file), str(source), "--rejects", str(rejects)]) == 5
    capsys.readouterr()
    failure = records(rejects)[0]
    assert failure["line"] == 2
    assert [(e["code"], e["file"], e["line"], e["column"]) for e in failure["errors"]] == [
        ("evaluation.failed", str(rubric_file), 10, 49)
    ]


def test_a_line_longer_than_the_limit_is_skipped_as_it_is_read(tmp_path: Path) -> None:
    loaded = rubric.load(RUBRIC_2023, limits=rubric.Limits(max_file_bytes=50_000))
    long_line = one_line(dict(SEED, unit_name="单" * 20_000))  # 60,000 bytes of name
    source = io.BytesIO(f"{SEED_LINE}\n{long_line}\n{SEED_LINE}\n".encode())
    output = io.BytesIO()
    rejects: list[batch.Reject] = []
    tally = batch.score_lines(loaded, source, "in.jsonl", output, rejects.append)
    assert tally == batch.Tally(departments=3, scored=2, rejected=1, failed=0)
    assert [json.loads(line)["line"] for line in output.getvalue().splitlines()] == [1, 3]
    [reject] = rejects
    assert (reject.line, reject.error.code, str(reject.error.first)) == (
        2,
        "yaml.too_large",
        "in.jsonl:2:1: error: the line is longer than 50000 bytes (split or trim it)",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"x": 0.1}', {"x": Decimal("0.1")}),  # exactly one tenth, never a binary float
        ('{"x": 1E+2, "y": -0, "z": 999999999999999999999}', {"x": Decimal("1E+2"), "y": 0, "z": 10**21 - 1}),
        (
            '{"x": 0.00000000000000000001, "y": -99999999999999999999.9}',
            {"x": Decimal("1E-20"), "y": Decimal("-1E+20") + Decimal("0.1")},
        ),
        ('\ufeff{"x": true}', {"x": True}),  # a byte-order mark may open the first line
        ('{"x": [{"y": "\\ud840\\udc00"}]}', {"x": [{"y": "\U00020000"}]}),  # a pair of escapes is one character
    ],
)
def test_lines_are_read_exactly(text: str, expected: dict[str, Any]) -> None:
    data = batch.read_line(text.encode(), "in.jsonl", 1, rubric.Limits())
    assert data == expected
    assert [type(value) for value in data.values()] == [type(value) for value in expected.values()]


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        ('{"x": Infinity}', "yaml.syntax", "JSON syntax: Infinity is not a JSON number"),
        (
            '{"x": 1' + "0" * 21 + "}",
            "yaml.number_range",
            "1" + "0" * 21 + " is out of range (beyond 10^20 or below 10^-20)",
        ),
        (
            '{"x": 0.' + "0" * 20 + "1}",
            "yaml.number_range",
            "0." + "0" * 20 + "1 is out of range (beyond 10^20 or below 10^-20)",
        ),
        ('{"x": 1' + "0" * 30 + "}", "yaml.number_too_long", "number has more than 30 digits"),
        ('{"x": 0.' + "0" * 40 + "1}", "yaml.number_too_long", "number has more than 40 characters"),
        ('{"x": "\\ud800"}', "yaml.character", "an escape writes half of a UTF-16 pair without the other half"),
        ('{"x": "\\b"}', "yaml.character", "character U+0008 is not allowed"),
        ('{"x": ' + "[" * 64 + "]" * 64 + "}", "yaml.too_deep", "nesting deeper than 64 levels"),
        ("[" * 100_000 + "]" * 100_000, "yaml.too_deep", "nesting deeper than 64 levels"),
        ("\ufeff{}", "yaml.character", "invisible character U+FEFF (ZERO WIDTH NO-BREAK SPACE) is not allowed"),
    ],
)
def test_lines_are_read_strictly(text: str, code: str, message: str) -> None:
    with pytest.raises(rubric.FactsError) as raised:
        batch.read_line(text.encode(), "in.jsonl", 2, rubric.Limits())
    assert (raised.value.code, raised.value.first.message) == (code, message)


def test_nesting_up_to_the_limit_is_read() -> None:
    text = '{"x": ' + "[" * 63 + "]" * 63 + "}"  # the object and 63 lists: 64 levels, the limit
    nested: list[Any] = []
    for _ in range(62):
        nested = [nested]
    assert batch.read_line(text.encode(), "in.jsonl", 1, rubric.Limits()) == {"x": nested}


# -- CSV ---------------------------------------------------------------------------------------


def test_csv_has_a_header_and_one_row_per_scored_department(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = list(generator().lines(3, 5, None))
    source = tmp_path / "in.jsonl"
    source.write_text(lines[0] + '{"budget_total": }\n' + lines[1], encoding="utf-8")
    target = tmp_path / "out.csv"
    assert main(["batch", str(RUBRIC_2023), str(source), "--format", "csv", "--output", str(target)]) == 4
    capsys.readouterr()
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfline,total,max,grade,efficacy,spending_rate,")  # a BOM for Excel
    assert raw.count(b"\r\n") == 3  # header and two rows, RFC 4180 line ends
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["line", "total", "max", "grade", *IDS_2023.split(",")]
    assert [row[0] for row in rows[1:]] == ["1", "3"]  # the rejected line 2 has no row
    alone = evaluated_alone(tmp_path, lines[1], capsys)
    assert rows[2] == [
        "3",
        str(alone["total"]),
        str(alone["max"]),
        alone["grade"],
        *(str(v["score"]) for v in alone["indicators"].values()),
    ]


def test_csv_of_the_seed_department(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(SEED_LINE + "\n", encoding="utf-8")
    code, out, _ = run(["batch", str(RUBRIC_2023), str(source), "--format", "csv"], capsys)
    assert code == 0
    row = out.splitlines()[1].split(",")
    assert row[:9] == ["1", "99.50", "100", "优", "50.00", "10.00", "25.00", "15.00", "49.50"]
    assert row[4 + IDS_2023.split(",").index("procurement_controls")] == "1.50"


# -- standard input and output, exit codes, files ------------------------------------------------


def test_dash_reads_standard_input_and_writes_standard_output() -> None:
    lines = SEED_LINE + "\n" + '{"budget_total": }\n'
    finished = subprocess.run(
        [sys.executable, "-m", "rubric", "batch", str(RUBRIC_2023), "-", "--output", "-"],
        input=lines.encode(),
        capture_output=True,
        check=False,
    )
    assert finished.returncode == 4
    assert [json.loads(line)["line"] for line in finished.stdout.decode().splitlines()] == [1]
    assert finished.stderr.decode() == "<stdin>:2:18: error: JSON syntax: Expecting value\n"


def test_a_reader_that_stops_reading_ends_the_batch_quietly() -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "rubric", "batch", str(RUBRIC_2023), "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdin is not None and child.stdout is not None and child.stderr is not None
    feeding = threading.Thread(target=feed, args=(child.stdin,), daemon=True)
    feeding.start()
    assert child.stdout.readline().startswith(b'{"line":1,')
    child.stdout.close()
    assert child.wait(timeout=60) == 141
    assert child.stderr.read() == b""


def feed(stream: Any) -> None:
    """The seed department, over and over, until the reader goes away."""
    chunk = ((SEED_LINE + "\n") * 50).encode()
    try:
        while True:
            stream.write(chunk)
            stream.flush()
    except (BrokenPipeError, ValueError, OSError):
        return


def test_ctrl_c_stops_the_workers_and_exits_130_without_a_traceback() -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "rubric", "batch", str(RUBRIC_2023), "-", "--jobs", "2"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdin is not None and child.stdout is not None and child.stderr is not None
    threading.Thread(target=feed, args=(child.stdin,), daemon=True).start()
    assert child.stdout.readline().startswith(b'{"line":1,')  # the workers are running
    child.send_signal(signal.SIGINT)
    started = time.monotonic()
    threading.Thread(target=child.stdout.read, daemon=True).start()  # keep the pipe drained
    assert child.wait(timeout=60) == 130
    assert time.monotonic() - started < 30
    assert b"Traceback" not in child.stderr.read()


def test_an_interrupt_leaves_the_output_file_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(SEED_LINE + "\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    target.write_text("the previous results\n", encoding="utf-8")

    def interrupted(*arguments: object, **keywords: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("rubric.batch.score_lines", interrupted)
    assert run(["batch", str(RUBRIC_2023), str(source), "--output", str(target)], capsys) == (130, "", "")
    assert target.read_text(encoding="utf-8") == "the previous results\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]  # no part file left


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        (["nosuch.jsonl"], 2, "nosuch.jsonl: error: cannot read: No such file or directory\n"),
        (["IN", "--jobs", "0"], 2, "argument --jobs: expected a positive whole number, not '0'"),
        (
            ["IN", "--output", "-", "--rejects", "-"],
            2,
            "error: --output and --rejects cannot both be standard output\n",
        ),
        (["IN", "--format", "xlsx"], 2, "argument --format: invalid choice: 'xlsx'"),
        (
            ["IN", "--output", "/no/such/dir/out.jsonl"],
            2,
            "/no/such/dir/out.jsonl: error: cannot write: No such file or directory\n",
        ),
    ],
)
def test_bad_usage_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], code: int, message: str
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(SEED_LINE + "\n", encoding="utf-8")
    given = [str(source) if argument == "IN" else argument for argument in arguments]
    result, out, err = run(["batch", str(RUBRIC_2023), *given], capsys)
    assert (result, out) == (code, "")
    assert message in err


def test_a_full_disk_leaves_the_output_files_as_they_were(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(SEED_LINE + "\n[]\n", encoding="utf-8")
    target, rejects = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl"
    target.write_text("the previous results\n", encoding="utf-8")

    def disk_full(source: str, destination: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("rubric.cli.os.replace", disk_full)
    arguments = ["batch", str(RUBRIC_2023), str(source), "--output", str(target), "--rejects", str(rejects)]
    assert run(arguments, capsys) == (2, "", "error: cannot write the results: No space left on device\n")
    assert target.read_text(encoding="utf-8") == "the previous results\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]


def test_an_invalid_rubric_exits_3_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(SEED_LINE + "\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    code, out, err = run(
        ["batch", str(ROOT / "tests" / "fixtures" / "broken.yaml"), str(source), "--output", str(target)], capsys
    )
    assert (code, out) == (3, "") and "broken.yaml:5:10: error: " in err
    assert not target.exists()


def test_an_empty_input_gives_an_empty_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("\n  \n", encoding="utf-8")
    assert run(["batch", str(RUBRIC_2023), str(source)], capsys) == (0, "", "")


# -- progress ----------------------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_progress_line_is_drawn_on_a_terminal_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text((SEED_LINE + "\n") * 3 + "[]\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    assert run(
        ["batch", str(RUBRIC_2023), str(source), "--output", str(target), "--rejects", str(tmp_path / "r")], capsys
    ) == (4, "", "")
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert (
        main(["batch", str(RUBRIC_2023), str(source), "--output", str(target), "--rejects", str(tmp_path / "r")]) == 4
    )
    drawn = terminal.getvalue()  # too quick to be redrawn before the end: only the last line
    assert drawn.startswith("\r\x1b[K  4 departments (1 rejected)  ") and drawn.endswith("/s  done in 0:00:00\n")


def test_no_progress_line_when_the_results_go_to_the_terminal_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(SEED_LINE + "\n", encoding="utf-8")
    screen = io.BytesIO()
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(sys, "stdout", TerminalText(screen))
    assert main(["batch", str(RUBRIC_2023), str(source)]) == 0
    assert screen.getvalue().startswith(b'{"line":1,"total":99.50,')
    assert terminal.getvalue() == ""


class TerminalText(io.TextIOWrapper):
    def isatty(self) -> bool:
        return True


def test_the_progress_line_shows_count_rate_and_time_left() -> None:
    clock = iter([0.0, 2.0, 2.1, 4.0, 5.0])
    stream = io.StringIO()
    progress = batch.Progress(stream, 4000, clock=lambda: next(clock), interval=0.2)
    progress.show(12_345, 0, 1000)  # at 2 s: a quarter of the bytes in 2 s, so 6 s left
    progress.show(12_400, 0, 1010)  # 0.1 s later: not drawn again
    progress.show(20_000, 3, 2000)  # at 4 s
    progress.clear()
    progress.finish(40_000, 3)  # at 5 s
    assert stream.getvalue() == (
        "\r\x1b[K  12,345 departments  6,172/s  about 0:00:06 left"
        "\r\x1b[K  20,000 departments (3 rejected)  5,000/s  about 0:00:04 left"
        "\r\x1b[K"
        "\r\x1b[K  40,000 departments (3 rejected)  8,000/s  done in 0:00:05\n"
    )


def test_without_a_known_size_there_is_no_time_left() -> None:
    clock = iter([0.0, 1.0])
    stream = io.StringIO()
    batch.Progress(stream, None, clock=lambda: next(clock)).show(10, 0, 500)
    assert stream.getvalue() == "\r\x1b[K  10 departments  10/s"


def test_rejects_on_a_terminal_wipe_the_progress_line_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("[]\n[]\n", encoding="utf-8")
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(batch.Progress, "show", lambda self, *a: self._draw("bar"))
    monkeypatch.setattr(batch, "_CHUNK_LINES", 1)  # the first reject, a redraw, the second reject
    assert main(["batch", str(RUBRIC_2023), str(source)]) == 4
    message = f"{source}:2:1: error: a line holds one department's facts: a JSON object from fact id to value\n"
    assert f"\r\x1b[Kbar\r\x1b[K{message}" in terminal.getvalue()


# -- evaluate_many -----------------------------------------------------------------------------


def endless(consumed: list[int]) -> Iterator[dict[str, Any]]:
    """The seed department; every third one without budget_total, every third one holding a lock."""
    for number in itertools.count():
        consumed.append(number)
        if number % 3 == 1:
            yield {k: v for k, v in SEED.items() if k != "budget_total"}
        elif number % 3 == 2:
            yield dict(SEED, lock=threading.Lock())  # not data, and not picklable either
        else:
            yield SEED


@pytest.mark.parametrize("jobs", [1, 2])
def test_evaluate_many_is_lazy_ordered_and_typed(rubric_2023: rubric.Rubric, jobs: int) -> None:
    consumed: list[int] = []
    outcomes = list(itertools.islice(rubric_2023.evaluate_many(endless(consumed), jobs=jobs), 5))
    assert [type(outcome) for outcome in outcomes] == [
        rubric.Evaluation,
        rubric.FactsError,
        rubric.FactsError,
        rubric.Evaluation,
        rubric.FactsError,
    ]
    evaluation = outcomes[0]
    assert isinstance(evaluation, rubric.Evaluation)
    assert (evaluation.total, evaluation.grade and evaluation.grade.zh) == (Decimal("99.50"), "优")
    assert evaluation.indicator("completion").trace.steps == ()  # trace=False by default
    missing, lock = outcomes[1], outcomes[2]
    assert isinstance(missing, rubric.FactsError) and missing.code == "facts.missing"
    assert isinstance(lock, rubric.FactsError) and lock.code == "facts.type"  # as evaluate says, whatever the jobs
    # it reads only what it needs (one job), or a few chunks ahead (workers): never the endless whole
    ahead = 5 if jobs == 1 else batch._AHEAD_PER_JOB * jobs * batch._CHUNK_ITEMS
    assert 5 <= len(consumed) <= ahead


def test_evaluate_many_matches_evaluate_and_keeps_the_trace_when_asked(rubric_2023: rubric.Rubric) -> None:
    changed = dict(SEED, spent_total=Decimal(900))
    [first, second] = rubric_2023.evaluate_many([SEED, changed], trace=True)
    assert first == rubric_2023.evaluate(SEED)
    assert second == rubric_2023.evaluate(changed)
    assert second.indicator("spending_rate").score == Decimal("9.12")  # docs/cli.md, rubric explain


@pytest.mark.parametrize("jobs", [0, -1, 1.5, True])
def test_evaluate_many_refuses_a_bad_number_of_jobs_at_once(rubric_2023: rubric.Rubric, jobs: Any) -> None:
    with pytest.raises(ValueError, match="jobs must be a positive whole number"):
        rubric_2023.evaluate_many([], jobs=jobs)


def test_the_generator_makes_valid_departments_and_breaks_every_kth_line(tmp_path: Path) -> None:
    module = generator()
    first = list(module.lines(12, 9, 3))
    assert first == list(module.lines(12, 9, 3))  # the same seed gives the same bytes
    assert first != list(module.lines(12, 10, 3))
    loaded = rubric.load(RUBRIC_2023)
    for number, line in enumerate(first, start=1):
        if number % 3:
            assert isinstance(loaded.evaluate(json.loads(line, parse_float=Decimal)), rubric.Evaluation)
    assert "budget_total" not in json.loads(first[2])
    assert json.loads(first[5])["audit_issues"] == "三个"
    assert json.loads(first[8], parse_float=Decimal)["fixed_asset_utilization"] == Decimal("-0.5")
    with pytest.raises(json.JSONDecodeError):
        json.loads(first[11])
