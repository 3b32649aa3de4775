"""Stage 4 on its own: everything the checker finds, each at its line and column.

Rubric texts come from `make_rubric`: the first indicator line is line 17, indented by 2, so a
key of the first indicator starts at column 5 and `    score: ` puts an expression at column 12.
"""

from __future__ import annotations

from conftest import LIST_FACT, errors, make_rubric, warnings


def one_leaf(rule: str, *, weight: str = "10", extra_facts: str = "") -> str:
    """A rubric with one leaf indicator 'a' (line 17) whose rule lines start at line 20."""
    return make_rubric(f"- id: a\n  name: A\n  weight: {weight}\n" + rule, extra_facts=extra_facts)


def test_a_valid_rubric_has_no_errors() -> None:
    assert errors(one_leaf("  score: 10 * min(spent_total / budget_total, 1)\n")) == []


def test_unknown_fact_suggests_the_closest_name() -> None:
    assert errors(one_leaf("  score: 10 * min(spent_totl / budget_total, 1)\n")) == [
        "20:21 name.unknown unknown name 'spent_totl'"
    ]


def test_unknown_function_suggests_the_closest_name() -> None:
    assert errors(one_leaf("  score: mim(1, 2)\n")) == ["20:12 name.unknown_function unknown function 'mim'"]


def test_boolean_used_as_a_number() -> None:
    assert errors(one_leaf("  score: 10 * done\n")) == [
        "20:17 type.mismatch '*' needs a number, but `done` is a boolean"
    ]


def test_text_compared_with_a_number() -> None:
    assert errors(one_leaf("  score: 10 if level == 1 else 0\n")) == [
        "20:27 type.mismatch comparing text with a number is always false"
    ]


def test_enum_compared_with_a_value_it_cannot_take() -> None:
    assert errors(one_leaf('  score: 10 if level == "完整" else 0\n')) == [
        "20:27 type.enum_value '完整' is not one of 完善, 不够完善, 未建立"
    ]


def test_number_used_as_a_condition() -> None:
    assert errors(one_leaf("  score: 10 if spent_total else 0\n")) == [
        "20:18 type.mismatch the condition after 'if' needs a boolean, but `spent_total` is a number"
    ]


def test_rule_must_give_a_number() -> None:
    assert errors(one_leaf("  score: spent_total > 0\n")) == [
        "20:12 type.mismatch expression gives a boolean, but a number is needed here"
    ]


def test_branches_of_a_conditional_must_agree() -> None:
    assert errors(one_leaf("  score: 1 if done else done\n")) == [
        "20:27 type.mismatch the two branches give a number and a boolean"
    ]


def test_syntax_error_is_placed_in_the_expression() -> None:
    assert errors(one_leaf("  score: 10 * (spent_total + \n")) == [
        "20:17 expr.syntax expression syntax: '(' was never closed"
    ]


def test_single_equals_gets_a_hint() -> None:
    assert errors(one_leaf("  score: 10 if done = true else 0\n")) == [
        "20:12 expr.syntax expression syntax: expected 'else' after 'if' expression (to compare, write ==)"
    ]


def test_no_equals_hint_for_comparisons_or_an_equals_sign_inside_text() -> None:
    assert errors(one_leaf("  score: 10 if spent_total >= 1 and ) else 0\n")) == [
        "20:39 expr.syntax expression syntax: unmatched ')'"
    ]
    assert errors(one_leaf("  score: '10 if level == \"a=b\" else ('\n")) == [
        "20:39 expr.syntax expression syntax: '(' was never closed"
    ]


def test_expression_on_a_folded_block_is_placed_on_its_own_line() -> None:
    text = one_leaf("  score: >-\n    10 *\n    min(spent_total / budgt_total, 1)\n")
    assert errors(text) == ["22:25 name.unknown unknown name 'budgt_total'"]


def test_weights_of_children_must_add_up() -> None:
    text = make_rubric(
        """
        - id: parent
          name: P
          weight: 10
          children:
            - {id: x, name: X, weight: 6, score: 6}
            - {id: y, name: Y, weight: 3, score: 3}
        """
    )
    assert errors(text) == ["19:13 weight.sum the children of 'parent' weigh 9 in all, but 'parent' weighs 10"]


def test_weights_add_up_exactly_with_decimals() -> None:
    text = make_rubric(
        """
        - id: parent
          name: P
          weight: 10
          children:
            - {id: x, name: X, weight: 3.3, score: 1}
            - {id: y, name: Y, weight: 3.3, score: 1}
            - {id: z, name: Z, weight: 3.4, score: 1}
        """
    )
    assert errors(text) == []


def test_weights_finer_than_the_rounding_add_up_only_by_rounding() -> None:
    text = make_rubric(
        """
        - id: parent
          name: P
          weight: 10
          children:
            - {id: x, name: X, weight: 3.333, score: 1}
            - {id: y, name: Y, weight: 3.333, score: 1}
            - {id: z, name: Z, weight: 3.334, score: 1}
            - {id: w, name: W, weight: 0.000, score: 0}
        """
    )
    assert errors(text) == []
    assert [w for w in warnings(text) if "weight.places" in w] == [
        f"{line}:34 weight.places {name!r} weighs {weight}, finer than scores are rounded (2 places): "
        f"a full score shows as {shown}, so its siblings' scores add up to their parent's only by rounding"
        for line, name, weight, shown in ((21, "x", "3.333", "3.33"), (22, "y", "3.333", "3.33"), (23, "z", "3.334", "3.33"))
    ]


def test_top_level_weights_must_add_up_to_total() -> None:
    text = make_rubric("- {id: a, name: A, weight: 8, score: 8}\n", total=10)
    assert errors(text) == ["7:8 weight.sum the top-level indicators weigh 8 in all, but total is 10"]


def test_duplicate_indicator_ids() -> None:
    text = make_rubric(
        """
        - {id: a, name: A, weight: 5, score: 5}
        - {id: a, name: B, weight: 5, score: 5}
        """
    )
    assert errors(text) == ["18:10 indicator.duplicate_id indicator id 'a' is used twice (first at line 17)"]


def test_cycle_between_indicators() -> None:
    text = make_rubric(
        """
        - {id: a, name: A, weight: 5, score: 'score_of("b")'}
        - {id: b, name: B, weight: 5, score: 'score_of("a")'}
        """
    )
    assert errors(text) == ["17:5 indicator.cycle indicators depend on each other in a cycle: a → b → a"]


def test_reading_the_parent_is_a_cycle() -> None:
    text = make_rubric(
        """
        - id: p
          name: P
          weight: 10
          children:
            - {id: c, name: C, weight: 10, score: 'score_of("p") / 2'}
        """
    )
    assert errors(text) == ["17:5 indicator.cycle indicators depend on each other in a cycle: p → c → p"]


def test_score_of_an_unknown_indicator() -> None:
    text = make_rubric(
        """
        - {id: alpha, name: A, weight: 5, score: 5}
        - {id: beta, name: B, weight: 5, score: 'score_of("alpah")'}
        """
    )
    assert errors(text) == ["18:53 name.unknown_indicator unknown indicator 'alpah'"]


def test_score_of_is_refused_in_not_applicable() -> None:
    text = make_rubric(
        """
        - {id: alpha, name: A, weight: 5, score: 5}
        - {id: beta, name: B, weight: 5, score: 5, not_applicable: 'score_of("alpha") > 1'}
        """
    )
    assert errors(text) == ["18:63 expr.score_of score_of() cannot be used here"]


def test_ladder_needs_otherwise_and_warns_on_unreachable_steps() -> None:
    text = one_leaf(
        "  let: {r: spent_total / budget_total}\n"
        "  ladder:\n"
        "    - {when: r >= 0.8, then: 6}\n"
        "    - {when: r >= 0.9, then: 10}\n"
        "    - {when: r > 0.8, then: 4}\n"
    )
    assert errors(text) == [
        "24:16 ladder.no_otherwise indicator 'a': the ladder does not say what happens when no step matches"
    ]
    assert [w for w in warnings(text) if "ladder." in w] == [
        "23:16 ladder.unreachable step `r >= 0.9` can never be reached: `r >= 0.8` (line 22) comes first and takes every such value",
        "24:16 ladder.unreachable step `r > 0.8` can never be reached: `r >= 0.8` (line 22) comes first and takes every such value",
    ]


def test_ladder_steps_in_the_right_order_are_all_reachable() -> None:
    text = one_leaf(
        "  let: {r: spent_total / budget_total}\n"
        "  ladder:\n"
        "    - {when: r >= 0.95, then: 10}\n"
        "    - {when: r > 0.9, then: 8}\n"
        "    - {when: 0.9 <= r, then: 7}\n"
        "    - {when: r < 0.5, then: 1}\n"
        "    - otherwise: 5\n"
    )
    assert errors(text) == []
    assert [w for w in warnings(text) if "ladder" in w] == []


def test_otherwise_must_be_last() -> None:
    text = one_leaf("  ladder:\n    - otherwise: 0\n    - {when: done, then: 10}\n    - otherwise: 1\n")
    assert errors(text) == ["21:20 ladder.otherwise_not_last indicator 'a': otherwise must be the last step"]


def test_match_needs_an_enum_and_every_case() -> None:
    text = one_leaf("  match: level\n  cases: {完善: 10, 不完善: 5}\n")
    assert errors(text) == [
        "21:12 match.missing_case indicator 'a' gives no points for '不够完善', '未建立' of 'level'",
        "21:21 match.unknown_case indicator 'a': '不完善' is not a value of 'level'",
    ]


def test_match_on_a_number() -> None:
    assert errors(one_leaf("  match: spent_total\n  cases: {a: 1}\n")) == [
        "20:12 match.not_enum indicator 'a' matches on 'spent_total', which is not an enum"
    ]


def test_items_over_a_fact_that_is_not_a_list() -> None:
    text = one_leaf("  items: {over: done, value: 1, empty: 0}\n")
    assert errors(text) == ["20:19 items.not_list items over 'done', which is not a list fact"]


def test_items_see_fields_and_check_them() -> None:
    text = one_leaf(
        "  items:\n"
        "    over: targets\n"
        '    where: kind == "产出"\n'
        "    value: min(actual, 1)\n"
        "    weight: weight\n"
        "    empty: not_applicable\n"
        "    findings:\n"
        "      - {problem: '完成 {value:.1%}', improvement: '改进 {kind}'}\n",
        extra_facts=LIST_FACT,
    )
    assert errors(text) == []


def test_field_names_are_not_visible_outside_items() -> None:
    text = one_leaf("  score: actual * 10\n", extra_facts=LIST_FACT)
    assert errors(text) == ["27:12 name.unknown unknown name 'actual'"]


def test_let_used_before_it_is_defined() -> None:
    text = one_leaf("  let:\n    a1: b1 * 2\n    b1: spent_total\n  score: a1\n")
    assert errors(text) == ["21:11 let.order let 'b1' is used before it is defined"]


def test_unused_let_and_unused_fact_are_warnings() -> None:
    text = one_leaf("  let: {r: spent_total}\n  score: 10\n")
    assert warnings(text) == [
        "12:3 fact.unused fact 'budget_total' is declared but never used",
        "14:3 fact.unused fact 'done' is declared but never used",
        "15:3 fact.unused fact 'level' is declared but never used",
        "20:11 let.unused let 'r' of 'a' is never used",
    ]


def test_optional_fact_without_default_cannot_be_used() -> None:
    text = one_leaf("  score: extra\n", extra_facts="extra: {label: E, type: number, required: false}\n")
    assert errors(text) == ["21:12 name.optional_fact fact 'extra' may be missing (it is optional and has no default)"]


def test_fact_declarations_are_checked() -> None:
    text = one_leaf(
        "  score: 10\n",
        extra_facts=(
            "cash: {label: C, type: money}\n"
            "rank: {label: G, type: enum}\n"
            "name: {label: N, type: text, values: [a]}\n"
            "rate: {label: R, type: ratio, min: 2, max: 1}\n"
            "flag: {label: F, type: boolean, default: no}\n"
            "both: {label: B, type: integer, default: 1, required: true}\n"
            "label: {label: L, type: text, min: 0}\n"
        ),
    )
    assert errors(text) == [
        "16:3 fact.unit fact 'cash' is money with no unit",
        "17:3 fact.values fact 'rank' is an enum but lists no values",
        "18:3 fact.values fact 'name' lists values but is not an enum",
        "19:3 fact.bounds fact 'rate': no value lies between 2 and 1",
        "20:44 fact.default fact 'flag': the default 'no' does not fit type boolean",
        "21:3 fact.default fact 'both' is required and has a default",
        "22:3 fact.bounds fact 'label': min/max only apply to numbers",
    ]


def test_reserved_names() -> None:
    text = make_rubric("- {id: score, name: A, weight: 10, score: 10}\n", extra_facts="min: {label: M, type: number}\n")
    assert errors(text) == [
        "16:3 name.reserved fact 'min' uses a reserved name",
        "18:5 name.reserved indicator 'score' uses a reserved name",
    ]


def test_grades_must_descend_and_cover_zero() -> None:
    text = make_rubric("- {id: a, name: A, weight: 10, score: 10}\n").replace(
        "  - {grade: 优, min: 90}\n  - {grade: 差, min: 0}\n", "  - {grade: 优, min: 60}\n  - {grade: 良, min: 80}\n"
    )
    assert errors(text) == [
        "10:5 grade.order grade '良' (min 80) is not below '优' (min 60)",
        "10:5 grade.gap a total below 80 gets no grade",
    ]


def test_templates_are_checked() -> None:
    text = one_leaf(
        "  score: 10\n"
        "  findings:\n"
        "    - problem: '支出 {spent_total!r} {budget_total.real} {lost:.2e}'\n"
        "      improvement: '{unknown_name} {done:.1%}'\n"
    )
    assert errors(text) == [
        "22:23 template.format template: format !r of {spent_total} is not allowed",
        "22:39 template.placeholder template: {budget_total.real} is not a plain name",
        "22:59 template.format template: format :.2e of {lost} is not allowed",
        "23:24 name.unknown unknown name 'unknown_name'",
        "23:39 template.type template: {done} is a boolean, which has no text form",
    ]


def test_template_with_unbalanced_brace() -> None:
    text = one_leaf("  score: 10\n  findings:\n    - {problem: '少了 {', improvement: ok}\n")
    assert errors(text) == ["22:19 template.syntax template: Single '{' encountered in format string"]


def test_finding_names_score_weight_lost() -> None:
    text = one_leaf(
        "  score: 10\n"
        "  findings:\n"
        "    - when: lost > 0.5 and score < weight\n"
        "      problem: '得分 {score:.2f}，扣 {lost:.2f}'\n"
        "      improvement: 改进\n"
    )
    assert errors(text) == []


def test_bounds_that_contradict_each_other() -> None:
    text = one_leaf(
        "  score: 10\n",
        extra_facts=(
            "a: {label: A, type: number, min: 1, greater_than: 0}\n"
            "b: {label: B, type: number, greater_than: 5, less_than: 5}\n"
            "c: {label: C, type: number, min: 0, default: -1}\n"
            "d: {label: D, type: number, min: 5, max: 5}\n"
        ),
    )
    assert errors(text) == [
        "16:3 fact.bounds fact 'a' has both min and greater_than",
        "17:3 fact.bounds fact 'b': no value lies between 5 and 5",
        "18:3 fact.default fact 'c': the default -1 is out of its bounds",
    ]


def test_optional_facts_cannot_be_matched_or_listed() -> None:
    optional = "maybe: {label: M, type: enum, values: [甲], required: false}\n"
    assert errors(one_leaf("  match: maybe\n  cases: {甲: 10}\n", extra_facts=optional)) == [
        "21:12 name.optional_fact fact 'maybe' may be missing (it is optional and has no default)"
    ]
    optional_list = "rows: {label: R, type: list, required: false, fields: {x: {type: number}}}\n"
    text = one_leaf("  items: {over: rows, value: x, empty: 0}\n", extra_facts=optional_list)
    assert errors(text) == ["21:19 name.optional_fact fact 'rows' may be missing (it is optional and has no default)"]


def test_a_one_value_enum_is_checked_too() -> None:
    text = one_leaf('  score: 10 if only == "乙" else 0\n', extra_facts="only: {label: O, type: enum, values: [甲]}\n")
    assert errors(text) == ["21:26 type.enum_value '乙' is not one of 甲"]


def test_unreachable_step_of_an_items_value_has_its_own_code() -> None:
    text = one_leaf(
        "  items:\n"
        "    over: targets\n"
        "    value:\n"
        "      - {when: actual >= 0.5, then: 1}\n"
        "      - {when: actual >= 0.9, then: 1}\n"
        "      - otherwise: 0\n"
        "    empty: 0\n",
        extra_facts=LIST_FACT,
    )
    assert [w for w in warnings(text) if "unreachable" in w] == [
        "31:18 value.unreachable step `actual >= 0.9` can never be reached: `actual >= 0.5` (line 30) comes first and "
        "takes every such value"
    ]


def test_match_without_cases_says_so() -> None:
    assert errors(one_leaf("  match: level\n")) == ["17:5 schema.dependentRequired indicator 'a': 'cases' is needed here too"]


def test_yaml_values_as_expressions() -> None:
    text = one_leaf("  ladder:\n    - {when: true, then: 10}\n    - otherwise: 0.0000001\n")
    assert errors(text) == []


def test_items_where_reads_facts_and_fields_only() -> None:
    text = one_leaf(
        "  let: {half: 0.5}\n"
        "  items:\n"
        "    over: targets\n"
        '    where: actual > half or score_of("a") > 1\n'
        "    value: actual\n"
        "    empty: 0\n",
        extra_facts=LIST_FACT,
    )
    assert errors(text) == [
        "30:23 name.unknown unknown name 'half'",
        "30:31 expr.score_of score_of() cannot be used here",
    ]


def test_reserved_field_names() -> None:
    text = one_leaf(
        "  score: 10\n",
        extra_facts="rows: {label: R, type: list, fields: {'true': {type: number}, score_of: {type: number}, weight: {type: number}}}\n",
    )
    assert errors(text) == [
        "16:41 name.reserved field 'true' of 'rows' uses a reserved name",
        "16:65 name.reserved field 'score_of' of 'rows' uses a reserved name",
    ]


def test_an_optional_field_is_named_as_a_field() -> None:
    text = one_leaf(
        "  items: {over: rows, value: note, empty: 0}\n",
        extra_facts="rows: {label: R, type: list, fields: {note: {type: number, required: false}}}\n",
    )
    assert errors(text) == ["21:32 name.optional_fact field 'note' may be missing (it is optional and has no default)"]


def test_score_of_is_refused_in_basic_sentences_and_allowed_in_the_conclusion() -> None:
    """The basic situation is told from facts alone; the conclusion comes after the scores."""
    text = make_rubric(
        """
        - {id: alpha, name: A, weight: 5, score: 5}
        - {id: beta, name: B, weight: 5, score: 5}
        """
    ) + (
        "report:\n"
        "  basic:\n"
        "    - {text: 甲, when: 'score_of(\"alpha\") > 1'}\n"
        "  conclusion:\n"
        "    - {text: 乙, when: 'score_of(\"alpha\") > 1'}\n"
    )
    assert errors(text) == ["21:24 expr.score_of score_of() cannot be used here"]


def test_conclusion_compares_the_grade_with_the_bands_names_only() -> None:
    text = make_rubric("- {id: alpha, name: A, weight: 10, score: 10}\n") + (
        "report:\n"
        "  conclusion:\n"
        "    - {text: 好, when: 'grade == \"优\"'}\n"
        "    - {text: 差, when: 'grade == \"忧\"'}\n"
    )
    assert errors(text) == ["21:33 type.enum_value '忧' is not one of 优, 差"]


def test_a_list_fact_whose_fields_are_not_a_mapping_is_a_schema_error() -> None:
    text = make_rubric("- {id: a, name: A, weight: 10, score: 10}\n", extra_facts="rows: {label: R, type: list, fields: [x]}\n")
    assert [e.split(" ")[1] for e in errors(text)] == ["schema.type"]


def test_check_ids_are_unique_across_the_rubric() -> None:
    """A failing check is named by its id, so a record check and a top-level one cannot share it."""
    text = make_rubric(
        "- {id: a, name: A, weight: 10, score: 10}\n",
        extra_facts="rows:\n  label: 行\n  type: list\n  fields:\n    x: {type: number}\n  checks:\n"
        "    - {id: positive, require: x > 0, message: 行}\n",
    ) + "checks:\n  - {id: positive, require: done, message: 整体}\n  - {id: spent, require: spent_total >= 0, message: 支出}\n"
    assert errors(text) == [
        "26:5 check.duplicate_id check id 'positive' is used twice (first at line 22)"
    ]
