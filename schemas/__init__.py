"""The schema-definition format: typed, immutable definitions and their published JSON Schema."""

from __future__ import annotations

from schemas.definition import (
    COLUMN_TYPES,
    DEFAULT_NULL_VALUES,
    ColumnDefinition,
    DefinitionError,
    SchemaDefinition,
    definition_json_schema,
    parse_definition,
)

__all__ = [
    "COLUMN_TYPES",
    "DEFAULT_NULL_VALUES",
    "ColumnDefinition",
    "DefinitionError",
    "SchemaDefinition",
    "definition_json_schema",
    "parse_definition",
]
