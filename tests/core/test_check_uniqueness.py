"""uniqueness: key checks over chunks; exact keys at once, hashed ones on a second pass."""

from __future__ import annotations

import numpy as np

from ingestion.core.checks import uniqueness
from ingestion.core.checks.keys import DenseKeys, SeenKeys
from ingestion.core.checks.uniqueness import PRIMARY_KEY, UNIQUE, key_checks
from tests.core.conftest import column, definition, read_cells

SPEC = definition(
    column("id", "integer", unique=True),
    column("code", unique=True),
    column("day", "date"),
    primary_key=["code", "day"],
)


def placed(spec, names):
    return tuple((spec.column(name), index) for index, name in enumerate(names))


def read(spec, names, rows):
    return {
        index: read_cells([row[index] for row in rows], spec.column(name))
        for index, name in enumerate(names)
    }


def test_unique_columns_come_first_then_the_primary_key_when_all_its_columns_are_present():
    checks = key_checks(SPEC, placed(SPEC, ["id", "code", "day"]))
    assert [(c.label, c.rule, c.exact) for c in checks] == [
        ("id", UNIQUE, True),
        ("code", UNIQUE, False),
        ("code+day", PRIMARY_KEY, False),
    ]
    assert isinstance(checks[0].seen, DenseKeys)
    assert isinstance(checks[1].seen, SeenKeys)
    assert [c.label for c in key_checks(SPEC, placed(SPEC, ["code", "id"]))] == ["id", "code"]


def test_exact_keys_find_repeats_across_chunks_and_ignore_nulls_and_bad_values():
    names = ["id"]
    (check,) = key_checks(SPEC, placed(SPEC, names))
    first = check.scan(read(SPEC, names, [["1"], ["2"], [""], ["1"], ["x"]]))
    second = check.scan(read(SPEC, names, [["01"], [""], ["x"], ["3"], ["3"]]))
    assert first.tolist() == [3]
    assert second.tolist() == [0, 4]
    assert check.candidates == []


def test_a_primary_key_compares_the_combination_of_its_trimmed_values():
    names = ["code", "day"]
    check = key_checks(SPEC, placed(SPEC, names))[-1]
    rows = [["A", "2021-01-01"], [" A ", "2021-01-01"], ["A", "2021-01-02"], ["", "2021-01-01"]]
    assert check.scan(read(SPEC, names, rows)).tolist() == [1]
    assert check.shown(read(SPEC, names, rows), np.array([1])) == [(" A ", "2021-01-01")]


def test_repeated_hashes_are_only_duplicates_when_the_real_values_repeat(monkeypatch):
    monkeypatch.setattr(uniqueness, "hash_strings", lambda values: np.zeros(len(values), np.uint64))
    spec = definition(column("code", unique=True))
    (check,) = key_checks(spec, placed(spec, ["code"]))
    chunks = [[["a"], ["b"]], [["a"], ["c"], ["b"], ["b"]]]
    candidates = [check.scan(read(spec, ["code"], rows)).tolist() for rows in chunks]
    assert candidates == [[1], [0, 1, 2, 3]]
    pending = np.unique(np.concatenate(check.candidates))
    confirmed = [check.confirm(read(spec, ["code"], rows), pending).tolist() for rows in chunks]
    assert confirmed == [[], [0, 2, 3]]
