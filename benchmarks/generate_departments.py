"""Departments for `rubric batch`: the seed department's facts, perturbed, one JSON object a line.

Each line starts from examples/haizhu-petition-bureau-2023.yaml and changes it with a seeded
`random.Random`, so that scores, grades, not-applicable indicators and findings vary while the
facts stay valid for rubrics/2023.yaml (basic + project spending add up to the budget, every
bound holds). With `--rejects-every K`, every K-th line is broken instead, in turn: a missing
fact (`facts.missing`), a wrong type (`facts.type`), a value out of range (`facts.range`), a line
that is not JSON (`yaml.syntax`). The same N, seed and K always give the same bytes. Lines are
written as they are made: a million of them never sit in memory.

    python benchmarks/generate_departments.py 20000 --seed 7 --rejects-every 1000 > departments.jsonl
    rubric batch rubrics/2023.yaml departments.jsonl --jobs 2 --output results.jsonl --rejects rejects.jsonl
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from decimal import Decimal
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

import rubric

ROOT = Path(__file__).resolve().parent.parent
SEED_FACTS = ROOT / "examples" / "haizhu-petition-bureau-2023.yaml"
BREAKAGES = (
    "missing",
    "type",
    "range",
    "syntax",
)  # the expected codes: facts.missing, facts.type, facts.range, yaml.syntax
LEVELS = ("达成", "基本达成", "部分达成", "未达成")
TARGET_NAMES = ("信访事项及时受理率", "信访事项及时答复率", "信访事项按期办结率", "群众满意度", "矛盾化解率", "投诉量")


def json_line(value: Any) -> str:
    """Compact JSON with every `Decimal` written exactly (the standard library would need floats)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return encode_basestring(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{encode_basestring(key)}:{json_line(item)}" for key, item in value.items()) + "}"
    return "[" + ",".join(json_line(item) for item in value) + "]"


def _cents(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)).scaleb(-2)


def _share(rng: random.Random, low: int, high: int) -> Decimal:
    """A ratio in [low, high] percent with two decimal places of a percent."""
    return Decimal(rng.randint(low * 100, high * 100)).scaleb(-4)


def _percent(ratio: Decimal) -> str:
    return f"{(ratio * 100).normalize():f}%"


def _ratio_or_percent(rng: random.Random, low: int, high: int) -> Decimal | str:
    """A ratio, half of the time written as a percentage ("93.48%"): facts files have both."""
    as_percent = rng.random() < 0.5
    ratio = _share(rng, low, high)
    return _percent(ratio) if as_percent else ratio


def _target(rng: random.Random) -> dict[str, Any]:
    kind = rng.choice(("产出", "产出", "效益"))
    if rng.random() < 0.3:
        return {
            "name": rng.choice(TARGET_NAMES),
            "kind": kind,
            "direction": "qualitative",
            "planned": "达成",
            "actual": rng.choice(LEVELS),
        }
    planned = _share(rng, 50, 100)
    if rng.random() < 0.5:
        return {
            "name": rng.choice(TARGET_NAMES),
            "kind": kind,
            "direction": ">=",
            "planned": _percent(planned),
            "actual": _share(rng, 40, 110),
        }
    return {
        "name": rng.choice(TARGET_NAMES),
        "kind": kind,
        "direction": "<=",
        "planned": planned,
        "actual": _share(rng, 30, 120),
        "weight": rng.randint(1, 3),
    }


def department(rng: random.Random, base: dict[str, Any], number: int) -> dict[str, Any]:
    """The seed facts with new amounts, rates, flags and targets: valid for the 2023 rubric."""
    facts = dict(base)
    budget = _cents(rng, 100, 5000)
    basic = (budget * _share(rng, 50, 90)).quantize(Decimal("0.01"))
    facts.update(
        unit_name=f"示例单位{number}",
        budget_total=budget,
        spent_total=(budget * _share(rng, 75, 100)).quantize(Decimal("0.01")),
        budget_basic=basic,
        budget_project=budget - basic,
        carryover_total=Decimal(0) if rng.random() < 0.6 else (budget * _share(rng, 0, 8)).quantize(Decimal("0.01")),
        audit_issues=rng.choice((0, 0, 0, 0, 1, 2)),
        sme_reserved_share_rate=_ratio_or_percent(rng, 60, 100),
        procurement_controls=rng.choice(("完善", "完善", "不够完善", "未建立")),
        asset_inventory_count=rng.choice((0, 1, 1, 2)),
        fixed_asset_utilization=_share(rng, 60, 100),
        public_funds_actual=(base["public_funds_budget"] * _share(rng, 80, 110)).quantize(Decimal("0.01")),
        three_public_actual=(base["three_public_budget"] * _share(rng, 70, 120)).quantize(Decimal("0.01")),
        targets=[_target(rng) for _ in range(rng.randint(0, 5))],
        targets_need_adjustment=rng.random() < 0.3,
    )
    for flag in (
        "finance_compliant",
        "pre_assessment_done",
        "budget_disclosed_on_time",
        "perf_monitoring_done",
        "asset_accounts_match",
    ):
        facts[flag] = rng.random() < 0.9
    return facts


def broken(facts: dict[str, Any], breakage: str) -> str:
    if breakage == "missing":
        facts = {key: value for key, value in facts.items() if key != "budget_total"}
    elif breakage == "type":
        facts = dict(facts, audit_issues="三个")
    elif breakage == "range":
        facts = dict(facts, fixed_asset_utilization=Decimal("-0.5"))
    else:
        return json_line(facts)[:-20]  # cut short: not JSON
    return json_line(facts)


def lines(count: int, seed: int, rejects_every: int | None) -> Iterator[str]:
    base = dict(rubric.load_facts(SEED_FACTS).data)
    rng = random.Random(seed)
    for number in range(1, count + 1):
        facts = department(rng, base, number)
        if rejects_every and number % rejects_every == 0:
            yield broken(facts, BREAKAGES[(number // rejects_every - 1) % len(BREAKAGES)]) + "\n"
        else:
            yield json_line(facts) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, metavar="N", help="how many departments (lines)")
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--rejects-every", type=int, metavar="K", help="break every K-th line, in turn four ways")
    arguments = parser.parse_args()
    output = sys.stdout.buffer
    batch: list[str] = []
    for line in lines(arguments.count, arguments.seed, arguments.rejects_every):
        batch.append(line)
        if len(batch) == 1000:
            output.write("".join(batch).encode("utf-8"))
            batch.clear()
    output.write("".join(batch).encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
