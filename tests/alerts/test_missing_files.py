"""detect_missing_files: each range's due period, the grace time, one alert per outage, recovery."""

from __future__ import annotations

import io
import json
import logging
from datetime import date, datetime, timezone

import pytest
from django.core.management import CommandError, call_command

from ingestion.models import MonitoringFile, MonitoringFileRun
from ingestion.pipeline.services import process_s3_file
from tests.alerts.conftest import answer
from tests.builders import BUCKET, CLEAN_CSV, make_monitoring_file, put_object

pytestmark = pytest.mark.django_db
# A Wednesday, mid-morning: today's daily period is due (60 minutes of grace), the hour is not.
NOW = "2026-11-25T10:30:00Z"


@pytest.fixture
def check(django_capture_on_commit_callbacks):
    """Run the command at a given moment; alerts are sent as the command's commits would."""

    def run(now: str) -> str:
        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("detect_missing_files", "--now", now, stdout=out)
        return out.getvalue()

    return run


def watched(range_name: str = "daily", **fields) -> MonitoringFile:
    values = {"range": range_name, "is_missing": False, "notify_slack": True, **fields}
    return make_monitoring_file(**values)


def run_at(monitoring_file: MonitoringFile, day: str, hour: int = 0) -> None:
    MonitoringFileRun.objects.create(
        monitoring_file=monitoring_file,
        file_size=1,
        run_date=date.fromisoformat(day),
        run_hour=hour,
    )


def is_missing(monitoring_file: MonitoringFile) -> bool:
    return MonitoringFile.objects.get(pk=monitoring_file.pk).is_missing


def posted(mock) -> list[dict]:
    return [json.loads(call.request.body) for call in mock.calls]


def count(output: str, label: str) -> int:
    [line] = [line for line in output.splitlines() if line.startswith(f"{label}:")]
    return int(line.split(":")[1])


# (range, a run inside the period due at NOW, a run just outside it, how the alert names it)
RANGES = [
    ("hourly", ("2026-11-25", 9), ("2026-11-25", 10), "2026-11-25 09:00-09:59 UTC"),
    ("daily", ("2026-11-25", 0), ("2026-11-24", 23), "2026-11-25 (UTC)"),
    (
        "weekly",
        ("2026-11-23", 0),
        ("2026-11-22", 23),
        "week 2026-W48, 2026-11-23 to 2026-11-29 (UTC)",
    ),
    ("monthly", ("2026-11-01", 0), ("2026-10-31", 23), "2026-11, 2026-11-01 to 2026-11-30 (UTC)"),
]


@pytest.mark.parametrize(("range_name", "inside", "outside", "label"), RANGES)
def test_a_run_inside_the_due_period_keeps_the_file_present(
    range_name, inside, outside, label, check, slack_webhook
):
    row = watched(range_name)
    run_at(row, *inside)
    output = check(NOW)
    assert (count(output, "present"), count(output, "newly missing")) == (1, 0)
    assert f"  {range_name}: {label}" in output.splitlines()
    assert not is_missing(row)
    assert len(slack_webhook.calls) == 0


@pytest.mark.parametrize(("range_name", "inside", "outside", "label"), RANGES)
def test_a_due_period_without_a_run_flags_the_file_and_alerts(
    range_name, inside, outside, label, check, slack_webhook
):
    row = watched(range_name)
    run_at(row, *outside)
    output = check(NOW)
    assert count(output, "newly missing") == 1
    assert is_missing(row)
    [message] = posted(slack_webhook)
    assert (
        message["text"] == f"File missing: acme / stations.csv: no {range_name} file for {label}."
    )
    fields = [field["text"] for field in message["blocks"][1]["fields"]]
    assert fields == [
        "*Agency*\nacme",
        "*File*\nstations.csv",
        f"*Range*\n{range_name}",
        f"*Expected*\n{label}",
    ]


def test_the_range_is_read_without_regard_to_case_or_spaces(check, slack_webhook):
    row = watched(" Daily ")
    output = check(NOW)
    assert (count(output, "newly missing"), count(output, "skipped (unknown range)")) == (1, 0)
    assert is_missing(row)


@pytest.mark.parametrize(
    ("range_name", "previous_period_run", "period_start"),
    [
        ("hourly", ("2026-11-25", 9), "2026-11-25T10:00:00Z"),
        ("daily", ("2026-11-24", 12), "2026-11-25T00:00:00Z"),
        ("weekly", ("2026-11-20", 12), "2026-11-23T00:00:00Z"),
        ("monthly", ("2026-10-15", 12), "2026-11-01T00:00:00Z"),
    ],
)
def test_until_the_grace_has_passed_the_previous_period_is_the_one_checked(
    range_name, previous_period_run, period_start, check, slack_webhook
):
    row = watched(range_name)
    run_at(row, *previous_period_run)
    start = datetime.fromisoformat(period_start.replace("Z", "+00:00"))
    just_before_grace = start.replace(minute=59, second=59).isoformat()

    assert count(check(just_before_grace), "present") == 1
    assert not is_missing(row)
    assert count(check(start.replace(hour=start.hour + 1).isoformat()), "newly missing") == 1
    assert is_missing(row)


def test_the_grace_time_comes_from_missing_grace_minutes(check, settings, slack_webhook):
    row = watched("daily")
    run_at(row, "2026-11-24", 12)
    settings.MISSING_GRACE_MINUTES = 180
    assert count(check("2026-11-25T02:59:00Z"), "present") == 1
    settings.MISSING_GRACE_MINUTES = 0
    assert count(check("2026-11-25T00:00:00Z"), "newly missing") == 1


def test_periods_follow_the_quality_time_zone(check, settings, slack_webhook):
    settings.QUALITY_TIME_ZONE = "America/New_York"
    row = watched("daily")
    # 04:30 UTC on the 25th is 23:30 on the 24th in New York, where the run is dated.
    run_at(row, "2026-11-24", 22)
    output = check("2026-11-25T04:30:00Z")
    assert "  daily: 2026-11-24 (EST)" in output.splitlines()
    assert count(output, "present") == 1


def test_an_hourly_file_skips_the_hour_that_daylight_saving_time_removes(
    check, settings, slack_webhook
):
    settings.QUALITY_TIME_ZONE = "America/New_York"
    row = watched("hourly")
    run_at(row, "2026-03-08", 1)
    # 07:30 UTC is 03:30 EDT; 02:00-02:59 never happened that night, so 01:00 EST is due.
    output = check("2026-03-08T07:30:00Z")
    assert "  hourly: 2026-03-08 01:00-01:59 EST" in output.splitlines()
    assert count(output, "present") == 1


def test_a_missing_file_is_alerted_once_and_then_counted_as_still_missing(check, slack_webhook):
    row = watched("daily")
    assert count(check(NOW), "newly missing") == 1
    output = check("2026-11-25T11:45:00Z")
    assert (count(output, "newly missing"), count(output, "still missing")) == (0, 1)
    assert count(check("2026-11-26T09:00:00Z"), "still missing") == 1
    assert is_missing(row)
    assert len(slack_webhook.calls) == 1


def test_a_file_already_flagged_is_not_alerted(check, slack_webhook):
    watched("daily", is_missing=True)
    assert count(check(NOW), "still missing") == 1
    assert len(slack_webhook.calls) == 0


def test_a_run_arriving_clears_the_flag_and_a_later_gap_alerts_again(bucket, check, slack_webhook):
    row = watched("daily")
    check(NOW)
    assert is_missing(row)

    put_object("acme/stations.csv", CLEAN_CSV)
    arrival = datetime(2026, 11, 25, 14, 0, tzinfo=timezone.utc)
    with_run = process_s3_file(bucket=BUCKET, key="acme/stations.csv", event_time=arrival)
    assert with_run.status == "processed"
    assert not is_missing(row)
    assert count(check("2026-11-25T15:00:00Z"), "present") == 1

    assert count(check("2026-11-26T01:15:00Z"), "newly missing") == 1
    assert len(slack_webhook.calls) == 2


def test_a_file_without_notify_slack_is_flagged_silently(check, slack_webhook):
    row = watched("daily", notify_slack=False)
    assert count(check(NOW), "newly missing") == 1
    assert is_missing(row)
    assert len(slack_webhook.calls) == 0


def test_without_a_webhook_files_are_still_flagged(check, settings, slack_webhook):
    settings.SLACK_WEBHOOK_URL = ""
    row = watched("daily")
    assert count(check(NOW), "newly missing") == 1
    assert is_missing(row)
    assert len(slack_webhook.calls) == 0


def test_a_slack_outage_still_flags_the_file_and_is_logged(check, slack_webhook, caplog):
    answer(slack_webhook, 500, 500)
    row = watched("daily")
    with caplog.at_level(logging.WARNING, logger="ingestion.notify.slack"):
        assert count(check(NOW), "newly missing") == 1
    assert is_missing(row)
    [record] = [r for r in caplog.records if r.message == "slack alert not delivered"]
    assert record.monitoring_file_id == row.id


def test_unknown_ranges_are_skipped_with_one_warning_per_file(check, slack_webhook, caplog):
    odd = [watched("quarterly"), watched("on demand")]
    with caplog.at_level(logging.WARNING, logger="ingestion.notify.missing"):
        output = check(NOW)
    assert (count(output, "skipped (unknown range)"), count(output, "newly missing")) == (2, 0)
    warnings = [r for r in caplog.records if r.message.startswith("unknown range")]
    assert sorted(r.monitoring_file_id for r in warnings) == sorted(row.id for row in odd)
    assert [is_missing(row) for row in odd] == [False, False]
    assert len(slack_webhook.calls) == 0


def test_the_summary_counts_every_outcome_and_ignores_inactive_files(check, slack_webhook):
    run_at(watched("daily", file_name="present.csv"), "2026-11-25", 6)
    watched("daily", file_name="new.csv")
    watched("daily", file_name="old.csv", is_missing=True)
    watched("yearly", file_name="odd.csv")
    watched("daily", file_name="off.csv", is_active=False)
    lines = check(NOW).splitlines()
    assert lines[0] == (
        "checked 3 active files at 2026-11-25T10:30:00+00:00 (grace 60 min); periods checked:"
    )
    assert lines[-4:] == [
        "present: 1",
        "newly missing: 1",
        "still missing: 1",
        "skipped (unknown range): 1",
    ]
    assert not MonitoringFile.objects.get(file_name="off.csv").is_missing


def test_a_now_without_an_offset_is_read_in_the_quality_time_zone(check, settings):
    settings.QUALITY_TIME_ZONE = "Europe/Paris"
    output = check("2026-11-25T10:30:00")
    assert "at 2026-11-25T10:30:00+01:00 " in output


def test_a_malformed_now_is_refused_in_one_line():
    with pytest.raises(CommandError, match="not an ISO 8601 date and time: 'yesterday'"):
        call_command("detect_missing_files", "--now", "yesterday")
