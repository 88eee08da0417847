"""Generate the JSON Schema (draft 2020-12) that a set of pydantic-validated classes publishes.

The published document is for people and editors: it carries no titles derived from field names
and leaves out that null may stand for an absent key (the parser takes null as absent, the
document just does not advertise it). Keys keep the order the classes declare.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

# Document keys first, in this order; the rest follow as generated.
LEADING_KEYS = ("$schema", "$id", "title", "description")


def published_json_schema(
    adapter: TypeAdapter[Any], *, schema_id: str, names: Mapping[str, str]
) -> dict[str, Any]:
    """Return the JSON Schema of `adapter`'s type; `names` renames its `$defs` (by class name)."""

    class Generator(PublishedJsonSchema):
        definition_names = dict(names)

    document = adapter.json_schema(mode="validation", schema_generator=Generator)
    document["$id"] = schema_id
    leading = {key: document.pop(key) for key in LEADING_KEYS if key in document}
    return {**leading, **document}


def json_schema_text(document: Mapping[str, Any]) -> str:
    """Return `document` as the committed file spells it."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


class PublishedJsonSchema(GenerateJsonSchema):
    """Pydantic's generator, trimmed to what the published document says."""

    definition_names: dict[str, str] = {}

    def generate(self, schema: CoreSchema, mode: JsonSchemaMode = "validation") -> JsonSchemaValue:
        return {"$schema": self.schema_dialect, **super().generate(schema, mode)}

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        # An object's default is its own fields' defaults, published where they are declared.
        default = schema.get("default")
        if default is None or dataclasses.is_dataclass(default):
            return self.generate_inner(schema["schema"])
        return super().default_schema(schema)

    def normalize_name(self, name: str) -> str:
        return self.definition_names.get(name) or super().normalize_name(name)

    def sort(self, value: JsonSchemaValue, parent_key: str | None = None) -> JsonSchemaValue:
        return value
