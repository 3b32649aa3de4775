"""The shared 40-indicator workload: one neutral description, from which `make.py` writes the
rubric (rubric.yaml) and the zen-engine decision graph (decision.json), and `engines.py` builds
the rule-engine rules. The hand-written implementation (handwritten.py) is coded separately.

48 facts: 8 budgets with their spending, 8 ratios, 10 yes/no facts, 6 three-level ratings and
8 counts of issues. 40 leaf indicators under 5 groups, weights adding up to 100:

- execution (8 × 3): a ladder over spending / budget: ≥ 95% 3, ≥ 90% 2.25, ≥ 80% 1.5, else 0;
- rates (4 × 2.5): 2.5 × min(ratio, 1); (4 × 2.5): a ladder over a ratio: ≥ 0.9 2.5, ≥ 0.8 1.5,
  ≥ 0.7 0.5, else 0;
- compliance (10 × 2): 2 if the box is ticked, else 0;
- controls (6 × 2): a rating 好 2, 中 1, 差 0;
- issues (4 × 3): 3 − 0.75 per issue; (4 × 3): overspending k = spent / budget above 100% loses
  0.5 per started percentage point, and more than 3 issues lose 1 more.

Every leaf is clamped to [0, weight] and rounded half-up to 2 places; the total is their sum.
"""

from __future__ import annotations

from decimal import Decimal

EXECUTION = [(f"exec_{i}", i) for i in range(1, 9)]  # (indicator, budget/spent pair)
RATE_SCORES = [(f"rate_score_{i}", i) for i in range(1, 5)]  # (indicator, ratio)
RATE_BANDS = [(f"rate_band_{i}", i) for i in range(5, 9)]
CHECKS = [(f"check_{i}", i) for i in range(1, 11)]  # (indicator, flag)
CONTROLS = [(f"control_{i}", i) for i in range(1, 7)]  # (indicator, level)
ISSUES = [(f"issue_{i}", i) for i in range(1, 5)]  # (indicator, issues count)
OVERRUNS = [(f"overrun_{i}", i) for i in range(5, 9)]  # (indicator, pair and issues count)

WEIGHTS = {
    "execution": Decimal(3),
    "rates": Decimal("2.5"),
    "compliance": Decimal(2),
    "controls": Decimal(2),
    "issues": Decimal(3),
}
LEVELS = ("好", "中", "差")

LEAVES = (
    [(name, "execution") for name, _ in EXECUTION]
    + [(name, "rates") for name, _ in RATE_SCORES + RATE_BANDS]
    + [(name, "compliance") for name, _ in CHECKS]
    + [(name, "controls") for name, _ in CONTROLS]
    + [(name, "issues") for name, _ in ISSUES + OVERRUNS]
)
assert len(LEAVES) == 40
assert sum(WEIGHTS[group] for _, group in LEAVES) == 100
