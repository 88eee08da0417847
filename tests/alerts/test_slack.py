"""ingestion/slack.py: the poster never raises and stays brief; the messages read well in Slack."""

from __future__ import annotations

import json
import logging

import pytest
import requests

from ingestion.notify import slack
from tests.alerts.conftest import RUN_URL, WEBHOOK, answer


def a_failed_run_message(**overrides) -> dict:
    fields = {
        "agency": "acme",
        "file_name": "stations.csv",
        "bucket": "agency-drops",
        "key": "acme/stations.csv",
        "score": 65,
        "evidence": [
            "completeness: 2 nulls in station, first at line 3",
            "bounds_range: 1 invalid value in reading (1 above max 500), first at line 3",
        ],
        "run_id": 42,
        **overrides,
    }
    return slack.failed_run_message(**fields)


def texts(message: dict) -> str:
    """Every text of every block, in order, one per line."""
    found = []
    for block in message["blocks"]:
        if "text" in block:
            found.append(block["text"]["text"])
        found += [item["text"] for item in block.get("fields", []) + block.get("elements", [])]
    return "\n".join(found)


def test_the_message_is_posted_as_json_with_short_timeouts(slack_webhook):
    message = a_failed_run_message()
    assert slack.post(message) is True
    [call] = slack_webhook.calls
    assert json.loads(call.request.body) == message
    assert call.request.req_kwargs["timeout"] == (
        slack.CONNECT_TIMEOUT_SECONDS,
        slack.READ_TIMEOUT_SECONDS,
    )


def test_nothing_is_posted_without_a_webhook(slack_webhook, settings):
    settings.SLACK_WEBHOOK_URL = ""
    assert slack.post(a_failed_run_message()) is False
    assert len(slack_webhook.calls) == 0


def test_a_500_is_retried_once_then_logged_without_raising(slack_webhook, caplog):
    answer(slack_webhook, 500, 500)
    with caplog.at_level(logging.WARNING, logger="ingestion.notify.slack"):
        delivered = slack.post(a_failed_run_message(), context={"run_id": 42})
    assert delivered is False
    assert len(slack_webhook.calls) == slack.ATTEMPTS == 2
    [record] = [r for r in caplog.records if r.message == "slack alert not delivered"]
    assert (record.attempts, record.run_id) == (2, 42)
    assert record.problem.startswith("HTTP 500")


def test_a_500_then_a_200_is_delivered_on_the_second_attempt(slack_webhook, monkeypatch):
    waits = []
    monkeypatch.setattr(slack, "sleep", waits.append)
    answer(slack_webhook, 503, 200)
    assert slack.post(a_failed_run_message()) is True
    assert len(slack_webhook.calls) == 2
    assert waits == [slack.RETRY_BACKOFF_SECONDS]


def test_a_payload_slack_refuses_is_not_retried(slack_webhook):
    answer(slack_webhook, 400)
    assert slack.post(a_failed_run_message()) is False
    assert len(slack_webhook.calls) == 1


def test_a_read_timeout_is_not_retried_because_slack_may_have_posted_already(slack_webhook):
    answer(slack_webhook, requests.ReadTimeout("read timed out"))
    assert slack.post(a_failed_run_message()) is False
    assert len(slack_webhook.calls) == 1


def test_a_refused_connection_is_retried_and_the_log_never_shows_the_webhook_url(
    slack_webhook, caplog
):
    refused = requests.ConnectionError(f"Max retries exceeded with url: {WEBHOOK}")
    answer(slack_webhook, refused, refused)
    with caplog.at_level(logging.DEBUG):
        assert slack.post(a_failed_run_message()) is False
    assert len(slack_webhook.calls) == 2
    assert "not-a-real-secret" not in caplog.text
    [record] = [r for r in caplog.records if r.message == "slack alert not delivered"]
    assert record.problem == "ConnectionError"


def test_a_failed_run_lists_its_score_one_evidence_line_per_category_and_links_the_run(settings):
    settings.BMS_ADMIN_RUN_URL = RUN_URL
    message = a_failed_run_message()
    assert message["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Data quality failed: acme / stations.csv"},
    }
    body = texts(message)
    assert "*Agency*\nacme" in body
    assert "*Object*\n`s3://agency-drops/acme/stations.csv`" in body
    assert "*Score*\n65 / 100 (passes at 80)" in body
    assert (
        "*Failed checks*\n• completeness: 2 nulls in station, first at line 3\n"
        "• bounds_range: 1 invalid value in reading (1 above max 500), first at line 3"
    ) in body
    assert "<https://bms-admin.test/reporting/runs/42/|Run 42 in bms-admin>" in body
    assert message["text"].startswith("Data quality failed: acme / stations.csv: score 65 / 100")
    assert "completeness: 2 nulls in station" in message["text"]


def test_without_a_run_url_the_message_names_the_run_without_a_link(settings):
    settings.BMS_ADMIN_RUN_URL = ""
    body = texts(a_failed_run_message())
    assert "Run 42" in body
    assert "<http" not in body


def test_names_cannot_inject_slack_links_or_mentions():
    message = a_failed_run_message(file_name="<!channel> & <http://evil|x>.csv")
    escaped = "&lt;!channel&gt; &amp; &lt;http://evil|x&gt;.csv"
    assert f"*File*\n{escaped}" in texts(message)
    assert escaped in message["text"]
    # The header is plain text, which Slack never turns into a mention or a link.
    assert message["blocks"][0]["text"]["type"] == "plain_text"


def test_long_texts_are_clipped_to_slacks_limits():
    message = a_failed_run_message(file_name="f" * 500, evidence=["e" * 400] * 20)
    header, fields, checks = message["blocks"][:3]
    assert len(header["text"]["text"]) == slack.HEADER_LIMIT
    assert header["text"]["text"].endswith("…")
    assert all(len(field["text"]) <= slack.FIELD_LIMIT for field in fields["fields"])
    assert len(checks["text"]["text"]) == slack.SECTION_LIMIT
    assert len(message["text"]) <= slack.SECTION_LIMIT


def test_a_rejected_object_names_the_problem():
    message = slack.rejected_message(
        agency="acme",
        file_name="stations.csv",
        bucket="agency-drops",
        key="acme/stations.csv",
        problem="schema definition 7 is invalid: columns[0].type: unknown type 'uuid'",
    )
    assert message["blocks"][0]["text"]["text"] == "Object rejected: acme / stations.csv"
    assert "*Problem*\nschema definition 7 is invalid" in texts(message)
    assert "unknown type 'uuid'" in message["text"]


@pytest.mark.parametrize("range_name", ["daily", "monthly"])
def test_a_missing_file_names_its_range_and_the_period_expected(range_name):
    message = slack.missing_file_message(
        agency="acme",
        file_name="stations.csv",
        range_name=range_name,
        expected="2026-11-25 (UTC)",
        grace_minutes=60,
    )
    assert message["blocks"][0]["text"]["text"] == "File missing: acme / stations.csv"
    body = texts(message)
    assert f"*Range*\n{range_name}" in body
    assert "*Expected*\n2026-11-25 (UTC)" in body
    assert "60 min after it began" in body
    assert message["text"] == (
        f"File missing: acme / stations.csv: no {range_name} file for 2026-11-25 (UTC)."
    )
