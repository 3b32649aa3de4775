"""Authors' test cases (`rubric test`): expectations, readable failures, coverage of branches."""

from __future__ import annotations

import tempfile
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import LIST_FACT, ROOT, RUBRIC_2023, make_rubric, project_schema

import rubric
from rubric.cases import load_cases, percent, run_cases
from rubric.cli import main
from rubric.source import read_file

CASES_2023 = ROOT / "rubrics" / "2023.cases.yaml"
SEED = ROOT / "examples" / "haizhu-petition-bureau-2023.yaml"


def run(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, list[str]]:
    code = main(["test", *arguments])
    captured = capsys.readouterr()
    return code, (captured.out + captured.err).splitlines()


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def test_the_2023_cases_pass_and_cover_every_branch(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = run(capsys, str(RUBRIC_2023), str(CASES_2023), "--min-coverage", "100")
    assert code == 0
    assert lines[0] == str(CASES_2023)
    assert all(line.startswith("  ok    ") for line in lines[1:25])
    assert lines[25:28] == ["24 cases: 24 passed, 0 failed", "", f"coverage of {RUBRIC_2023}: 78 of 78 branches (100%)"]
    assert "never ran" not in "\n".join(lines)


def test_the_cases_file_fits_its_schema() -> None:
    project_schema("cases").validate(read_file(str(CASES_2023)).data)


def test_a_failing_case_says_what_was_expected_and_what_came(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = write(
        tmp_path,
        "c.yaml",
        f"""
        format: rubric-cases/1
        cases:
          - name: 支出 91%
            facts: {SEED}
            with: {{spent_total: 900}}
            expect:
              total: 99.5
              grade: 良
              scores: {{completion: 4, outputs: not_applicable, nothing: 1}}
              findings: [carryover, {{indicator: completion, problem: 低于 90%}}]
              no_findings: [completion]
          - name: 期望被拒却得分
            facts: {SEED}
            expect:
              error: facts.check
        """,
    )
    code, lines = run(capsys, str(RUBRIC_2023), str(cases))
    assert code == 1
    # 900 / 986.45 = 91.24 %: spending rate 9.12, completion's second step (3): 99.5 - 0.88 - 1.
    assert lines[:13] == [
        str(cases),
        f"  FAIL  支出 91%  ({cases}:3:5)",
        "          total: expected 99.5, got 97.62",
        "          grade: expected 良, got 优",
        "          completion: expected 4, got 3.00",
        "          outputs: expected not_applicable, got 25.00",
        "          nothing: the rubric has no such indicator",
        "          findings: expected a finding of carryover, found none",
        "          findings: expected a finding of completion with '低于 90%' in its problem, found only: 预算完成率为 91.24%，低于 95%。",
        "          no_findings: expected no finding of completion, found: 预算完成率为 91.24%，低于 95%。",
        f"  FAIL  期望被拒却得分  ({cases}:12:5)",
        "          error: expected facts.check, but the facts were scored: total 99.50",
        "2 cases: 0 passed, 2 failed",
    ]


def test_facts_refused_unexpectedly_are_shown_where_they_were_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = write(
        tmp_path,
        "c.yaml",
        f"""
        format: rubric-cases/1
        cases:
          - name: 写错的事实
            facts: {SEED}
            with:
              spent_total: 很多
            expect: {{total: 100}}
          - name: 期望别的错误
            facts: {{budget_total: 1}}
            expect:
              error: {{code: facts.missing, message: budget_total}}
        """,
    )
    code, lines = run(capsys, str(RUBRIC_2023), str(cases))
    assert code == 1
    assert lines[1:4] == [
        f"  FAIL  写错的事实  ({cases}:3:5)",
        "          the facts were not scored:",
        f"            {cases}:6:20: error: spent_total: expected money: a number in 万元, or text with its unit such as \"986.45万元\", "
        "found text '很多'",
    ]
    assert lines[4:6] == [
        f"  FAIL  期望别的错误  ({cases}:8:5)",
        "          error: expected facts.missing with 'budget_total' in its message, got:",
    ]
    assert lines[6].startswith(f"            {cases}:9:12: error: missing required fact 'unit_name'")


def test_too_little_coverage_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = write(tmp_path, "c.yaml", f"format: rubric-cases/1\ncases:\n  - {{name: 种子, facts: {SEED}, expect: {{total: 99.5}}}}\n")
    code, lines = run(capsys, str(RUBRIC_2023), str(cases), "--min-coverage", "31")
    assert code == 1
    assert lines[2] == "1 case: 1 passed, 0 failed"
    # The seed department takes one branch of each rule it scores, writes two findings, and
    # takes no deduction: 24 of the 78 branches.
    assert lines[4] == f"coverage of {RUBRIC_2023}: 24 of 78 branches (30.7%)"
    assert lines[-1] == "coverage 30.7% is below the minimum of 31%"
    assert run(capsys, str(RUBRIC_2023), str(cases), "--min-coverage", "30.7")[0] == 0


BRANCHY = make_rubric(
    """
    - id: ladder
      name: 阶梯
      weight: 4
      not_applicable: level == "未建立"
      let: {r: spent_total / budget_total}
      ladder:
        - {when: r >= 0.9, then: 4}
        - otherwise: 1
      findings:
        - {problem: 少了, improvement: 多花}
    - id: deduct
      name: 扣分
      weight: 3
      deductions:
        - {when: not done, points: 1}
        - {per: 'spent_total - budget_total if spent_total > budget_total else 0', points: 1}
    - id: choose
      name: 选择
      weight: 3
      match: level
      cases: {完善: 3, 不够完善: 1, 未建立: 0}
      findings:
        - {when: 'level != "完善"', problem: 不完善, improvement: 完善}
    """
)


def branches(facts: list[dict[str, object]]) -> dict[str, list[tuple[str, bool]]]:
    loaded = rubric.load(BRANCHY, name="r.yaml")
    document_text = "format: rubric-cases/1\ncases:\n" + "".join(
        f"  - {{name: c{index}, facts: {facts_yaml}, expect: {{total: 0}}}}\n"
        for index, facts_yaml in enumerate(
            "{" + ", ".join(f"{key}: {value}" for key, value in entry.items()) + "}" for entry in facts
        )
    )
    return _branches_of(loaded, document_text)


def _branches_of(loaded: rubric.Rubric, cases_text: str) -> dict[str, list[tuple[str, bool]]]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.yaml"
        path.write_text(cases_text, encoding="utf-8")
        found = run_cases(loaded, {"c.yaml": load_cases(path)}).coverage
    return {item.indicator.id: [(branch.description, branch.covered) for branch in item.branches] for item in found.indicators}


def test_the_branches_of_each_kind_of_rule() -> None:
    found = branches([{"budget_total": 10, "spent_total": 10, "done": "true", "level": "完善"}])
    assert found == {
        "ladder": [
            ('not applicable (`level == "未建立"` holds)', False),
            ('applies (`level == "未建立"` does not hold)', True),
            ("step 1: `r >= 0.9` holds", True),
            ("step 2: otherwise", False),
            ("finding 1 written (points lost)", False),
        ],
        "deduct": [
            ("deduction 1: `not done` holds", False),
            ("deduction 2: `spent_total - budget_total if spent_total > budget_total else 0` above 0", False),
        ],
        "choose": [
            ("level is 完善", True),
            ("level is 不够完善", False),
            ("level is 未建立", False),
            ('finding 1 written (`level != "完善"` holds)', False),
        ],
    }
    found = branches(
        [
            {"budget_total": 10, "spent_total": 12, "done": "false", "level": "不够完善"},
            {"budget_total": 10, "spent_total": 1, "done": "true", "level": "未建立"},
        ]
    )
    assert found["ladder"] == [
        ('not applicable (`level == "未建立"` holds)', True),
        ('applies (`level == "未建立"` does not hold)', True),
        ("step 1: `r >= 0.9` holds", True),  # 12 / 10
        ("step 2: otherwise", False),  # the department with r = 0.1 does not apply
        ("finding 1 written (points lost)", False),
    ]
    assert all(covered for _, covered in found["deduct"])
    assert [covered for _, covered in found["choose"]] == [False, True, True, True]


def test_items_rules_count_selections_and_value_steps() -> None:
    text = make_rubric(
        """
        - id: items
          name: 条目
          weight: 10
          items:
            over: targets
            where: kind == "产出"
            value:
              - {when: actual >= 1, then: 1}
              - otherwise: 0.5
            empty: 10
            findings:
              - {problem: '{kind} 未完成', improvement: 完成}
        """,
        extra_facts=LIST_FACT,
    )
    loaded = rubric.load(text, name="r.yaml")
    facts = "{budget_total: 1, spent_total: 1, done: true, level: 完善, targets: [{kind: 产出, actual: 1}]}"
    found = _branches_of(loaded, f"format: rubric-cases/1\ncases:\n  - {{name: a, facts: {facts}, expect: {{total: 10}}}}\n")
    assert found["items"] == [
        ("items of targets selected", True),
        ("no item of targets selected", False),
        ("value step 1: `actual >= 1` holds", True),
        ("value step 2: otherwise", False),
        ("item finding 1 written (points lost)", False),
    ]


@pytest.mark.parametrize(
    ("value", "shown"),
    [(Decimal(100), "100%"), (Decimal(200) / 3, "66.6%"), (Decimal("99.99"), "99.9%"), (Decimal(0), "0%"), (Decimal(50), "50%")],
)
def test_percentages_are_rounded_down(value: Decimal, shown: str) -> None:
    assert percent(value) == shown


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "format: rubric-cases/1\ncases:\n  - {name: a, facts: {}, expect: {total: 1}}\n  - {name: a, facts: {}, expect: {total: 1}}\n",
            "c.yaml:4:12: error: case 'a' is named twice (first at line 3)",
        ),
        (
            "format: rubric-cases/1\ncases:\n  - {name: a, facts: x.yaml, expect: {total: 1}}\n  - {name: b, facts: x.yaml, expect: {total: 1}}\n",
            "c.yaml:3:22: error: cannot read the facts file x.yaml: No such file or directory\n"
            "c.yaml:4:22: error: cannot read the facts file x.yaml: No such file or directory",
        ),
        (
            "format: rubric-cases/1\ncases:\n  - {name: a, facts: {budget_total: 1}, without: [budget_total, budget_totl], expect: {total: 1}}\n",
            "c.yaml:3:65: error: without: 'budget_totl' is not among the facts of this case",
        ),
        (
            "format: rubric-cases/1\ncases:\n  - {name: a, facts: bad.yaml, expect: {total: 1}}\n",
            "bad.yaml:2:1: error: duplicate key 'a' (first defined at line 1, column 1) (each key may appear once in a mapping)",
        ),
        (
            "format: rubric-cases/1\ncases:\n  - {name: a, facts: x.yaml, expect: {total: 1, error: facts.check}}\n",
            "c.yaml:3:38: error: cases[0].expect: a case expects an error, or results (total, grade, scores, findings), not both",
        ),
        (
            "format: rubric-cases/1\ncases:\n  - {name: a, facts: x.yaml, expect: {scores: {completion: 高}}}\n",
            "c.yaml:3:60: error: cases[0].expect.scores.completion: a score is a number, or not_applicable",
        ),
        (
            "format: rubric-cases/1\ncases:\n  - &a {name: a, facts: x.yaml, expect: {total: 1}}\n  - *a\n",
            "c.yaml:3:5: error: anchors and aliases (&name, *name) are not allowed (write the value out in full)",
        ),
        (
            "format: rubric-cases/1\ncases:\n  - {name: a, facts: x.yaml, expect: {total: 1, total: 2}}\n",
            "c.yaml:3:49: error: duplicate key 'total' (first defined at line 3, column 39) (each key may appear once in a mapping)",
        ),
        (
            "format: rubric-cases/1\ncases:\n  - {name: a, facts: x.yaml, expcet: {total: 1}}\n",
            "c.yaml:3:5: error: cases[0]: missing required key 'expect' (add expect: ...)\n"
            "c.yaml:3:30: error: cases[0]: unknown key 'expcet' (did you mean 'expect'?)",
        ),
    ],
)
def test_a_cases_file_that_cannot_be_run_is_bad_usage(
    text: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "bad.yaml").write_text("a: 1\na: 2\n", encoding="utf-8")
    code, lines = run(capsys, str(RUBRIC_2023), "c.yaml")
    assert (code, lines) == (2, expected.splitlines())


def test_a_missing_cases_file_is_bad_usage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, str(RUBRIC_2023), str(tmp_path / "none.yaml")) == (2, [f"{tmp_path / 'none.yaml'}: error: no such file"])


@pytest.mark.parametrize("bad", ["101", "-1", "many", "nan"])
def test_min_coverage_is_a_percentage(bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = run(capsys, str(RUBRIC_2023), str(CASES_2023), "--min-coverage", bad)
    assert code == 2
    assert lines[-1] == f"rubric test: error: argument --min-coverage: expected a number from 0 to 100, not {bad!r}"


def test_the_petition_cases_cover_what_the_derived_rubric_adds(capsys: pytest.CaptureFixture[str]) -> None:
    petition = ROOT / "rubrics" / "2023-petition.yaml"
    code, lines = run(capsys, str(petition), str(ROOT / "rubrics" / "2023-petition.cases.yaml"))
    assert code == 0
    assert "8 cases: 8 passed, 0 failed" in lines
    assert "  petitions_settled_on_time  7/7  信访事项按期办结率" in lines
    # Branches the derived rubric inherits are placed in the base rubric's file.
    assert f"      never ran: finding 1 written (points lost)  ({ROOT / 'rubrics' / '2023.yaml'}:127:13)" in lines


def test_a_cases_file_named_twice_runs_once(capsys: pytest.CaptureFixture[str]) -> None:
    again = ROOT / "rubrics" / "." / "2023.cases.yaml"
    code, lines = run(capsys, str(RUBRIC_2023), str(CASES_2023), str(again))
    assert code == 0
    assert "24 cases: 24 passed, 0 failed" in lines
