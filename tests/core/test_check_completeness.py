"""completeness: the `required` rule, on one chunk's column."""

from __future__ import annotations

import pytest

from ingestion.core.checks.completeness import Required
from tests.core.conftest import defined, read_cells


def test_required_is_declared_only_by_a_required_column():
    assert Required.declared(defined()) is None
    rule = Required.declared(defined("integer", required=True))
    assert (rule.rule, rule.category, rule.detail) == ("required", "completeness", "required")


@pytest.mark.parametrize("kind", ["string", "integer", "date"])
def test_missing_blank_and_null_words_fail_whatever_the_type(kind):
    cells = ["1" if kind != "date" else "2021-01-01", None, "", "  ", "NULL", "N/A", "x"]
    rule = Required.declared(defined(kind, required=True))
    assert rule.failing(read_cells(cells, defined(kind))).tolist() == [
        False,
        True,
        True,
        True,
        True,
        True,
        False,
    ]


def test_a_value_of_the_wrong_type_is_present():
    rule = Required.declared(defined("integer", required=True))
    assert not rule.failing(read_cells(["abc", "1.5"], defined("integer"))).any()
