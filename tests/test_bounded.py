"""The hostile suites run in a child process under a memory limit and a wall-clock bound.

Each hostile test checks its own error; this one checks that all of them together stay within
bounds a finance bureau's server can give a batch: no input makes the library allocate without
limit or run without end. The child sets RLIMIT_AS, so a runaway allocation ends in MemoryError
(a failing test) instead of exhausting the machine.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
SUITES = [
    "test_expressions.py",
    "test_source.py",
    "test_facts.py",
    "test_hostile_files.py",
    "test_hostile_expressions.py",
]
MEMORY_BYTES = 512 * 1024 * 1024  # address space of the child: interpreter, pytest, hypothesis and the suites
SECONDS = 300

CHILD = """
import resource, sys
import pytest

resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
code = pytest.main(["-q", "-o", "addopts=", "-p", "no:cacheprovider", *sys.argv[1:]])
print("peak", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
sys.exit(code)
"""


def test_the_hostile_suites_pass_within_memory_and_time_bounds() -> None:
    child = subprocess.run(
        [sys.executable, "-c", CHILD.format(memory=MEMORY_BYTES), *SUITES],
        cwd=TESTS,
        capture_output=True,
        text=True,
        timeout=SECONDS,
        check=False,
    )
    assert child.returncode == 0, child.stdout[-4000:] + child.stderr[-2000:]
    assert " passed" in child.stdout and " failed" not in child.stdout
