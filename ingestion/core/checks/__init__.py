"""The checks: declared rules run over a table's chunks, their failures kept as typed findings.

- `schema`: schema_validation, the header against the definition (`check_header`), before any
  row is read; it hands the columns it found to the row checks.
- `completeness` (`Required`) and `bounds` (`Type`, `Min`, `Max`, `Allowed`, `Pattern`) hold
  column rules (`rules.ColumnRule`): a stable rule id, its category, parameters taken from the
  column's definition, and a vectorised test over one chunk's column that returns the failing
  rows as a mask. Declaring a subclass registers it, so a new rule is one class (and its test).
- `uniqueness`: key checks (`unique`, `primary_key`) that keep 64-bit keys (`keys`), not
  values; a repeated hash is confirmed against the real values on a second pass.
- `runner.TableChecks` reads each needed column of a chunk once (`values.read_column`), shares
  it among that column's rules and keys, and tallies failures per category (`tally.Tally`):
  counts, the first `sample_cap` rows per column, and nothing else that grows with the file but
  the keys. It returns `findings.Findings`: frozen `Finding`s (category, column, count per rule,
  samples) in report order, which `report` renders into metrics and summary lines.

Category names and their points live in `ingestion.core.scoring`, the one place they are spelled.
Pure like the rest of the core: it may import only `schemas` and other `ingestion.core` modules.
"""
