"""Line numbers a person sees, for rows pyarrow parsed without telling where they were.

pyarrow numbers the records it rejects (header = 1, blank lines not counted) but not the rows it
keeps, and it drops blank lines silently. `RecordOrder` puts kept and rejected records back in
file order; `LineTracker` turns a run of records into the physical line each starts on, from the
line breaks inside their values and the blank lines `LineScanner` saw. Both are exact, and both
stay cheap in the common case: no rejected rows, no quoted line breaks, no blank lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ingestion.core.arrays import Int64s


@dataclass(frozen=True)
class RejectedRow:
    """A record pyarrow did not keep: wrong field count (or a whitespace-only line)."""

    number: int
    fields: int
    text: str

    @property
    def breaks(self) -> int:
        return count_breaks(self.text)

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def count_breaks(text: str) -> int:
    """Count line breaks in `text`: CRLF, CR or LF."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _ranks(positions: Int64s, marks: Int64s) -> Int64s:
    """Shift `positions` (ascending, counted without the marks) by the marks that precede them.

    `marks` are ascending positions in the full sequence; mark k precedes the item whose
    position, counted without marks, is p when `marks[k] - k <= p`.
    """
    if not len(marks):
        return positions
    return positions + np.searchsorted(marks - np.arange(len(marks)), positions, side="right")


class RecordOrder:
    """Record numbers of kept rows, with the rejected rows that fall among them."""

    def __init__(self) -> None:
        self._next = 1
        self._pending: list[RejectedRow] = []

    def add_rejected(self, rows: list[RejectedRow]) -> None:
        if rows:
            self._pending = sorted(self._pending + rows, key=lambda row: row.number)

    def place(self, kept: int, final: bool) -> tuple[Int64s, list[RejectedRow]]:
        """Return the record numbers of the next `kept` rows and the rejected rows among them."""
        numbers = np.array([row.number for row in self._pending], dtype=np.int64)
        records = _ranks(self._next + np.arange(kept, dtype=np.int64), numbers)
        if final:
            take = len(numbers)
        elif kept:
            take = int(np.searchsorted(numbers, records[-1]))
        else:
            take = 0
        taken, self._pending = self._pending[:take], self._pending[take:]
        if kept:
            self._next = int(records[-1]) + 1
        return records, taken


class LineTracker:
    """Physical start line of each record, given its embedded line breaks and the blank lines."""

    def __init__(self) -> None:
        self._next_line = 1
        self._blanks: Int64s = np.zeros(0, dtype=np.int64)

    def add_blank_lines(self, lines: list[int]) -> None:
        if lines:
            self._blanks = np.concatenate([self._blanks, np.asarray(lines, dtype=np.int64)])

    def preview(self, breaks: Int64s) -> Int64s:
        """Return the start lines of the next `len(breaks)` records from the blank lines known."""
        base = self._next_line + np.arange(len(breaks), dtype=np.int64)
        if breaks.any():
            base += np.cumsum(breaks) - breaks
        starts = _ranks(base, self._blanks)
        if len(self._blanks) and breaks.any():
            starts = self._drop_quoted_blanks(base, breaks, starts)
        return starts

    def commit(self, starts: Int64s, breaks: Int64s) -> None:
        """Move past records placed by `preview`."""
        if len(starts):
            end = int(starts[-1] + breaks[-1])
            self._next_line = end + 1
            self._blanks = self._blanks[self._blanks > end]

    def _drop_quoted_blanks(self, base: Int64s, breaks: Int64s, starts: Int64s) -> Int64s:
        """Leave out "blank lines" that are empty lines inside a quoted multi-line value.

        Only this preview leaves them out: a preview may be made with breaks not yet counted,
        and a real blank line it mistook for a quoted one must still be there for the next.
        `commit` forgets every blank line of the records it moves past.
        """
        blanks = self._blanks
        while True:
            owner = np.searchsorted(starts, blanks, side="right") - 1
            valid = owner >= 0
            inside = np.zeros(len(blanks), dtype=bool)
            first, spans = starts[owner[valid]], breaks[owner[valid]]
            inside[valid] = (blanks[valid] > first) & (blanks[valid] <= first + spans)
            if not inside.any():
                return starts
            first_owner = owner[np.flatnonzero(inside)[0]]
            blanks = blanks[~(inside & (owner == first_owner))]
            starts = _ranks(base, blanks)
