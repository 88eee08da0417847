"""The core's readers: any supported file in, its header and rows as chunks of strings out.

`table.open_table` is the entry: `content` detects the format from the bytes, `compression`
guards gzip, `text` (with `scanner`, `lines` and `prefetch`) streams delimited text through
pyarrow, `workbook` and `xlsx` stream spreadsheets, and `chunks` is what they hand over. Pure
like the rest of the core: it may import only `schemas` and other `ingestion.core` modules.
"""
