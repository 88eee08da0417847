"""bounds_range: the type, min, max, allowed and pattern rules, on one chunk's column."""

from __future__ import annotations

import pytest

from ingestion.core.checks.bounds import Allowed, Max, Min, Pattern, Type
from ingestion.core.checks.rules import COLUMN_RULES
from tests.core.conftest import defined, read_cells


def failing(rule_class, cells, kind="string", **rules):
    column = defined(kind, **rules)
    return rule_class.declared(column).failing(read_cells(cells, column)).tolist()


def test_the_rules_apply_in_the_order_samples_name_a_first_broken_rule():
    bounds = [rule.rule for rule in COLUMN_RULES if rule.category == "bounds_range"]
    assert bounds == ["type", "min", "max", "allowed", "pattern"]


@pytest.mark.parametrize(
    ("rule_class", "kind", "rules"),
    [
        (Type, "string", {}),
        (Min, "number", {}),
        (Max, "date", {}),
        (Allowed, "string", {"pattern": "x"}),
        (Pattern, "string", {"allowed": ["x"]}),
    ],
)
def test_a_rule_is_declared_only_when_the_column_asks_for_it(rule_class, kind, rules):
    assert rule_class.declared(defined(kind, **rules)) is None


def test_type_fails_present_values_that_do_not_convert_and_never_nulls():
    assert failing(Type, ["1", "", None, "1.5", " 2 ", "x", "NULL"], "integer") == [
        False,
        False,
        False,
        True,
        False,
        True,
        False,
    ]
    assert Type.declared(defined("date")).detail == "not a date"


def test_min_and_max_are_inclusive_and_skip_values_of_the_wrong_type():
    cells = ["-1", "0", "500", "500.5", "abc", ""]
    assert failing(Min, cells, "number", min=0) == [True, False, False, False, False, False]
    assert failing(Max, cells, "number", max=500) == [False, False, False, True, False, False]


def test_a_fractional_bound_on_an_integer_column_keeps_every_integer_inside():
    assert failing(Min, ["2", "3"], "integer", min=2.5) == [True, False]
    assert failing(Max, ["2", "3"], "integer", max=2.5) == [False, True]


def test_datetime_bounds_compare_instants_across_zones():
    cells = ["2020-01-01T00:30+01:00", "2020-01-01T00:30", "2019-12-31T23:59:59Z"]
    assert failing(Min, cells, "datetime", min="2020-01-01T00:00:00") == [True, False, True]


def test_bound_details_quote_the_bound_as_defined():
    assert Min.declared(defined("number", min=0)).detail == "below min 0"
    assert Max.declared(defined("date", max="2021-06-30")).detail == "above max 2021-06-30"
    assert Max.declared(defined("number", max=2.5)).detail == "above max 2.5"


def test_allowed_compares_trimmed_values_case_sensitively_and_skips_nulls():
    cells = ["ok", " warn ", "OK", "", "other"]
    assert failing(Allowed, cells, allowed=["ok", "warn"]) == [False, False, True, False, True]
    assert Allowed.declared(defined(allowed=["ok"])).detail == "allowed"


def test_pattern_must_match_the_whole_trimmed_value():
    cells = ["ST-1", " ST-22 ", "ST-1x", "xST-1", None]
    assert failing(Pattern, cells, pattern=r"ST-\d+") == [False, False, True, True, False]
