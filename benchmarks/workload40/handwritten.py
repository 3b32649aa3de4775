"""The shared 40-indicator workload (see spec.py) hand-coded in plain Python with exact decimals.

Takes the facts as `Decimal`, `bool` and `str` values; gives every leaf's score (clamped to
[0, weight], rounded half-up to 2 places) and the total, like the rubric does.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, localcontext
from typing import Any

CONTEXT = Context(prec=34, rounding=ROUND_HALF_EVEN, Emax=999, Emin=-999)
ZERO, ONE, CENT = Decimal(0), Decimal(1), Decimal("0.01")
HALF, THREE_QUARTERS, ONE_HALF, TWO, TWO_QUARTERS, TWO_HALF, THREE = (
    Decimal(text) for text in ("0.5", "0.75", "1.5", "2", "2.25", "2.5", "3")
)
P70, P80, P90, P95 = Decimal("0.70"), Decimal("0.80"), Decimal("0.90"), Decimal("0.95")
CONTROL_POINTS = {"好": TWO, "中": ONE, "差": ZERO}

EXECUTION = [(f"exec_{i}", f"spent_{i}", f"budget_{i}") for i in range(1, 9)]
RATE_SCORES = [(f"rate_score_{i}", f"rate_{i}") for i in range(1, 5)]
RATE_BANDS = [(f"rate_band_{i}", f"rate_{i}") for i in range(5, 9)]
CHECKS = [(f"check_{i}", f"flag_{i}") for i in range(1, 11)]
CONTROLS = [(f"control_{i}", f"level_{i}") for i in range(1, 7)]
ISSUES = [(f"issue_{i}", f"issues_{i}") for i in range(1, 5)]
OVERRUNS = [(f"overrun_{i}", f"spent_{i}", f"budget_{i}", f"issues_{i}") for i in range(5, 9)]


def _leaf(raw: Decimal, weight: Decimal) -> Decimal:
    return min(max(raw, ZERO), weight).quantize(CENT, rounding=ROUND_HALF_UP)


def evaluate(f: Mapping[str, Any]) -> dict[str, Decimal]:
    """Every leaf's score and, under "total", their sum."""
    with localcontext(CONTEXT):
        s: dict[str, Decimal] = {}
        for key, spent, budget in EXECUTION:
            r = f[spent] / f[budget]
            s[key] = _leaf(THREE if r >= P95 else TWO_QUARTERS if r >= P90 else ONE_HALF if r >= P80 else ZERO, THREE)
        for key, rate in RATE_SCORES:
            s[key] = _leaf(TWO_HALF * min(f[rate], ONE), TWO_HALF)
        for key, rate in RATE_BANDS:
            u = f[rate]
            s[key] = _leaf(TWO_HALF if u >= P90 else ONE_HALF if u >= P80 else HALF if u >= P70 else ZERO, TWO_HALF)
        for key, flag in CHECKS:
            s[key] = _leaf(TWO if f[flag] else ZERO, TWO)
        for key, level in CONTROLS:
            s[key] = _leaf(CONTROL_POINTS[f[level]], TWO)
        for key, issues in ISSUES:
            s[key] = _leaf(THREE - THREE_QUARTERS * f[issues], THREE)
        for key, spent, budget, issues in OVERRUNS:
            k = f[spent] / f[budget]
            lost = HALF * ((k - 1) / CENT).to_integral_value(rounding=ROUND_CEILING) if k > 1 else ZERO
            if f[issues] > 3:
                lost += ONE
            s[key] = _leaf(THREE - lost, THREE)
        s["total"] = sum(s.values(), ZERO)
        return s
