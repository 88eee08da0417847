"""The trigger endpoint's pipeline threads keep their database connection, and only a good one.

These tests turn the threads on (the suite runs the pipeline in the request's thread, see
tests/settings.py), so they use `transactional_db`: a pipeline thread's connection sees only
committed rows.
"""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.db import connection, transaction

from ingestion import correlation
from ingestion.models import MonitoringFileRun
from ingestion.pipeline.lanes import close_lanes, run_in_lane
from tests.builders import (
    BUCKET,
    database_outage_after_run_insert,
    make_definition,
    make_monitoring_file,
    post_trigger,
    put_object,
    terminate_backend,
)

TOKEN = "lane-token"


@pytest.fixture(autouse=True)
def lanes(settings, transactional_db):
    settings.PIPELINE_THREADS = 1
    settings.INGESTION_API_TOKEN = TOKEN
    close_lanes()
    yield
    close_lanes()


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def in_lane(function, *args):
    return async_to_sync(run_in_lane)(function, *args)


def test_a_pipeline_thread_keeps_its_connection_from_one_run_to_the_next():
    first = in_lane(backend_pid)
    assert in_lane(backend_pid) == first
    assert first != backend_pid()  # the thread's own, not the test's


def test_a_connection_the_server_ended_is_replaced_before_the_next_run():
    first = in_lane(backend_pid)
    terminate_backend(first)
    assert in_lane(backend_pid) != first


def test_a_run_that_failed_on_its_connection_does_not_hand_it_on():
    first = in_lane(backend_pid)

    def failing_query():
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")

    with pytest.raises(Exception, match="no_such_table"):
        in_lane(failing_query)
    assert in_lane(backend_pid) != first


def test_a_run_that_left_a_transaction_open_does_not_hand_its_connection_on():
    def leave_transaction_open():
        transaction.set_autocommit(False)
        return backend_pid()

    first = in_lane(leave_transaction_open)
    assert in_lane(backend_pid) != first
    assert in_lane(transaction.get_autocommit) is True


def test_the_callers_context_variables_reach_the_pipeline_thread():
    with correlation.bound("lane-test-id"):
        assert in_lane(correlation.current_id) == "lane-test-id"


@pytest.fixture
def watched(bucket):
    return make_monitoring_file(schema_definition=make_definition())


def trigger(client, key):
    return post_trigger(client, {"bucket": BUCKET, "key": key}, TOKEN)


def test_the_trigger_endpoint_scores_on_a_pipeline_thread_that_keeps_its_connection(
    client, watched
):
    runs, pids = [], set()
    for key in ("acme/stations.csv", "acme/2026/stations.csv"):
        put_object(key)
        response = trigger(client, key)
        assert response.status_code == 200, response.content
        [result] = response.json()["results"]
        assert result["status"] == "processed"
        runs.append(result["run_id"])
        pids.add(in_lane(backend_pid))
    assert sorted(MonitoringFileRun.objects.values_list("id", flat=True)) == sorted(runs)
    assert len(pids) == 1  # both files and the checks after them: one connection, kept


def test_an_outage_during_a_run_is_a_503_and_the_next_request_reconnects(client, watched):
    put_object("acme/stations.csv")
    with database_outage_after_run_insert():
        response = trigger(client, "acme/stations.csv")
    assert response.status_code == 503
    assert not MonitoringFileRun.objects.exists()  # the run's transaction was rolled back
    response = trigger(client, "acme/stations.csv")
    assert response.status_code == 200
    assert response.json()["results"][0]["status"] == "processed"
