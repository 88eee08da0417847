"""Named limits of the engine: chunking, sampling and the guards against hostile files."""

from __future__ import annotations

from dataclasses import dataclass

from ingestion.core.errors import FormatError

MIB = 1024 * 1024

# Rows handed to the checks at a time; peak memory follows this, not the file size. A wide
# table gets fewer rows a chunk, so that a chunk never holds more than MAX_CHUNK_CELLS cells.
DEFAULT_CHUNK_ROWS = 131_072
MAX_CHUNK_CELLS = 1_048_576
# Bytes pyarrow parses per block, and bytes the line scanner reads at a time when it reads
# alone; a row longer than a block is a format failure.
BLOCK_BYTES = 2 * MIB
SCAN_BYTES = 1 * MIB
# Blocks pyarrow may read past the last batch handed over (it would read some 32 ahead).
READ_AHEAD_BLOCKS = 3
MIN_BLOCK_BYTES = 64 * 1024
# Batches parsed ahead of the checks by the parsing thread, and chunks whose columns are read
# ahead of the rules by the reading thread.
PREFETCH_BATCHES = 2
READ_AHEAD_CHUNKS = 2

DEFAULT_SAMPLE_CAP = 5
# Longest cell value kept in a sample, and most column names listed in one report field.
MAX_SAMPLE_CHARS = 80
MAX_LISTED_COLUMNS = 50
# Header columns whose nulls the report's profile counts (history-aware monitoring): wider files
# are profiled on their first columns, and the profile says it is capped.
MAX_PROFILED_COLUMNS = 1_000

# Text is sniffed (encoding, binary content, delimiter, header) from this much of its start.
HEAD_BYTES = 1 * MIB
SNIFF_LINES = 100
# Share of C0 control bytes (other than tab, newlines, form feed, EOF and escape) in the head
# above which the content is binary rather than text.
MAX_CONTROL_SHARE = 0.01

# Zip-bomb guards, checked from the archive directory before anything is decompressed.
MAX_SHARED_STRINGS_BYTES = 256 * MIB
MAX_ZIP_RATIO = 200
ZIP_RATIO_FLOOR_BYTES = 16 * MIB
MAX_ZIP_MEMBERS = 10_000
# The same idea for gzip, which has no trustworthy directory: checked while decompressing.
# Real delimited text rarely compresses 20x; past the first 64 MiB, 100x is a bomb.
MAX_GZIP_RATIO = 100
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

# Defaults of the limits a deployment tunes (settings MAX_COLUMNS, MAX_DECOMPRESSED_MB and
# MAX_SCORING_SECONDS hand them to the engine as `EngineLimits`).
DEFAULT_MAX_COLUMNS = 5_000
DEFAULT_MAX_DECOMPRESSED_BYTES = 4096 * MIB
DEFAULT_MAX_SECONDS = 600.0


@dataclass(frozen=True)
class EngineLimits:
    """What one reading of one file may cost; going past any of them fails format_parsing.

    `max_columns` bounds the header (wide files cost memory per column), `max_decompressed_bytes`
    the text a gzip stream or a workbook expands to, `max_seconds` the wall-clock time of the
    whole scoring. Messages name the setting that tunes each one.
    """

    max_columns: int = DEFAULT_MAX_COLUMNS
    max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES
    max_seconds: float = DEFAULT_MAX_SECONDS

    def check_width(self, columns: int) -> None:
        """Refuse a header wider than `max_columns`: every column costs memory in every chunk."""
        if columns > self.max_columns:
            raise FormatError(
                f"the header has {columns:,} columns, over the limit of {self.max_columns:,} "
                "(MAX_COLUMNS)",
                columns=columns,
                limit=self.max_columns,
            )

    def chunk_rows(self, requested: int, columns: int) -> int:
        """Rows per chunk for a table `columns` wide: at most `requested`, at least one."""
        return max(1, min(requested, MAX_CHUNK_CELLS // max(columns, 1)))


DEFAULT_LIMITS = EngineLimits()
