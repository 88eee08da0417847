"""The core's checks: the rules of a schema definition applied to chunks of rows.

`validator` runs the checks and collects findings, `values` types and bounds values, `keys` keeps
uniqueness state small. Pure like the rest of the core: it may import only `schemas` and other
`ingestion.core` modules.
"""
