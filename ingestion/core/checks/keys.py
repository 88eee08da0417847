"""Uniqueness state that stays small: 64-bit keys in sorted numpy runs, not a set of strings.

Typed single columns (integer, number, boolean, date, datetime) have exact 64-bit keys: the value
itself. Strings and multi-column keys are hashed to 64 bits; a repeated hash is only a candidate
until the real values confirm it (see `checks.uniqueness`). The seen keys live in a few
sorted arrays of geometrically growing size (8 bytes a key, at most about as much again while
two runs merge), searched only where their range overlaps a chunk's keys.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ingestion.core.arrays import Bytes, Keys, Mask, Typed
from ingestion.core.strings import string_buffers

WORD = 8
SEED = np.uint64(0x243F6A8885A308D3)
MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
MIX_2 = np.uint64(0x94D049BB133111EB)
ONE = np.uint64(1)
# A new run is merged into the previous one while that one is at most this many times larger.
MERGE_FACTOR = 2
# A bitmap of integer keys may cost this much per distinct key, or this much in all.
DENSE_BYTES_PER_KEY = 8
DENSE_FLOOR_BYTES = 1 << 20
BITS, SHIFT, LOW_BITS = 8, 3, 7


def _finalize(hashes: Keys) -> Keys:
    """Mix the bits of 64-bit hashes (splitmix64's finalizer), in place."""
    hashes ^= hashes >> np.uint64(30)
    hashes *= MIX_1
    hashes ^= hashes >> np.uint64(27)
    hashes *= MIX_2
    hashes ^= hashes >> np.uint64(31)
    return hashes


def hash_strings(values: pa.Array) -> Keys:
    """Hash every string of `values` to 64 bits, eight bytes at a time, with no loop per row."""
    count = len(values)
    if not count:
        return np.zeros(0, dtype=np.uint64)
    offsets, data = string_buffers(values)
    starts, lengths = offsets[:-1], np.diff(offsets)
    end = int(offsets[-1])
    padded = np.zeros(end + WORD, dtype=np.uint8)
    padded[:end] = data[:end]
    # Unaligned 8-byte words starting at every byte: words[i] reads bytes i..i+7.
    words: Keys = np.ndarray(shape=(end + 1,), dtype="<u8", buffer=padded, strides=(1,))
    hashes = lengths.astype(np.uint64) * MULTIPLIER ^ SEED
    longest = int(lengths.max())
    for step in range(0, longest, WORD):
        rows = np.flatnonzero(lengths > step)
        word = words[starts[rows] + step]
        left = lengths[rows] - step
        partial = left < WORD
        if partial.any():
            bits = (left[partial] * WORD).astype(np.uint64)
            word[partial] &= (ONE << bits) - ONE
        mixed = (hashes[rows] ^ word) * MULTIPLIER
        hashes[rows] = mixed ^ (mixed >> np.uint64(29))
    return _finalize(hashes)


def exact_key(typed: Typed) -> Keys:
    """Turn typed values into 64-bit keys that are equal exactly when the values are."""
    if typed.dtype == np.float64:
        normalized = typed + 0.0  # -0.0 becomes 0.0
        return normalized.view(np.uint64)
    return typed.astype(np.int64, copy=False).view(np.uint64)


def combine(left: Keys, right: Keys) -> Keys:
    """Hash two key arrays into one (for multi-column keys)."""
    mixed = (left ^ _finalize(right.copy())) * MULTIPLIER
    return _finalize(mixed + SEED)


class SeenKeys:
    """The set of keys seen so far, as sorted runs of unique uint64."""

    def __init__(self) -> None:
        self._runs: list[Keys] = []

    @property
    def nbytes(self) -> int:
        return sum(run.nbytes for run in self._runs)

    def contains(self, sorted_keys: Keys) -> Mask:
        """Return which of `sorted_keys` (ascending) have been seen."""
        found = np.zeros(len(sorted_keys), dtype=bool)
        if not len(sorted_keys):
            return found
        for run in self._runs:
            low = int(np.searchsorted(sorted_keys, run[0], side="left"))
            high = int(np.searchsorted(sorted_keys, run[-1], side="right"))
            if low >= high:
                continue
            window = sorted_keys[low:high]
            where = np.minimum(np.searchsorted(run, window), len(run) - 1)
            found[low:high] |= run[where] == window
        return found

    def add(self, sorted_unique: Keys) -> None:
        """Add keys known to be new, ascending and unique."""
        if not len(sorted_unique):
            return
        self._runs.append(sorted_unique)
        while len(self._runs) > 1 and len(self._runs[-2]) <= MERGE_FACTOR * len(self._runs[-1]):
            newer = self._runs.pop()
            older = self._runs.pop()
            merged = np.concatenate([older, newer])
            del older, newer
            merged.sort(kind="stable")
            self._runs.append(merged)


class DenseKeys:
    """Integer keys as bits of a bitmap while they are dense, sorted runs once they are not.

    Identifiers are usually dense (1..N): a bit per possible value then beats 8 bytes per key and
    needs no sorting (10 million ids take 1.25 MB). The map may use at most
    `DENSE_BYTES_PER_KEY` bytes per distinct key (or `DENSE_FLOOR_BYTES` in all); past that the
    keys move into `SeenKeys` for good.
    """

    def __init__(self) -> None:
        self._runs = SeenKeys()
        self._bits: Bytes | None = None
        self._base = 0
        self._distinct = 0
        self._dense = True

    @property
    def nbytes(self) -> int:
        return self._runs.nbytes + (self._bits.nbytes if self._bits is not None else 0)

    def contains(self, sorted_keys: Keys) -> Mask:
        if not self._dense:
            return self._runs.contains(sorted_keys)
        found = np.zeros(len(sorted_keys), dtype=bool)
        if self._bits is None or not len(sorted_keys):
            return found
        offsets = sorted_keys.view(np.int64) - self._base
        inside = (offsets >= 0) & (offsets < len(self._bits) * BITS)
        at = offsets[inside]
        found[inside] = (self._bits[at >> SHIFT] >> (at & LOW_BITS).astype(np.uint8)) & 1 == 1
        return found

    def add(self, sorted_unique: Keys) -> None:
        if not len(sorted_unique):
            return
        if not self._dense:
            self._runs.add(sorted_unique)
            return
        signed = sorted_unique.view(np.int64)
        low, high = int(signed.min()), int(signed.max())
        if self._bits is not None:
            low = min(low, self._base)
            high = max(high, self._base + len(self._bits) * BITS - 1)
        self._distinct += len(signed)
        span = high - low + 1
        if span // BITS > max(DENSE_BYTES_PER_KEY * self._distinct, DENSE_FLOOR_BYTES):
            self._to_runs(sorted_unique)
            return
        bits = self._cover(low, span)
        offsets = signed - self._base
        if signed[0] >= 0 > signed[-1]:
            offsets.sort()  # sorted as unsigned, negative keys came last
        # Keys are sorted and unique: the bits of one byte are neighbours, joined in one pass.
        byte = offsets >> SHIFT
        starts = np.flatnonzero(np.concatenate(([True], byte[1:] != byte[:-1])))
        flags = np.left_shift(np.uint8(1), (offsets & LOW_BITS).astype(np.uint8))
        bits[byte[starts]] |= np.bitwise_or.reduceat(flags, starts)

    def _cover(self, low: int, span: int) -> Bytes:
        """Return the bitmap, grown first if it does not reach from `low` over `span` keys.

        The base stays a multiple of 8, so that growing moves whole bytes.
        """
        old = self._bits
        if old is not None and low >= self._base and low + span <= self._base + len(old) * BITS:
            return old
        base = low - low % BITS
        size = -(-(low + span - base) // BITS)
        if old is not None:
            size = max(size, 2 * len(old))
        grown = np.zeros(size, dtype=np.uint8)
        if old is not None:
            start = (self._base - base) // BITS
            grown[start : start + len(old)] = old
        self._bits, self._base = grown, base
        return grown

    def _to_runs(self, sorted_unique: Keys) -> None:
        if self._bits is not None:
            set_bits = np.flatnonzero(np.unpackbits(self._bits, bitorder="little"))
            self._runs.add(np.sort((set_bits + self._base).view(np.uint64)))
        self._runs.add(sorted_unique)
        self._bits, self._dense = None, False
