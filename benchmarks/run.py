"""The benchmarks of issue 6 (Performance): one process, the same data for every contender.

    .venv/bin/python benchmarks/run.py                   # everything but the batch runs (~1-2 minutes)
    .venv/bin/python benchmarks/run.py --only simpleeval workload
    .venv/bin/python benchmarks/run.py --batch           # adds `rubric batch` on 100,000 departments
    .venv/bin/python benchmarks/run.py --batch --million # and on 1,000,000 (takes many minutes)

See benchmarks/README.md for what each number is and what is compared.
"""

from __future__ import annotations

import argparse
import decimal
import gc
import hashlib
import json
import math
import os
import platform
import pty
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "workload40"))

RUBRIC_2023 = ROOT / "rubrics" / "2023.yaml"
SEED_FACTS = ROOT / "examples" / "haizhu-petition-bureau-2023.yaml"
BIN = Path(sys.executable).parent
RUBRIC_COMMAND = str(BIN / "rubric") if (BIN / "rubric").exists() else shutil.which("rubric") or "rubric"

PARTS = ("check", "handwritten", "simpleeval", "workload", "load", "cold", "imports")


# -- results --------------------------------------------------------------------------------


@dataclass
class Row:
    section: str
    name: str
    value: float | None  # seconds (per department unless said), or a count, or None when skipped
    unit: str = "s"
    ratio: float | None = None  # against the section's reference
    target: str = ""
    ok: bool | None = None
    note: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        print(_format_row(row), flush=True)
        return row


def _human(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "s":
        if value < 1e-3:
            return f"{value * 1e6:,.1f} µs"
        if value < 1:
            return f"{value * 1e3:,.2f} ms"
        return f"{value:,.2f} s"
    if unit == "MB":
        return f"{value:,.1f} MB"
    if unit == "/s":
        return f"{value:,.0f} /s"
    return f"{value:,.0f} {unit}".strip()


def _format_row(row: Row) -> str:
    ratio = f"{row.ratio:8.2f}x" if row.ratio is not None else " " * 9
    verdict = {True: "ok", False: "MISS", None: ""}[row.ok]
    target = f"target {row.target}" if row.target else ""
    line = f"  {row.name:<52} {_human(row.value, row.unit):>14} {ratio}  {target:<22} {verdict:<4}"
    if row.note:
        line += f"  {row.note}"
    return line.rstrip()


def section(title: str) -> None:
    print(f"\n== {title} ==", flush=True)


# -- timing -------------------------------------------------------------------------------------


def per_item(contenders: Mapping[str, tuple[Callable[[Any], Any], Sequence[Any]]], rounds: int) -> dict[str, float]:
    """Median seconds per item of each contender: one warm-up pass each, then `rounds` rounds in
    which every contender runs over all its items once (interleaved, so drift hits all alike)."""
    for run, items in contenders.values():
        for item in items:
            run(item)
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, (run, items) in contenders.items():
            start = time.perf_counter()
            for item in items:
                run(item)
            samples[name].append((time.perf_counter() - start) / len(items))
    return {name: statistics.median(values) for name, values in samples.items()}


def median_call(action: Callable[[], Any], repeat: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


# -- machine --------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    info = {
        "cpu": cpu,
        "cores": f"{os.cpu_count()} (usable by this process: {usable})",
        "python": f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})",
        "os": platform.platform(),
    }
    for package in ("rubric", "simpleeval", "zen-engine", "rule-engine", "pyyaml", "jsonschema"):
        try:
            info[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            info[package] = "not installed"
    return info


# -- the 2023 rubric and its hand-written twin ------------------------------------------------


def finding_tuple(finding: Any) -> tuple[Any, ...]:
    return (finding.indicator, finding.points_lost, finding.problem.zh, finding.improvement.zh, finding.severity)


def check_2023(loaded: Any, all_facts: Sequence[Any], report: Report) -> list[Any]:
    """Abort unless the hand-written version gives the rubric's scores, total, grade and findings
    for every department; return the converted facts."""
    import handwritten_2023

    from rubric.facts import prepare

    prepared = []
    differences = []
    for number, facts in enumerate(all_facts):
        values = prepare(loaded.compiled, facts).values
        prepared.append(values)
        ours = loaded.evaluate(facts, trace=False)
        theirs = handwritten_2023.evaluate(values)
        problems = []
        for result in ours.indicators:
            if result.score != theirs.scores.get(result.id):
                problems.append(f"{result.id}: rubric {result.score}, hand-written {theirs.scores.get(result.id)}")
            if (result.status == "not_applicable") != (result.id in theirs.not_applicable):
                problems.append(f"{result.id}: applicability differs")
        if ours.total != theirs.total:
            problems.append(f"total: rubric {ours.total}, hand-written {theirs.total}")
        if (ours.grade.zh if ours.grade else None) != theirs.grade:
            problems.append(f"grade: rubric {ours.grade}, hand-written {theirs.grade}")
        mine = [finding_tuple(finding) for finding in ours.findings]
        if mine != [tuple(finding) for finding in theirs.findings]:
            problems.append(f"findings: rubric {mine}, hand-written {[tuple(f) for f in theirs.findings]}")
        if problems:
            differences.append((number, problems))
    if differences:
        for number, problems in differences[:5]:
            print(f"  department {number}:")
            for problem in problems[:6]:
                print(f"    {problem}")
        report.add(
            Row(
                "check",
                "hand-written == rubric (2023)",
                len(all_facts),
                "departments",
                ok=False,
                note=f"{len(differences)} differ",
            )
        )
        raise SystemExit("the hand-written 2023 implementation disagrees with rubric: not timing anything")
    report.add(
        Row(
            "check",
            "hand-written == rubric (2023): scores, total, grade, findings",
            len(all_facts),
            "departments",
            ok=True,
            note="identical (seed + generated)",
        )
    )
    return prepared


def bench_handwritten(loaded: Any, raw: Sequence[Any], prepared: Sequence[Any], rounds: int, report: Report) -> None:
    import handwritten_2023

    from rubric.facts import prepare

    contenders: dict[str, tuple[Callable[[Any], Any], Sequence[Any]]] = {
        "hand-written": (handwritten_2023.evaluate, prepared),
        "trace=False": (lambda facts: loaded.evaluate(facts, trace=False), raw),
        "trace=True": (lambda facts: loaded.evaluate(facts), raw),
        "prepare": (lambda facts: prepare(loaded.compiled, facts), raw),
    }
    stage = _evaluation_stage(loaded, prepare(loaded.compiled, raw[0]))
    if stage is not None:
        fact_values = [prepare(loaded.compiled, facts) for facts in raw]
        contenders["stage"] = (stage, fact_values)
    times = per_item(contenders, rounds)
    base = times["hand-written"]
    report.add(Row("2023", "hand-written Python (converted facts)", base, note="reference"))
    report.add(
        Row(
            "2023",
            "Rubric.evaluate(facts, trace=False)",
            times["trace=False"],
            ratio=times["trace=False"] / base,
            target="≤ 1.5x",
            ok=times["trace=False"] / base <= 1.5,
        )
    )
    report.add(
        Row(
            "2023",
            "Rubric.evaluate(facts) (trace=True)",
            times["trace=True"],
            ratio=times["trace=True"] / base,
            target="≤ 4x",
            ok=times["trace=True"] / base <= 4,
        )
    )
    report.add(
        Row(
            "2023",
            "  of which facts.prepare (validate + convert)",
            times["prepare"],
            ratio=times["prepare"] / base,
            note=f"{times['prepare'] / times['trace=False']:.0%} of trace=False",
        )
    )
    if "stage" in times:
        report.add(
            Row(
                "2023",
                "  evaluation stage alone (prepared facts, no trace)",
                times["stage"],
                ratio=times["stage"] / base,
                note="like for like with hand-written",
            )
        )


def _evaluation_stage(loaded: Any, fact_values: Any) -> Callable[[Any], Any] | None:
    """`rubric.evaluate.evaluate(compiled, fact_values, sha256, trace=False)`, if it still has that shape."""
    try:
        from rubric import evaluate as stage_module

        def stage(values: Any) -> Any:
            return stage_module.evaluate(loaded.compiled, values, loaded.sha256, trace=False)

        stage(fact_values)
        return stage
    except Exception as problem:  # noqa: BLE001 - an internal API under rewrite: skip, say so
        print(f"  (evaluation stage alone not measured: {type(problem).__name__}: {problem})")
        return None


# -- simpleeval on the same expressions --------------------------------------------------------


@dataclass
class Recorded:
    source: str
    names: dict[str, Any]  # the names it reads, with their values in this evaluation
    function: Any = None  # rubric's compiled function of the program, when recorded from an evaluation


def record_expressions(all_facts: Sequence[Any]) -> tuple[list[list[Recorded]], str]:
    """The expressions one evaluation of each department runs, each with the values of the names
    it read.

    Loads a private copy of the 2023 rubric and wraps each compiled program's function (or, in an
    older evaluator, `Evaluator.run`) to note each run. If the evaluator gives no hook, every
    program of the rubric is replayed statically instead (an approximation, said in the report).
    """
    import rubric

    loaded = rubric.load(RUBRIC_2023)
    programs = list(loaded.compiled.programs.values())
    found: list[Recorded] = []

    def note(program: Any, scope: Mapping[str, Any], function: Any = None) -> None:
        found.append(Recorded(program.source, {name: scope[name] for name in program.names if name in scope}, function))

    originals = []
    for program in programs:
        function = getattr(program, "function", None)
        if callable(function):

            def wrapper(scope: Mapping[str, Any], _program: Any = program, _function: Any = function) -> Any:
                note(_program, scope, _function)
                return _function(scope)

            originals.append((program, function))
            object.__setattr__(program, "function", wrapper)
    patched = []
    for module_name in ("rubric.compile", "rubric.interpret"):
        module = sys.modules.get(module_name)
        evaluator = getattr(module, "Evaluator", None) if module else None
        if evaluator is not None and "run" in vars(evaluator):
            original_run = evaluator.run

            def run(self: Any, program: Any, names: Mapping[str, Any], _original: Any = original_run) -> Any:
                note(program, names)
                return _original(self, program, names)

            patched.append((evaluator, original_run))
            evaluator.run = run
    departments: list[list[Recorded]] = []
    try:
        for facts in all_facts:
            found = []
            loaded.evaluate(facts, trace=False)
            departments.append(found)
    finally:
        for program, function in originals:
            object.__setattr__(program, "function", function)
        for evaluator, original_run in patched:
            evaluator.run = original_run
    if all(departments):
        return departments, "recorded from each evaluation"
    return [_static_replay(loaded, facts) for facts in all_facts], "static replay of every program (no hook found)"


def _static_replay(loaded: Any, facts: Any) -> list[Recorded]:
    """Every program of the rubric once (per record for record-level ones), names from the facts,
    the evaluation's scores and the `let` values; those simpleeval cannot compute are left out
    (values a ladder step guards). More than one evaluation runs, in general."""
    from rubric.facts import prepare

    values = dict(prepare(loaded.compiled, facts).values)
    evaluation = loaded.evaluate(facts, trace=False)
    scope: dict[str, Any] = dict(values)
    scope.update({f"score_of({result.id})": result.score for result in evaluation.indicators})
    scope.update(
        {
            "score": Decimal(1),
            "weight": Decimal(1),
            "lost": Decimal(0),
            "value": Decimal(1),
            "total": evaluation.total,
            "maximum": evaluation.maximum,
            "grade": evaluation.grade.zh if evaluation.grade else "",
        }
    )
    fields = {f.id: fact.id for fact in loaded.model.facts if fact.is_list for f in fact.fields}
    found = []
    for path, program in loaded.compiled.programs.items():
        lists = {fields[name] for name in program.names if name in fields and name not in scope}
        scopes = [scope]
        if lists:
            (over,) = lists
            records: Any = values[over]
            scopes = [{**scope, **dict(record)} for record in records]
        for names in scopes:
            if all(name in names for name in program.names):
                try:  # a ladder step's value that its condition guards may not compute here: leave it out
                    value = simpleeval_functions_eval(program.source, names)
                except Exception:  # noqa: BLE001, S112
                    continue
                found.append(Recorded(program.source, {name: names[name] for name in program.names}))
                if "let" in path:
                    scope[path[-1]] = value
    return found


def _floaty(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, tuple):
        return tuple(tuple((key, _floaty(item)) for key, item in record) for record in value)
    return value


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(value, high))


SIMPLEEVAL_FUNCTIONS = {
    "min": min,
    "max": max,
    "abs": abs,
    "floor": math.floor,
    "ceil": math.ceil,
    "round": round,
    "clamp": _clamp,
    "count": len,
}


def simpleeval_functions_eval(source: str, names: Mapping[str, Any]) -> Any:
    import simpleeval

    return simpleeval.simple_eval(
        source, names={k: _floaty(v) for k, v in names.items()}, functions=SIMPLEEVAL_FUNCTIONS
    )


def bench_simpleeval(raw: Sequence[Any], rounds: int, report: Report) -> None:
    import simpleeval

    import rubric

    loaded = rubric.load(RUBRIC_2023)
    recorded: list[list[tuple[str, Any, dict[str, Any]]]] = []
    trees: dict[str, Any] = {}
    every, how = record_expressions(raw)
    for expressions in every:
        department = []
        for expression in expressions:
            tree = trees.setdefault(expression.source, simpleeval.SimpleEval.parse(expression.source))
            department.append((expression.source, tree, {k: _floaty(v) for k, v in expression.names.items()}))
        recorded.append(department)
    count = statistics.mean(len(department) for department in recorded)
    # A check that simpleeval runs them all (float arithmetic: values may differ slightly from ours).
    reused = simpleeval.SimpleEval(functions=SIMPLEEVAL_FUNCTIONS)
    for department in recorded:
        for source, tree, names in department:
            reused.names = names
            reused.eval(source, previously_parsed=tree)

    def reparse_fresh(department: list[tuple[str, Any, dict[str, Any]]]) -> None:
        for source, _, names in department:
            simpleeval.simple_eval(source, names=names, functions=SIMPLEEVAL_FUNCTIONS)

    def reparse(department: list[tuple[str, Any, dict[str, Any]]]) -> None:
        evaluator = reused
        for source, _, names in department:
            evaluator.names = names
            evaluator.eval(source)

    def parsed_once(department: list[tuple[str, Any, dict[str, Any]]]) -> None:
        evaluator = reused
        for source, tree, names in department:
            evaluator.names = names
            evaluator.eval(source, previously_parsed=tree)

    from rubric.facts import prepare

    # rubric's own compiled programs on the same expressions and values, in the rubric's context
    context = loaded.compiled.limits.decimal_context()
    compiled_runs = [[(e.function, e.names) for e in expressions] for expressions in every]

    def programs_only(department: list[tuple[Any, dict[str, Any]]]) -> None:
        with decimal.localcontext(context):
            for function, names in department:
                function(names)

    contenders: dict[str, tuple[Callable[[Any], Any], Sequence[Any]]] = {
        "ours": (lambda facts: loaded.evaluate(facts, trace=False), raw),
        "simple_eval()": (reparse_fresh, recorded),
        "re-parse": (reparse, recorded),
        "parsed once": (parsed_once, recorded),
    }
    if all(function is not None for department in compiled_runs for function, _ in department):
        contenders["programs"] = (programs_only, compiled_runs)
    stage = _evaluation_stage(loaded, prepare(loaded.compiled, raw[0]))
    if stage is not None:
        contenders["stage"] = (stage, [prepare(loaded.compiled, facts) for facts in raw])
    times = per_item(contenders, rounds)
    ours = times["ours"]
    programs = times.get("programs")
    if programs is not None:
        # Like for like: the same expressions with the same values, each engine evaluating them.
        report.add(Row("simpleeval", f"rubric's compiled programs on the same {count:.0f} expressions", programs, note="reference: exact decimals, step-free"))
        for key, name, target, factor, note in (
            ("re-parse", "simpleeval re-parsing each time", "≥ 20x slower", 20, "one SimpleEval, .eval(text)"),
            ("simple_eval()", "  simpleeval.simple_eval(text, names=…) each time", "", None, "new evaluator per expression"),
            ("parsed once", "simpleeval, trees parsed once", "≥ 5x slower", 5, f"expressions {how}"),
        ):
            ratio = times[key] / programs
            report.add(Row("simpleeval", name, times[key], ratio=ratio, target=target, ok=(ratio >= factor) if factor else None, note=note))
    # The whole evaluation (facts checked and converted, scores, findings, results) against the
    # expressions alone on simpleeval: for information.
    report.add(Row("simpleeval", "Rubric.evaluate(facts, trace=False), whole evaluation", ours, note="for information: against it, ratios below"))
    for key, name in (("re-parse", "  simpleeval re-parsing each time"), ("parsed once", "  simpleeval, trees parsed once")):
        report.add(Row("simpleeval", name, times[key], ratio=times[key] / ours, note="expressions only, floats"))
    if "stage" in times:
        report.add(
            Row(
                "simpleeval",
                "  rubric's evaluation stage alone",
                times["stage"],
                ratio=times["stage"] / ours,
                note="prepared facts, no trace",
            )
        )


# -- the shared 40-indicator workload -----------------------------------------------------------


def bench_workload(count: int, rounds: int, report: Report) -> None:
    import engines

    departments = engines.departments(count)
    contenders: dict[str, engines.Engine] = {
        "hand-written Python": engines.handwritten_engine(),
        "rubric trace=False": engines.rubric_engine(trace=False),
        "rubric trace=True": engines.rubric_engine(trace=True),
    }
    missing = []
    try:
        contenders["zen-engine (JSON text context)"] = engines.zen_engine("json")
        contenders["zen-engine (dict context)"] = engines.zen_engine("dict")
    except ImportError:
        missing.append("zen-engine")
    try:
        contenders["rule-engine"] = engines.rule_engine_engine()
    except ImportError:
        missing.append("rule-engine")
    inputs = {name: [engine.given(facts) for facts in departments] for name, engine in contenders.items()}
    reference = [engines.handwritten_engine().scores(facts) for facts in departments]
    for name, engine in contenders.items():
        wrong = sum(1 for expected, given in zip(reference, inputs[name]) if engine.scores(given) != expected)
        if wrong:
            for expected, given in zip(reference, inputs[name]):
                got = engine.scores(given)
                if got != expected:
                    print(
                        f"  {name}: {[(key, str(expected[key]), str(got.get(key))) for key in expected if expected[key] != got.get(key)][:5]}"
                    )
                    break
            raise SystemExit(f"{name} disagrees with the hand-written workload on {wrong} of {count} departments")
    report.add(
        Row("workload", "all engines agree: 40 leaf scores and total, to the cent", count, "departments", ok=True)
    )
    times = per_item({name: (engine.run, inputs[name]) for name, engine in contenders.items()}, rounds)
    ours = times["rubric trace=False"]
    for name, seconds in times.items():
        row = Row("workload", name, seconds, ratio=seconds / ours)
        if name.startswith("rule-engine"):
            row.target, row.ok = "rubric faster", seconds > ours
        if name == "rubric trace=False":
            row.note = "reference (ratios: time / rubric trace=False)"
        report.add(row)
    zen = [name for name in times if name.startswith("zen-engine")]
    if zen:
        best = min(zen, key=times.__getitem__)
        report.add(
            Row(
                "workload",
                "zen-engine, best of its contexts",
                times[best],
                ratio=times[best] / ours,
                target="rubric faster",
                ok=times[best] > ours,
                note=best,
            )
        )
    for name in missing:
        report.add(Row("workload", name, None, note="not installed: pip install -e '.[bench]'", ok=False))


# -- load, cold start, imports ------------------------------------------------------------------


def bench_load(report: Report) -> None:
    import rubric

    seconds = median_call(lambda: rubric.load(RUBRIC_2023), 20)
    report.add(
        Row(
            "startup",
            "rubric.load(rubrics/2023.yaml) after import (read+check+compile)",
            seconds,
            target="< 50 ms",
            ok=seconds < 0.050,
            note="median of 20",
        )
    )


def bench_cold(report: Report, runs: int = 10) -> None:
    """`rubric evaluate` in a new process, wall time: with a bytecode cache (as an installed
    package has; the verdict), and as this environment runs it (PYTHONDONTWRITEBYTECODE=1
    leaves rubric's own modules, installed in editable mode, without any .pyc). The variants
    take turns, after one warm-up run each (file cache, bytecode cache)."""
    command = [RUBRIC_COMMAND, "evaluate", str(RUBRIC_2023), str(SEED_FACTS)]
    cache = Path(tempfile.mkdtemp(prefix="rubric-bench-pycache-"))
    variants = {
        "rubric evaluate 2023 seed, cold process, bytecode cached": _cold_env(cache),
        "rubric evaluate 2023 seed, cold process, this environment": dict(os.environ),
    }
    samples: dict[str, list[float]] = {label: [] for label in variants}
    python: dict[str, list[float]] = {label: [] for label in variants}
    failures: dict[str, str] = {}
    try:
        for number in range(runs + 1):
            for label, env in variants.items():
                if label in failures:
                    continue
                seconds, failure = _timed_run(command, env)
                if failure:
                    failures[label] = failure
                elif number:
                    samples[label].append(seconds)
                    python[label].append(_timed_run([sys.executable, "-c", "pass"], env)[0])
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    for index, label in enumerate(variants):
        if label in failures:
            report.add(Row("startup", label, None, ok=False, note=failures[label]))
            continue
        seconds = statistics.median(samples[label])
        alone = statistics.median(python[label]) * 1000
        row = Row("startup", label, seconds, note=f"median of {runs}; python -c pass: {alone:.0f} ms")
        if index == 0:
            row.target, row.ok = "< 300 ms", seconds < 0.300
        report.add(row)


def _cold_env(cache: Path) -> dict[str, str]:
    """Bytecode written to and read from `cache` (outside the source tree), not __pycache__."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    return env


def _timed_run(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Wall time of one run, and what went wrong if it failed."""
    start = time.perf_counter()
    completed = subprocess.run(
        command, check=False, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        return elapsed, f"exit {completed.returncode}: {completed.stderr.decode(errors='replace')[-200:]}"
    return elapsed, ""


IMPORT_LINE = re.compile(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)")


def bench_imports(report: Report, runs: int = 5) -> None:
    """Cumulative import time of each dependency and of rubric's own modules, median of runs."""
    samples: dict[str, list[tuple[int, int]]] = {}
    cache = Path(tempfile.mkdtemp(prefix="rubric-bench-pycache-"))
    env = _cold_env(cache)
    subprocess.run([sys.executable, "-c", "import rubric.cli"], cwd=ROOT, env=env, check=True)  # fills the cache
    for _ in range(runs):
        completed = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import rubric.cli"],
            check=False,
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        seen: dict[str, tuple[int, int]] = {}
        for line in completed.stderr.splitlines():
            match = IMPORT_LINE.match(line)
            if match:
                seen.setdefault(match.group(4), (int(match.group(1)), int(match.group(2))))
        for name, value in seen.items():
            samples.setdefault(name, []).append(value)
    shutil.rmtree(cache, ignore_errors=True)

    def cumulative(name: str) -> float | None:
        values = samples.get(name)
        return statistics.median(value[1] for value in values) / 1e6 if values else None

    def own(name: str) -> float | None:
        values = samples.get(name)
        return statistics.median(value[0] for value in values) / 1e6 if values else None

    total = cumulative("rubric.cli")
    report.add(
        Row(
            "imports",
            "import rubric.cli (cumulative)",
            total,
            note=f"median of {runs} runs, -X importtime, bytecode cached",
        )
    )
    for name in (
        "yaml",
        "jsonschema",
        "simpleeval",
        "decimal",
        "ast",
        "json",
        "dataclasses",
        "difflib",
        "hashlib",
        "re",
    ):
        first = cumulative(name)
        if first is not None:
            report.add(
                Row(
                    "imports",
                    f"  {name} (cumulative, first import)",
                    first,
                    note=f"{first / total:.0%}" if total else "",
                )
            )
    for name in sorted(samples):
        if name.startswith("rubric") and name != "rubric.cli":
            report.add(
                Row(
                    "imports",
                    f"  {name} (self / cumulative)",
                    own(name),
                    note=f"cumulative {_human(cumulative(name), 's')}",
                )
            )


# -- rubric batch ---------------------------------------------------------------------------------


def batch_available() -> bool:
    completed = subprocess.run([RUBRIC_COMMAND, "batch", "--help"], check=False, capture_output=True, cwd=ROOT)
    return completed.returncode == 0


REJECTS_EVERY = 10_000  # one department in 10,000 is broken, so that every batch has rejects to report


def generate(count: int, path: Path) -> float:
    """The seed department perturbed, `count` times, with a broken line every `REJECTS_EVERY`."""
    script = HERE / "generate_departments.py"
    start = time.perf_counter()
    with path.open("wb") as out:
        command = [sys.executable, str(script), str(count), "--rejects-every", str(REJECTS_EVERY)]
        subprocess.run(command, stdout=out, check=True, cwd=ROOT)
    return time.perf_counter() - start


def count_lines(path: Path) -> int:
    with path.open("rb") as data:
        return sum(block.count(b"\n") for block in iter(lambda: data.read(1 << 20), b""))


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                found += [int(child) for child in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
            except OSError:
                pass
    except OSError:
        pass
    return found


def _high_water_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def watch(command: list[str], interval: float = 0.05, terminal: bool = False) -> tuple[float, int, dict[int, int], str]:
    """Run `command`; its wall time, exit code, peak RSS (kB) of each process of its tree (by
    polling /proc/<pid>/status VmHWM, the peak so far, every `interval` seconds) and its stderr.
    With `terminal`, stderr is a pseudo-terminal, as when a person runs the command, so that
    the progress line is drawn (and returned with the rest)."""
    peaks: dict[int, int] = {}
    drained: list[bytes] = []
    reader = None
    start = time.perf_counter()
    if terminal:
        primary, secondary = pty.openpty()
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=secondary)
        os.close(secondary)

        def drain() -> None:
            while True:
                try:
                    chunk = os.read(primary, 1 << 16)
                except OSError:  # the command ended and closed its side
                    return
                if not chunk:
                    return
                drained.append(chunk)

        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
    else:
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while process.poll() is None:
        tree = [process.pid]
        index = 0
        while index < len(tree):
            tree += _children(tree[index])
            index += 1
        for pid in tree:
            value = _high_water_kb(pid)
            if value is not None:
                peaks[pid] = max(peaks.get(pid, 0), value)
        time.sleep(interval)
    elapsed = time.perf_counter() - start
    if reader is not None:
        reader.join(timeout=5)
        os.close(primary)
        return elapsed, process.returncode, peaks, b"".join(drained).decode(errors="replace")
    error = process.stderr.read().decode(errors="replace") if process.stderr else ""
    return elapsed, process.returncode, peaks, error


def last_drawn(terminal_text: str) -> str:
    """The progress line as it last stood on the terminal."""
    return terminal_text.replace("\r\n", "\n").split("\r")[-1].replace("\x1b[K", "").strip()


def digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def bench_batch(sizes: Sequence[int], report: Report, keep: bool = False) -> None:
    if not batch_available():
        report.add(Row("batch", "rubric batch", None, note="`rubric batch` is not available (yet): skipped"))
        return
    work = Path(tempfile.mkdtemp(prefix="rubric-bench-"))
    try:
        for count in sizes:
            source = work / f"departments-{count}.jsonl"
            made = generate(count, source)
            print(
                f"  generated {count:,} departments in {made:.1f} s ({source.stat().st_size / 1e6:,.0f} MB)", flush=True
            )
            outputs = {}
            for jobs in (1, 2):
                output = work / f"scores-{count}-jobs{jobs}.jsonl"
                rejects = work / f"rejects-{count}-jobs{jobs}.jsonl"
                command = [
                    RUBRIC_COMMAND,
                    "batch",
                    str(RUBRIC_2023),
                    str(source),
                    "--output",
                    str(output),
                    "--jobs",
                    str(jobs),
                    "--rejects",
                    str(rejects),
                ]
                elapsed, code, peaks, error = watch(command, terminal=jobs == 2)
                rejected = count // REJECTS_EVERY
                if code != (4 if rejected else 0):  # 4: the batch went on past rejected departments
                    report.add(
                        Row(
                            "batch",
                            f"{count:,} departments --jobs {jobs}",
                            elapsed,
                            ok=False,
                            note=f"exit {code}: {error.strip()[-300:]}",
                        )
                    )
                    continue
                outputs[jobs] = output
                if jobs == 2:
                    report.add(Row("batch", f"{count:,} departments --jobs 2: progress on a terminal", None, note=last_drawn(error)))
                results, refused = count_lines(output), count_lines(rejects)
                report.add(
                    Row(
                        "batch",
                        f"{count:,} departments --jobs {jobs}: results and rejects",
                        None,
                        ok=(results, refused) == (count - rejected, rejected),
                        note=f"{results:,} result lines, {refused:,} rejects (expected {rejected:,})",
                    )
                )
                peak = max(peaks.values()) / 1024 if peaks else None
                target = count >= 1_000_000 and jobs == 2
                report.add(
                    Row(
                        "batch",
                        f"{count:,} departments --jobs {jobs}: wall",
                        elapsed,
                        target="< 120 s" if target else "",
                        ok=(elapsed < 120) if target else None,
                        note=f"{count / elapsed:,.0f} departments/s",
                    )
                )
                per_process = ", ".join(f"{kb / 1024:,.0f}" for kb in sorted(peaks.values(), reverse=True))
                report.add(
                    Row(
                        "batch",
                        f"{count:,} departments --jobs {jobs}: peak RSS, largest process",
                        peak,
                        "MB",
                        target="< 300 MB" if target else "",
                        ok=(peak is not None and peak < 300) if target else None,
                        note=f"{len(peaks)} processes: {per_process} MB",
                    )
                )
            if len(outputs) == 2:
                same = digest(outputs[1]) == digest(outputs[2])
                report.add(
                    Row(
                        "batch",
                        f"{count:,} departments: --jobs 1 and --jobs 2 output byte-identical",
                        None,
                        ok=same,
                        note=f"{outputs[1].stat().st_size / 1e6:,.0f} MB",
                    )
                )
            for path in work.glob(f"*-{count}*"):
                if not keep:
                    path.unlink()
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"  files kept in {work}")


# -- main -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="rubric's benchmarks (issue 6)")
    parser.add_argument("--only", nargs="+", choices=PARTS, help="run only these parts (default: all)")
    parser.add_argument(
        "--departments", type=int, default=200, help="generated departments timed per round (default 200)"
    )
    parser.add_argument(
        "--check-departments", type=int, default=400, help="generated departments checked (default 400)"
    )
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds; medians are taken (default 7)")
    parser.add_argument("--batch", action="store_true", help="also time `rubric batch` on 100,000 departments")
    parser.add_argument("--million", action="store_true", help="with --batch, also on 1,000,000 departments")
    parser.add_argument("--sizes", type=int, nargs="+", help="with --batch, these numbers of departments instead")
    parser.add_argument("--keep", action="store_true", help="keep the batch files")
    parser.add_argument("--json", type=Path, help="also write every row as JSON to this file")
    options = parser.parse_args(argv)
    parts = set(options.only or PARTS)

    print("rubric benchmarks (issue 6)")
    for key, value in machine().items():
        print(f"  {key:<11} {value}")
    started = time.perf_counter()
    report = Report()

    if parts & {"check", "handwritten", "simpleeval"}:
        import departments

        import rubric
        from rubric.facts import load_facts

        loaded = rubric.load(RUBRIC_2023)
        generated = departments.departments(max(options.check_departments, options.departments))
        section(
            f"2023 rubric: hand-written twin checked on the seed and {options.check_departments} generated departments"
        )
        checked = [load_facts(SEED_FACTS)] + generated[: options.check_departments]
        prepared = check_2023(loaded, checked, report)
        timed = generated[: options.departments]
        if "handwritten" in parts:
            section(
                f"2023 rubric against hand-written Python ({options.departments} departments, {options.rounds} rounds, per department)"
            )
            timed_prepared = (
                prepared[1 : options.departments + 1]
                if options.departments <= options.check_departments
                else [rubric.facts.prepare(loaded.compiled, facts).values for facts in timed]
            )
            bench_handwritten(loaded, timed, timed_prepared, options.rounds, report)
        if "simpleeval" in parts:
            count = min(100, options.departments)
            section(f"2023 rubric against simpleeval on the same expressions ({count} departments, per department)")
            bench_simpleeval(timed[:count], options.rounds, report)
    if "workload" in parts:
        section(
            f"shared 40-indicator workload ({options.departments} departments, {options.rounds} rounds, per department)"
        )
        bench_workload(options.departments, options.rounds, report)
    if parts & {"load", "cold", "imports"}:
        section("load, cold start and imports")
        if "load" in parts:
            bench_load(report)
        if "cold" in parts:
            bench_cold(report)
        if "imports" in parts:
            bench_imports(report)
    if options.batch:
        sizes = options.sizes or [100_000] + ([1_000_000] if options.million else [])
        section("rubric batch (subprocess; wall time, peak RSS of each process)")
        bench_batch(sizes, report, options.keep)

    targets = [row for row in report.rows if row.target]
    missed = [row for row in report.rows if row.ok is False]
    print(
        f"\n{sum(1 for row in targets if row.ok)} of {len(targets)} targets met; "
        f"{time.perf_counter() - started:.0f} s in all"
    )
    for row in missed:
        print(
            f"  MISS {row.section}: {row.name.strip()} ({_human(row.value, row.unit)}"
            + (f", {row.ratio:.2f}x" if row.ratio is not None else "")
            + (f"; target {row.target})" if row.target else f"; {row.note})")
        )
    if options.json:
        options.json.write_text(
            json.dumps(
                {"machine": machine(), "rows": [vars(row) for row in report.rows]}, ensure_ascii=False, indent=2
            ),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    gc.collect()
    sys.exit(main())
