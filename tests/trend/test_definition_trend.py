"""The definition's optional `trend` key: parsed, refused in one line, published in the schema."""

from __future__ import annotations

import jsonschema
import pytest

from schemas.definition import (
    DefinitionError,
    TrendSettings,
    definition_json_schema,
    parse_definition,
)

COLUMNS = [{"name": "id"}]


def parsed(trend) -> TrendSettings:
    return parse_definition({"columns": COLUMNS, "trend": trend}).trend


def test_without_trend_every_signal_runs_with_its_defaults():
    settings = parse_definition({"columns": COLUMNS}).trend
    assert settings == TrendSettings() == parsed(None) == parsed({})
    assert (settings.row_count.min_ratio, settings.row_count.max_ratio) == (0.5, 2.0)
    assert settings.null_rate.max_change_points == 20.0
    assert settings.arrival.tolerance_minutes is None
    assert all(
        getattr(settings, name).enabled
        for name in ("row_count", "columns", "null_rate", "arrival", "same_content")
    )


def test_given_keys_replace_the_defaults_and_the_rest_stay():
    settings = parsed(
        {"row_count": {"min_ratio": 0.8, "max_ratio": 1.5}, "same_content": {"enabled": False}}
    )
    assert (settings.row_count.min_ratio, settings.row_count.max_ratio) == (0.8, 1.5)
    assert settings.same_content.enabled is False
    assert settings.columns.enabled is True
    assert parsed({"row_count": None}).row_count == TrendSettings().row_count


@pytest.mark.parametrize(
    ("trend", "message"),
    [
        ("often", "definition: trend must be an object"),
        ({"volume": {}}, "trend: unknown key 'volume'"),
        ({"columns": []}, "trend: columns must be an object"),
        (
            {"row_count": {"min_ratio": "0.8"}},
            "trend.row_count: min_ratio must be a number above 0, not '0.8'",
        ),
        (
            {"row_count": {"max_ratio": 0}},
            "trend.row_count: max_ratio must be a number above 0, not 0",
        ),
        (
            {"row_count": {"min_ratio": 2, "max_ratio": 1}},
            "trend.row_count: min_ratio 2 must be below max_ratio 1",
        ),
        ({"row_count": {"ratio": 2}}, "trend.row_count: unknown key 'ratio'"),
        (
            {"null_rate": {"max_change_points": 101}},
            "trend.null_rate: max_change_points must be a number above 0 and at most 100, not 101",
        ),
        (
            {"arrival": {"tolerance_minutes": True}},
            "trend.arrival: tolerance_minutes must be a number above 0, not True",
        ),
        (
            {"same_content": {"enabled": "no"}},
            "trend.same_content: enabled must be true or false, not 'no'",
        ),
    ],
)
def test_a_malformed_trend_is_refused_in_one_line_naming_where(trend, message):
    with pytest.raises(DefinitionError) as refused:
        parsed(trend)
    assert str(refused.value) == message


def test_the_published_schema_accepts_a_trend_and_refuses_what_the_parser_refuses():
    validator = jsonschema.Draft202012Validator(definition_json_schema())
    good = {"columns": COLUMNS, "trend": {"row_count": {"min_ratio": 0.8, "max_ratio": 1.5}}}
    assert validator.is_valid(good)
    for bad in (
        {"volume": {}},
        {"row_count": {"min_ratio": "0.8"}},
        {"row_count": {"max_ratio": 0}},
        {"null_rate": {"max_change_points": 101}},
        {"same_content": {"enabled": "no"}},
    ):
        assert not validator.is_valid({"columns": COLUMNS, "trend": bad}), bad
    assert set(definition_json_schema()["$defs"]["trend"]["properties"]) == {
        "row_count",
        "columns",
        "null_rate",
        "arrival",
        "same_content",
    }
