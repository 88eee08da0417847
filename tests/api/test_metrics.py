"""GET /metrics: the operator metrics in the Prometheus text format."""

from __future__ import annotations

import os

from prometheus_client import REGISTRY
from prometheus_client.utils import floatToGoString

from ingestion.telemetry import record_outcome
from tests.processes import run_python

METRIC_NAMES = (
    "ingestion_objects_total",
    "ingestion_processing_duration_seconds",
    "ingestion_file_size_bytes",
    "ingestion_quality_score",
    "ingestion_failed_checks_total",
)


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def record_processed(**overrides) -> None:
    outcome = {
        "status": "processed",
        "duration_seconds": 1.5,
        "file_size": 3 * 1024 * 1024,
        "score": 75,
        "failed_categories": ["completeness", "uniqueness"],
    }
    record_outcome(**{**outcome, **overrides})


def test_metrics_answers_in_the_prometheus_text_format_without_a_token(client):
    record_processed()
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    for name in METRIC_NAMES:
        assert f"# TYPE {name.removesuffix('_total')}" in body, name
    assert 'ingestion_objects_total{status="processed"}' in body
    assert 'ingestion_failed_checks_total{category="completeness"}' in body


def test_record_outcome_counts_the_status_size_score_and_each_failed_category():
    before = {
        "objects": sample("ingestion_objects_total", status="processed"),
        "durations": sample("ingestion_processing_duration_seconds_count"),
        "sizes": sample("ingestion_file_size_bytes_count"),
        "failing_scores": sample("ingestion_quality_score_bucket", le="79.0"),
        "completeness": sample("ingestion_failed_checks_total", category="completeness"),
        "uniqueness": sample("ingestion_failed_checks_total", category="uniqueness"),
    }
    record_processed()
    assert sample("ingestion_objects_total", status="processed") == before["objects"] + 1
    assert sample("ingestion_processing_duration_seconds_count") == before["durations"] + 1
    assert sample("ingestion_file_size_bytes_count") == before["sizes"] + 1
    assert sample("ingestion_quality_score_bucket", le="79.0") == before["failing_scores"] + 1
    completeness = sample("ingestion_failed_checks_total", category="completeness")
    assert completeness == before["completeness"] + 1
    uniqueness = sample("ingestion_failed_checks_total", category="uniqueness")
    assert uniqueness == before["uniqueness"] + 1


def test_an_unknown_size_or_score_is_not_observed():
    sizes = sample("ingestion_file_size_bytes_count")
    scores = sample("ingestion_quality_score_count")
    errors = sample("ingestion_objects_total", status="error")
    record_outcome(
        status="error", duration_seconds=0.2, file_size=None, score=None, failed_categories=[]
    )
    assert sample("ingestion_objects_total", status="error") == errors + 1
    assert sample("ingestion_file_size_bytes_count") == sizes
    assert sample("ingestion_quality_score_count") == scores


def test_the_size_buckets_reach_one_gibibyte():
    one_gib = floatToGoString(1024**3)  # the `le` label as exposed: 1.073741824e+09
    before = sample("ingestion_file_size_bytes_bucket", le=one_gib)
    record_processed(file_size=1024**3)
    assert sample("ingestion_file_size_bytes_bucket", le=one_gib) == before + 1


RECORD_ONE = (
    "from ingestion.telemetry import record_outcome; "
    "record_outcome(status='processed', duration_seconds=2.0, file_size=10, score=100, "
    "failed_categories=['bounds_range'])"
)
SCRAPE = (
    "import django; django.setup(); from django.test import Client; "
    "print(Client().get('/metrics').content.decode())"
)


def test_in_multiprocess_mode_metrics_adds_up_every_process(tmp_path):
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "service.settings",
        "DJANGO_ALLOWED_HOSTS": "testserver",
    }
    run_python(RECORD_ONE, env)
    run_python(RECORD_ONE, env)
    body = run_python(SCRAPE, env)
    assert 'ingestion_objects_total{status="processed"} 2.0' in body
    assert 'ingestion_failed_checks_total{category="bounds_range"} 2.0' in body
    assert "ingestion_processing_duration_seconds_sum 4.0" in body
