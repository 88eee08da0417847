"""The buffer-level string tests agree with pyarrow's kernels on every array."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from ingestion.core.strings import NullSpellings, trim
from schemas.spelling import DEFAULT_NULL_VALUES

# Short texts over an alphabet rich in what trimming and null spellings care about.
CHARS = st.sampled_from([*"aN/#ULlnoe \t\r\n\x0b\x1c\xa0\u3000é0", "NULL", "N/A", "None"])
TEXTS = st.lists(CHARS, max_size=4).map("".join)
CELLS = st.lists(st.none() | TEXTS, max_size=40)
SPELLINGS = st.lists(TEXTS, max_size=4)


def reference_nulls(values: pa.Array, spellings: list[str]) -> list[bool]:
    listed = pc.is_in(values, value_set=pa.array(sorted({"", *spellings}), pa.string()))
    pairs = zip(values.to_pylist(), listed.to_pylist(), strict=True)
    return [value is None or flag for value, flag in pairs]


def sliced(cells: list[str | None], start: int) -> pa.Array:
    """The cells as a slice of a longer array, so that the first offset is not zero."""
    whole = pa.array(["pad"] * start + cells, pa.string())
    return whole.slice(start)


@settings(max_examples=200, deadline=None)
@given(cells=CELLS, spellings=SPELLINGS, start=st.integers(0, 3))
def test_null_spellings_match_exactly_what_is_in_finds(cells, spellings, start):
    values = sliced(cells, start)
    found = NullSpellings(spellings).mask(values)
    assert found.tolist() == reference_nulls(values, spellings)


@settings(max_examples=200, deadline=None)
@given(cells=CELLS, start=st.integers(0, 3))
def test_trim_gives_what_pyarrow_trimming_gives(cells, start):
    values = sliced(cells, start)
    assert trim(values).to_pylist() == pc.utf8_trim_whitespace(values).to_pylist()


def test_trim_hands_back_the_same_array_when_nothing_needs_trimming():
    values = pa.array(["ab", "", None, "x y"], pa.string())
    assert trim(values) is values
    assert trim(pa.array([" ab"], pa.string())).to_pylist() == ["ab"]


def test_a_column_full_of_null_spellings_is_checked_whole():
    values = pa.array(["NULL", "null", "N/A", "x"] * 10, pa.string())
    mask = NullSpellings(DEFAULT_NULL_VALUES).mask(values)
    assert mask.tolist() == [True, True, True, False] * 10


def test_a_large_string_array_is_read_with_64_bit_offsets():
    values = pa.array(["NULL", "x", "", None], pa.large_string())
    assert NullSpellings(DEFAULT_NULL_VALUES).mask(values).tolist() == [True, False, True, True]
    assert np.array_equal(NullSpellings([]).mask(values), [False, False, True, True])
