"""The OpenAPI document shows both authoring endpoints with their fields and examples."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(client):
    return client.get("/api/openapi.json").json()


@pytest.mark.parametrize(
    ("path", "fields", "statuses"),
    [
        ("/api/definitions/draft", ["file", "sheet", "sample_rows"], ["200", "401", "413", "422"]),
        (
            "/api/validate",
            ["file", "definition_id", "definition"],
            ["200", "401", "404", "413", "422"],
        ),
    ],
)
def test_each_endpoint_is_documented_as_a_multipart_upload_with_an_example(
    document, path, fields, statuses
):
    operation = document["paths"][path]["post"]
    form = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert list(form["properties"]) == fields
    assert form["required"] == ["file"]
    assert sorted(operation["responses"]) == statuses
    assert operation["responses"]["200"]["content"]["application/json"]["example"]
    assert operation["security"] == [{"IngestionToken": []}]


def test_the_inline_definition_example_is_a_valid_definition(document):
    from schemas.definition import parse_definition

    form = document["paths"]["/api/validate"]["post"]["requestBody"]["content"]
    example = form["multipart/form-data"]["schema"]["properties"]["definition"]["example"]
    assert parse_definition(json.loads(example)).names == ("id", "reading")


def test_the_draft_example_is_a_valid_definition(document):
    from schemas.definition import parse_definition

    responses = document["paths"]["/api/definitions/draft"]["post"]["responses"]
    example = responses["200"]["content"]["application/json"]["example"]
    assert parse_definition(example["definition"]).strict is True


def test_the_definition_component_is_the_schema_the_models_generate(document):
    from schemas.definition import definition_json_schema

    assert document["components"]["schemas"]["SchemaDefinition"] == definition_json_schema()
