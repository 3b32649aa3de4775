"""Write the shared workload's rubric (rubric.yaml) and zen-engine graph (decision.json) from spec.py.

    python benchmarks/workload40/make.py      # rewrites both files next to this one

The rule-engine rules are built from the same expressions at run time (engines.py), and the
hand-written version (handwritten.py) is coded separately; run.py checks that all agree.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from spec import (
    CHECKS,
    CONTROLS,
    EXECUTION,
    ISSUES,
    OVERRUNS,
    RATE_BANDS,
    RATE_SCORES,
)

HERE = Path(__file__).resolve().parent


def rubric_yaml() -> str:
    lines = [
        "# yaml-language-server: $schema=../../schemas/rubric.schema.json",
        "# The benchmark's shared 40-indicator workload (written by make.py from spec.py; do not edit).",
        "format: rubric/1",
        "id: bench-workload-40",
        "title: 基准测试：40 项指标",
        'version: "1"',
        "year: 2023",
        "language: zh-CN",
        "total: 100",
        "rounding: {places: 2, mode: half_up}",
        "grades:",
        "  - {grade: 优, min: 90}",
        "  - {grade: 良, min: 80}",
        "  - {grade: 中, min: 60}",
        "  - {grade: 差, min: 0}",
        "facts:",
    ]
    for i in range(1, 9):
        lines.append(f"  budget_{i}: {{label: 预算{i}, type: money, unit: 万元, greater_than: 0}}")
        lines.append(f"  spent_{i}: {{label: 支出{i}, type: money, unit: 万元, min: 0}}")
    for i in range(1, 9):
        lines.append(f"  rate_{i}: {{label: 比率{i}, type: ratio, min: 0}}")
    for i in range(1, 11):
        lines.append(f"  flag_{i}: {{label: 事项{i}, type: boolean}}")
    for i in range(1, 7):
        lines.append(f"  level_{i}: {{label: 评级{i}, type: enum, values: [好, 中, 差]}}")
    for i in range(1, 9):
        lines.append(f"  issues_{i}: {{label: 问题数{i}, type: integer, min: 0}}")
    lines.append("indicators:")

    def group(group_id: str, name: str, weight: int) -> None:
        lines.extend([f"  - id: {group_id}", f"    name: {name}", f"    weight: {weight}", "    children:"])

    group("execution", "预算执行", 24)
    for name, i in EXECUTION:
        lines += [
            f"      - id: {name}",
            f"        name: 执行率{i}",
            "        weight: 3",
            f"        let: {{r: spent_{i} / budget_{i}}}",
            "        ladder:",
            "          - {when: r >= 0.95, then: 3}",
            "          - {when: r >= 0.90, then: 2.25}",
            "          - {when: r >= 0.80, then: 1.5}",
            "          - otherwise: 0",
        ]
    group("rates", "比率", 20)
    for name, i in RATE_SCORES:
        lines += [
            f"      - id: {name}",
            f"        name: 比率得分{i}",
            "        weight: 2.5",
            f"        score: 2.5 * min(rate_{i}, 1)",
        ]
    for name, i in RATE_BANDS:
        lines += [
            f"      - id: {name}",
            f"        name: 比率档次{i}",
            "        weight: 2.5",
            "        ladder:",
            f"          - {{when: rate_{i} >= 0.9, then: 2.5}}",
            f"          - {{when: rate_{i} >= 0.8, then: 1.5}}",
            f"          - {{when: rate_{i} >= 0.7, then: 0.5}}",
            "          - otherwise: 0",
        ]
    group("compliance", "合规", 20)
    for name, i in CHECKS:
        lines += [
            f"      - id: {name}",
            f"        name: 合规事项{i}",
            "        weight: 2",
            f"        score: 2 if flag_{i} else 0",
        ]
    group("controls", "内控", 12)
    for name, i in CONTROLS:
        lines += [
            f"      - id: {name}",
            f"        name: 内控评级{i}",
            "        weight: 2",
            f"        match: level_{i}",
            "        cases: {好: 2, 中: 1, 差: 0}",
        ]
    group("issues", "问题与超支", 24)
    for name, i in ISSUES:
        lines += [
            f"      - id: {name}",
            f"        name: 问题扣分{i}",
            "        weight: 3",
            "        deductions:",
            f"          - {{per: issues_{i}, points: 0.75}}",
        ]
    for name, i in OVERRUNS:
        lines += [
            f"      - id: {name}",
            f"        name: 超支扣分{i}",
            "        weight: 3",
            f"        let: {{k: spent_{i} / budget_{i}}}",
            "        deductions:",
            "          - {when: k > 1, per: ceil((k - 1) / 0.01), points: 0.5}",
            f"          - {{when: issues_{i} > 3, points: 1}}",
        ]
    return "\n".join(lines) + "\n"


def zen_expressions() -> list[tuple[str, str]]:
    """(output key, ZEN expression) in evaluation order; `$.key` reads an earlier output."""
    out: list[tuple[str, str]] = []

    def clamp(key: str, raw: str, weight: str) -> None:
        out.append((key, f"round(max([0, min([{weight}, {raw}])]), 2)"))

    for name, i in EXECUTION:
        out.append((f"r_{i}", f"spent_{i} / budget_{i}"))
        clamp(name, f"($.r_{i} >= 0.95 ? 3 : ($.r_{i} >= 0.90 ? 2.25 : ($.r_{i} >= 0.80 ? 1.5 : 0)))", "3")
    for name, i in RATE_SCORES:
        clamp(name, f"2.5 * min([rate_{i}, 1])", "2.5")
    for name, i in RATE_BANDS:
        clamp(name, f"(rate_{i} >= 0.9 ? 2.5 : (rate_{i} >= 0.8 ? 1.5 : (rate_{i} >= 0.7 ? 0.5 : 0)))", "2.5")
    for name, i in CHECKS:
        clamp(name, f"(flag_{i} ? 2 : 0)", "2")
    for name, i in CONTROLS:
        clamp(name, f"(level_{i} == '好' ? 2 : (level_{i} == '中' ? 1 : 0))", "2")
    for name, i in ISSUES:
        clamp(name, f"3 - 0.75 * issues_{i}", "3")
    for name, i in OVERRUNS:
        out.append((f"k_{i}", f"spent_{i} / budget_{i}"))
        clamp(
            name,
            f"3 - ($.k_{i} > 1 ? 0.5 * ceil(($.k_{i} - 1) / 0.01) : 0) - (issues_{i} > 3 ? 1 : 0)",
            "3",
        )
    leaves = [name for name, _ in EXECUTION + RATE_SCORES + RATE_BANDS + CHECKS + CONTROLS + ISSUES + OVERRUNS]
    out.append(("total", " + ".join(f"$.{name}" for name in leaves)))
    return out


def decision_graph() -> dict:
    expressions = [
        {"id": f"e{index}", "key": key, "value": value} for index, (key, value) in enumerate(zen_expressions())
    ]
    return {
        "contentType": "application/vnd.gorules.decision",
        "nodes": [
            {"id": "request", "type": "inputNode", "name": "request", "position": {"x": 0, "y": 0}},
            {
                "id": "scores",
                "type": "expressionNode",
                "name": "scores",
                "position": {"x": 300, "y": 0},
                "content": {"expressions": expressions, "passThrough": False},
            },
            {"id": "response", "type": "outputNode", "name": "response", "position": {"x": 600, "y": 0}},
        ],
        "edges": [
            {"id": "in", "sourceId": "request", "targetId": "scores", "type": "edge"},
            {"id": "out", "sourceId": "scores", "targetId": "response", "type": "edge"},
        ],
    }


def main() -> int:
    (HERE / "rubric.yaml").write_text(rubric_yaml(), encoding="utf-8")
    (HERE / "decision.json").write_text(
        json.dumps(decision_graph(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(f"wrote {HERE / 'rubric.yaml'} and {HERE / 'decision.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
