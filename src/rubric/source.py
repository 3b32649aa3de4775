"""Stage 1: read YAML (or JSON) strictly, keeping where every value stands.

A rubric or facts file is untrusted input written by hand. PyYAML's safe loader still reads
YAML 1.1 (`no` is false, `010` is 8, `2023-01-01` a date), lets a key repeat with the last one
silently winning, and expands aliases without limit. This reader composes the node tree with
PyYAML and converts it itself: YAML 1.2 core scalars only, numbers as exact `Decimal`, no
duplicate keys, no anchors or aliases, no tags beyond the core ones, bounded size and depth.
"""

from __future__ import annotations

import decimal
import json
import os
import re
import stat
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import yaml
import yaml.reader
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import Diagnostic, Location, RubricError, error
from .limits import DEFAULT_LIMITS, Limits

Path = tuple[str | int, ...]

UNREADABLE = "file.unreadable"
_CANNOT_READ = "cannot read the file: "

# Characters that change how text looks without being seen: format characters (zero-width
# spaces and joiners, bidirectional controls as in "Trojan Source", soft hyphens, tags),
# invisible fillers and variation selectors, and the line separators that PyYAML counts as line
# breaks where editors do not. None has a use in a rubric; each can make an id, an expression
# or a text read differently from how it looks. (A BOM opening a file is dropped on decoding.)
INVISIBLE = re.compile(
    "[\x85\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2028-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\U0001d173-\U0001d17a"
    "\U000e0000-\U000e0fff]"
)

_CORE = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_CORE + name for name in ("str", "int", "float", "bool", "null"))
_MAP, _SEQ = _CORE + "map", _CORE + "seq"
_SCALAR_TAGS = {_STR, _INT, _FLOAT, _BOOL, _NULL}

_NULL_RE = re.compile(r"^(?:~|null|Null|NULL|)\Z")
_BOOL_RE = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)\Z")
_INT_RE = re.compile(r"^[-+]?[0-9]+\Z")
_FLOAT_RE = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_LEADING_ZERO_RE = re.compile(r"^[-+]?0[0-9]+\Z")

# Plain scalars that YAML 1.1 (and so PyYAML's own loaders) would not read as text.
_YAML11_BOOL_RE = re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)\Z")
_YAML11_OTHER_RE = re.compile(
    r"^(?:[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ].*)?"  # dates and timestamps
    r"|[-+]?0[xob][0-9a-fA-F_]+"  # hex, octal, binary
    r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?"  # sexagesimal 1:30
    r"|[-+]?[0-9][0-9_]*_[0-9_]*(?:\.[0-9_]*)?"  # 1_000
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)


def yaml11_reading(text: str) -> str | None:
    """What YAML 1.1 would have made of a plain text scalar, to explain a type error, or None."""
    if _YAML11_BOOL_RE.match(text):
        return "a boolean"
    if _YAML11_OTHER_RE.match(text):
        return "a date, a number or an infinity"
    return None


@dataclass(frozen=True, slots=True)
class ScalarSpan:
    """Where a string scalar's characters lie in its file, to place a token inside it. It holds
    the file's name and text: a derived rubric's document mixes scalars of several files."""

    file: str
    text: str
    style: str | None
    start: int
    end: int
    line: int
    column: int


@dataclass(frozen=True)
class Document:
    """A parsed file: plain data (dict, list, str, int, Decimal, bool, None) and positions by path."""

    file: str
    text: str
    data: Any
    positions: Mapping[Path, Location]
    key_positions: Mapping[Path, Location]
    spans: Mapping[Path, ScalarSpan]
    diagnostics: tuple[Diagnostic, ...] = ()  # problems that did not stop the reading (duplicate keys, tags...)
    refused: frozenset[Path] = frozenset()  # values the reader already reported: later stages say nothing more of them
    merged_from: tuple[str, ...] = ()  # a derived rubric's files, its first base first and `file` last

    @property
    def files(self) -> tuple[str, ...]:
        """The files this document's values come from, in the order they were merged."""
        return self.merged_from or (self.file,)

    def locate(self, path: Path) -> Location:
        """The position of the value at `path`, or of its nearest ancestor that exists."""
        for end in range(len(path), -1, -1):
            found = self.positions.get(path[:end])
            if found is not None:
                return found
        return Location(self.file, 1, 1)

    def locate_key(self, path: Path) -> Location:
        """The position of the key naming `path` (falls back to the value's position)."""
        return self.key_positions.get(path) or self.locate(path)

    def locate_in_scalar(self, path: Path, offset: int) -> Location:
        """The position of character `offset` of the string at `path`, in the file.

        The characters of a scalar appear in the file in order, with indentation, quotes and
        line breaks between them; matching them one by one from the first content character
        finds each one's place whatever the scalar's style (plain, quoted, literal, folded).
        """
        span = self.spans.get(path)
        if span is None:
            return self.locate(path)
        value = self.data_at(path)
        source = span.text
        position = span.start
        if span.style in ("|", ">"):
            position = source.index("\n", span.start) + 1 if "\n" in source[span.start : span.end] else span.start
        elif span.style in ("'", '"'):
            position += 1
        for index, char in enumerate(value[: offset + 1]):
            while position < span.end:
                here = source[position]
                if here == char or (char in " \n" and here == "\n"):
                    break
                position += 1
            if index == offset:
                break
            position += 1
        position = min(position, max(span.end - 1, span.start))
        line = source.count("\n", 0, position) + 1
        column = position - (source.rfind("\n", 0, position) + 1) + 1
        return Location(span.file, line, column)

    def data_at(self, path: Path) -> Any:
        value = self.data
        for step in path:
            value = value[step]
        return value

    def items(self, path: Path) -> tuple[Document, ...]:
        """Each item of the list at `path` as a document of its own (see `part`), in one pass over
        the places of the whole file however long the list."""
        size = len(path)
        items = self.data_at(path)

        def grouped(mapping: Mapping[Path, Any]) -> list[dict[Path, Any]]:
            found: list[dict[Path, Any]] = [{} for _ in items]
            for key, value in mapping.items():
                index = key[size] if len(key) > size and key[:size] == path else None
                if isinstance(index, int):
                    found[index][key[size + 1 :]] = value
            return found

        return tuple(
            Document(self.file, self.text, item, positions, key_positions, spans, (), frozenset())
            for item, positions, key_positions, spans in zip(
                items, grouped(self.positions), grouped(self.key_positions), grouped(self.spans), strict=True
            )
        )

    def part(self, path: Path) -> Document:
        """The value at `path` as a document of its own, its places still those in this file
        (facts written inside a cases file, say)."""
        size = len(path)

        def rooted(mapping: Mapping[Path, Any]) -> dict[Path, Any]:
            return {key[size:]: value for key, value in mapping.items() if key[:size] == path}

        return Document(
            self.file,
            self.text,
            self.data_at(path),
            rooted(self.positions),
            rooted(self.key_positions),
            rooted(self.spans),
            (),  # the whole file's reading problems stay with the whole file
            frozenset(key[size:] for key in self.refused if key[:size] == path),
        )


class _Strict:
    """PyYAML's composer with our own scalar resolution, no aliases and bounded depth."""

    if TYPE_CHECKING:  # given by the parser each loader is mixed with

        def peek_event(self) -> Any: ...

    def bound(self, file: str, max_depth: int) -> None:
        self.file = file
        self.depth = 0
        self.max_depth = max_depth

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        event = self.peek_event()
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None):
            raise _Fatal(
                error(
                    "yaml.alias",
                    "anchors and aliases (&name, *name) are not allowed",
                    _mark_location(self.file, event.start_mark),
                    "write the value out in full",
                )
            )
        self.depth += 1
        if self.depth > self.max_depth:
            raise _Fatal(
                error(
                    "yaml.too_deep", f"nesting deeper than {self.max_depth} levels", _mark_location(self.file, event.start_mark)
                )
            )
        try:
            node: Node = super().compose_node(parent, index)  # type: ignore[misc]
            if isinstance(node, ScalarNode) and node.style == "":  # libyaml's word for plain style; PyYAML's is None
                node.style = None
            return node
        finally:
            self.depth -= 1

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        """YAML 1.2 core schema for plain scalars; everything quoted is text."""
        if kind is ScalarNode and implicit[0]:
            if _NULL_RE.match(value):
                return _NULL
            if _BOOL_RE.match(value):
                return _BOOL
            if _INT_RE.match(value):
                return _INT
            if _FLOAT_RE.match(value):
                return _FLOAT
            return _STR
        if kind is ScalarNode:
            return _STR
        return _SEQ if kind is SequenceNode else _MAP


class _StrictLoader(_Strict, yaml.SafeLoader):  # type: ignore[misc]
    def __init__(self, text: str, file: str, max_depth: int):
        yaml.SafeLoader.__init__(self, text)
        self.bound(file, max_depth)


if yaml.__with_libyaml__:
    from yaml.cyaml import CParser

    class _FastLoader(_Strict, yaml.composer.Composer, CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):  # type: ignore[misc]
        """The same composer fed by libyaml's scanner and parser: ten times faster.

        Both give the same positions. A file libyaml cannot read is read again by PyYAML's
        own parser, so that every syntax error is worded and placed the same either way.
        """

        def __init__(self, text: str, file: str, max_depth: int):
            CParser.__init__(self, text)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            yaml.composer.Composer.__init__(self)
            self.bound(file, max_depth)

else:  # pragma: no cover - PyYAML built without libyaml
    _FastLoader = _StrictLoader  # type: ignore[misc]


def _compose(text: str, file: str, max_depth: int) -> Node | None:
    if _FastLoader is not _StrictLoader:
        fast = _FastLoader(text, file, max_depth)
        try:
            return fast.get_single_node()
        except yaml.YAMLError:
            pass  # read again below, for PyYAML's own message
        finally:
            fast.dispose()
    loader = _StrictLoader(text, file, max_depth)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


class _Fatal(Exception):
    """A problem after which the rest of the file cannot be read."""

    def __init__(self, diagnostic: Diagnostic):
        self.diagnostic = diagnostic


def _index_location(file: str, text: str, index: int) -> Location:
    line_start = text.rfind("\n", 0, index) + 1
    return Location(file, text.count("\n", 0, index) + 1, index - line_start + 1)


def _mark_location(file: str, mark: Any) -> Location:
    return Location(file, mark.line + 1, mark.column + 1)


# Characters refused when an escape of a double-quoted scalar produces them: control characters
# other than tab and line breaks, and the invisible ones.
FORBIDDEN_DECODED = re.compile(f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]|{INVISIBLE.pattern}")
_ESCAPE = re.compile(r"\\(?:x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|[0abtnvfre \"/\\N_LP])")
_NAMED_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r", "e": "\x1b", "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029"}


SURROGATE = re.compile("[\ud800-\udfff]")  # half of a UTF-16 pair: never a character
MAX_NUMBER_CHARACTERS = 40  # of a number with a point or an exponent (30 for a whole number)


def within_number_range(number: int | Decimal) -> bool:
    """Numbers from 10^-20 to below 10^21 (and zero): what a file may hold, whoever gives it."""
    if isinstance(number, int):
        return abs(number) < 10**21
    return not number.is_finite() or number.is_zero() or abs(number.adjusted()) <= 20
_INVISIBLE_HINT = "delete it: it can make text read differently from how it looks"
_CONTROL_HINT = "remove control characters from the file"


def _decode_escape(escape: str) -> str:
    letter = escape[1]
    if letter in "xuU":
        return chr(int(escape[2:], 16))
    return _NAMED_ESCAPES.get(letter, letter)


def _too_large(file: str, limits: Limits) -> RubricError:
    return RubricError(
        [error("yaml.too_large", f"file is larger than {limits.max_file_bytes} bytes", Location(file, 1, 1), "split it or trim it")]
    )


def _invisible_characters(text: str, file: str) -> list[Diagnostic]:
    return [
        error(
            "yaml.character",
            f"invisible character U+{ord(found.group()):04X} ({unicodedata.name(found.group(), 'unnamed')}) is not allowed",
            _index_location(file, text, found.start()),
            _INVISIBLE_HINT,
        )
        for found in INVISIBLE.finditer(text, 1 if text.startswith("\ufeff") else 0)
    ]


def nesting(value: Any) -> int:
    """How deeply mappings and lists nest in plain data, counted as the reader bounds it (a
    mapping of scalars is 1); without recursion, as merged data was never bounded as a whole."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is not None:
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in children)
    return deepest


def read_text(text: str, file: str = "<string>", limits: Limits = DEFAULT_LIMITS) -> Document:
    """Parse `text`. A problem that stops the reading raises `RubricError`; the others (a repeated
    key, a refused tag, an ambiguous number) are kept in `Document.diagnostics`, so that later
    stages can report their own findings alongside."""
    surrogate = SURROGATE.search(text)
    if surrogate:  # only text from Python can hold one: a file that did would not have decoded
        where = _index_location(file, text, surrogate.start())
        message = f"U+{ord(surrogate.group()):04X} is half of a UTF-16 pair, not a character"
        raise RubricError([error("yaml.encoding", message, where, "the text was decoded wrongly: read it as UTF-8")])
    if len(text.encode("utf-8")) > limits.max_file_bytes:
        raise _too_large(file, limits)
    invisible = _invisible_characters(text, file)
    if invisible:
        raise RubricError(invisible)
    try:
        root = _compose(text, file, limits.max_yaml_depth)
    except _Fatal as fatal:
        raise RubricError([fatal.diagnostic]) from None
    except yaml.MarkedYAMLError as problem:
        mark = problem.problem_mark or problem.context_mark
        location = _mark_location(file, mark) if mark else Location(file, 1, 1)
        message = problem.problem or problem.context or "invalid YAML"
        if "expected a single document" in str(problem):
            message = "a file holds one YAML document; remove the extra '---' and what follows"
        raise RubricError([error("yaml.syntax", f"YAML syntax: {message}", location)]) from None
    except yaml.reader.ReaderError as problem:
        raise RubricError(
            [
                error(
                    "yaml.character",
                    f"character U+{problem.character:04X} is not allowed in YAML",
                    _index_location(file, text, problem.position),
                    _CONTROL_HINT,
                )
            ]
        ) from None
    except yaml.YAMLError as problem:
        raise RubricError([error("yaml.syntax", f"YAML syntax: {problem}", Location(file, 1, 1))]) from None
    if root is None:
        raise RubricError([error("yaml.empty", "the file is empty", Location(file, 1, 1))])
    converter = _Converter(file, text)
    data = converter.convert(root, ())
    return Document(
        file,
        text,
        data,
        converter.positions,
        converter.key_positions,
        converter.spans,
        tuple(converter.diagnostics),
        frozenset(converter.refused),
    )


def read_bytes(raw: bytes, file: str, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Decode UTF-8 (a BOM is allowed) and parse."""
    if len(raw) > limits.max_file_bytes:
        raise _too_large(file, limits)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        line = raw.count(b"\n", 0, problem.start) + 1
        line_start = raw.rfind(b"\n", 0, problem.start) + 1
        column = len(raw[line_start : problem.start].decode("utf-8", errors="replace")) + 1  # in characters
        raise RubricError(
            [error("yaml.encoding", "the file is not valid UTF-8", Location(file, line, column), "save it as UTF-8")]
        ) from None
    return read_text(text, file, limits)


def read_file(path: str, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Read a file from disk; an unreadable file is a `RubricError` too."""
    try:
        # Non-blocking, so that a named pipe or a device cannot hold the open; then only a regular
        # file is read.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(descriptor, "rb") as stream:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                raise RubricError([error(UNREADABLE, f"{_CANNOT_READ}not a regular file", Location(path, 1, 1))])
            raw = stream.read(limits.max_file_bytes + 1)
    except (OSError, ValueError) as problem:  # ValueError: a path no file can have (a NUL, a lone surrogate)
        reason = problem.strerror if isinstance(problem, OSError) and problem.strerror else str(problem)
        raise RubricError([error(UNREADABLE, f"{_CANNOT_READ}{reason}", Location(path, 1, 1))]) from None
    return read_bytes(raw, path, limits)


def unreadable_reason(diagnostic: Diagnostic) -> str | None:
    """Why a file could not be opened ("No such file or directory"), or None for any other
    problem: for a file named by another file, which then says where it was named."""
    return diagnostic.message.removeprefix(_CANNOT_READ) if diagnostic.code == UNREADABLE else None


class _Converter:
    """Turns composed nodes into plain data, collecting every problem on the way."""

    def __init__(self, file: str, text: str):
        self.file = file
        self.text = text
        self.diagnostics: list[Diagnostic] = []
        self.refused: set[Path] = set()
        self.positions: dict[Path, Location] = {}
        self.key_positions: dict[Path, Location] = {}
        self.spans: dict[Path, ScalarSpan] = {}

    def at(self, node: Node) -> Location:
        return _mark_location(self.file, node.start_mark)

    def convert(self, node: Node, path: Path) -> Any:
        self.positions[path] = self.at(node)
        if isinstance(node, MappingNode):
            return self.mapping(node, path)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                self.refuse_tag(node)
            return [self.convert(item, path + (index,)) for index, item in enumerate(node.value)]
        return self.scalar(node, path)

    def refuse(self, path: Path | None, diagnostic: Diagnostic) -> None:
        self.diagnostics.append(diagnostic)
        if path is not None:
            self.refused.add(path)

    def refuse_escaped_characters(self, node: ScalarNode, path: Path | None) -> None:
        """A double-quoted scalar can write, as an escape, a character the file itself may not hold."""
        if node.style != '"':
            return  # written out, such characters were refused before parsing
        for found in FORBIDDEN_DECODED.finditer(node.value):
            character = found.group()
            start, end = node.start_mark.index, node.end_mark.index
            escape = next(
                (m for m in _ESCAPE.finditer(self.text, start, end) if _decode_escape(m.group()) == character), None
            )
            where = _index_location(self.file, self.text, escape.start() if escape else start)
            if INVISIBLE.match(character):
                name = unicodedata.name(character, "unnamed")
                message, hint = f"invisible character U+{ord(character):04X} ({name}) is not allowed", _INVISIBLE_HINT
            else:
                message, hint = f"character U+{ord(character):04X} is not allowed in YAML", _CONTROL_HINT
            self.refuse(path, error("yaml.character", message, where, hint))

    def joined_surrogates(self, node: ScalarNode, path: Path | None) -> str:
        """JSON writes a character beyond U+FFFF as two escapes (\\ud840\\udc00), which PyYAML leaves
        as two halves: join each pair into its character; a half without its pair is refused."""
        text: str = node.value
        if not SURROGATE.search(text):
            return text
        try:
            return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
        except UnicodeDecodeError:
            start, end = node.start_mark.index, node.end_mark.index
            escape = next((m for m in _ESCAPE.finditer(self.text, start, end) if SURROGATE.match(_decode_escape(m.group()))), None)
            where = _index_location(self.file, self.text, escape.start() if escape else start)
            message = "an escape writes half of a UTF-16 pair without the other half"
            self.refuse(path, error("yaml.character", message, where, "write the character itself"))
            return text

    def refuse_tag(self, node: Node) -> None:
        self.diagnostics.append(
            error(
                "yaml.tag",
                f"tag {node.tag!r} is not allowed",
                self.at(node),
                "only plain YAML values are read: remove the tag",
            )
        )

    def mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        if node.tag != _MAP:
            self.refuse_tag(node)
        result: dict[str, Any] = {}
        seen: dict[str, Location] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.diagnostics.append(error("yaml.key", "a key must be plain text", self.at(key_node)))
                continue
            if key_node.value == "<<" and key_node.style is None:
                self.diagnostics.append(
                    error("yaml.merge", "merge keys (<<) are not allowed", self.at(key_node), "write the keys out in full")
                )
                continue
            key = self.scalar(key_node, None)
            if not isinstance(key, str):
                self.diagnostics.append(
                    error(
                        "yaml.key",
                        f"key {key_node.value!r} is not text",
                        self.at(key_node),
                        f'quote it: "{key_node.value}"',
                    )
                )
                continue
            if key in seen:
                first = seen[key]
                self.diagnostics.append(
                    error(
                        "yaml.duplicate_key",
                        f"duplicate key {key!r} (first defined at line {first.line}, column {first.column})",
                        self.at(key_node),
                        "each key may appear once in a mapping",
                    )
                )
                continue
            seen[key] = self.at(key_node)
            self.key_positions[path + (key,)] = self.at(key_node)
            result[key] = self.convert(value_node, path + (key,))
        return result

    def scalar(self, node: ScalarNode, path: Path | None) -> Any:
        tag, text = node.tag, node.value
        if tag not in _SCALAR_TAGS:
            self.refuse_tag(node)
            return text
        if tag == _STR:
            if path is not None:
                self.spans[path] = ScalarSpan(
                    self.file,
                    self.text,
                    node.style, node.start_mark.index, node.end_mark.index, node.start_mark.line, node.start_mark.column
                )
            self.refuse_escaped_characters(node, path)
            return self.joined_surrogates(node, path)
        if tag == _NULL and _NULL_RE.match(text):
            return None
        if tag == _BOOL and _BOOL_RE.match(text):
            return text.lower() == "true"
        if tag == _INT and _INT_RE.match(text):
            if _LEADING_ZERO_RE.match(text):
                self.diagnostics.append(
                    error(
                        "yaml.ambiguous_number",
                        f"{text} is ambiguous (YAML 1.1 reads a leading 0 as octal)",
                        self.at(node),
                        f'write {int(text)}, or quote it: "{text}"',
                    )
                )
            if len(text) > 30:
                self.refuse(path, error("yaml.number_too_long", "number has more than 30 digits", self.at(node)))
                return text
            if not within_number_range(int(text)):
                self.refuse(path, error("yaml.number_range", f"{text} is out of range (beyond 10^20 or below 10^-20)", self.at(node)))
            return int(text)
        if tag == _FLOAT and _FLOAT_RE.match(text):
            if len(text) > MAX_NUMBER_CHARACTERS:
                message = f"number has more than {MAX_NUMBER_CHARACTERS} characters"
                self.refuse(path, error("yaml.number_too_long", message, self.at(node)))
                return text
            number = Decimal(text)
            if not within_number_range(number):
                self.refuse(path, error("yaml.number_range", f"{text} is out of range (beyond 10^20 or below 10^-20)", self.at(node)))
            return number
        self.diagnostics.append(
            error("yaml.tag", f"{text!r} is not a valid {tag.rsplit(':', 1)[-1]}", self.at(node))
        )
        return text


_encode_text = json.encoder.encode_basestring  # what json.dumps(text, ensure_ascii=False) writes
_CANONICAL = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)


def canonical_json(value: Any) -> str:
    """One text for one value, whatever the key order or number spelling: sorted keys, no spaces,
    numbers as normalised exact decimals (1.50 and 1.5 are one number, and every digit of either
    is kept, whatever the caller's decimal context). Tuples of (key, value) pairs, the form of a
    list fact's records, are written as objects."""
    kind = type(value)
    if kind is str:  # the common cases first, by exact type: this runs for every department
        return _encode_text(value)
    if kind is Decimal or kind is int:
        return _number_json(value)
    if kind is dict:
        return "{" + ",".join([_encode_text(str(key)) + ":" + canonical_json(value[key]) for key in sorted(value)]) + "}"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, (int, Decimal)):
        return _number_json(value)
    if isinstance(value, str):
        return _encode_text(value)
    if isinstance(value, dict):
        return canonical_json(dict(value))
    if isinstance(value, tuple) and value and all(isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], str) for pair in value):
        return canonical_json(dict(value))
    return "[" + ",".join([canonical_json(item) for item in value]) + "]"


def _number_json(value: int | Decimal) -> str:
    number = Decimal(value)
    if number == 0:
        return "0"
    text = str(number.normalize(_CANONICAL))  # as format(..., "f") but when it needs an exponent, and faster
    return format(number.normalize(_CANONICAL), "f") if "E" in text else text
