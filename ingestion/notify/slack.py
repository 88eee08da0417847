"""Slack incoming webhook: the alert messages and one poster that never raises.

`post` sends a message to SLACK_WEBHOOK_URL with short timeouts and at most `ATTEMPTS` tries, so a
Slack outage costs an ingestion a few seconds at worst and is logged, never raised. Messages are
incoming-webhook JSON: `text` (the notification and fallback) plus Block Kit `blocks`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from time import sleep
from typing import Any

from django.conf import settings

from ingestion.core.scoring import PASS_SCORE

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 2
READ_TIMEOUT_SECONDS = 3
ATTEMPTS = 2
RETRY_BACKOFF_SECONDS = 0.5
# Slack refuses longer header texts and longer section or field texts.
HEADER_LIMIT = 150
FIELD_LIMIT = 2000
SECTION_LIMIT = 3000
# Slack answers these when Slack itself is struggling; any other 4xx will not heal on a retry.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})

Message = dict[str, Any]


def is_configured() -> bool:
    return bool(settings.SLACK_WEBHOOK_URL)


def run_url(run_id: int | None) -> str | None:
    """The bms-admin page of a run, when BMS_ADMIN_RUN_URL is set."""
    if run_id is None or not settings.BMS_ADMIN_RUN_URL:
        return None
    return settings.BMS_ADMIN_RUN_URL.replace("{run_id}", str(run_id))


def post(message: Message, *, context: Mapping[str, Any] | None = None) -> bool:
    """Post a message to the webhook; return whether Slack accepted it. Never raises."""
    if not is_configured():
        return False
    extra = dict(context or {})
    problem = ""
    for attempt in range(1, ATTEMPTS + 1):
        if attempt > 1:
            sleep(RETRY_BACKOFF_SECONDS * (attempt - 1))
        problem, retryable = _attempt(message)
        if not problem:
            logger.info("slack alert sent", extra={**extra, "attempts": attempt})
            return True
        if not retryable:
            break
    logger.warning(
        "slack alert not delivered", extra={**extra, "attempts": attempt, "problem": problem}
    )
    return False


def _attempt(message: Message) -> tuple[str, bool]:
    """Send once; return (problem, retryable), the problem empty on success."""
    # Loaded on the first alert: most processes never send one, and requests costs ~15 MiB.
    import requests

    try:
        response = requests.post(
            settings.SLACK_WEBHOOK_URL,
            json=message,
            timeout=(CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS),
        )
    except requests.ReadTimeout:
        # Slack may have posted the message already: a second try could post it twice.
        return "ReadTimeout", False
    except requests.RequestException as exc:
        # The exception's text holds the webhook URL, which is a secret: log its type only.
        return type(exc).__name__, True
    if response.ok:
        return "", False
    return f"HTTP {response.status_code} {response.text[:100]}", (
        response.status_code in RETRYABLE_STATUSES
    )


def failed_run_message(
    *,
    agency: str,
    file_name: str,
    bucket: str,
    key: str,
    score: int,
    evidence: list[str],
    run_id: int | None,
    unusual: Sequence[str] = (),
) -> Message:
    """A processed file scored under the pass mark: its score and one line per failed category.

    `unusual` holds the run's trend anomalies, if any: one message per run carries both.
    """
    title = f"Data quality failed: {agency} / {file_name}"
    verdict = f"{score} / 100 (passes at {PASS_SCORE})"
    checks = "\n".join(f"• {_escape(line)}" for line in evidence) or "• (no evidence recorded)"
    blocks = [
        _header(title),
        _fields(*_object_fields(agency, file_name, bucket, key), ("Score", verdict)),
        _section(f"*Failed checks*\n{checks}"),
        *([_unusual_section(unusual)] if unusual else []),
        _run_context(run_id),
    ]
    text = f"{title}: score {verdict}. " + "; ".join([*evidence, *unusual])
    return _message(text, blocks)


def unusual_run_message(
    *,
    agency: str,
    file_name: str,
    bucket: str,
    key: str,
    score: int,
    unusual: Sequence[str],
    run_id: int | None,
) -> Message:
    """A processed file that passed but is unlike its usual self: one line per trend anomaly."""
    title = f"Unusual file: {agency} / {file_name}"
    verdict = f"{score} / 100 (passed)"
    blocks = [
        _header(title),
        _fields(*_object_fields(agency, file_name, bucket, key), ("Score", verdict)),
        _unusual_section(unusual),
        _run_context(run_id),
    ]
    text = f"{title}: score {verdict}, but " + "; ".join(unusual)
    return _message(text, blocks)


def rejected_message(
    *, agency: str, file_name: str, bucket: str, key: str, problem: str
) -> Message:
    """An object of a watched file that could not be scored at all, and why."""
    title = f"Object rejected: {agency} / {file_name}"
    blocks = [
        _header(title),
        _fields(*_object_fields(agency, file_name, bucket, key)),
        _section(f"*Problem*\n{_escape(problem)}"),
    ]
    return _message(f"{title}. {problem}", blocks)


def missing_file_message(
    *, agency: str, file_name: str, range_name: str, expected: str, grace_minutes: int
) -> Message:
    """A watched file with no run in a period whose grace time has passed."""
    title = f"File missing: {agency} / {file_name}"
    blocks = [
        _header(title),
        _fields(
            ("Agency", _escape(agency)),
            ("File", _escape(file_name)),
            ("Range", _escape(range_name)),
            ("Expected", _escape(expected)),
        ),
        _context(
            f"No run was recorded in this period; checked {grace_minutes} min after it began."
        ),
    ]
    return _message(f"{title}: no {range_name} file for {expected}.", blocks)


def _unusual_section(unusual: Sequence[str]) -> dict[str, Any]:
    lines = "\n".join(f"• {_escape(line)}" for line in unusual)
    return _section(f"*Unlike its recent runs*\n{lines}")


def _object_fields(agency: str, file_name: str, bucket: str, key: str) -> list[tuple[str, str]]:
    return [
        ("Agency", _escape(agency)),
        ("File", _escape(file_name)),
        ("Object", f"`s3://{_escape(bucket)}/{_escape(key)}`"),
    ]


def _message(text: str, blocks: list[dict[str, Any]]) -> Message:
    # Slack reads the top-level text as mrkdwn too: it is the notification and the fallback.
    return {"text": _clip(_escape(text), SECTION_LIMIT), "blocks": blocks}


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": _clip(text, HEADER_LIMIT)}}


def _fields(*pairs: tuple[str, str]) -> dict[str, Any]:
    fields = [_mrkdwn(_clip(f"*{name}*\n{value}", FIELD_LIMIT)) for name, value in pairs]
    return {"type": "section", "fields": fields}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(_clip(text, SECTION_LIMIT))}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [_mrkdwn(_clip(text, SECTION_LIMIT))]}


def _run_context(run_id: int | None) -> dict[str, Any]:
    url = run_url(run_id)
    if url is not None:
        return _context(f"<{url}|Run {run_id} in bms-admin>")
    return _context(f"Run {run_id}")


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def _escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
