"""Speed of rubric on the bundled 2023 rubric and the seed department's facts.

Run: .venv/bin/python benchmarks/bench.py
Targets (on the 2-core reference machine): load and check the 2023 rubric in under 250 ms;
evaluate one department in under 10 ms; evaluations per second grow with threads no worse than
flat (the GIL serialises them; they must not slow each other down through shared state).
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from pathlib import Path

import rubric
from rubric.facts import load_facts

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = ROOT / "rubrics" / "2023.yaml"
FACTS = ROOT / "examples" / "haizhu-petition-bureau-2023.yaml"
TARGETS_MS = {"load": 250.0, "evaluate": 10.0}


def timed(action, repeat: int) -> float:  # type: ignore[no-untyped-def]
    """The median time of one call, in milliseconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> int:
    loaded = rubric.load(RUBRIC)
    facts = load_facts(FACTS)
    results = {
        "load": timed(lambda: rubric.load(RUBRIC), 20),
        "evaluate": timed(lambda: loaded.evaluate(facts), 200),
    }
    for name, milliseconds in results.items():
        verdict = "ok" if milliseconds <= TARGETS_MS[name] else "SLOW"
        print(f"{name:9} {milliseconds:8.2f} ms  (target {TARGETS_MS[name]:.0f} ms)  {verdict}")

    count = 400
    for threads in (1, 4):
        start = time.perf_counter()
        workers = [
            threading.Thread(target=lambda: [loaded.evaluate(facts) for _ in range(count // threads)])
            for _ in range(threads)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        rate = count / (time.perf_counter() - start)
        print(f"{threads} thread{'s' if threads > 1 else ' '}  {rate:8.0f} evaluations/s")
    return 0 if all(results[name] <= TARGETS_MS[name] for name in results) else 1


if __name__ == "__main__":
    sys.exit(main())
