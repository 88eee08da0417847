"""The schema-definition format: typed, immutable definitions and their published JSON Schema.

`schemas.definition` declares and parses the format (pydantic), `schemas.spelling` holds how values
are spelled (plain constants, which the engine imports without loading pydantic), and
`schemas.generate` writes `definition.schema.json`. Import from those modules: this package's
`__init__` imports nothing, so that importing `schemas.spelling` stays light.
"""
