"""Stage 2b: a rubric that extends another, merged with its base into one document.

Next year's rubric is this year's with a few changes, a sector's rubric is the general one with
its own facts and checks. A derived file names its base (`extends`) and says only what differs:
`override` (keys of an indicator, by id), `add` (indicators under a parent), `remove`, new facts
and checks, and any header key it gives. Merging happens on documents, before the model is
built, so the merged rubric is validated and checked as a whole by the usual stages; each value
keeps the place it was written, in the base or in the derived file, and every later error names
that place. Both documents arrive validated, so their shapes can be relied on here.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from .errors import Diagnostic, error
from .source import Document, Path

EXTENSION_KEYS = ("extends", "override", "add", "remove")
RULE_KEYS = ("score", "ladder", "deductions", "match", "items", "children")
MERGED_KEYS = ("facts", "checks", "indicators")  # joined with the base's; any other key replaces it


class _Moves:
    """Where each part of a document goes in the merged data: a path (and everything under it)
    moves to another path, or is dropped; the longest recorded prefix of a path decides."""

    def __init__(self) -> None:
        self.targets: dict[Path, Path | None] = {(): ()}

    def move(self, source: Path, target: Path) -> None:
        self.targets[source] = target

    def drop(self, source: Path) -> None:
        self.targets[source] = None

    def target(self, path: Path) -> Path | None:
        for end in range(len(path), -1, -1):
            if path[:end] in self.targets:
                found = self.targets[path[:end]]
                return None if found is None else found + path[end:]
        return None

    def apply(self, document: Document, into: dict[str, Any]) -> None:
        for name in ("positions", "key_positions", "spans"):
            placed = into[name]
            for path, where in getattr(document, name).items():
                target = self.target(path)
                if target is not None:
                    placed[target] = where
        into["refused"].update(target for target in map(self.target, document.refused) if target is not None)


def merge(base: Document, derived: Document) -> tuple[Document, list[Diagnostic]]:
    """The base with the derived file's changes applied, and the changes that could not be made
    (an unknown id, a rule given to a parent...). Neither document is changed."""
    from_base, from_derived = _Moves(), _Moves()
    problems: list[Diagnostic] = []
    data: dict[str, Any] = dict(base.data)
    for key in EXTENSION_KEYS:
        from_derived.drop((key,))
    for key, value in derived.data.items():
        if key not in EXTENSION_KEYS and key not in MERGED_KEYS:
            data[key] = value
            from_base.drop((key,))
    data["facts"] = _merged_facts(base, derived, problems)
    if "checks" in derived.data:
        data["checks"] = _merged_checks(base, derived, from_derived)
    data["indicators"] = _Tree(base, derived, from_base, from_derived, problems).build()
    # The derived file's places first, then the base's: where both hold a node (the facts
    # mapping, the checks list), the base's is kept, as the merged node is the base's, grown.
    places: dict[str, Any] = {"positions": {}, "key_positions": {}, "spans": {}, "refused": set()}
    from_derived.apply(derived, places)
    from_base.apply(base, places)
    places["positions"][()] = derived.locate(())
    merged = Document(
        derived.file,
        derived.text,
        data,
        places["positions"],
        places["key_positions"],
        places["spans"],
        base.diagnostics + derived.diagnostics,
        frozenset(places["refused"]),
        base.files + (derived.file,),
    )
    return merged, problems


def _merged_facts(base: Document, derived: Document, problems: list[Diagnostic]) -> dict[str, Any]:
    facts = dict(base.data["facts"])
    for fact_id, declaration in derived.data.get("facts", {}).items():
        if fact_id in facts:
            problems.append(
                error(
                    "extend.fact_exists",
                    f"fact {fact_id!r} is already declared by the base rubric (at {base.locate_key(('facts', fact_id))})",
                    derived.locate_key(("facts", fact_id)),
                    "a derived rubric adds facts; give the new fact another id",
                )
            )
            continue
        facts[fact_id] = declaration
    return facts


def _merged_checks(base: Document, derived: Document, from_derived: _Moves) -> list[Any]:
    checks = list(base.data.get("checks", []))
    for index, check in enumerate(derived.data["checks"]):
        from_derived.move(("checks", index), ("checks", len(checks)))
        checks.append(check)
    return checks


class _Tree:
    """The base's indicator tree with the derived file's removals, overrides and additions."""

    def __init__(self, base: Document, derived: Document, from_base: _Moves, from_derived: _Moves, problems: list[Diagnostic]):
        self.base = base
        self.derived = derived
        self.from_base = from_base
        self.from_derived = from_derived
        self.problems = problems
        self.known = {indicator["id"]: path for path, indicator in _walk(base.data["indicators"], ("indicators",))}
        self.removed = self.removals()
        self.overrides = self.overrides_by_id()
        self.additions = self.additions_by_parent()

    def build(self) -> list[Any]:
        return self.children(None, ("indicators",), ("indicators",))

    def children(self, parent: str | None, source: Path, target: Path) -> list[Any]:
        built: list[Any] = []
        for index, indicator in enumerate(self.base.data_at(source)):
            if indicator["id"] in self.removed:
                self.from_base.drop(source + (index,))
                continue
            built.append(self.indicator(indicator, source + (index,), target + (len(built),)))
        for path in self.additions.get(parent, []):
            self.from_derived.move(path, target + (len(built),))
            built.append(self.derived.data_at(path))
        return built

    def indicator(self, indicator: dict[str, Any], source: Path, target: Path) -> dict[str, Any]:
        changed = dict(indicator)
        self.from_base.move(source, target)
        if "children" in indicator:
            changed["children"] = self.children(indicator["id"], source + ("children",), target + ("children",))
        override = self.overrides.get(indicator["id"])
        if override is not None:
            given = self.derived.data_at(override)
            replaced = [key for key in given if key != "id"]
            if any(key in given for key in RULE_KEYS):
                replaced += [key for key in RULE_KEYS + ("cases",) if key in changed and key not in given]
            for key in replaced:
                self.from_base.drop(source + (key,))
                changed.pop(key, None)
                if key in given:
                    changed[key] = given[key]
                    self.from_derived.move(override + (key,), target + (key,))
        return changed

    def removals(self) -> set[str]:
        removed: set[str] = set()
        for index, indicator_id in enumerate(self.derived.data.get("remove", [])):
            if self.unknown(indicator_id, ("remove", index), "remove"):
                continue
            removed.add(indicator_id)
        for indicator_id in list(removed):  # removing a parent removes its children
            parent_path = self.known[indicator_id]
            removed.update(child["id"] for _, child in _walk(self.base.data_at(parent_path).get("children", []), ()))
        return removed

    def overrides_by_id(self) -> dict[str, Path]:
        found: dict[str, Path] = {}
        for index, change in enumerate(self.derived.data.get("override", [])):
            indicator_id = change["id"]
            where = ("override", index, "id")
            if self.unknown(indicator_id, where, "override") or self.gone(indicator_id, where, "override"):
                continue
            if indicator_id in found:
                self.problem(
                    "extend.twice",
                    f"indicator {indicator_id!r} is overridden twice",
                    where,
                    "put every change of one indicator in one override entry",
                )
                continue
            if "children" in self.base.data_at(self.known[indicator_id]) and any(key in change for key in RULE_KEYS):
                self.problem(
                    "extend.rule_on_parent",
                    f"indicator {indicator_id!r} has children: its score is theirs, it cannot take a rule",
                    where,
                    "override its children, or remove them and add a leaf in their place",
                )
                continue
            found[indicator_id] = ("override", index)
        return found

    def additions_by_parent(self) -> dict[str | None, list[Path]]:
        found: dict[str | None, list[Path]] = {}
        for index, addition in enumerate(self.derived.data.get("add", [])):
            parent = addition.get("under")
            where = ("add", index, "under")
            if parent is not None:
                if self.unknown(parent, where, "add under") or self.gone(parent, where, "add under"):
                    continue
                if "children" not in self.base.data_at(self.known[parent]):
                    self.problem(
                        "extend.leaf_parent",
                        f"indicator {parent!r} is scored by its own rule: indicators cannot be added under it",
                        where,
                        "add them under an indicator with children",
                    )
                    continue
            for position in range(len(addition["indicators"])):
                found.setdefault(parent, []).append(("add", index, "indicators", position))
        return found

    def unknown(self, indicator_id: str, where: Path, action: str) -> bool:
        if indicator_id in self.known:
            return False
        close = difflib.get_close_matches(indicator_id, list(self.known), n=1)
        self.problem(
            "extend.unknown_indicator",
            f"{action}: the base rubric has no indicator {indicator_id!r}",
            where,
            f"did you mean {close[0]!r}?" if close else "use the id of an indicator of the base rubric",
        )
        return True

    def gone(self, indicator_id: str, where: Path, action: str) -> bool:
        if indicator_id not in self.removed:
            return False
        self.problem(
            "extend.removed",
            f"{action}: indicator {indicator_id!r} is removed by this file",
            where,
            "keep it, or drop this change",
        )
        return True

    def problem(self, code: str, message: str, where: Path, hint: str) -> None:
        self.problems.append(error(code, message, self.derived.locate(where), hint))


def _walk(indicators: list[Any], path: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    for index, indicator in enumerate(indicators):
        yield path + (index,), indicator
        yield from _walk(indicator.get("children", []), path + (index, "children"))
