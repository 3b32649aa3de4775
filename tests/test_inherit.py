"""Rubrics that extend others: merging, and errors placed in the file that caused them."""

from __future__ import annotations

import copy
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import ROOT, make_rubric
from test_seed import SEED

import rubric

PETITION = ROOT / "rubrics" / "2023-petition.yaml"
SAMPLE = ROOT / "examples" / "sample-petition-bureau-2023.yaml"

BASE = make_rubric(
    """
    - id: group
      name: 组
      weight: 10
      children:
        - {id: a, name: A, weight: 6, score: '6 if done else 0'}
        - id: b
          name: B
          weight: 4
          ladder:
            - {when: spent_total >= budget_total, then: 4}
            - otherwise: 0
    """
)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def derived(folder: Path, body: str, *, base: str = "base.yaml") -> Path:
    """A derived rubric `child.yaml` of `base.yaml` (written from BASE); `body` follows line 5."""
    write(folder, "base.yaml", BASE)
    header = f"format: rubric/1\nextends: {base}\nid: child\ntitle: 子\nversion: '2'\n"
    return write(folder, "child.yaml", header + textwrap.dedent(body).lstrip("\n"))


def problems(path: Path, **limits: int) -> list[str]:
    with pytest.raises(rubric.RubricError) as raised:
        rubric.load(path, limits=rubric.Limits(**limits))
    return [f"{Path(d.location.file).name}:{d.location.line}:{d.location.column} {d.code} {d.message}" for d in raised.value.diagnostics if d.location]


FACTS = {"budget_total": 1, "spent_total": 1, "done": True, "level": "完善"}


def scores(loaded: rubric.Rubric, facts: dict[str, object] = FACTS) -> dict[str, Decimal | None]:
    return {result.id: result.score for result in loaded.evaluate(facts).indicators}


def test_the_petition_rubric_is_2023_with_its_changes(rubric_2023: rubric.Rubric) -> None:
    petition = rubric.load(PETITION)
    assert petition.id == "cn-dept-overall-2023-petition"
    assert petition.year == 2023
    assert [fact.id for fact in petition.facts] == [fact.id for fact in rubric_2023.facts] + [
        "petitions_letters",
        "petitions_visits",
        "petitions_online",
        "petitions_total",
        "petitions_on_time",
    ]
    efficacy = petition.indicators[0]
    assert [(child.id, child.weight) for child in efficacy.children] == [
        ("spending_rate", 10),
        ("outputs", 20),
        ("outcomes", 15),
        ("petitions_settled_on_time", 5),
    ]
    assert [check.id for check in petition.model.checks] == [
        "budget_parts_sum",
        "petitions_parts_sum",
        "petitions_on_time_within_total",
    ]
    assert petition.indicators[1] == rubric_2023.indicators[1]
    assert petition.sha256 != rubric_2023.sha256


def test_the_sample_petition_bureau_scores_like_the_seed_plus_its_petitions() -> None:
    result = rubric.load(PETITION).evaluate(rubric.load_facts(SAMPLE))
    assert (result.total, result.grade.zh) == (Decimal("99.50"), "优")
    assert result.indicator("petitions_settled_on_time").score == 5  # 2331 / 2355 = 98.98 %
    assert result.indicator("outputs").score == 20


def test_the_petition_counts_must_add_up() -> None:
    facts = dict(copy.deepcopy(SEED), petitions_letters=1, petitions_visits=2, petitions_online=3, petitions_total=7, petitions_on_time=8)
    with pytest.raises(rubric.FactsError) as raised:
        rubric.load(PETITION).evaluate(facts)
    assert [f"{d.code} {d.message}" for d in raised.value.diagnostics] == [
        "facts.check check petitions_parts_sum: 来信、来访与网上信访之和应等于受理信访事项总量 "
        "(`petitions_letters + petitions_visits + petitions_online == petitions_total` does not hold: "
        "petitions_letters = 1, petitions_online = 3, petitions_total = 7, petitions_visits = 2)",
        "facts.check check petitions_on_time_within_total: 按期办结件数不能多于受理信访事项总量 "
        "(`petitions_on_time <= petitions_total` does not hold: petitions_on_time = 8, petitions_total = 7)",
    ]


def test_override_replaces_keys_and_a_new_rule_replaces_the_old(tmp_path: Path) -> None:
    child = derived(
        tmp_path,
        """
        override:
          - id: b
            name: 新B
            score: '2 if done else 0'
          - id: a
            weight: 8
          - id: group
            weight: 12
        total: 12
        """,
    )
    loaded = rubric.load(child)
    group = loaded.indicators[0]
    assert [(child.id, child.name.zh, child.weight) for child in group.children] == [("a", "A", 8), ("b", "新B", 4)]
    assert scores(loaded) == {"group": 8, "a": 6, "b": 2}
    assert loaded.model.total == 12


def test_add_and_remove(tmp_path: Path) -> None:
    child = derived(
        tmp_path,
        """
        remove: [a]
        add:
          - under: group
            indicators:
              - {id: c, name: C, weight: 6, score: '3'}
          - indicators:
              - {id: top, name: 顶, weight: 5, score: '5 if level == "完善" else 0'}
        total: 15
        """,
    )
    loaded = rubric.load(child)
    assert [indicator.id for indicator in loaded.model.all_indicators()] == ["group", "b", "c", "top"]
    assert scores(loaded) == {"group": 7, "b": 4, "c": 3, "top": 5}


def test_removing_a_parent_removes_its_children(tmp_path: Path) -> None:
    child = derived(
        tmp_path,
        """
        remove: [group]
        add:
          - indicators:
              - {id: only, name: 唯一, weight: 10, score: 10}
        """,
    )
    assert [indicator.id for indicator in rubric.load(child).model.all_indicators()] == ["only"]


def test_a_derived_rubric_can_be_extended_in_turn(tmp_path: Path) -> None:
    derived(tmp_path, "override:\n  - {id: a, name: 子A}\n")
    write(tmp_path, "grandchild.yaml", "format: rubric/1\nextends: child.yaml\nid: g\ntitle: 孙\nversion: '3'\noverride:\n  - {id: b, name: 孙B}\n")
    loaded = rubric.load(tmp_path / "grandchild.yaml")
    assert [child.name.zh for child in loaded.indicators[0].children] == ["子A", "孙B"]


def test_errors_point_at_the_file_that_caused_them(tmp_path: Path) -> None:
    child = derived(
        tmp_path,
        """
        override:
          - id: a
            score: 'spent_totl * 2'
        """,
    )
    base_text = (tmp_path / "base.yaml").read_text(encoding="utf-8").replace("then: 4}", "then: 4 + unknown}")
    (tmp_path / "base.yaml").write_text(base_text, encoding="utf-8")
    assert problems(child) == [
        "base.yaml:26:59 name.unknown unknown name 'unknown'",
        "child.yaml:8:13 name.unknown unknown name 'spent_totl'",
    ]


def test_weights_that_no_longer_add_up_are_reported_at_the_parent(tmp_path: Path) -> None:
    child = derived(tmp_path, "override:\n  - {id: a, weight: 5}\n")
    assert problems(child) == [
        "base.yaml:19:13 weight.sum the children of 'group' weigh 9 in all, but 'group' weighs 10",
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "override:\n  - {id: aa, weight: 6}\n",
            "child.yaml:7:10 extend.unknown_indicator override: the base rubric has no indicator 'aa'",
        ),
        (
            "remove: [a]\noverride:\n  - {id: a, weight: 6}\n",
            "child.yaml:8:10 extend.removed override: indicator 'a' is removed by this file",
        ),
        (
            "override:\n  - {id: a, weight: 6}\n  - {id: a, name: 甲}\n",
            "child.yaml:8:10 extend.twice indicator 'a' is overridden twice",
        ),
        (
            "override:\n  - {id: group, score: 10}\n",
            "child.yaml:7:10 extend.rule_on_parent indicator 'group' has children: its score is theirs, it cannot take a rule",
        ),
        (
            "add:\n  - under: a\n    indicators: [{id: c, name: C, weight: 1, score: 1}]\n",
            "child.yaml:7:12 extend.leaf_parent indicator 'a' is scored by its own rule: indicators cannot be added under it",
        ),
        (
            "add:\n  - under: nowhere\n    indicators: [{id: c, name: C, weight: 1, score: 1}]\n",
            "child.yaml:7:12 extend.unknown_indicator add under: the base rubric has no indicator 'nowhere'",
        ),
        (
            "facts:\n  done: {label: 又一个, type: boolean}\n",
            "child.yaml:7:3 extend.fact_exists fact 'done' is already declared by the base rubric (at {base}:14:3)",
        ),
        (
            "indicators:\n  - {id: x, name: X, weight: 10, score: 10}\n",
            "child.yaml:7:3 schema.not indicators: a rubric that extends another has no indicators list: "
            "change the base's with override, add and remove",
        ),
        (
            "override:\n  - {id: a, children: []}\n",
            "child.yaml:7:13 schema.unknown_key override[0]: unknown key 'children'",
        ),
        (
            "add:\n  - under: group\n    indicators: [{id: c, name: C, weight: two, score: '1'}]\n",
            "child.yaml:8:43 schema.type indicator 'c' weight: expected a number, found text 'two'",
        ),
    ],
)
def test_changes_that_cannot_be_made(tmp_path: Path, body: str, expected: str) -> None:
    child = derived(tmp_path, body)
    assert problems(child) == [expected.format(base=tmp_path / "base.yaml")]


def test_override_without_extends_is_refused() -> None:
    text = make_rubric("- {id: a, name: A, weight: 10, score: 10}\n") + "remove: [a]\n"
    with pytest.raises(rubric.RubricError) as raised:
        rubric.load(text, name="t.yaml")
    assert str(raised.value) == (
        "t.yaml:18:9: error: remove: remove changes the rubric named by extends: add extends: <base rubric file>"
    )


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("/etc/passwd.yaml", "schema.pattern"),
        ("C:/rubrics/2023.yaml", "schema.pattern"),
        ("base.txt", "schema.pattern"),
        ("missing.yaml", "extend.unreadable"),
    ],
)
def test_what_extends_may_name(tmp_path: Path, reference: str, expected: str) -> None:
    child = derived(tmp_path, "override:\n  - {id: a, name: 甲}\n", base=reference)
    with pytest.raises(rubric.RubricError) as raised:
        rubric.load(child)
    assert [(d.code, d.location.line if d.location else 0) for d in raised.value.diagnostics] == [(expected, 2)]


def test_a_missing_base_is_named(tmp_path: Path) -> None:
    child = derived(tmp_path, "override:\n  - {id: a, name: 甲}\n", base="missing.yaml")
    assert problems(child) == [
        f"child.yaml:2:10 extend.unreadable cannot read the base rubric {tmp_path / 'missing.yaml'}: No such file or directory"
    ]


def test_extends_cycles_are_refused(tmp_path: Path) -> None:
    write(tmp_path, "one.yaml", "format: rubric/1\nextends: two.yaml\nid: one\ntitle: 一\nversion: '1'\n")
    write(tmp_path, "two.yaml", "format: rubric/1\nextends: one.yaml\nid: two\ntitle: 二\nversion: '1'\n")
    write(tmp_path, "self.yaml", "format: rubric/1\nextends: self.yaml\nid: self\ntitle: 自\nversion: '1'\n")
    assert problems(tmp_path / "one.yaml") == [
        "two.yaml:2:10 extend.cycle rubrics extend each other in a cycle: one.yaml → two.yaml → one.yaml"
    ]
    assert problems(tmp_path / "self.yaml") == [
        "self.yaml:2:10 extend.cycle rubrics extend each other in a cycle: self.yaml → self.yaml"
    ]


def test_chains_of_extends_are_bounded(tmp_path: Path) -> None:
    derived(tmp_path, "override:\n  - {id: a, name: 甲}\n")
    write(tmp_path, "grandchild.yaml", "format: rubric/1\nextends: child.yaml\nid: g\ntitle: 孙\nversion: '3'\n")
    assert rubric.load(tmp_path / "grandchild.yaml", limits=rubric.Limits(max_extends_depth=2)).id == "g"
    assert problems(tmp_path / "grandchild.yaml", max_extends_depth=1) == [
        "child.yaml:2:10 limit.extends more than 1 rubrics extend each other in a chain"
    ]


def test_the_digest_covers_the_base(tmp_path: Path) -> None:
    child = derived(tmp_path, "override:\n  - {id: a, name: 甲}\n")
    before = rubric.load(child).sha256
    (tmp_path / "base.yaml").write_text(BASE.replace("name: B", "name: 乙"), encoding="utf-8")
    assert rubric.load(child).sha256 != before


def test_a_derived_rubric_loaded_as_text_finds_its_base_by_its_name(tmp_path: Path) -> None:
    child = derived(tmp_path, "override:\n  - {id: a, name: 甲}\n")
    text = child.read_text(encoding="utf-8")
    assert rubric.load(text, name=str(child)).indicators[0].children[0].name.zh == "甲"


def test_a_base_outside_the_loaded_rubrics_folder_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "inner").mkdir()
    write(tmp_path, "base.yaml", BASE)
    write(tmp_path / "inner", "child.yaml", "format: rubric/1\nextends: ../base.yaml\nid: c\ntitle: 子\nversion: '1'\n")
    assert problems(tmp_path / "inner" / "child.yaml") == [
        f"child.yaml:2:10 extend.outside the base rubric {tmp_path / 'base.yaml'} is outside {tmp_path / 'inner'}, "
        "the folder of the rubric being loaded"
    ]
    write(tmp_path, "top.yaml", "format: rubric/1\nextends: inner/child.yaml\nid: t\ntitle: 顶\nversion: '1'\n")
    assert rubric.load(tmp_path / "top.yaml").id == "t"  # the loaded rubric's folder holds both


def test_names_used_twice_across_files_name_the_file(tmp_path: Path) -> None:
    child = derived(
        tmp_path,
        """
        checks:
          - {id: spent, require: spent_total >= 0, message: 支出}
        add:
          - indicators: [{id: a, name: 又一个A, weight: 1, score: 1}]
        total: 11
        """,
    )
    (tmp_path / "base.yaml").write_text(BASE + "checks:\n  - {id: spent, require: done, message: 完成}\n", encoding="utf-8")
    assert problems(child) == [
        f"child.yaml:7:5 check.duplicate_id check id 'spent' is used twice (first at {tmp_path / 'base.yaml'}:29)",
        f"child.yaml:9:23 indicator.duplicate_id indicator id 'a' is used twice (first at {tmp_path / 'base.yaml'}:21)",
    ]


def test_a_name_used_again_is_reported_in_the_later_file_however_deep(tmp_path: Path) -> None:
    """The base's declaration is the original: the one a derived file adds is the mistake, even
    when it stands earlier in the tree or the derived file is itself extended."""
    write(tmp_path, "base.yaml", BASE + "  - {id: later, name: 后, weight: 0, score: 0}\n" + "checks:\n  - {id: spent, require: done, message: 完成}\n")
    write(
        tmp_path,
        "middle.yaml",
        """
        format: rubric/1
        extends: base.yaml
        id: m
        title: 中
        version: '1'
        checks:
          - {id: spent, require: spent_total >= 0, message: 支出}
        add:
          - under: group
            indicators: [{id: later, name: 又一个, weight: 0, score: 0}]
        """,
    )
    write(tmp_path, "top.yaml", "format: rubric/1\nextends: middle.yaml\nid: t\ntitle: 顶\nversion: '1'\n")
    expected = [
        f"middle.yaml:7:5 check.duplicate_id check id 'spent' is used twice (first at {tmp_path / 'base.yaml'}:30)",
        f"middle.yaml:10:23 indicator.duplicate_id indicator id 'later' is used twice (first at {tmp_path / 'base.yaml'}:28)",
    ]
    assert problems(tmp_path / "middle.yaml") == expected
    assert problems(tmp_path / "top.yaml") == expected


def test_the_merged_rubric_is_bounded_in_depth_like_one_file(tmp_path: Path) -> None:
    """Each file nests 7 levels deep; adding under the base's deepest parent makes 9."""
    deep = make_rubric(
        """
        - id: group
          name: 组
          weight: 10
          children:
            - {id: inner, name: 内, weight: 10, children: [{id: leaf, name: 叶, weight: 10, score: 10}]}
        """
    )
    write(tmp_path, "base.yaml", deep)
    add = "add:\n  - under: inner\n    indicators:\n      - {id: c, name: C, weight: 0, children: [{id: d, name: D, weight: 0, score: 0}]}\n"
    write(tmp_path, "child.yaml", f"format: rubric/1\nextends: base.yaml\nid: child\ntitle: 子\nversion: '2'\n{add}")
    assert rubric.load(tmp_path / "child.yaml", limits=rubric.Limits(max_yaml_depth=9)).id == "child"
    assert problems(tmp_path / "child.yaml", max_yaml_depth=8) == [
        "child.yaml:2:10 yaml.too_deep merged with its base, the rubric nests deeper than 8 levels"
    ]
