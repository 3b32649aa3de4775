"""rubric: score government performance self-evaluations (部门整体支出绩效自评) from declarative rubrics.

Load a rubric once (`load`), which reads, validates, checks and compiles it completely; every
problem is a `Diagnostic` with file, line, column and a stable code, raised together as one
`RubricError`.
"""

from .api import Rubric, check_rubric, load
from .errors import Diagnostic, Location, RubricError
from .model import Fact, Indicator, Text

__version__ = "0.1.0"

__all__ = [
    "Diagnostic",
    "Fact",
    "Indicator",
    "Location",
    "Rubric",
    "RubricError",
    "Text",
    "__version__",
    "check_rubric",
    "load",
]
