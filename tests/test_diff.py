"""`rubric diff`: what changed between two rubrics, and how each department's scores move.

The expected outputs are worked out by hand from the rubrics and the facts (each number's
reasoning is beside it), not copied from the program's output.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import LIST_FACT, ROOT, RUBRIC_2023, make_rubric, project_schema

import rubric
from rubric.cli import main
from rubric.diff import compare, diff, rubric_changes, to_json, to_text

DRAFT = ROOT / "rubrics" / "2024-draft.yaml"
SEED = "examples/haizhu-petition-bureau-2023.yaml"
SAMPLE = "examples/sample-petition-bureau-2023.yaml"

# The draft on the seed department (examples/haizhu-petition-bureau-2023.yaml):
# - completion (预算完成率): r = 986.45 / 986.45 = 1, the top step either way: 4 of 4 -> 3 of 3;
# - carryover (结转结余率): no carry-over, no deduction either way: 3 of 3 -> 4 of 4;
#   预算执行 stays 4 + 3 + 3 = 3 + 4 + 3 = 10 and is not listed;
# - asset_utilization (固定资产利用率): 92.91% reached the top step (>= 90%), the draft's top
#   step needs 95%, its next (>= 90%) gives 2.5: 3 -> 2.50; 资产管理 1.5 + 1.5 + 1 + 2.5 = 6.50;
# - 管理效率 49.50 - 0.50 = 49.00; total 50 + 49.00 = 99.00, still 优 (>= 90).
DRAFT_ON_SEED_ZH = """\
cn-dept-overall-2023 1.0.0 → cn-dept-overall-2024-draft 0.1.0

评分规则的变化
  标题 title: 部门整体支出绩效自评（2023 年度） → 部门整体支出绩效自评（2024 年度，征求意见稿）
  年度 year: 2023 → 2024
  修改指标 预算完成率 completion: 权重 4 → 3，评分规则，文字
  修改指标 结转结余率 carryover: 权重 3 → 4，评分规则，文字
  修改指标 采购内控制度 procurement_controls: 文字
  修改指标 固定资产利用率 asset_utilization: 评分规则，文字

examples/haizhu-petition-bureau-2023.yaml
  总分 99.50 → 99.00 (-0.50)    等级 优 → 优
  管理效率 efficiency               49.50 / 50.00 → 49.00 / 50.00  -0.50
  预算完成率 completion             4.00 / 4.00   → 3.00 / 3.00    -1.00
  结转结余率 carryover              3.00 / 3.00   → 4.00 / 4.00    +1.00
  资产管理 assets                   7.00 / 7.00   → 6.50 / 7.00    -0.50
  固定资产利用率 asset_utilization  3.00 / 3.00   → 2.50 / 3.00    -0.50
"""

DRAFT_ON_SEED_EN = """\
cn-dept-overall-2023 1.0.0 → cn-dept-overall-2024-draft 0.1.0

Changes to the rubric
  title: Departmental overall expenditure performance self-evaluation (2023) → Departmental overall expenditure performance self-evaluation (2024, draft)
  year: 2023 → 2024
  changed indicator Budget completion rate completion: weight 4 → 3, rule, text
  changed indicator Carry-over rate carryover: weight 3 → 4, rule, text
  changed indicator Procurement internal controls procurement_controls: text
  changed indicator Fixed asset utilisation asset_utilization: rule, text

examples/haizhu-petition-bureau-2023.yaml
  Total 99.50 → 99.00 (-0.50)    Grade Excellent → Excellent
  Management efficiency efficiency           49.50 / 50.00 → 49.00 / 50.00  -0.50
  Budget completion rate completion          4.00 / 4.00   → 3.00 / 3.00    -1.00
  Carry-over rate carryover                  3.00 / 3.00   → 4.00 / 4.00    +1.00
  Asset management assets                    7.00 / 7.00   → 6.50 / 7.00    -0.50
  Fixed asset utilisation asset_utilization  3.00 / 3.00   → 2.50 / 3.00    -0.50
"""


def run(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str, str]:
    code = main(["diff", *arguments])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def as_json(text: str) -> Any:
    data = json.loads(text, parse_float=Decimal)
    project_schema("diff").validate(json.loads(text))
    return data


def test_the_draft_is_a_clean_rubric() -> None:
    assert rubric.check_rubric(DRAFT) == []


@pytest.mark.parametrize(("lang", "expected"), [("zh", DRAFT_ON_SEED_ZH), ("en", DRAFT_ON_SEED_EN)])
def test_the_draft_moves_the_seed_as_worked_out_by_hand(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, lang: str, expected: str
) -> None:
    monkeypatch.chdir(ROOT)
    assert run(capsys, "rubrics/2023.yaml", "rubrics/2024-draft.yaml", SEED, "--lang", lang) == (0, expected, "")


def test_the_json_of_the_draft_on_the_seed(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = run(capsys, "rubrics/2023.yaml", "rubrics/2024-draft.yaml", SEED, "--format", "json")
    assert (code, err) == (0, "")
    data = as_json(out)
    assert data["old"]["id"] == "cn-dept-overall-2023" and data["new"]["version"] == "0.1.0"
    assert data["changes"]["header"] == [
        {"field": "title", "old": "部门整体支出绩效自评（2023 年度）", "new": "部门整体支出绩效自评（2024 年度，征求意见稿）"},
        {"field": "year", "old": 2023, "new": 2024},
    ]
    assert [(c["id"], c["change"], c["aspects"]) for c in data["changes"]["indicators"]] == [
        ("completion", "changed", ["weight", "rule", "text"]),
        ("carryover", "changed", ["weight", "rule", "text"]),
        ("procurement_controls", "changed", ["text"]),
        ("asset_utilization", "changed", ["rule", "text"]),
    ]
    assert data["changes"]["indicators"][0]["old"] == {"parent": "execution", "weight": 4}
    (seed,) = data["facts"]
    assert seed["old"] == {"status": "scored", "total": Decimal("99.50"), "max": 100, "grade": "优"}
    assert seed["new"] == {"status": "scored", "total": Decimal("99.00"), "max": 100, "grade": "优"}
    assert [(i["id"], i["old"]["score"], i["new"]["score"], i["delta"]) for i in seed["indicators"]] == [
        ("efficiency", Decimal("49.50"), Decimal("49.00"), Decimal("-0.50")),
        ("completion", Decimal("4.00"), Decimal("3.00"), Decimal("-1.00")),
        ("carryover", Decimal("3.00"), Decimal("4.00"), Decimal("1.00")),
        ("assets", Decimal("7.00"), Decimal("6.50"), Decimal("-0.50")),
        ("asset_utilization", Decimal("3.00"), Decimal("2.50"), Decimal("-0.50")),
    ]
    assert '"delta": -0.50,' in out  # written exactly, not as a float


def test_facts_one_side_rejects_are_shown_with_the_other_sides_result(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The petition rubric needs the petition counts the seed lacks; 2023 does not know them."""
    monkeypatch.chdir(ROOT)
    code, out, err = run(capsys, "rubrics/2023.yaml", "rubrics/2023-petition.yaml", SEED, SAMPLE)
    assert (code, err) == (0, "")
    assert out.endswith(
        textwrap.dedent(
            """\
            examples/haizhu-petition-bureau-2023.yaml
              旧规则: 总分 99.50 / 100.00    等级 优
              新规则拒绝了这些事实:
                examples/haizhu-petition-bureau-2023.yaml:6:1: error: missing required fact 'petitions_letters' (来信件数)
                examples/haizhu-petition-bureau-2023.yaml:6:1: error: missing required fact 'petitions_visits' (来访批次)
                examples/haizhu-petition-bureau-2023.yaml:6:1: error: missing required fact 'petitions_online' (网上信访件数)
                examples/haizhu-petition-bureau-2023.yaml:6:1: error: missing required fact 'petitions_total' (受理信访事项总量)
                examples/haizhu-petition-bureau-2023.yaml:6:1: error: missing required fact 'petitions_on_time' (按期办结件数)

            examples/sample-petition-bureau-2023.yaml
              旧规则拒绝了这些事实:
                examples/sample-petition-bureau-2023.yaml:53:1: error: unknown fact 'petitions_letters'
                examples/sample-petition-bureau-2023.yaml:54:1: error: unknown fact 'petitions_visits'
                examples/sample-petition-bureau-2023.yaml:55:1: error: unknown fact 'petitions_online'
                examples/sample-petition-bureau-2023.yaml:56:1: error: unknown fact 'petitions_total' (did you mean 'spent_total'?)
                examples/sample-petition-bureau-2023.yaml:57:1: error: unknown fact 'petitions_on_time'
              新规则: 总分 99.50 / 100.00    等级 优
            """
        )
    )
    # The petition rubric's own changes: five facts, two checks, one indicator under 履职效能
    # (which so adds up other children), its 5 points taken from 产出指标.
    assert "  新增事实: 来信件数 petitions_letters，来访批次 petitions_visits，" in out
    assert "  新增核对: petitions_parts_sum，petitions_on_time_within_total\n" in out
    assert "  修改指标 履职效能 efficacy: 评分规则\n  修改指标 产出指标 outputs: 权重 25 → 20\n" in out
    assert "  新增指标 信访事项按期办结率 petitions_settled_on_time（上级 efficacy，权重 5）\n" in out

    code, out, _ = run(capsys, "rubrics/2023.yaml", "rubrics/2023-petition.yaml", SEED, SAMPLE, "--format", "json")
    seed, sample = as_json(out)["facts"]
    assert seed["old"]["status"] == "scored" and seed["new"]["status"] == "rejected"
    assert [e["code"] for e in seed["new"]["errors"]] == ["facts.missing"] * 5
    assert (seed["delta"], seed["indicators"]) == (None, [])
    assert sample["old"]["status"] == "rejected" and sample["new"]["total"] == Decimal("99.50")
    assert sample["old"]["errors"][3]["hint"] == "did you mean 'spent_total'?"


def test_a_rule_that_cannot_be_computed_on_one_side_is_reported_for_that_side(tmp_path: Path) -> None:
    old = rubric.load(make_rubric("- {id: a, name: A, weight: 10, score: '10 if done else 0'}"), name="old.yaml")
    new = rubric.load(make_rubric("- {id: a, name: A, weight: 10, score: '10 * budget_total / spent_total'}"), name="new.yaml")
    facts = {"budget_total": 1, "spent_total": 0, "done": True, "level": "完善"}
    result = diff(old, new, [facts])
    compared = result.facts[0]
    assert isinstance(compared.old, rubric.Evaluation) and isinstance(compared.new, rubric.EvaluationError)
    assert (compared.delta, compared.indicators) == (None, ())
    (side,) = [f for f in result.to_dict()["facts"]]
    assert side["new"]["status"] == "failed" and side["new"]["errors"][0]["code"] == "evaluation.failed"
    project_schema("diff").validate(json.loads(to_json(result)))
    assert to_text(result).endswith(
        "<facts>\n"
        "  旧规则: 总分 10.00 / 10.00    等级 差\n"
        "  新规则无法计算:\n"
        "    new.yaml:17:41: error: indicator 'a': `10 * budget_total / spent_total` cannot be computed"
        " with budget_total = 1, spent_total = 0: division by zero (10 / 0)\n"
    )
    assert "<facts>\n  old rubric: Total 10.00 / 10.00    Grade 差\n  new rubric cannot score these facts:\n" in to_text(result, "en")
    swapped = diff(new, old, [facts])
    assert "<facts>\n  old rubric cannot score these facts:\n" in to_text(swapped, "en")
    assert "<facts>\n  旧规则无法计算:\n" in to_text(swapped)


OLD_TREE = """
- id: group
  name: 组
  weight: 10
  children:
    - {id: a, name: A, weight: 6, score: '6 if done else 0'}
    - {id: b, name: B, weight: 3, score: '3 * min(spent_total / budget_total, 1)'}
    - {id: d, name: D, weight: 1, score: '1 if level == "完善" else 0'}
"""
NEW_TREE = """
- id: group
  name: 组
  weight: 6
  children:
    - {id: a, name: A, weight: 6, not_applicable: 'level == "未建立"', score: '6 if done else 0'}
- id: c
  name: C
  weight: 4
  children:
    - {id: b, name: B, weight: 4, score: '4 * min(spent_total / budget_total, 1)'}
"""
OLD_FACTS = """
gone: {label: 旧, type: boolean, default: false}
extra: {label: 额外, type: integer, min: 0, default: 0}
"""
NEW_FACTS = """
extra: {label: 额外, type: integer, min: 1, default: 1}
more: {label: 更多, type: boolean, default: false}
"""
OLD_CHECKS = "checks:\n  - {id: c1, require: spent_total <= budget_total * 2, message: 支出过多}\n"
NEW_CHECKS = OLD_CHECKS.replace("支出过多", "支出超过预算的两倍") + "  - {id: c2, require: spent_total >= 0, message: 支出为负}\n"


def tree_rubrics(folder: Path) -> None:
    old = make_rubric(OLD_TREE, extra_facts=OLD_FACTS) + OLD_CHECKS
    new = make_rubric(NEW_TREE, extra_facts=NEW_FACTS) + NEW_CHECKS
    new = new.replace("min: 90}", "min: 92}").replace("total: 10\n", "total: 10\nrounding: {places: 1, mode: half_even}\n")
    (folder / "old.yaml").write_text(old, encoding="utf-8")
    (folder / "new.yaml").write_text(new, encoding="utf-8")
    (folder / "dept.yaml").write_text("budget_total: 100\nspent_total: 90\ndone: true\nlevel: 未建立\n", encoding="utf-8")


def test_indicators_added_removed_moved_and_header_facts_and_checks_changed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    tree_rubrics(tmp_path)
    monkeypatch.chdir(tmp_path)
    # Old: a = 6 (done); b = 3 × 90/100 = 2.70; d = 0 (level is not 完善); group 8.70; total 8.70.
    # New: a is not applicable (level 未建立), so is group, its only child; group's 6 points go
    # to c, the other top-level indicator: c and b are worth 10, b = 4 × 0.9 × 10 / 4 = 9.0
    # (one place now); total 9.0, + 0.30. group 8.70 → 0.0 (not applicable), -8.70; a -6.00;
    # b 2.70 → 9.0, +6.30. 10 points never reach 优, at 90 or 92: 差 both times.
    code, out, err = run(capsys, "old.yaml", "new.yaml", "dept.yaml")
    assert (code, err) == (0, "")
    assert out == textwrap.dedent(
        """\
        demo 1 → demo 1

        评分规则的变化
          舍入 rounding: 2 位小数，half_up → 1 位小数，half_even
          等级 grades: 优 ≥ 90，差 ≥ 0 → 优 ≥ 92，差 ≥ 0
          新增事实: 更多 more
          删除事实: 旧 gone
          修改事实: 额外 extra
          新增核对: c2
          修改核对: c1
          修改指标 组 group: 权重 10 → 6，评分规则
          修改指标 A a: 评分规则
          新增指标 C c（顶层，权重 4）
          修改指标 B b: 权重 3 → 4，评分规则，上级 group → c
          删除指标 D d（上级 group，权重 1）

        dept.yaml
          总分 8.70 → 9.0 (+0.30)    等级 差 → 差
          组 group  8.70 / 10.00 → 不适用       -8.70
          A a       6.00 / 6.00  → 不适用       -6.00
          C c       无此指标     → 9.0 / 10.00
          B b       2.70 / 3.00  → 9.0 / 10.00  +6.30
          D d       0.00 / 1.00  → 无此指标
        """
    )
    code, out, _ = run(capsys, "old.yaml", "new.yaml", "dept.yaml", "--format", "json", "--lang", "en")
    data = as_json(out)
    changes = data["changes"]
    assert changes["header"] == [
        {"field": "rounding", "old": {"places": 2, "mode": "half_up"}, "new": {"places": 1, "mode": "half_even"}},
        {"field": "grades", "old": [{"grade": "优", "min": 90}, {"grade": "差", "min": 0}], "new": [{"grade": "优", "min": 92}, {"grade": "差", "min": 0}]},
    ]
    assert changes["facts"] == {"added": ["more"], "removed": ["gone"], "changed": ["extra"]}
    assert changes["checks"] == {"added": ["c2"], "removed": [], "changed": ["c1"]}
    assert [(c["id"], c["change"], c["aspects"], c["old"], c["new"]) for c in changes["indicators"]] == [
        ("group", "changed", ["weight", "rule"], {"parent": None, "weight": 10}, {"parent": None, "weight": 6}),
        ("a", "changed", ["rule"], {"parent": "group", "weight": 6}, {"parent": "group", "weight": 6}),
        ("c", "added", [], None, {"parent": None, "weight": 4}),
        ("b", "changed", ["weight", "rule", "moved"], {"parent": "group", "weight": 3}, {"parent": "c", "weight": 4}),
        ("d", "removed", [], {"parent": "group", "weight": 1}, None),
    ]
    (dept,) = data["facts"]
    assert dept["delta"] == Decimal("0.30")
    assert dept["indicators"][0] == {
        "id": "group",
        "name": "组",
        "old": {"score": Decimal("8.70"), "effective_weight": 10, "status": "scored"},
        "new": {"score": Decimal("0.0"), "effective_weight": 0, "status": "not_applicable"},
        "delta": Decimal("-8.70"),
    }
    assert dept["indicators"][2] == {"id": "c", "name": "C", "old": None, "new": {"score": Decimal("9.0"), "effective_weight": 10, "status": "scored"}, "delta": None}


def test_texts_are_told_apart_from_rules() -> None:
    """A finding's or report sentence's wording, and a finding's condition, are text; a ladder's
    step, a let, or an items rule's value are rule; an items rule's own findings are text."""
    base = """
    - id: t
      name: T
      weight: 10
      let:
        r: spent_total / budget_total
      report: ['完成率 {r:.2%}。']
      ladder:
        - {when: r >= 0.9, then: 10}
        - otherwise: 0
      findings:
        - {problem: 低, improvement: 提高}
    """
    changed = {
        "ladder": base.replace("r >= 0.9", "r >= 0.95"),
        "let": base.replace("r: spent_total / budget_total", "r: min(spent_total / budget_total, 1)"),
        "wording": base.replace("problem: 低", "problem: 太低"),
        "condition": base.replace("{problem: 低", "{when: r < 0.9, problem: 低"),
        "report": base.replace("完成率 {r:.2%}。", "预算完成率 {r:.2%}。"),
        "name": base.replace("name: T", "name: {zh: T, en: Tee}"),
        "weight-and-ladder": base.replace("weight: 10", "weight: 8").replace("then: 10", "then: 8"),
    }
    old = rubric.load(make_rubric(base))
    aspects = {}
    for key, text in changed.items():
        new = rubric.load(make_rubric(text, total=8 if key == "weight-and-ladder" else 10))
        (change,) = rubric_changes(old, new).indicators
        aspects[key] = change.aspects
    assert aspects == {
        "ladder": ("rule",),
        "let": ("rule",),
        "wording": ("text",),
        "condition": ("text",),
        "report": ("text",),
        "name": ("text",),
        "weight-and-ladder": ("weight", "rule"),
    }
    items = """
    - id: t
      name: T
      weight: 10
      items:
        over: targets
        value: actual
        empty: 0
        findings: [{problem: '{value:.2%}', improvement: 改}]
    """
    with_items = rubric.load(make_rubric(items, extra_facts=LIST_FACT))
    for before, after, aspect in [("value: actual", "value: min(actual, 1)", "rule"), ("improvement: 改", "improvement: 改进", "text")]:
        (change,) = rubric_changes(with_items, rubric.load(make_rubric(items.replace(before, after), extra_facts=LIST_FACT))).indicators
        assert change.aspects == (aspect,)


def test_identical_rubrics_have_no_changes_wherever_they_stand(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, rubric_2023: rubric.Rubric
) -> None:
    # The same rubric through `extends` in another folder: every place differs, nothing else.
    shutil.copy(RUBRIC_2023, tmp_path / "base.yaml")
    header = "id: cn-dept-overall-2023\ntitle: {zh: 部门整体支出绩效自评（2023 年度）, en: Departmental overall expenditure performance self-evaluation (2023)}\nversion: '1.0.0'\n"
    (tmp_path / "same.yaml").write_text(f"format: rubric/1\nextends: base.yaml\n{header}", encoding="utf-8")
    same = rubric.load(tmp_path / "same.yaml")
    assert not rubric_changes(rubric_2023, same)
    assert not compare(rubric_2023, same, rubric.load_facts(ROOT / SEED)).indicators
    monkeypatch.chdir(ROOT)
    code, out, err = run(capsys, "rubrics/2023.yaml", "rubrics/2023.yaml", SEED)
    assert (code, err) == (0, "")
    assert out == textwrap.dedent(
        """\
        cn-dept-overall-2023 1.0.0 → cn-dept-overall-2023 1.0.0

        评分规则的变化
          评分规则无变化。

        examples/haizhu-petition-bureau-2023.yaml
          总分 99.50 → 99.50 (0)    等级 优 → 优
          各指标得分不变。
        """
    )
    code, out, _ = run(capsys, "rubrics/2023.yaml", "rubrics/2023.yaml", "--format", "json")
    data = as_json(out)
    assert data["changes"] == {
        "header": [],
        "facts": {"added": [], "removed": [], "changed": []},
        "checks": {"added": [], "removed": [], "changed": []},
        "indicators": [],
    }
    assert data["facts"] == []


def test_the_same_inputs_give_the_same_bytes(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    for output_format in ("text", "json"):
        arguments = ("rubrics/2023.yaml", "rubrics/2024-draft.yaml", SEED, SAMPLE, "--format", output_format)
        first, second = run(capsys, *arguments), run(capsys, *arguments)
        assert first == second and first[0] == 0
    loaded = [rubric.load(RUBRIC_2023), rubric.load(DRAFT)]
    assert to_json(diff(*loaded, [ROOT / SEED])) == to_json(diff(rubric.load(RUBRIC_2023), rubric.load(DRAFT), [ROOT / SEED]))


def test_deltas_are_exact_and_signed() -> None:
    from rubric.diff import _signed

    assert [_signed(Decimal(text)) for text in ("0.50", "-1.00", "0.00", "0", "1E-30")] == [
        "+0.50",
        "-1.00",
        "0",
        "0",
        "+0.000000000000000000000000000001",
    ]


def test_exit_codes_and_output_file(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(ROOT)
    assert run(capsys, "rubrics/2023.yaml", "rubrics/2024-draft.yaml", "nosuch.yaml") == (2, "", "nosuch.yaml: error: no such file\n")
    assert run(capsys, "nosuch.yaml", "rubrics/2024-draft.yaml", SEED) == (2, "", "nosuch.yaml: error: no such file\n")
    code, out, err = run(capsys, "rubrics/2023.yaml", "tests/fixtures/broken.yaml", SEED)
    assert (code, out) == (3, "") and err.startswith("tests/fixtures/broken.yaml:")
    assert run(capsys, "rubrics/2023.yaml")[0] == 2  # NEW is missing: argparse's usage error
    target = tmp_path / "diff.json"
    assert run(capsys, "rubrics/2023.yaml", "rubrics/2024-draft.yaml", SEED, "--format", "json", "--output", str(target)) == (0, "", "")
    as_json(target.read_text(encoding="utf-8"))
    # A facts file that is not valid YAML is refused by both sides, and the diff is still made.
    broken = tmp_path / "broken.yaml"
    broken.write_text("budget_total: 1\nbudget_total: 2\n", encoding="utf-8")
    code, out, _ = run(capsys, "rubrics/2023.yaml", "rubrics/2024-draft.yaml", str(broken), "--format", "json")
    (compared,) = as_json(out)["facts"]
    assert code == 0 and compared["old"] == compared["new"] and compared["old"]["errors"][0]["code"].startswith("yaml.")
