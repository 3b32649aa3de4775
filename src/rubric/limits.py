"""How much one rubric, one facts file and one evaluation may cost.

A rubric or facts file is untrusted: each bound below is checked where it applies (reading,
checking, evaluating), and going past one is an error of ours naming the limit. The bounds
belong to a loaded `Rubric`, not to the process: two rubrics loaded with different limits run
side by side, and nothing here touches simpleeval's or the decimal module's global settings.
docs/security.md gives each default and why.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN

MAX_EXPRESSION_DEPTH = 100


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on input size, expression size and evaluation cost. All must be positive."""

    max_file_bytes: int = 1_000_000  # a rubric or facts file
    max_yaml_depth: int = 64  # nested mappings and lists
    max_extends_depth: int = 8  # rubrics extending each other in a chain, the first one's base included
    max_expression_length: int = 1000  # characters of one expression
    max_expression_nodes: int = 200  # parts (names, literals, operations, calls) of one expression
    max_expression_depth: int = 30  # operations nested inside operations; at most 100 (Python's own stack)
    max_text_literal: int = 200  # characters of a text literal in an expression
    max_number_digits: int = 30  # digits of a number literal in an expression
    decimal_precision: int = 34  # significant digits of every computed number (IEEE decimal128)
    max_exponent: int = 999  # numbers stay within 10**±max_exponent, so written out in full they stay short
    max_steps: int = 100_000  # expression parts evaluated in one evaluation, list items included

    def __post_init__(self) -> None:
        for name in self.__slots__:
            value = getattr(self, name)
            if type(value) is not int or value < 1:
                raise ValueError(f"Limits.{name} must be a positive whole number, not {value!r}")
        if self.max_expression_depth > MAX_EXPRESSION_DEPTH:
            # Checking, compiling and evaluating walk the tree recursively; deeper trees would
            # reach the interpreter's recursion limit.
            raise ValueError(f"Limits.max_expression_depth can be at most {MAX_EXPRESSION_DEPTH}")

    def decimal_context(self) -> decimal.Context:
        """Every invalid operation, division by zero or overflow raises instead of giving NaN or
        Infinity. `decimal.localcontext` copies it, so one context serves every thread."""
        return decimal.Context(
            prec=self.decimal_precision,
            rounding=ROUND_HALF_EVEN,
            Emax=self.max_exponent,
            Emin=-self.max_exponent,
            traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
        )


DEFAULT_LIMITS = Limits()
