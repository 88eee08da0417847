"""Fixtures of the alert tests: a Slack webhook answered by `responses`, retries without waits."""

from __future__ import annotations

import pytest
import responses

WEBHOOK = "https://hooks.slack.test/services/T000/B000/not-a-real-secret"
RUN_URL = "https://bms-admin.test/reporting/runs/{run_id}/"


@pytest.fixture
def slack_webhook(settings, monkeypatch):
    """SLACK_WEBHOOK_URL set and answered 200 "ok" by `responses`; yields the mock to inspect."""
    from moto.core.models import override_responses_real_send

    from ingestion.notify import slack

    settings.SLACK_WEBHOOK_URL = WEBHOOK
    settings.BMS_ADMIN_RUN_URL = ""
    monkeypatch.setattr(slack, "sleep", lambda seconds: None)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        # Whichever starts first, requests that moto does not know reach this mock, not the net.
        override_responses_real_send(mock)
        mock.post(WEBHOOK, body="ok")
        yield mock
    override_responses_real_send(None)


def answer(mock: responses.RequestsMock, *bodies) -> None:
    """Replace the webhook's answer with one answer per call (a status code or an exception)."""
    mock.remove(responses.POST, WEBHOOK)
    for body in bodies:
        if isinstance(body, int):
            mock.post(WEBHOOK, status=body, body="no")
        else:
            mock.post(WEBHOOK, body=body)
