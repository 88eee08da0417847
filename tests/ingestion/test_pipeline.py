"""The one pipeline: S3 object -> MonitoringFile -> score -> rows, with every status."""

from __future__ import annotations

import logging
from datetime import date, datetime, timezone

import pytest
from django.db import connection

from ingestion.errors import SourceUnavailable
from ingestion.models import MonitoringFile, MonitoringFileDataQuality, MonitoringFileRun
from ingestion.pipeline import services
from ingestion.pipeline.services import process_s3_file
from tests.builders import (
    BUCKET,
    CLEAN_CSV,
    NULLS_CSV,
    make_definition,
    make_monitoring_file,
    put_object,
)

pytestmark = pytest.mark.django_db
KEY = "acme/stations.csv"


@pytest.fixture
def watched(bucket):
    """An active monitoring file with the station definition, watching acme/stations.csv."""
    return make_monitoring_file(schema_definition=make_definition())


def test_a_clean_file_is_processed_and_recorded(watched):
    put_object(KEY, CLEAN_CSV)
    event_time = datetime(2026, 11, 25, 8, 15, tzinfo=timezone.utc)
    result = process_s3_file(bucket=BUCKET, key=KEY, event_time=event_time)

    assert (result.status, result.score, result.passed, result.deductions) == (
        "processed",
        100,
        True,
        {},
    )
    run = MonitoringFileRun.objects.get()
    assert result.run_id == run.id
    assert result.monitoring_file_id == watched.id
    assert (run.file_size, run.run_date, run.run_hour) == (len(CLEAN_CSV), date(2026, 11, 25), 8)
    quality = MonitoringFileDataQuality.objects.get(monitoring_file_run=run)
    assert (quality.score, quality.passed, quality.deductions) == (100, True, {})
    assert quality.metrics["row_count"] == 3
    assert quality.metrics["source"]["bucket"] == BUCKET
    assert quality.metrics["source"]["key"] == KEY
    assert quality.metrics["source"]["size"] == len(CLEAN_CSV)
    assert quality.metrics["source"]["etag"]
    watched.refresh_from_db()
    assert (watched.latest_data_quality_score, watched.is_missing) == (100, False)


def test_a_failing_file_is_a_result_not_an_error(watched):
    put_object(KEY, NULLS_CSV)
    result = process_s3_file(bucket=BUCKET, key=KEY)
    assert (result.status, result.score, result.passed) == ("processed", 80, True)
    assert result.deductions == {"completeness": 20}
    assert MonitoringFileDataQuality.objects.get().deductions == {"completeness": 20}


def test_run_date_and_hour_are_in_the_quality_time_zone(watched, settings):
    settings.QUALITY_TIME_ZONE = "America/New_York"
    put_object(KEY)
    event_time = datetime(2026, 11, 25, 3, 0, tzinfo=timezone.utc)
    process_s3_file(bucket=BUCKET, key=KEY, event_time=event_time)
    run = MonitoringFileRun.objects.get()
    assert (run.run_date, run.run_hour) == (date(2026, 11, 24), 22)


def test_without_an_event_time_the_objects_last_modified_dates_the_run(watched):
    put_object(KEY)
    process_s3_file(bucket=BUCKET, key=KEY)
    run = MonitoringFileRun.objects.get()
    last_modified = datetime.fromisoformat(
        MonitoringFileDataQuality.objects.get().metrics["source"]["last_modified"]
    )
    assert (run.run_date, run.run_hour) == (last_modified.date(), last_modified.hour)


def test_a_file_without_a_definition_is_scored_on_format_only(bucket):
    make_monitoring_file()
    put_object(KEY, b"anything,at all\n1\n1,2\n")
    result = process_s3_file(bucket=BUCKET, key=KEY)
    assert (result.status, result.score) == ("processed", 100)


def test_a_corrupt_file_scores_as_a_format_failure(watched):
    put_object(KEY, b"\x00\x01\x02PK\x03\x04garbage" * 10)
    result = process_s3_file(bucket=BUCKET, key=KEY)
    assert (result.status, result.score, result.deductions) == (
        "processed",
        65,
        {"format_parsing": 35},
    )


def test_the_same_object_delivered_twice_is_recorded_once(watched):
    put_object(KEY)
    first = process_s3_file(bucket=BUCKET, key=KEY)
    second = process_s3_file(bucket=BUCKET, key=KEY)
    assert second.status == "duplicate"
    assert (second.run_id, second.score) == (first.run_id, first.score)
    assert MonitoringFileRun.objects.count() == 1
    assert MonitoringFileDataQuality.objects.count() == 1


def test_force_records_the_same_object_again(watched):
    put_object(KEY)
    first = process_s3_file(bucket=BUCKET, key=KEY)
    again = process_s3_file(bucket=BUCKET, key=KEY, force=True)
    assert again.status == "processed"
    assert again.run_id != first.run_id
    assert MonitoringFileRun.objects.count() == 2


def test_a_duplicate_names_the_first_recording_of_the_object(watched):
    put_object(KEY)
    first = process_s3_file(bucket=BUCKET, key=KEY)
    process_s3_file(bucket=BUCKET, key=KEY, force=True)
    again = process_s3_file(bucket=BUCKET, key=KEY)
    assert (again.status, again.run_id) == ("duplicate", first.run_id)


def test_the_duplicate_lookup_reads_only_the_files_own_runs(watched):
    # bms-admin's tables hold no index on metrics: searching every quality row in id order took
    # 0.3 s at 200,000 rows. The lookup goes through the file's runs (their foreign-key index).
    other = make_monitoring_file(file_name="other.csv", agency=watched.agency)
    runs = MonitoringFileRun.objects.bulk_create(
        MonitoringFileRun(monitoring_file=other, file_size=1, run_date=date(2026, 1, 1), run_hour=0)
        for _ in range(3000)
    )
    MonitoringFileDataQuality.objects.bulk_create(
        MonitoringFileDataQuality(
            monitoring_file_run=run,
            score=100,
            passed=True,
            metrics={"source": {"bucket": BUCKET, "key": f"acme/{run.id}.csv"}},
            deductions={},
        )
        for run in runs
    )
    with connection.cursor() as cursor:
        cursor.execute('ANALYZE "reporting"."monitoring_file_run"')
        cursor.execute('ANALYZE "reporting"."monitoring_file_data_quality"')
    source = {
        "bucket": BUCKET,
        "key": KEY,
        "version_id": None,
        "etag": "e",
        "last_modified": "t",
        "size": 1,
    }
    plan = services.recorded_quality_ids(watched.id, source).explain()
    assert "monitoring_file_run_monitoring_file_id" in plan
    assert "monitoring_file_data_quality_pkey" not in plan


def test_a_new_upload_of_the_same_key_is_a_new_run(watched):
    put_object(KEY, CLEAN_CSV)
    process_s3_file(bucket=BUCKET, key=KEY)
    put_object(KEY, NULLS_CSV)
    result = process_s3_file(bucket=BUCKET, key=KEY)
    assert (result.status, result.score) == ("processed", 80)
    assert MonitoringFileRun.objects.count() == 2
    watched.refresh_from_db()
    assert watched.latest_data_quality_score == 80


def test_an_object_nobody_watches_is_unmatched_and_nothing_is_read(bucket, monkeypatch):
    monkeypatch.setattr(services.s3, "open_object", _must_not_be_called)
    result = process_s3_file(bucket=BUCKET, key="acme/unknown.csv")
    assert result.status == "unmatched"
    assert MonitoringFileRun.objects.count() == 0


def test_an_inactive_monitoring_file_writes_nothing(bucket):
    row = make_monitoring_file(is_active=False)
    put_object(KEY)
    result = process_s3_file(bucket=BUCKET, key=KEY)
    assert (result.status, result.monitoring_file_id) == ("inactive", row.id)
    assert MonitoringFileRun.objects.count() == 0


def test_a_missing_object_is_not_found(watched):
    result = process_s3_file(bucket=BUCKET, key=KEY)
    assert result.status == "not_found"
    assert MonitoringFileRun.objects.count() == 0


@pytest.mark.parametrize("missing_bucket", ["no-such-bucket", "Not A Bucket!"])
def test_a_bucket_that_does_not_or_cannot_exist_is_not_found(watched, missing_bucket):
    result = process_s3_file(bucket=missing_bucket, key=KEY)
    assert (result.status, result.monitoring_file_id) == ("not_found", watched.id)
    assert MonitoringFileRun.objects.count() == 0


def test_a_bucket_outside_allowed_buckets_is_rejected_before_anything_is_read(
    watched, settings, monkeypatch
):
    settings.ALLOWED_BUCKETS = ["somewhere-else"]
    monkeypatch.setattr(services, "resolve_monitoring_file", _must_not_be_called)
    result = process_s3_file(bucket=BUCKET, key=KEY)
    assert result.status == "rejected"
    assert "ALLOWED_BUCKETS" in result.detail


def test_an_invalid_definition_is_rejected_and_logged_with_its_id(bucket, caplog):
    definition = make_definition({"columns": [{"name": "id", "type": "uuid"}]})
    make_monitoring_file(schema_definition=definition)
    put_object(KEY)
    with caplog.at_level(logging.ERROR, logger="ingestion.pipeline.services"):
        result = process_s3_file(bucket=BUCKET, key=KEY)
    assert result.status == "rejected"
    assert f"schema definition {definition.id} is invalid" in result.detail
    [record] = [r for r in caplog.records if r.message == "invalid schema definition"]
    assert record.definition_id == definition.id
    assert "uuid" in record.problem
    assert MonitoringFileRun.objects.count() == 0


def test_an_object_over_the_size_limit_is_recorded_as_a_format_failure_without_download(
    watched, settings, monkeypatch
):
    settings.MAX_FILE_SIZE_MB = 1
    put_object(KEY, b"id,station,reading\n" + b"1,north,1\n" * 110_000)
    monkeypatch.setattr(services.s3, "download_object", _must_not_be_called)
    result = process_s3_file(bucket=BUCKET, key=KEY)
    assert (result.status, result.score, result.deductions) == (
        "processed",
        65,
        {"format_parsing": 35},
    )
    assert "MAX_FILE_SIZE_MB" in str(result.metrics)
    assert MonitoringFileRun.objects.get().file_size > 1024 * 1024


def test_s3_unreachable_raises_source_unavailable_and_writes_nothing(watched, settings):
    from ingestion.pipeline import s3

    settings.AWS_ENDPOINT_URL = "http://127.0.0.1:9"
    s3.client.cache_clear()
    with pytest.raises(SourceUnavailable, match="S3"):
        process_s3_file(bucket=BUCKET, key=KEY)
    assert MonitoringFileRun.objects.count() == 0


def test_one_log_line_per_object_carries_the_context(watched, caplog):
    put_object(KEY)
    with caplog.at_level(logging.INFO, logger="ingestion.pipeline.services"):
        result = process_s3_file(bucket=BUCKET, key=KEY)
    [line] = [r for r in caplog.records if r.message == "object processed"]
    assert (line.bucket, line.key, line.monitoring_file_id, line.run_id, line.status) == (
        BUCKET,
        KEY,
        watched.id,
        result.run_id,
        "processed",
    )
    assert line.score == 100
    assert line.duration_ms >= 0


def test_the_monitoring_file_is_marked_present_again(watched):
    assert MonitoringFile.objects.get(pk=watched.pk).is_missing is True
    put_object(KEY)
    process_s3_file(bucket=BUCKET, key=KEY)
    assert MonitoringFile.objects.get(pk=watched.pk).is_missing is False


def _must_not_be_called(*args, **kwargs):
    raise AssertionError("this step must not run")


def test_the_scoring_limits_come_from_the_settings(watched, settings):
    settings.MAX_COLUMNS = 2
    put_object(KEY, CLEAN_CSV)
    result = process_s3_file(bucket=BUCKET, key=KEY)
    assert (result.status, result.score) == ("processed", 65)
    error = MonitoringFileDataQuality.objects.get().metrics["format_parsing"]["error"]
    assert error.endswith("over the limit of 2 (MAX_COLUMNS)")


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"encoding": "rot13"}, "'rot13' is not a text encoding a file can be written in"),
        (
            {"columns": [{"name": "id", "type": "integer", "min": 2**70}]},
            "min 1180591620717411303424 is beyond the 64-bit integers the column holds",
        ),
    ],
)
def test_a_definition_the_engine_cannot_honour_rejects_the_object_not_the_file(
    bucket, raw, problem
):
    stored = make_definition({"columns": [{"name": "id"}], **raw})
    make_monitoring_file(schema_definition=stored)
    put_object(KEY, CLEAN_CSV)
    result = process_s3_file(bucket=BUCKET, key=KEY)
    assert result.status == "rejected"
    assert problem in result.detail
    assert not MonitoringFileRun.objects.exists()
