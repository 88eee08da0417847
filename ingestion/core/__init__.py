"""The pure validation and scoring engine: (file bytes, schema definition) -> quality report.

Imports nothing from Django, boto3 or the database layer; the pipeline calls `score_file` (or
`unreadable_report` for an object it will not download) and stores `QualityReport.metrics`.

Every name below is loaded on first use (PEP 562), so importing one light module of the core
(`ingestion.core.scoring` for the pass mark, `limits`, `report`) costs only that module. Above
all `score_file` loads the engine (pyarrow, numpy, the readers) only when it is first asked
for: a process that never scores a file (the forward-mode worker, a command's --help, an idle
web worker) never pays for it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ingestion.core.engine import score_file
    from ingestion.core.limits import DEFAULT_CHUNK_ROWS, DEFAULT_SAMPLE_CAP, EngineLimits
    from ingestion.core.report import QualityReport, evidence_lines, unreadable_report
    from ingestion.core.scoring import CATEGORIES, PASS_SCORE, POINTS

__all__ = [
    "CATEGORIES",
    "DEFAULT_CHUNK_ROWS",
    "DEFAULT_SAMPLE_CAP",
    "PASS_SCORE",
    "POINTS",
    "EngineLimits",
    "QualityReport",
    "evidence_lines",
    "score_file",
    "unreadable_report",
]
# Each public name and the module of the core that defines it.
_HOMES = {
    "CATEGORIES": "scoring",
    "DEFAULT_CHUNK_ROWS": "limits",
    "DEFAULT_SAMPLE_CAP": "limits",
    "PASS_SCORE": "scoring",
    "POINTS": "scoring",
    "EngineLimits": "limits",
    "QualityReport": "report",
    "evidence_lines": "report",
    "score_file": "engine",
    "unreadable_report": "report",
}


def __getattr__(name: str) -> Any:
    """Load a public name's module when the name is first asked for."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})
