"""Alert settings: validated at start-up, and one info line when alerts are off."""

from __future__ import annotations

import logging

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from service import env as service_env
from tests.foundation.test_settings import run_manage

ALERTS_OFF = "SLACK_WEBHOOK_URL is not set: Slack alerts are off"


def test_without_a_webhook_start_up_says_once_that_alerts_are_off():
    result = run_manage("check", DJANGO_SECRET_KEY="x", SLACK_WEBHOOK_URL="", LOG_FORMAT="text")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(ALERTS_OFF) == 1


def test_with_a_webhook_start_up_says_nothing_about_alerts(settings, caplog):
    settings.SLACK_WEBHOOK_URL = "https://hooks.slack.test/services/T/B/x"
    with caplog.at_level(logging.INFO, logger="ingestion.notify.alerts"):
        apps.get_app_config("ingestion").ready()
    assert ALERTS_OFF not in caplog.text


def test_a_run_url_without_the_run_id_placeholder_stops_start_up():
    result = run_manage(
        "check", DJANGO_SECRET_KEY="x", BMS_ADMIN_RUN_URL="https://bms-admin.test/runs/"
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "configuration error: BMS_ADMIN_RUN_URL must contain {run_id} "
        "(got 'https://bms-admin.test/runs/')"
    ]


def test_the_grace_time_is_a_whole_number_of_minutes_not_below_zero(monkeypatch):
    monkeypatch.setenv("MISSING_GRACE_MINUTES", "-5")
    with pytest.raises(ImproperlyConfigured, match="MISSING_GRACE_MINUTES must be at least 0"):
        service_env.env_int("MISSING_GRACE_MINUTES", 60, minimum=0)
