"""The statuses an ingestion result can have (a light module: no pipeline imports)."""

from __future__ import annotations

from typing import Literal

Status = Literal[
    "processed", "duplicate", "unmatched", "inactive", "not_found", "rejected", "ignored"
]
# Every status is final: the object was handled and its event need not be delivered again.
FINAL_STATUSES: frozenset[str] = frozenset(Status.__args__)  # type: ignore[attr-defined]
