"""Golden tests: the seed department (Haizhu District Petition Bureau, 2023) and its report.

Every expected value below is read from the seed report and the scoring contract, not from the
program: the seed ticks every box but one, so every indicator scores its full weight except
采购内控制度 (不够完善 → 1.5 of 2), which takes 采购管理 to 6.5 and 管理效率 to 49.5.
"""

from __future__ import annotations

import copy
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from conftest import ROOT, RUBRIC_2023, make_rubric

import rubric
from rubric.cli import main
from rubric.report import chinese_number, to_html, to_markdown
from rubric.source import read_file

FACTS = ROOT / "examples" / "haizhu-petition-bureau-2023.yaml"
SEED = read_file(str(FACTS)).data

WEIGHTS = {
    "efficacy": "50", "spending_rate": "10", "outputs": "25", "outcomes": "15",
    "efficiency": "50", "budgeting": "6", "pre_assessment": "6",
    "execution": "10", "completion": "4", "carryover": "3", "audit": "3",
    "disclosure": "6", "budget_disclosure": "2", "accounts_disclosure": "2", "performance_disclosure": "2",
    "performance": "8", "perf_rules": "2", "perf_targets": "2", "perf_monitoring": "2", "perf_self_evaluation": "2",
    "procurement": "7", "procurement_intent": "1.5", "procurement_contracts": "1.5", "sme_share": "2",
    "procurement_controls": "2",
    "assets": "7", "asset_rules": "1.5", "asset_inventory": "1.5", "asset_accounts": "1", "asset_utilization": "3",
    "cost": "6", "public_funds": "3", "three_public": "3",
}  # fmt: skip
SEED_SCORES = dict(WEIGHTS, procurement_controls="1.5", procurement="6.5", efficiency="49.5")


def test_the_seed_scores_as_its_report_states(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(RUBRIC_2023), str(FACTS)]) == 0
    result = json.loads(capsys.readouterr().out, parse_float=Decimal)
    assert (result["total"], result["indicators"]["efficacy"]["score"], result["indicators"]["efficiency"]["score"]) == (
        Decimal("99.5"),
        Decimal("50"),
        Decimal("49.5"),
    )
    assert result["grade"] == "优"
    assert {key: value["score"] for key, value in result["indicators"].items()} == {
        key: Decimal(value) for key, value in SEED_SCORES.items()
    }
    assert {key: value["effective_weight"] for key, value in result["indicators"].items()} == {
        key: Decimal(value) for key, value in WEIGHTS.items()
    }
    assert all(value["status"] == "scored" for value in result["indicators"].values())
    assert result["findings"] == [
        {
            "indicator": "efficacy",
            "name": "履职效能",
            "points_lost": 0,
            "problem": "年初制定的产出和效益指标不够精细，个别指标重复或难以量化。",
            "improvement": "下一年度要结合实际业务工作，更加科学合理制定项目绩效指标。",
            "severity": "note",
        },
        {
            "indicator": "procurement_controls",
            "name": "采购内控制度",
            "points_lost": Decimal("0.5"),
            "problem": "采购制度还不够完善。",
            "improvement": "修订完善本单位的采购管理内控制度，进一步完善政府采购、小额零星采购、大额询价采购及公开招标等标准和程序，"
            "规范采购行为。",
            "severity": "deduction",
        },
    ]


def test_the_seed_report_in_markdown(rubric_2023: rubric.Rubric) -> None:
    report = to_markdown(rubric_2023.evaluate(rubric.load_facts(FACTS)))
    assert report == to_markdown(rubric_2023.evaluate(rubric.load_facts(FACTS)))  # the same bytes every time
    lines = report.splitlines()
    assert lines[0] == "# 2023 年度广州市海珠区信访局部门整体支出绩效自评报告"
    headings = [line for line in lines if line.startswith("#")]
    assert headings == [
        "# 2023 年度广州市海珠区信访局部门整体支出绩效自评报告",
        "## 一、部门基本情况",
        "## 二、绩效自评情况",
        "### （一）自评结论",
        "### （二）履职效能分析",
        "### （三）管理效率分析",
        "## 三、存在的主要问题",
        "## 四、下一步改进措施",
        "## 评分表",
    ]
    assert "2023 年，本单位财政拨款年度预算 986.45 万元，实际支出 986.45 万元。其中基本支出 788.05 万元，项目支出 198.40 万元。" in lines
    assert lines[lines.index("### （一）自评结论") + 2].startswith(
        "部门整体支出绩效自评结果为 99.5 分（满分 100 分），其中履职效能自评分 50 分，管理效率自评分 49.5 分，评价等级为“优”。"
    )
    efficacy = lines[lines.index("### （二）履职效能分析") + 2]
    assert efficacy == (
        "部门年度预算支出率为 100.00%，各项产出和效益指标预期目标均已完成。"
        "存在问题：年初制定的产出和效益指标不够精细，个别指标重复或难以量化。"
        "改进方向：下一年度要结合实际业务工作，更加科学合理制定项目绩效指标。"
    )
    efficiency = lines[lines.index("### （三）管理效率分析") + 2]
    areas = re.findall(r"([一二三四五六七])是(\w+?)方面", efficiency)
    assert areas == [
        ("一", "预算编制"), ("二", "预算执行"), ("三", "信息公开"), ("四", "绩效管理"),
        ("五", "采购管理"), ("六", "资产管理"), ("七", "运行成本"),
    ]  # fmt: skip
    assert "固定资产利用率 92.91%。" in efficiency and "存在问题：采购制度还不够完善。" in efficiency
    problems = lines[lines.index("## 三、存在的主要问题") + 2 : lines.index("## 四、下一步改进措施") - 1]
    assert [line for line in problems if line] == [
        "（一）年初制定的产出和效益指标不够精细，个别指标重复或难以量化。",
        "（二）采购制度还不够完善。",
    ]
    assert "| 　　采购内控制度 | 2 | 1.5 | 0.5 |" in lines
    assert "| 合计 | 100 | 99.5 | 0.5 |" in lines
    assert len([line for line in lines if line.startswith("| ")]) == 1 + 33 + 1


def test_the_report_as_html_is_one_page_for_a4(rubric_2023: rubric.Rubric, tmp_path: Any) -> None:
    target = tmp_path / "report.html"
    assert main(["report", "--format", "html", "--output", str(target), str(RUBRIC_2023), str(FACTS)]) == 0
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "@page { size: A4;" in page
    for outside in ("<script", "<link", "src=", "http://", "https://", "@import"):
        assert outside not in page
    assert "<h2>三、存在的主要问题</h2>" in page
    assert '<td style="padding-left: 3.4em">采购内控制度</td><td class="number">2</td><td class="number">1.5</td>' in page
    assert page.count("<tr") == 1 + 33 + 1
    assert page == to_html(rubric_2023.evaluate(rubric.load_facts(FACTS)))


def seed_with(**changes: Any) -> dict[str, Any]:
    changed = copy.deepcopy(SEED)
    changed.update(changes)
    return changed


GOOD = dict(pre_assessment_done=False, performance_info_disclosed=False, perf_rules_established=False)  # −10: 89.5
FAIR = dict(
    GOOD,
    spent_total=Decimal("789.16"),  # 80%: spending_rate 8 (−2), completion 2 (−2)
    finance_compliant=False,  # audit 0 (−3)
    fixed_asset_utilization=Decimal("0.6"),  # utilisation 0 (−3): 89.5 − 10 = 79.5
)
POOR = dict(
    FAIR,
    procurement_controls="未建立",  # 0 instead of 1.5 (−1.5)
    budget_disclosed_on_time=False,  # −2
    accounts_disclosed_on_time=False,  # −2
    perf_targets_declared=False,  # −2
    perf_monitoring_done=False,  # −2
    prior_self_evaluation_done=False,  # −2
    procurement_intent_published=False,  # −1.5
    procurement_contracts_filed=False,  # −1.5
    asset_rules_established=False,  # −1.5
    asset_inventory_count=0,  # −1.5
    asset_accounts_match=False,  # −1: 79.5 − 18.5 = 61
    sme_reserved_share_rate=Decimal("0.5"),  # 2 × 0.5 = 1 (−1): 60
    public_funds_actual=Decimal("371035.03"),  # 106.07%: seven points over, 0 (−3): 57
)


@pytest.mark.parametrize(
    ("changes", "total", "grade", "conclusion"),
    [
        ({}, "99.5", "优", "从评价结果来看，本单位较好地完成了各项重点工作任务，财政资金使用达到预期绩效目标。"),
        (GOOD, "89.5", "良", "从评价结果来看，本单位基本完成了年度工作任务，财政资金使用基本达到预期绩效目标，部分方面仍有改进空间。"),
        (FAIR, "79.5", "中", "从评价结果来看，本单位完成了部分年度工作任务，绩效目标完成情况一般，预算和管理方面需要加强。"),
        (POOR, "57", "差", "从评价结果来看，本单位年度绩效目标完成情况不理想，需要认真整改。"),
    ],
)
def test_a_department_in_each_grade_band(
    rubric_2023: rubric.Rubric, changes: dict[str, Any], total: str, grade: str, conclusion: str
) -> None:
    evaluation = rubric_2023.evaluate(seed_with(**changes))
    assert (evaluation.total, evaluation.grade.zh if evaluation.grade else None) == (Decimal(total), grade)
    assert conclusion in to_markdown(evaluation)


def test_report_of_a_department_with_outcomes_not_applicable_and_no_split(rubric_2023: rubric.Rubric) -> None:
    facts = seed_with(targets=[{"name": "及时受理率", "kind": "产出", "direction": ">=", "planned": 1, "actual": 1}])
    del facts["budget_basic"], facts["budget_project"]
    report = to_markdown(rubric_2023.evaluate(facts))
    assert "| 　效益指标 | 15 | 不适用 | — |" in report
    assert "| 　部门预算支出率 | 14.29 | 14.29 | 0 |" in report
    assert "其中基本支出" not in report  # the sentence reads facts that were not given


def test_report_of_a_department_without_targets(rubric_2023: rubric.Rubric) -> None:
    """Outputs and outcomes do not apply; spending_rate carries all 50 points of 履职效能."""
    report = to_markdown(rubric_2023.evaluate(seed_with(targets=[])))
    assert "部门年度预算支出率为 100.00%，本年度未申报产出和效益指标。" in report
    assert "预期目标均已完成" not in report
    assert "| 　部门预算支出率 | 50 | 50 | 0 |" in report


def test_report_writes_money_with_two_places_whatever_unit_it_was_given_in(rubric_2023: rubric.Rubric) -> None:
    facts = seed_with(budget_total="9864500元", spent_total="0.098645亿元", budget_project="1984000元")
    report = to_markdown(rubric_2023.evaluate(facts))
    assert "财政拨款年度预算 986.45 万元，实际支出 986.45 万元。其中基本支出 788.05 万元，项目支出 198.40 万元。" in report


@pytest.mark.parametrize(("number", "text"), [(1, "一"), (7, "七"), (10, "十"), (12, "十二"), (20, "二十"), (23, "二十三")])
def test_chinese_numbers(number: int, text: str) -> None:
    assert chinese_number(number) == text


def test_report_command_writes_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(RUBRIC_2023), str(FACTS)]) == 0
    assert capsys.readouterr().out.startswith("# 2023 年度广州市海珠区信访局部门整体支出绩效自评报告\n")


def test_report_of_a_rubric_without_sentences_still_analyses_each_dimension() -> None:
    text = make_rubric(
        """
        - {id: alpha, name: 甲, weight: 6, score: 6}
        - {id: beta, name: 乙, weight: 4, score: 'spent_total'}
        """
    )
    evaluation = rubric.load(text).evaluate({"budget_total": 1, "spent_total": 3, "done": True, "level": "完善"})
    report = to_markdown(evaluation)
    assert "### （二）甲分析\n\n甲得分 6 分。\n" in report
    assert "### （三）乙分析\n\n乙得分 3 分。\n" in report
    assert "## 一、部门基本情况\n\n（评分规则未提供部门基本情况的文字。）\n" in report
