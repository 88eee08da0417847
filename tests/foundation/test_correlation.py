"""The correlation id: bound per unit of work, per thread, and only sane ids taken from outside."""

from __future__ import annotations

import threading

import pytest

from ingestion import correlation
from ingestion.core.readers.prefetch import Prefetcher


def test_an_id_is_bound_for_the_block_and_the_outer_one_comes_back():
    assert correlation.current_id() is None
    with correlation.bound("outer"):
        with correlation.bound("inner") as inner:
            assert correlation.current_id() == inner == "inner"
        assert correlation.current_id() == "outer"
    assert correlation.current_id() is None


def test_binding_without_an_id_binds_a_new_one_each_time():
    with correlation.bound() as first, correlation.bound() as second:
        assert correlation.current_id() == second
    assert first != second
    assert len(first) == 32


def test_each_thread_carries_its_own_id():
    seen: dict[str, str | None] = {}
    both_bound = threading.Barrier(2, timeout=10)

    def work(name: str) -> None:
        with correlation.bound(name):
            both_bound.wait()  # each thread reads while the other's id is bound too
            seen[name] = correlation.current_id()

    threads = [threading.Thread(target=work, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"a": "a", "b": "b"}
    assert correlation.current_id() is None


def test_the_read_ahead_thread_of_the_core_sees_the_callers_id():
    def source():
        yield correlation.current_id()

    with correlation.bound("message-1"):
        prefetcher = Prefetcher(source(), depth=1)
        try:
            assert list(prefetcher) == ["message-1"]
        finally:
            prefetcher.close()


@pytest.mark.parametrize(
    "incoming",
    [
        "5f0c2a9e-8d7b-4e1f-9a3c-6b2d1e0f4a7c",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "req_42.retry:1",
        "x" * correlation.MAX_INCOMING_ID_CHARS,
    ],
)
def test_a_sane_incoming_id_is_taken_as_it_is(incoming):
    assert correlation.accept(incoming) == incoming


@pytest.mark.parametrize(
    "incoming",
    [
        None,
        "",
        "x" * (correlation.MAX_INCOMING_ID_CHARS + 1),
        "abc\ndef",
        "abc\r\nlevel=ERROR",
        "abc\x00",
        "abc\x1b[31m",
        "two words",
        '{"json": true}',
        "é",
    ],
)
def test_a_missing_or_hostile_incoming_id_is_replaced_by_a_new_one(incoming):
    accepted = correlation.accept(incoming)
    assert accepted != incoming
    assert len(accepted) == 32
    assert accepted.isalnum()
