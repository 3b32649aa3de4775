"""The expression language: its limits, its value types, its functions and its arithmetic.

Shared by the checker (which needs the function signatures and limits) and the compiler (which
needs the implementations), so that what is checked is exactly what runs. Every value at run
time is a `Decimal`, a `bool` or a `str`; every number is exact until a rubric's declared
rounding, and the decimal context bounds how large any number can grow.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from dataclasses import dataclass
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Decimal,
)

MAX_ROUND_PLACES = 10  # round(x, n), floor and ceil take n from 0 to 10

ROUNDING_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN}

SCORE_OF = "score_of"  # score_of("id") reads another indicator's score; not a plain function


def score_name(indicator_id: str) -> str:
    """The run-time name under which score_of("id") finds a score: no fact can be called so."""
    return f"{SCORE_OF}({indicator_id})"
RESERVED_NAMES = frozenset(
    {"True", "False", "None", "true", "false", "score", "weight", "lost", "value", "total", "maximum", "grade", SCORE_OF}
)


@dataclass(frozen=True, slots=True)
class Type:
    """What the checker knows of a value: its kind, and for an enum the values it can take."""

    kind: str  # "number", "boolean", "text", "list" or "any"
    values: tuple[str, ...] | None = None  # an enum's values, in declared order

    def __str__(self) -> str:
        return {"number": "a number", "boolean": "a boolean", "text": "text", "list": "a list", "any": "any value"}[
            self.kind
        ]


NUMBER = Type("number")
BOOLEAN = Type("boolean")
TEXT = Type("text")
LIST = Type("list")
ANY = Type("any")


class EvalFailure(Exception):
    """A rule that cannot be computed for these facts (division by zero, a wrong type at run time)."""


def _number(value: object, function: str) -> Decimal:
    if type(value) is not Decimal:
        raise EvalFailure(f"{function}() needs numbers, got {describe_value(value)}")
    return value


def describe_value(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return f"text {value!r}"
    if isinstance(value, Decimal):
        return format(value, "f")
    return f"{value}"


def _min(*values: object) -> Decimal:
    return min(_number(value, "min") for value in values)


def _max(*values: object) -> Decimal:
    return max(_number(value, "max") for value in values)


def _abs(value: object) -> Decimal:
    return abs(_number(value, "abs"))


def _floor(value: object) -> Decimal:
    return _number(value, "floor").to_integral_value(rounding=ROUND_FLOOR)


def _ceil(value: object) -> Decimal:
    return _number(value, "ceil").to_integral_value(rounding=ROUND_CEILING)


def _round(value: object, places: object) -> Decimal:
    """Half-up, as finance staff round by hand (Python's round() would round half to even)."""
    digits = _number(places, "round")
    return round_decimal(_number(value, "round"), int(digits), "half_up")


def _clamp(value: object, low: object, high: object) -> Decimal:
    low_value, high_value = _number(low, "clamp"), _number(high, "clamp")
    if low_value > high_value:
        raise EvalFailure(f"clamp() low bound {low_value} is above high bound {high_value}")
    return max(low_value, min(_number(value, "clamp"), high_value))


def _count(items: object) -> Decimal:
    if not isinstance(items, tuple):
        raise EvalFailure(f"count() needs a list, got {describe_value(items)}")
    return Decimal(len(items))


def round_decimal(value: Decimal, places: int, mode: str) -> Decimal:
    """Rounded in the current decimal context: the evaluation's own (see `Limits`)."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUNDING_MODES[mode])


@dataclass(frozen=True, slots=True)
class Function:
    """A pure function callable from expressions: its arity, argument types and result."""

    name: str
    implementation: Callable[..., Decimal]
    parameters: tuple[Type, ...]
    variadic: bool = False
    literal_arguments: tuple[int, ...] = ()  # positions that must be integer literals

    def arity_text(self) -> str:
        count = len(self.parameters)
        return f"at least {count} arguments" if self.variadic else f"{count} argument{'s' if count != 1 else ''}"


FUNCTIONS: dict[str, Function] = {
    function.name: function
    for function in (
        Function("min", _min, (NUMBER, NUMBER), variadic=True),
        Function("max", _max, (NUMBER, NUMBER), variadic=True),
        Function("abs", _abs, (NUMBER,)),
        Function("floor", _floor, (NUMBER,)),
        Function("ceil", _ceil, (NUMBER,)),
        Function("round", _round, (NUMBER, NUMBER), literal_arguments=(1,)),
        Function("clamp", _clamp, (NUMBER, NUMBER, NUMBER)),
        Function("count", _count, (LIST,)),
    )
}


# -- writing values into texts --------------------------------------------------------------------
# Writing a number is exact, whatever the evaluation's precision: `{x:.2f}` of a 40-digit x
# gives all 40 digits. Its length is bounded by the magnitude numbers may reach (Limits.max_exponent).
_WRITING = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)

MAX_FORMAT_PLACES = 6  # a template writes {x:.Nf} or {x:.N%} with N from 0 to 6


def format_value(value: object, spec: str) -> str:
    """A value for a text: `.Nf` N places and `.N%` a percentage, both rounded half-up; a
    number without a spec in full; text and booleans as they are."""
    return WRITERS[spec](value)


def _full(value: object) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _fixed_writer(places: int) -> Callable[[object], str]:
    quantum = Decimal(1).scaleb(-places)

    def fixed(value: object) -> str:
        if not isinstance(value, Decimal):
            return str(value)
        return format(value.quantize(quantum, rounding=ROUND_HALF_UP, context=_WRITING), "f")

    return fixed


def _percent_writer(places: int) -> Callable[[object], str]:
    quantum = Decimal(1).scaleb(-places)

    def percent(value: object) -> str:
        if not isinstance(value, Decimal):
            return str(value)
        return f"{format(value.scaleb(2, _WRITING).quantize(quantum, rounding=ROUND_HALF_UP, context=_WRITING), 'f')}%"

    return percent


# Every format a template may use, with its writer chosen once.
WRITERS: dict[str, Callable[[object], str]] = {
    "": _full,
    **{f".{places}f": _fixed_writer(places) for places in range(MAX_FORMAT_PLACES + 1)},
    **{f".{places}%": _percent_writer(places) for places in range(MAX_FORMAT_PLACES + 1)},
}
