"""Stage 5 on its own: programs run exactly, refuse what was not checked, and a rubric pickles."""

from __future__ import annotations

import ast
import pickle
import subprocess
import sys
import threading
from decimal import Decimal

import pytest
from conftest import ROOT, make_rubric

import rubric
from rubric.compile import Program
from rubric.errors import Location
from rubric.interpret import Evaluator
from rubric.language import EvalFailure


def program(rubric_object: rubric.Rubric, source: str) -> Program:
    matches = [p for p in rubric_object.compiled.programs.values() if p.source == source]
    assert len(matches) == 1, f"{source!r} is not one program of the rubric"
    return matches[0]


def load_one(expression: str, extra_facts: str = "") -> tuple[rubric.Rubric, Program]:
    text = make_rubric(f"- id: a\n  name: A\n  weight: 10\n  score: '{expression}'\n", extra_facts=extra_facts)
    loaded = rubric.load(text)
    return loaded, program(loaded, expression)


def run(expression: str, **names: object) -> object:
    _, compiled = load_one(expression)
    return Evaluator().run(compiled, names)


def test_number_literals_are_exact_decimals() -> None:
    assert run("1 if 0.1 + 0.2 == 0.3 else 0") == Decimal(1)
    assert run("0.1 + 0.2") == Decimal("0.3")
    assert run("986.45 * 10000") == Decimal("9864500.00")


def test_arithmetic_on_facts_is_exact() -> None:
    # 789.16 / 986.45 is exactly 0.8
    assert run("10 * min(spent_total / budget_total, 1)", spent_total=Decimal("789.16"), budget_total=Decimal("986.45")) == 8
    assert run("spent_total / budget_total", spent_total=Decimal(1), budget_total=Decimal(3)) == Decimal("0." + "3" * 34)


def test_round_is_half_up_and_floor_ceil_are_exact() -> None:
    assert run("round(2.345, 2)") == Decimal("2.35")
    assert run("round(2.5, 0)") == Decimal("3")
    assert run("ceil((0.0201 - 0.02) / 0.01)") == Decimal(1)
    assert run("ceil((0.03 - 0.02) / 0.01)") == Decimal(1)
    assert run("ceil((0.03001 - 0.02) / 0.01)") == Decimal(2)
    assert run("floor(-0.5)") == Decimal(-1)


def test_division_by_zero_is_an_eval_failure() -> None:
    with pytest.raises(EvalFailure, match=r"division by zero \(1 / 0\)"):
        run("spent_total / budget_total", spent_total=Decimal(1), budget_total=Decimal(0))


def test_overflow_is_an_eval_failure() -> None:
    with pytest.raises(EvalFailure, match="out of range"):
        run("spent_total * budget_total", spent_total=Decimal("1e999999"), budget_total=Decimal("1e999999"))


def test_mixed_types_at_run_time_are_eval_failures() -> None:
    with pytest.raises(EvalFailure, match="'\\+' needs numbers, got text 'x' and 1"):
        run("spent_total + budget_total", spent_total="x", budget_total=Decimal(1))
    with pytest.raises(EvalFailure, match="min\\(\\) needs numbers, got a boolean"):
        run("min(spent_total, 1)", spent_total=True)


def test_equality_across_types_is_false_not_true() -> None:
    # Python says True == 1; the rubric language does not.
    assert run('1 if level == "完善" else 0', level=Decimal(1)) == Decimal(0)
    assert run("1 if spent_total == 1 else 0", spent_total=True) == Decimal(0)


def test_evaluator_has_only_the_language_functions() -> None:
    evaluator = Evaluator()
    assert sorted(evaluator.functions) == ["abs", "ceil", "clamp", "count", "floor", "max", "min", "round"]
    assert "rand" not in evaluator.functions and "randint" not in evaluator.functions


@pytest.mark.parametrize(
    "source",
    ["().__class__", "[1, 2]", "x[0]", "{'a': 1}", "f'{x}'", "(x := 1)", "rand()", "__import__('os')"],
)
def test_unchecked_trees_neither_compile_nor_run(source: str) -> None:
    """Defence in depth: a tree that never went through the checker cannot become a program, and
    the reference interpreter refuses to walk it."""
    tree = ast.parse(source, mode="eval").body
    with pytest.raises(EvalFailure, match=r"^cannot compile (Attribute|Tuple|List|Subscript|Dict|JoinedStr|NamedExpr|Call)"):
        Program(source, Location("x", 1, 1), tree, ())
    program = Program("x", Location("x", 1, 1), ast.parse("x", mode="eval").body, ("x",))
    object.__setattr__(program, "tree", tree)  # what a tampered program would hold
    with pytest.raises(EvalFailure):
        Evaluator().run(program, {"x": Decimal(1)})


def test_rubric_pickles_and_runs_the_same_after() -> None:
    loaded, compiled = load_one("10 * min(spent_total / budget_total, 1)")
    again = pickle.loads(pickle.dumps(loaded))
    assert again == loaded
    names = {"spent_total": Decimal("3"), "budget_total": Decimal("4")}
    assert Evaluator().run(program(again, compiled.source), names) == Decimal("7.5")


def test_rubric_is_immutable() -> None:
    loaded, _ = load_one("10")
    with pytest.raises(AttributeError):
        loaded.compiled = None  # type: ignore[misc]
    with pytest.raises(AttributeError):
        loaded.compiled.model.indicators[0].weight = Decimal(1)  # type: ignore[misc]


def test_programs_run_from_many_threads_at_once() -> None:
    _, compiled = load_one("spent_total * 2 + budget_total")
    failures: list[str] = []

    def work(seed: int) -> None:
        evaluator = Evaluator()
        for step in range(300):
            value = Decimal(seed * 1000 + step) / 8  # exact in any precision
            result = evaluator.run(compiled, {"spent_total": value, "budget_total": Decimal(seed)})
            if result != value * 2 + seed:
                failures.append(f"thread {seed} step {step}: {result}")

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_the_same_text_compiles_to_equal_rubrics() -> None:
    text = make_rubric("- {id: a, name: A, weight: 10, score: 'min(spent_total, 10)'}\n")
    assert rubric.load(text) == rubric.load(text)
    assert pickle.dumps(rubric.load(text).model) == pickle.dumps(rubric.load(text).model)


def test_evaluation_order_puts_what_is_read_first() -> None:
    text = make_rubric(
        """
        - id: p
          name: P
          weight: 10
          children:
            - {id: first, name: F, weight: 5, score: 'score_of("second") / 2'}
            - {id: second, name: S, weight: 5, score: 5}
        """
    )
    assert [indicator.id for indicator in rubric.load(text).compiled.order] == ["second", "first", "p"]


def test_running_a_program_never_parses_text(monkeypatch: pytest.MonkeyPatch) -> None:
    _, compiled = load_one("10 * min(spent_total / budget_total, 1)")

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("evaluation parsed text")

    monkeypatch.setattr(ast, "parse", no_parsing)
    names = {"spent_total": Decimal(1), "budget_total": Decimal(2)}
    assert Evaluator().run(compiled, names) == 5


def test_score_of_reads_the_score_the_evaluation_provides() -> None:
    text = make_rubric(
        """
        - {id: first, name: F, weight: 5, score: 'score_of("second") / 2'}
        - {id: second, name: S, weight: 5, score: 5}
        """
    )
    compiled = program(rubric.load(text), 'score_of("second") / 2')
    assert compiled.names == ("score_of(second)",)
    assert Evaluator().run(compiled, {"score_of(second)": Decimal(3)}) == Decimal("1.5")





# In a fresh interpreter: simpleeval's module settings before rubric is imported, and after a
# rubric is loaded and evaluated with limits other than the defaults.
PROBE = """
import simpleeval

def settings():
    return repr({k: v for k, v in vars(simpleeval).items() if k.isupper()})

before = settings()
import rubric
loaded = rubric.load("rubrics/2023.yaml", limits=rubric.Limits(max_steps=10**6, decimal_precision=50))
loaded.evaluate(rubric.load_facts("examples/haizhu-petition-bureau-2023.yaml"))
print("MAX_POWER" in before, settings() == before)
"""


def test_simpleeval_module_settings_are_never_changed() -> None:
    """Limits belong to each Rubric; simpleeval's process-wide settings stay as simpleeval ships them."""
    probe = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, cwd=ROOT)
    assert probe.stdout == "True True\n"
