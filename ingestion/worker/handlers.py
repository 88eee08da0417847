"""What to do with one parsed message: run the pipeline here, or forward it to the service.

Both handlers answer a `Verdict`; only the last step differs: `InProcess` calls the pipeline in
this process, `ForwardToService` POSTs the raw body to the HTTP service's trigger endpoint.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Literal

import requests
from django.db import close_old_connections

from ingestion import correlation
from ingestion.errors import SourceUnavailable
from ingestion.pipeline.events import ParsedEvent
from ingestion.pipeline.statuses import FINAL_STATUSES

logger = logging.getLogger(__name__)

Outcome = Literal["handled", "poison", "retry"]

TRIGGER_PATH = "/api/trigger-ingestion/"
FORWARD_CONNECT_TIMEOUT_SECONDS = 5
# The service's own request timeout (gunicorn, 900 s) plus a margin: the visibility heartbeat
# keeps the message hidden while the worker waits, so this may exceed the visibility timeout.
FORWARD_READ_TIMEOUT_SECONDS = 930
# Only an answer about the event itself is permanent. 400 is not: Django answers it for a Host
# header missing from DJANGO_ALLOWED_HOSTS, a configuration error that would otherwise make the
# worker delete every message. 401/403 (our token), 404/405 (a wrong URL), 408, 429 and anything
# else may heal, so those messages stay in the queue and reach the DLQ if they never do.
PERMANENT_HTTP_STATUSES = frozenset({HTTPStatus.UNPROCESSABLE_ENTITY})
AUTH_HTTP_STATUSES = frozenset({HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN})
_DETAIL_CHARS = 300


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    statuses: tuple[str, ...] = ()
    detail: str = ""

    @classmethod
    def from_statuses(cls, statuses: Iterable[str]) -> Verdict:
        statuses = tuple(statuses)
        unfinished = sorted({s for s in statuses if s not in FINAL_STATUSES})
        if unfinished:
            return cls("retry", statuses, f"records without a final status: {unfinished}")
        return cls("handled", statuses)


Handler = Callable[[ParsedEvent, str], Verdict]


class InProcess:
    """Run the pipeline in this process (a long-running one: stale connections are dropped)."""

    mode = "in-process"

    def __call__(self, event: ParsedEvent, body: str) -> Verdict:
        # Imported here so the forward-mode sidecar never loads the engine (pandas, pyarrow).
        from ingestion.pipeline.services import process_event

        close_old_connections()
        try:
            results = process_event(event)
        except SourceUnavailable as exc:
            return Verdict("retry", detail=exc.message)
        finally:
            close_old_connections()
        return Verdict.from_statuses(result.status for result in results)


class ForwardToService:
    """POST the raw body to the HTTP service's trigger endpoint, as S3 would via a push.

    The message's correlation id goes along as X-Request-ID, so the service's log lines about
    the object carry the same id as the worker's. Each thread keeps one `requests.Session`, so
    its connection to the service is reused from message to message instead of opened anew.
    """

    mode = "forward"

    def __init__(self, base_url: str, token: str) -> None:
        self.url = trigger_url(base_url)
        self.headers = {"Content-Type": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self._local = threading.local()

    def __call__(self, event: ParsedEvent, body: str) -> Verdict:
        try:
            response = self._session().post(
                self.url,
                data=body.encode("utf-8"),
                headers=self._headers(),
                timeout=(FORWARD_CONNECT_TIMEOUT_SECONDS, FORWARD_READ_TIMEOUT_SECONDS),
            )
        except requests.RequestException as exc:
            # Refused, reset or timed out: a draining or restarting service, never the message.
            return Verdict("retry", detail=f"the service did not answer: {exc}")
        return self._verdict(response)

    def _session(self) -> requests.Session:
        # A Session is not documented as thread-safe: one per thread of the worker's pool.
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def _headers(self) -> dict[str, str]:
        correlation_id = correlation.current_id()
        if correlation_id is None:
            return self.headers
        return {**self.headers, correlation.REQUEST_ID_HEADER: correlation_id}

    def _verdict(self, response: requests.Response) -> Verdict:
        status = response.status_code
        if status == HTTPStatus.OK:
            try:
                return Verdict.from_statuses(r["status"] for r in response.json()["results"])
            except (ValueError, KeyError, TypeError):
                return Verdict("retry", detail="the service answered 200 without results")
        detail = f"the service answered {status}: {_response_detail(response)}"
        if status in AUTH_HTTP_STATUSES:
            logger.error(
                "the service refused the worker's token: check INGESTION_API_TOKEN",
                extra={"url": self.url, "status": status},
            )
        if status in PERMANENT_HTTP_STATUSES:
            return Verdict("poison", detail=detail)
        return Verdict("retry", detail=detail)


def trigger_url(base_url: str) -> str:
    """The trigger endpoint under a service base URL (a full endpoint URL is kept as given)."""
    base = base_url.rstrip("/")
    if base.endswith(TRIGGER_PATH.rstrip("/")):
        return f"{base}/"
    return f"{base}{TRIGGER_PATH}"


def _response_detail(response: requests.Response) -> str:
    try:
        detail = response.json().get("detail", "")
    except (ValueError, AttributeError):
        detail = response.text
    return str(detail)[:_DETAIL_CHARS]
