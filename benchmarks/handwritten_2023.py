"""The 2023 departmental rubric (rubrics/2023.yaml) written out by hand in plain Python.

The yardstick of the benchmark: what a competent programmer would write for this one contract,
with no rubric file, no expression language and no trace. It computes what `Rubric.evaluate`
computes for scoring: every indicator's score (not-applicable shares included), the total, the
grade, and the findings with their problem and improvement texts filled in Chinese. It does
not compute what the library also gives (report sentences, provenance, digests, traces).

Arithmetic is the rubric's: `Decimal` in a context of 34 significant digits with exponents
within ±999 (the library's default `Limits`), every leaf score clamped to [0, weight], scaled
to its effective weight, and rounded once, half-up to 2 places (the rubric's `rounding`); a
parent's score is the exact sum of its children's rounded scores.

Input: converted facts, a mapping of fact id to `Decimal`, `bool`, `str` or, for `targets`, a
tuple of records (each a tuple of (field, value) pairs), as `rubric.facts.prepare(...).values`
gives them (defaults filled in, money in the declared unit, percentages as ratios).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import (
    ROUND_CEILING,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import Any, NamedTuple

CONTEXT = Context(
    prec=34, rounding=ROUND_HALF_EVEN, Emax=999, Emin=-999, traps=[InvalidOperation, DivisionByZero, Overflow]
)
WRITING = Context(prec=999_999, Emax=999_999, Emin=-999_999)  # formatting never loses a digit
ZERO = Decimal(0)
ONE = Decimal(1)
CENT = Decimal("0.01")
HALF = Decimal("0.5")
ONE_HALF = Decimal("1.5")
TWO, THREE, FOUR, SIX = Decimal(2), Decimal(3), Decimal(4), Decimal(6)
P02, P70, P80, P90, P95 = (Decimal(text) for text in ("0.02", "0.70", "0.80", "0.90", "0.95"))
LEVELS = {"达成": ONE, "基本达成": Decimal("0.8"), "部分达成": Decimal("0.6")}  # qualitative targets


class Finding(NamedTuple):
    indicator: str
    points_lost: Decimal
    problem: str
    improvement: str
    severity: str  # "deduction" or "note"


class Result(NamedTuple):
    scores: dict[str, Decimal]  # every indicator, in tree order
    not_applicable: frozenset[str]
    total: Decimal
    grade: str
    findings: list[Finding]


def rounded(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def percent(value: Decimal) -> str:
    return format(value.scaleb(2, context=WRITING).quantize(CENT, rounding=ROUND_HALF_UP, context=WRITING), "f") + "%"


def money(value: Decimal) -> str:
    return format(value.quantize(CENT, rounding=ROUND_HALF_UP, context=WRITING), "f")


def ceil(value: Decimal) -> Decimal:
    return value.to_integral_value(rounding=ROUND_CEILING)


def leaf(raw: Decimal, weight: Decimal, effective: Decimal) -> Decimal:
    """Clamp to [0, weight], scale to the effective weight, round once."""
    clamped = min(max(raw, ZERO), weight)
    if effective != weight:
        clamped = clamped * effective / weight
    return rounded(clamped)


def achievement(target: Mapping[str, Any]) -> Decimal:
    direction, planned, actual = target["direction"], target["planned"], target["actual"]
    if direction == ">=":
        return min(actual / planned, ONE)
    if direction == "<=":
        if actual <= planned:
            return ONE
        return max(ZERO, 1 - (actual - planned) / planned)
    return LEVELS.get(actual, ZERO)


def evaluate(facts: Mapping[str, Any]) -> Result:
    with localcontext(CONTEXT):
        return _evaluate(facts)


def _evaluate(f: Mapping[str, Any]) -> Result:
    scores: dict[str, Decimal] = {}
    findings: list[Finding] = []

    def deduction(indicator: str, lost: Decimal, problem: str, improvement: str) -> None:
        findings.append(Finding(indicator, lost, problem, improvement, "deduction" if lost > 0 else "note"))

    budget, spent = f["budget_total"], f["spent_total"]

    # -- 履职效能 efficacy (50): spending rate 10, outputs 25, outcomes 15 --------------------
    targets = [dict(record) for record in f["targets"]]
    outputs = [t for t in targets if t["kind"] == "产出"]
    outcomes = [t for t in targets if t["kind"] == "效益"]
    weights = {"spending_rate": Decimal(10), "outputs": Decimal(25), "outcomes": Decimal(15)}
    applicable = {"spending_rate": True, "outputs": bool(outputs), "outcomes": bool(outcomes)}
    shared = sum((w for key, w in weights.items() if applicable[key]), ZERO)
    effective = {
        key: (ZERO if not applicable[key] else w if shared == 50 else w * 50 / shared) for key, w in weights.items()
    }

    if f["targets_need_adjustment"]:
        deduction(
            "efficacy",
            rounded(ZERO),
            "年初制定的产出和效益指标不够精细，个别指标重复或难以量化。",
            "下一年度要结合实际业务工作，更加科学合理制定项目绩效指标。",
        )

    rate = spent / budget
    scores["spending_rate"] = leaf(10 * min(rate, ONE), weights["spending_rate"], effective["spending_rate"])
    lost = max(rounded(effective["spending_rate"]) - scores["spending_rate"], ZERO)
    if lost > 0:
        deduction(
            "spending_rate",
            lost,
            f"部门预算支出率为 {percent(rate)}，未全部完成年度预算支出。",
            "加快预算执行进度，及时跟踪支出情况，提高资金使用效率。",
        )

    for key, selected in (("outputs", outputs), ("outcomes", outcomes)):
        if not selected:
            scores[key] = rounded(ZERO)
            continue
        valued = [(t, min(max(achievement(t), ZERO), ONE), t["weight"]) for t in selected]
        total_weight = sum((w for _, _, w in valued), ZERO)
        mean = sum((value * w for _, value, w in valued), ZERO) / total_weight
        scores[key] = leaf(weights[key] * mean, weights[key], effective[key])
        for target, value, w in valued:
            if value < 1:
                deduction(
                    key,
                    rounded(effective[key] * w / total_weight * (1 - value)),
                    f"绩效指标“{target['name']}”未完全达成（完成程度 {percent(value)}）。",
                    f"分析“{target['name']}”未达成的原因，加强过程跟踪，确保年度绩效目标实现。",
                )
    scores["efficacy"] = scores["spending_rate"] + scores["outputs"] + scores["outcomes"]

    # -- 管理效率 efficiency (50): every weight is its own effective weight ---------------------
    def scored(
        indicator: str, raw: Decimal, weight: Decimal, problem: str | None = None, improvement: str = ""
    ) -> Decimal:
        """Score a leaf of `efficiency`; with `problem`, report it when points are lost. Returns the points lost."""
        score = rounded(min(max(raw, ZERO), weight))
        scores[indicator] = score
        lost = max(weight - score, ZERO)
        if problem is not None and lost > 0:
            deduction(indicator, lost, problem, improvement)
        return lost

    def yes_no(indicator: str, done: bool, weight: Decimal, problem: str, improvement: str) -> None:
        scored(indicator, weight if done else ZERO, weight, problem, improvement)

    yes_no(
        "pre_assessment",
        f["pre_assessment_done"],
        SIX,
        "未落实预算项目事前绩效评估。",
        "新增预算项目前开展事前绩效评估，评估结果作为预算安排的依据。",
    )

    r = spent / budget
    scored(
        "completion",
        FOUR if r >= P95 else THREE if r >= P90 else TWO if r >= P80 else ZERO,
        FOUR,
        f"预算完成率为 {percent(r)}，低于 95%。",
        "加强预算执行管理，按月跟踪支出进度，确保预算按期完成。",
    )

    c = f["carryover_total"] / budget
    carried = HALF * ceil((c - P02) / CENT) if c > P02 else ZERO
    scored(
        "carryover",
        3 - carried,
        THREE,
        f"财政拨款结转结余率为 {percent(c)}，高于 2%。",
        "加强资金统筹，及时清理结转结余资金，提高资金使用效益。",
    )

    compliant, issues = f["finance_compliant"], f["audit_issues"]
    lost = scored("audit", 3 - (ZERO if compliant else THREE) - issues, THREE)
    if not compliant:
        deduction("audit", lost, "财务管理存在不合规情况。", "健全财务管理制度，严格执行财经纪律。")
    if issues > 0:
        deduction(
            "audit", lost, f"审计、巡察共指出问题 {format(issues, 'f')} 个。", "抓好审计、巡察问题整改，建立长效机制。"
        )

    yes_no(
        "budget_disclosure",
        f["budget_disclosed_on_time"],
        TWO,
        "未按期按规定公开部门预算。",
        "严格按照预算公开要求，按期公开部门预算。",
    )
    yes_no(
        "accounts_disclosure",
        f["accounts_disclosed_on_time"],
        TWO,
        "未按期按规定公开部门决算。",
        "严格按照决算公开要求，按期公开部门决算。",
    )
    yes_no(
        "performance_disclosure",
        f["performance_info_disclosed"],
        TWO,
        "未在预决算公开中同步公开绩效信息。",
        "在预算、决算公开时同步公开部门整体和项目支出绩效信息。",
    )
    yes_no(
        "perf_rules",
        f["perf_rules_established"],
        TWO,
        "未制定预算绩效管理制度。",
        "制定预算绩效管理制度，明确绩效管理要求和职责分工。",
    )
    yes_no(
        "perf_targets",
        f["perf_targets_declared"],
        TWO,
        "未按要求完成绩效目标申报。",
        "按要求编制并申报年度绩效目标。",
    )
    yes_no(
        "perf_monitoring",
        f["perf_monitoring_done"],
        TWO,
        "未按要求开展绩效运行监控。",
        "开展年中绩效运行监控，及时发现和纠正偏差。",
    )
    yes_no(
        "perf_self_evaluation",
        f["prior_self_evaluation_done"],
        TWO,
        "未完成上年度绩效自评。",
        "按时完成上年度绩效自评，并运用自评结果改进管理。",
    )
    yes_no(
        "procurement_intent",
        f["procurement_intent_published"],
        ONE_HALF,
        "未按要求公开采购意向。",
        "按规定及时公开政府采购意向。",
    )
    yes_no(
        "procurement_contracts",
        f["procurement_contracts_filed"],
        ONE_HALF,
        "采购合同未按要求签订备案。",
        "按规定签订采购合同并及时备案。",
    )

    sme = f["sme_reserved_share_rate"]
    scored(
        "sme_share",
        2 * min(sme, ONE),
        TWO,
        f"为中小企业预留采购份额实际执行率为 {percent(sme)}，未达到要求。",
        "落实政府采购支持中小企业政策，足额预留采购份额。",
    )

    controls = f["procurement_controls"]
    lost = scored("procurement_controls", {"完善": TWO, "不够完善": ONE_HALF}.get(controls, ZERO), TWO)
    if controls == "不够完善":
        deduction(
            "procurement_controls",
            lost,
            "采购制度还不够完善。",
            "修订完善本单位的采购管理内控制度，进一步完善政府采购、小额零星采购、大额询价采购及公开招标等标准和程序，规范采购行为。",
        )
    elif controls == "未建立":
        deduction(
            "procurement_controls",
            lost,
            "未建立采购内控制度。",
            "建立本单位的采购管理内控制度，明确政府采购、小额零星采购、大额询价采购及公开招标等标准和程序，规范采购行为。",
        )

    yes_no(
        "asset_rules",
        f["asset_rules_established"],
        ONE_HALF,
        "未制定资产管理制度。",
        "制定资产管理制度，规范资产配置、使用和处置。",
    )
    yes_no(
        "asset_inventory",
        f["asset_inventory_count"] >= 1,
        ONE_HALF,
        "年度内未开展资产盘点。",
        "每年至少开展一次资产盘点，做到账实相符。",
    )
    yes_no(
        "asset_accounts",
        f["asset_accounts_match"],
        ONE,
        "资产账实不符。",
        "核查资产台账，及时处理盘盈盘亏，确保账实相符。",
    )
    u = f["fixed_asset_utilization"]
    scored(
        "asset_utilization",
        THREE if u >= P90 else TWO if u >= P80 else ONE if u >= P70 else ZERO,
        THREE,
        f"固定资产利用率为 {percent(u)}，低于 90%。",
        "盘活闲置资产，提高固定资产使用效率。",
    )

    for indicator, budgeted, actual, problem, improvement in (
        (
            "public_funds",
            f["public_funds_budget"],
            f["public_funds_actual"],
            "公用经费实际支出 {a} 元，超出年度预算 {b} 元。",
            "严格控制公用经费支出，按预算执行。",
        ),
        (
            "three_public",
            f["three_public_budget"],
            f["three_public_actual"],
            "“三公”经费实际支出 {a} 元，超出预算 {b} 元。",
            "严格控制“三公”经费支出，厉行节约。",
        ),
    ):
        if budgeted == 0:
            deducted = THREE if actual > 0 else ZERO
        else:
            k = actual / budgeted
            deducted = HALF * ceil((k - 1) / CENT) if k > 1 else ZERO
        lost = scored(indicator, 3 - deducted, THREE)
        if actual > budgeted:
            deduction(indicator, lost, problem.format(a=money(actual), b=money(budgeted)), improvement)

    for parent, children in GROUPS.items():
        scores[parent] = sum((scores[child] for child in children), ZERO)
    scores["efficiency"] = sum((scores[group] for group in GROUPS), ZERO)

    total = scores["efficacy"] + scores["efficiency"]
    grade = "优" if total >= 90 else "良" if total >= 80 else "中" if total >= 60 else "差"
    not_applicable = frozenset(key for key, ok in applicable.items() if not ok)
    return Result(scores, not_applicable, total, grade, findings)


GROUPS = {
    "budgeting": ("pre_assessment",),
    "execution": ("completion", "carryover", "audit"),
    "disclosure": ("budget_disclosure", "accounts_disclosure", "performance_disclosure"),
    "performance": ("perf_rules", "perf_targets", "perf_monitoring", "perf_self_evaluation"),
    "procurement": ("procurement_intent", "procurement_contracts", "sme_share", "procurement_controls"),
    "assets": ("asset_rules", "asset_inventory", "asset_accounts", "asset_utilization"),
    "cost": ("public_funds", "three_public"),
}
TREE_ORDER = {
    key: index
    for index, key in enumerate(
        ["efficacy", "spending_rate", "outputs", "outcomes", "efficiency"]
        + [key for group, children in GROUPS.items() for key in (group, *children)]
    )
}
