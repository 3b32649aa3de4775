"""Varied but valid departments for the 2023 rubric, generated reproducibly from a seed.

Each department is a facts mapping as a program would give it to `Rubric.evaluate`: exact
`Decimal` numbers, booleans, text, and now and then the other forms the facts accept (money
with its unit, "92.91%"). The values are spread so that every ladder step, every deduction,
the not-applicable shares of outputs and outcomes, every grade and every finding occur in a
few hundred departments, and boundary values (exactly 95%, 2%, 100%) come up often.

    python benchmarks/departments.py N [--seed S] > departments.jsonl   # one JSON object a line
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from decimal import Decimal
from typing import Any

CENT = Decimal("0.01")
LEVELS = ("达成", "基本达成", "部分达成", "未达成")
TARGET_NAMES = ("受理率", "答复率", "办结率", "满意度", "覆盖率", "培训人次", "投诉量", "差错率", "化解率", "宣传场次")


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


def _ratio(rng: random.Random, low: str, high: str, boundaries: tuple[str, ...] = ()) -> Decimal:
    if boundaries and rng.random() < 0.2:
        return Decimal(rng.choice(boundaries))
    scale = 10_000
    value = rng.randint(int(Decimal(low) * scale), int(Decimal(high) * scale))
    return (Decimal(value) / scale).normalize() if value else Decimal(0)


def _flag(rng: random.Random, yes: float = 0.85) -> bool:
    return rng.random() < yes


def _percent_text(ratio: Decimal) -> str:
    return f"{format((ratio * 100).normalize(), 'f')}%"


def _target(rng: random.Random, index: int) -> dict[str, Any]:
    kind = rng.choice(("产出", "产出", "效益"))
    direction = rng.choice((">=", ">=", "<=", "qualitative"))
    target: dict[str, Any] = {
        "name": f"{TARGET_NAMES[index % len(TARGET_NAMES)]}{index + 1}",
        "kind": kind,
        "direction": direction,
    }
    if direction == "qualitative":
        target["planned"] = "达成"
        target["actual"] = rng.choice(LEVELS[:1] * 3 + LEVELS)
    elif direction == ">=":
        planned = _ratio(rng, "0.5", "1", ("1",))
        target["planned"] = planned
        target["actual"] = (planned * _ratio(rng, "0.6", "1.2", ("1",))).quantize(Decimal("0.0001"))
    else:
        planned = Decimal(rng.randint(1, 500))
        target["planned"] = planned
        target["actual"] = (planned * _ratio(rng, "0.7", "1.4", ("1",))).quantize(CENT)
    if rng.random() < 0.5:
        target["weight"] = rng.choice((Decimal(1), Decimal(2), Decimal(3), Decimal("0.5")))
    if rng.random() < 0.15 and direction != "qualitative":  # percentages as text
        target["planned"] = _percent_text(target["planned"]) if direction == ">=" else target["planned"]
        target["actual"] = _percent_text(target["actual"]) if direction == ">=" else target["actual"]
    return target


def department(rng: random.Random, number: int) -> dict[str, Any]:
    """One department's facts (a fresh mapping)."""
    budget = _money(rng, 10, 5000)
    spent = (budget * _ratio(rng, "0.6", "1.1", ("1", "0.95", "0.9", "0.8"))).quantize(CENT)
    facts: dict[str, Any] = {
        "unit_name": f"第{number}号单位",
        "year": 2023,
        "budget_total": budget,
        "spent_total": spent,
    }
    if rng.random() < 0.7:  # optional split, exact when given
        basic = (budget * _ratio(rng, "0.3", "0.95")).quantize(CENT)
        facts["budget_basic"] = basic
        facts["budget_project"] = budget - basic
    carry = _ratio(rng, "0", "0.08", ("0", "0", "0.02", "0.03", "0.0201"))
    facts["carryover_total"] = (budget * carry).quantize(CENT)
    facts["audit_issues"] = rng.choice((0, 0, 0, 0, 1, 2, 3, 5))
    facts["finance_compliant"] = _flag(rng, 0.9)
    for name in (
        "pre_assessment_done",
        "budget_disclosed_on_time",
        "accounts_disclosed_on_time",
        "performance_info_disclosed",
        "perf_rules_established",
        "perf_targets_declared",
        "perf_monitoring_done",
        "prior_self_evaluation_done",
        "procurement_intent_published",
        "procurement_contracts_filed",
    ):
        facts[name] = _flag(rng)
    sme = _ratio(rng, "0.5", "1.3", ("1", "1", "0.999"))
    facts["sme_reserved_share_rate"] = _percent_text(sme) if rng.random() < 0.3 else sme
    facts["procurement_controls"] = rng.choice(("完善", "完善", "不够完善", "未建立"))
    facts["asset_rules_established"] = _flag(rng)
    facts["asset_inventory_count"] = rng.choice((0, 1, 1, 1, 2, 4))
    facts["asset_accounts_match"] = _flag(rng)
    utilization = _ratio(rng, "0.55", "1", ("0.9", "0.8", "0.7", "0.9291"))
    facts["fixed_asset_utilization"] = _percent_text(utilization) if rng.random() < 0.3 else utilization
    for prefix in ("public_funds", "three_public"):
        if rng.random() < 0.06:
            planned = Decimal(0)
            actual = Decimal(0) if rng.random() < 0.5 else _money(rng, 1, 5000)
        else:
            planned = _money(rng, 1000, 900_000)
            actual = (planned * _ratio(rng, "0.85", "1.07", ("1", "1.0001", "1.01", "1.06"))).quantize(CENT)
        facts[f"{prefix}_budget"] = planned
        facts[f"{prefix}_actual"] = actual
    facts["targets"] = [_target(rng, index) for index in range(rng.choice((0, 1, 2, 3, 3, 4, 4, 5, 6, 8)))]
    adjust = rng.random()
    if adjust < 0.3:
        facts["targets_need_adjustment"] = True
    elif adjust < 0.5:
        facts["targets_need_adjustment"] = False
    if rng.random() < 0.1:  # money with its unit
        facts["budget_total"] = f"{format(budget, 'f')}万元"
    return facts


def departments(count: int, seed: int = 2023) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [department(rng, number) for number in range(1, count + 1)]


def jsonl_line(facts: dict[str, Any]) -> str:
    """One facts mapping as one line of JSON, every number written with its exact digits."""
    return _json(facts)


def _json(value: Any) -> str:
    if isinstance(value, dict):
        return (
            "{" + ",".join(f"{json.dumps(key, ensure_ascii=False)}:{_json(item)}" for key, item in value.items()) + "}"
        )
    if isinstance(value, list):
        return "[" + ",".join(_json(item) for item in value) + "]"
    if isinstance(value, Decimal):
        return format(value, "f")
    return json.dumps(value, ensure_ascii=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("--seed", type=int, default=2023)
    options = parser.parse_args(argv)
    rng = random.Random(options.seed)
    out = sys.stdout
    for number in range(1, options.count + 1):
        out.write(jsonl_line(department(rng, number)))
        out.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
