"""Named limits of the engine: chunking, sampling and the guards against hostile files."""

from __future__ import annotations

MIB = 1024 * 1024

# Rows handed to the checks at a time; peak memory follows this, not the file size.
DEFAULT_CHUNK_ROWS = 131_072
# Bytes pyarrow parses per block (it reads a few blocks ahead), and bytes the line scanner reads
# at a time; a row longer than a block is a format failure.
BLOCK_BYTES = 2 * MIB
SCAN_BYTES = 1 * MIB
MIN_BLOCK_BYTES = 64 * 1024
# Batches parsed ahead of the checks by the reading thread.
PREFETCH_BATCHES = 2

DEFAULT_SAMPLE_CAP = 5
# Longest cell value kept in a sample, and most column names listed in one report field.
MAX_SAMPLE_CHARS = 80
MAX_LISTED_COLUMNS = 50

# Text is sniffed (encoding, binary content, delimiter, header) from this much of its start.
HEAD_BYTES = 1 * MIB
SNIFF_LINES = 100
# Share of C0 control bytes (other than tab, newlines, form feed, EOF and escape) in the head
# above which the content is binary rather than text.
MAX_CONTROL_SHARE = 0.01

# Zip-bomb guards, checked from the archive directory before anything is decompressed.
MAX_ZIP_UNCOMPRESSED_BYTES = 2048 * MIB
MAX_SHARED_STRINGS_BYTES = 256 * MIB
MAX_ZIP_RATIO = 200
ZIP_RATIO_FLOOR_BYTES = 16 * MIB
MAX_ZIP_MEMBERS = 10_000
# The same idea for gzip, which has no trustworthy directory: checked while decompressing.
MAX_GZIP_RATIO = 1000
GZIP_RATIO_FLOOR_BYTES = 64 * MIB
# calamine reads a whole worksheet into a dense grid of 32-byte cells. A .xlsx/.xlsm sheet part
# declaring more uncompressed bytes than this, or whose grid could hold more cells, is streamed
# by the expat reader instead (measured: a 96 MiB part of ~470k rows x 6 columns peaks at
# ~400 MiB RSS scored through calamine, ~72 bytes of peak a cell; docs/limits.md); an .xlsb or
# .ods part past them is refused, having no streaming reader.
MAX_GRID_SHEET_BYTES = 96 * MIB
MAX_GRID_CELLS = 3_000_000
# An .ods run of equal non-empty cells or rows longer than this is refused (calamine expands it).
MAX_ODS_REPEAT = 65_536
