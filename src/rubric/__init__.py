"""rubric: score government performance self-evaluations (部门整体支出绩效自评) from declarative rubrics.

Load a rubric once (`load`): it is read, validated, checked and compiled completely, and every
problem is a `Diagnostic` with file, line, column and a stable code, raised together as one
`RubricError`. Then evaluate any number of departments' facts with `Rubric.evaluate`.
"""

from .api import Rubric, check_rubric, load
from .errors import Diagnostic, Location, RubricError
from .evaluate import (
    Evaluation,
    EvaluationError,
    Finding,
    IndicatorResult,
    Narrative,
    Provenance,
    Trace,
)
from .facts import Facts, FactsError, load_facts
from .limits import Limits
from .model import Fact, Indicator, Text
from .version import __version__

__all__ = [
    "Diagnostic",
    "Evaluation",
    "EvaluationError",
    "Fact",
    "Facts",
    "FactsError",
    "Finding",
    "Indicator",
    "IndicatorResult",
    "Limits",
    "Location",
    "Narrative",
    "Provenance",
    "Rubric",
    "RubricError",
    "Text",
    "Trace",
    "__version__",
    "check_rubric",
    "load",
    "load_facts",
]
