"""Which MonitoringFile an object belongs to."""

from __future__ import annotations

import pytest

from ingestion.pipeline.resolver import resolve_monitoring_file, s3_url_contains
from tests.builders import BUCKET, make_agency, make_monitoring_file

pytestmark = pytest.mark.django_db


def test_an_exact_name_in_the_agency_folder_matches():
    row = make_monitoring_file(file_name="stations.csv", agency_slug="acme")
    resolution = resolve_monitoring_file(BUCKET, "incoming/acme/stations.csv")
    assert resolution.status == "matched"
    assert resolution.monitoring_file == row


def test_the_agency_must_be_a_folder_of_the_key_not_part_of_the_name():
    make_monitoring_file(file_name="stations.csv", agency_slug="acme")
    assert resolve_monitoring_file(BUCKET, "acme-old/stations.csv").status == "unmatched"
    assert resolve_monitoring_file(BUCKET, "stations.csv").status == "unmatched"


def test_a_glob_name_matches_and_an_exact_name_beats_it():
    glob = make_monitoring_file(file_name="sales_*.csv")
    assert resolve_monitoring_file(BUCKET, "acme/sales_2026.csv").monitoring_file == glob
    exact = make_monitoring_file(file_name="sales_2026.csv")
    assert resolve_monitoring_file(BUCKET, "acme/sales_2026.csv").monitoring_file == exact


def test_a_question_mark_glob_matches_one_character():
    row = make_monitoring_file(file_name="day_?.csv")
    assert resolve_monitoring_file(BUCKET, "acme/day_7.csv").monitoring_file == row
    assert resolve_monitoring_file(BUCKET, "acme/day_17.csv").status == "unmatched"


@pytest.mark.parametrize("s3_url", [f"s3://{BUCKET}/drops/acme/", f"s3://{BUCKET}/drops/acme"])
def test_an_s3_url_prefix_matches_objects_under_it_with_or_without_a_trailing_slash(s3_url):
    row = make_monitoring_file(s3_url=s3_url)
    assert resolve_monitoring_file(BUCKET, "drops/acme/stations.csv").monitoring_file == row
    assert resolve_monitoring_file(BUCKET, "drops/acme-2/stations.csv").status == "unmatched"
    assert resolve_monitoring_file("other-bucket", "drops/acme/stations.csv").status == "unmatched"


def test_a_full_object_url_matches_that_object_only():
    row = make_monitoring_file(s3_url=f"s3://{BUCKET}/drops/stations.csv")
    assert resolve_monitoring_file(BUCKET, "drops/stations.csv").monitoring_file == row
    assert resolve_monitoring_file(BUCKET, "drops/stations.csv/x/stations.csv").status == (
        "unmatched"
    )


def test_an_s3_url_match_beats_an_agency_folder_match():
    make_monitoring_file(agency_slug="acme")
    by_url = make_monitoring_file(s3_url=f"s3://{BUCKET}/acme/", agency=make_agency("other"))
    assert resolve_monitoring_file(BUCKET, "acme/stations.csv").monitoring_file == by_url


def test_a_row_with_an_s3_url_does_not_fall_back_to_its_agency_folder():
    make_monitoring_file(s3_url=f"s3://{BUCKET}/elsewhere/", agency_slug="acme")
    assert resolve_monitoring_file(BUCKET, "acme/stations.csv").status == "unmatched"


def test_two_equally_good_matches_are_ambiguous():
    first = make_monitoring_file()
    second = make_monitoring_file()
    resolution = resolve_monitoring_file(BUCKET, "acme/stations.csv")
    assert resolution.status == "unmatched"
    assert resolution.candidate_ids == (first.id, second.id)
    assert "several" in resolution.reason


def test_inactive_only_when_every_match_is_inactive():
    inactive = make_monitoring_file(is_active=False)
    resolution = resolve_monitoring_file(BUCKET, "acme/stations.csv")
    assert resolution.status == "inactive"
    assert resolution.monitoring_file == inactive
    active_glob = make_monitoring_file(file_name="stations*.csv")
    resolution = resolve_monitoring_file(BUCKET, "acme/stations.csv")
    assert resolution.status == "matched"
    assert resolution.monitoring_file == active_glob


def test_s3_url_contains_refuses_other_schemes():
    https = f"https://{BUCKET}.s3.amazonaws.com/acme/"
    assert not s3_url_contains(https, BUCKET, "acme/a.csv", "a.csv")
    assert s3_url_contains(f"s3://{BUCKET}", BUCKET, "acme/a.csv", "a.csv")
