"""The reference interpreter: checked programs walked node by node on simpleeval.

The compiler (`compile.py`) turns each checked program into a Python function for speed; this
interpreter is the slow, obviously-correct definition of what those functions must compute. It
checks every operand's type at run time and counts every node it evaluates. The test suite runs
both on the same programs and values (`tests/test_differential.py`) and requires the same value
or the same failure; nothing in an evaluation uses it.

simpleeval walks a syntax tree with a table from node type to handler. Here that table holds
only the handlers of the node types the checker allows, the operators are exact-decimal ones
that refuse mixed types, and the functions are the language's own (simpleeval's `rand`,
`randint`, `int`, `float` and `str` are gone).
"""

from __future__ import annotations

import ast
import decimal
from collections.abc import Callable, Mapping
from typing import Any

import simpleeval

from .compile import OPERATORS, Program, Value
from .language import FUNCTIONS, EvalFailure
from .limits import DEFAULT_LIMITS, Limits

FUNCTION_TABLE = {name: function.implementation for name, function in FUNCTIONS.items()}


class Evaluator(simpleeval.SimpleEval):  # type: ignore[misc]
    """simpleeval restricted to the checked node types, our operators and our functions.

    One evaluator is not shared between threads. It counts every part it evaluates, across all
    the programs it runs, against `Limits.max_steps`.
    """

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        super().__init__(operators=OPERATORS, functions=FUNCTION_TABLE, names={})
        self.context = limits.decimal_context()
        self.max_steps = limits.max_steps
        self.steps = 0
        allowed = (ast.Constant, ast.Name, ast.UnaryOp, ast.BinOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.Call)
        handlers: dict[type, Callable[..., Any]] = dict(self.nodes)
        self.nodes: dict[type, Callable[..., Any]] = {node_type: handlers[node_type] for node_type in allowed}

    def run(self, program: Program, names: Mapping[str, Value]) -> Value:
        """The program's value for `names`; any failure is an `EvalFailure` saying why."""
        self.names = names
        self.expr = program.source
        try:
            with decimal.localcontext(self.context):
                result: Value = self._eval(program.tree)
        except decimal.DivisionByZero:
            raise EvalFailure("division by zero") from None
        except (decimal.Overflow, decimal.InvalidOperation):
            raise EvalFailure("a number grew out of range") from None
        except simpleeval.InvalidExpression as problem:
            raise EvalFailure(f"cannot evaluate: {problem}") from None
        except (TypeError, ValueError, ArithmeticError, KeyError, RecursionError) as problem:
            raise EvalFailure(f"cannot evaluate: {problem}") from None
        except MemoryError:
            raise EvalFailure("out of memory") from None
        return result

    def _eval(self, node: ast.AST) -> Any:
        self.steps += 1
        if self.steps > self.max_steps:
            raise EvalFailure(f"more than {self.max_steps} steps in one evaluation (Limits.max_steps)")
        return super()._eval(node)
