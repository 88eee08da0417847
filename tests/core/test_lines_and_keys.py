"""Building blocks: line placement around blank lines and quoted breaks, and the key sets."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingestion.core.checks.keys import DenseKeys, SeenKeys, hash_strings
from ingestion.core.readers.lines import LineTracker, RecordOrder, RejectedRow


def place(tracker, breaks):
    breaks = np.asarray(breaks, dtype=np.int64)
    starts = tracker.preview(breaks)
    tracker.commit(starts, breaks)
    return starts.tolist()


def test_records_follow_each_other_line_by_line():
    assert place(LineTracker(), [0, 0, 0]) == [1, 2, 3]


def test_blank_lines_push_later_records_down():
    tracker = LineTracker()
    tracker.add_blank_lines([1, 3, 4])
    assert place(tracker, [0, 0, 0]) == [2, 5, 6]
    assert place(tracker, [0]) == [7]


def test_a_record_spanning_lines_pushes_the_next_one_down():
    assert place(LineTracker(), [0, 2, 0]) == [1, 2, 5]


def test_an_empty_line_inside_a_quoted_value_is_not_a_blank_line():
    tracker = LineTracker()
    tracker.add_blank_lines([3, 6])
    assert place(tracker, [0, 2, 0, 0]) == [1, 2, 5, 7]


def test_a_preview_with_breaks_not_yet_counted_forgets_no_blank_line():
    tracker = LineTracker()
    tracker.add_blank_lines([4, 6])
    tracker.preview(np.asarray([0, 0, 3], dtype=np.int64))
    assert place(tracker, [3, 0, 0]) == [1, 5, 7]


def test_rejected_rows_are_put_back_between_kept_rows():
    order = RecordOrder()
    order.add_rejected([RejectedRow(3, 1, "x"), RejectedRow(6, 1, "y")])
    records, taken = order.place(4, final=False)
    assert records.tolist() == [1, 2, 4, 5]
    assert [row.number for row in taken] == [3]
    records, taken = order.place(0, final=True)
    assert [row.number for row in taken] == [6]


@pytest.mark.parametrize("store", [SeenKeys, DenseKeys])
def test_a_key_set_remembers_exactly_what_was_added(store):
    rng = np.random.default_rng(7)
    keys, seen = store(), set()
    for _ in range(30):
        batch = np.unique(rng.integers(-500, 5000, 200)).astype(np.int64)
        ordered = np.sort(batch.view(np.uint64))
        found = keys.contains(ordered)
        assert found.tolist() == [value in seen for value in ordered.view(np.int64).tolist()]
        keys.add(ordered[~found])
        seen.update(ordered[~found].view(np.int64).tolist())


def test_dense_keys_fall_back_to_sorted_runs_when_sparse():
    keys = DenseKeys()
    keys.add(np.array([1, 2, 3], dtype=np.int64).view(np.uint64))
    keys.add(np.array([10**15], dtype=np.int64).view(np.uint64))
    probe = np.sort(np.array([2, 4, 10**15], dtype=np.int64).view(np.uint64))
    assert keys.contains(probe).tolist() == [True, False, True]
    assert keys.nbytes < 1_000


def test_string_hashes_depend_on_every_byte_and_the_length():
    values = pa.array(["", "a", "a\x00", "abcdefgh", "abcdefgi", "abcdefghi", "abcdefgh"])
    hashes = hash_strings(values).tolist()
    assert len(set(hashes[:-1])) == 6
    assert hashes[3] == hashes[6]
    assert hash_strings(values.slice(3, 2)).tolist() == hashes[3:5]


@settings(max_examples=100, deadline=None)
@given(
    batches=st.lists(
        st.lists(st.integers(-3_000, 3_000) | st.integers(-(2**40), 2**40), max_size=60),
        max_size=12,
    )
)
def test_dense_keys_agree_with_a_set_as_the_bitmap_grows_both_ways(batches):
    keys, seen = DenseKeys(), set()
    for batch in batches:
        ordered = np.sort(np.unique(np.array(batch, dtype=np.int64)).view(np.uint64))
        found = keys.contains(ordered)
        assert found.tolist() == [value in seen for value in ordered.view(np.int64).tolist()]
        keys.add(ordered[~found])
        seen.update(ordered[~found].view(np.int64).tolist())


def test_ten_million_dense_ids_take_a_bit_each():
    keys = DenseKeys()
    for start in range(1, 10_000_001, 1_000_000):
        keys.add(np.arange(start, start + 1_000_000, dtype=np.int64).view(np.uint64))
    assert keys.nbytes <= 2 * 10_000_000 // 8
    probe = np.array([0, 1, 10_000_000, 10_000_001], dtype=np.int64).view(np.uint64)
    assert keys.contains(probe).tolist() == [False, True, True, False]
