"""The shared 40-indicator workload on each engine, and generated departments for it.

Every engine gets the same departments, prepared once outside the timed code in the form it
takes best: `rubric` and rule-engine a mapping of exact `Decimal`s (and booleans and text),
zen-engine its JSON text (it reads numbers from JSON exactly, as decimals) or a dict; the
hand-written version the same mapping as rubric. Each `score_*` function returns every leaf's
score and the total as `Decimal`s, so that run.py can check all engines agree to the cent
before it times them (the conversion of zen-engine's float results is not timed).
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Context, Decimal
from pathlib import Path
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from spec import CHECKS, CONTROLS, EXECUTION, ISSUES, LEAVES, LEVELS, OVERRUNS, RATE_BANDS, RATE_SCORES

RUBRIC = HERE / "rubric.yaml"
DECISION = HERE / "decision.json"
CENT = Decimal("0.01")


class Engine(NamedTuple):
    run: Callable[[Any], Any]  # what is timed: one department's evaluation
    scores: Callable[[Any], dict[str, Decimal]]  # leaf scores and total, for the agreement check
    given: Callable[[dict[str, Any]], Any]  # a department's facts in the form this engine takes


# -- departments ------------------------------------------------------------------------------


def departments(count: int, seed: int = 40) -> list[dict[str, Any]]:
    """Facts for `count` departments: every ladder step, deduction and rating occurs."""
    rng = random.Random(seed)

    def ratio(low: int, high: int, boundaries: tuple[str, ...]) -> Decimal:
        if rng.random() < 0.2:
            return Decimal(rng.choice(boundaries))
        return Decimal(rng.randint(low, high)) / 10_000

    found = []
    for _ in range(count):
        facts: dict[str, Any] = {}
        for i in range(1, 9):
            budget = Decimal(rng.randint(10_000, 1_000_000)) / 100
            facts[f"budget_{i}"] = budget
            facts[f"spent_{i}"] = (
                budget * ratio(7_000, 11_000, ("1", "0.95", "0.9", "0.8", "1.01", "1.0101"))
            ).quantize(CENT)
        for i in range(1, 9):
            facts[f"rate_{i}"] = ratio(5_000, 12_000, ("1", "0.9", "0.8", "0.7", "0.871"))
        for i in range(1, 11):
            facts[f"flag_{i}"] = rng.random() < 0.8
        for i in range(1, 7):
            facts[f"level_{i}"] = rng.choice(LEVELS)
        for i in range(1, 9):
            facts[f"issues_{i}"] = Decimal(rng.choice((0, 0, 0, 1, 2, 3, 4, 5)))
        found.append(facts)
    return found


def json_text(facts: dict[str, Any]) -> str:
    """The facts as JSON, numbers with their exact digits."""
    parts = []
    for key, value in facts.items():
        text = format(value, "f") if isinstance(value, Decimal) else json.dumps(value, ensure_ascii=False)
        parts.append(f'"{key}":{text}')
    return "{" + ",".join(parts) + "}"


def float_dict(facts: dict[str, Any]) -> dict[str, Any]:
    return {key: float(value) if isinstance(value, Decimal) else value for key, value in facts.items()}


# -- rubric ---------------------------------------------------------------------------------


def rubric_engine(trace: bool) -> Engine:
    import rubric

    loaded = rubric.load(RUBRIC)
    leaves = {name for name, _ in LEAVES}

    def evaluate(facts: dict[str, Any]) -> Any:
        return loaded.evaluate(facts, trace=trace)

    def scores(facts: dict[str, Any]) -> dict[str, Decimal]:
        evaluation = evaluate(facts)
        found = {result.id: result.score for result in evaluation.indicators if result.id in leaves}
        found["total"] = evaluation.total
        return found

    return Engine(evaluate, scores, dict)


# -- zen-engine -----------------------------------------------------------------------------


def zen_engine(context: str = "json") -> Engine:
    """`decision.evaluate(context)` of the JDM graph (one expression node), created once; the
    context is the department's JSON text ("json") or a dict of floats ("dict")."""
    import zen

    decision = zen.ZenEngine().create_decision(DECISION.read_text(encoding="utf-8"))

    def evaluate(context: Any) -> Any:
        return decision.evaluate(context)

    def scores(context: Any) -> dict[str, Decimal]:
        result = decision.evaluate(context)["result"]
        return {key: Decimal(repr(result[key])) for key in [name for name, _ in LEAVES] + ["total"]}

    return Engine(evaluate, scores, json_text if context == "json" else float_dict)


# -- rule-engine ----------------------------------------------------------------------------


def rule_engine_engine() -> Engine:
    """One `rule_engine.Rule` per indicator (and per `let`), parsed once; clamping and rounding
    in Python (rule-engine has no rounding function). Its decimals have 28 digits."""
    import rule_engine

    context = rule_engine.Context(decimal_context=Context(prec=34))

    def rule(text: str) -> Any:
        return rule_engine.Rule(text, context=context)

    # (indicator, weight, [(let name, rule)], rule of the raw score)
    plan: list[tuple[str, Decimal, list[tuple[str, Any]], Any]] = []
    three, two_half, two = Decimal(3), Decimal("2.5"), Decimal(2)
    for name, i in EXECUTION:
        plan.append(
            (
                name,
                three,
                [("r", rule(f"spent_{i} / budget_{i}"))],
                rule("r >= 0.95 ? 3 : (r >= 0.90 ? 2.25 : (r >= 0.80 ? 1.5 : 0))"),
            )
        )
    for name, i in RATE_SCORES:
        plan.append((name, two_half, [], rule(f"2.5 * $min([rate_{i}, 1])")))
    for name, i in RATE_BANDS:
        plan.append(
            (name, two_half, [], rule(f"rate_{i} >= 0.9 ? 2.5 : (rate_{i} >= 0.8 ? 1.5 : (rate_{i} >= 0.7 ? 0.5 : 0))"))
        )
    for name, i in CHECKS:
        plan.append((name, two, [], rule(f"flag_{i} ? 2 : 0")))
    for name, i in CONTROLS:
        plan.append((name, two, [], rule(f"level_{i} == '好' ? 2 : (level_{i} == '中' ? 1 : 0)")))
    for name, i in ISSUES:
        plan.append((name, three, [], rule(f"3 - 0.75 * issues_{i}")))
    for name, i in OVERRUNS:
        # ceil(x) for x >= 0, as rule-engine has no ceiling: x // 1 + (x % 1 > 0 ? 1 : 0)
        lost = "((k - 1) / 0.01) // 1 + (((k - 1) / 0.01) % 1 > 0 ? 1 : 0)"
        plan.append(
            (
                name,
                three,
                [("k", rule(f"spent_{i} / budget_{i}"))],
                rule(f"3 - (k > 1 ? 0.5 * ({lost}) : 0) - (issues_{i} > 3 ? 1 : 0)"),
            )
        )
    zero = Decimal(0)

    def evaluate(facts: dict[str, Any]) -> dict[str, Decimal]:
        thing = dict(facts)
        scores: dict[str, Decimal] = {}
        for name, weight, lets, raw in plan:
            for let_name, let_rule in lets:
                thing[let_name] = let_rule.evaluate(thing)
            value = raw.evaluate(thing)
            scores[name] = min(max(value, zero), weight).quantize(CENT, rounding=ROUND_HALF_UP)
        scores["total"] = sum(scores.values(), zero)
        return scores

    return Engine(evaluate, evaluate, dict)


# -- hand-written ---------------------------------------------------------------------------


def handwritten_engine() -> Engine:
    import handwritten

    return Engine(handwritten.evaluate, handwritten.evaluate, dict)
