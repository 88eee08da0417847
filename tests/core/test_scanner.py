"""The line scanner paces the parser's reads, and never stalls it for good."""

from __future__ import annotations

import io
import threading

from ingestion.core.readers import scanner as scanner_module
from ingestion.core.readers.scanner import LineScanner
from tests.polling import wait_until

TEXT = b"".join(b"%d,x\n" % number for number in range(20_000))
STEP = 4096


def read_all(source: LineScanner, seen: list[tuple[int, float]]) -> None:
    """Read as pyarrow would, noting after each read how far it got and how far it may go."""
    while data := source.read(STEP):
        seen.append((source.position, source._limit))
        assert data


def test_reads_wait_at_the_allowed_position_until_more_is_allowed():
    source = LineScanner(io.BytesIO(TEXT))
    source.allow(3 * STEP)
    seen: list[tuple[int, float]] = []
    reader = threading.Thread(target=read_all, args=(source, seen), daemon=True)
    reader.start()
    wait_until(lambda: source.position == 3 * STEP)
    assert reader.is_alive()
    for allowed in range(4 * STEP, len(TEXT) + STEP, STEP):
        source.allow(allowed)
    reader.join(timeout=10)
    assert not reader.is_alive()
    assert source.position == len(TEXT)
    assert source.breaks == 20_000
    assert all(position <= limit for position, limit in seen)


def test_the_consumer_asking_for_a_line_lifts_the_pace():
    source = LineScanner(io.BytesIO(TEXT))
    source.allow(STEP)
    reader = threading.Thread(target=read_all, args=(source, []), daemon=True)
    reader.start()
    state = source.scan_to(10_000)
    assert state.breaks >= 10_000
    reader.join(timeout=10)
    assert source.exhausted


def test_a_read_held_back_too_long_goes_on(monkeypatch):
    monkeypatch.setattr(scanner_module, "STALL_SECONDS", 0.01)
    source = LineScanner(io.BytesIO(TEXT))
    source.allow(0)
    assert source.read(STEP) == TEXT[:STEP]


def test_closing_ends_a_waiting_read():
    source = LineScanner(io.BytesIO(TEXT))
    source.allow(0)
    result: list[bytes] = []
    reader = threading.Thread(target=lambda: result.append(source.read(STEP)), daemon=True)
    reader.start()
    source.close()
    reader.join(timeout=10)
    assert result == [b""]
