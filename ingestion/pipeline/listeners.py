"""The pipeline's one outward hook: whoever needs to hear of a handled object subscribes here.

The pipeline announces every result it returns and knows nothing of its listeners, so it imports
nothing above itself; `IngestionConfig.ready` subscribes the alerts. A listener must not raise:
what it does (e.g. schedule a Slack message after the commit) is its own business.
"""

from __future__ import annotations

from collections.abc import Callable

from ingestion.pipeline.results import IngestionResult

Listener = Callable[[IngestionResult], None]

_listeners: list[Listener] = []


def subscribe(listener: Listener) -> None:
    """Call `listener` with every result the pipeline returns from now on (once per listener)."""
    if listener not in _listeners:
        _listeners.append(listener)


def announce(result: IngestionResult) -> None:
    """Hand `result` to every listener, in the order they subscribed."""
    for listener in _listeners:
        listener(result)
