"""Configuration comes from the environment and refuses malformed values in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from service import env as service_env
from service import settings as service_settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    base.update({"DATABASE_URL": os.environ["DATABASE_URL"]}, **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("0", False), ("true", True), ("off", False), ("", True)]
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert service_env.env_bool("SOME_FLAG", True) is expected


def test_env_bool_names_the_variable_when_the_value_is_malformed(monkeypatch):
    monkeypatch.setenv("DJANGO_DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG must be 0 or 1"):
        service_env.env_bool("DJANGO_DEBUG", False)


def test_env_int_refuses_words_and_values_below_the_minimum(monkeypatch):
    monkeypatch.setenv("MAX_FILE_SIZE_MB", "lots")
    with pytest.raises(ImproperlyConfigured, match="MAX_FILE_SIZE_MB must be a whole number"):
        service_env.env_int("MAX_FILE_SIZE_MB", 1024, minimum=1)
    monkeypatch.setenv("MAX_FILE_SIZE_MB", "0")
    with pytest.raises(ImproperlyConfigured, match="MAX_FILE_SIZE_MB must be at least 1"):
        service_env.env_int("MAX_FILE_SIZE_MB", 1024, minimum=1)


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("ALLOWED_BUCKETS", " a, b ,,c ")
    assert service_env.env_list("ALLOWED_BUCKETS") == ["a", "b", "c"]


def test_an_unknown_time_zone_is_refused(monkeypatch):
    monkeypatch.setenv("QUALITY_TIME_ZONE", "Mars/Olympus")
    with pytest.raises(ImproperlyConfigured, match="QUALITY_TIME_ZONE is not a known time zone"):
        service_env.env_time_zone("QUALITY_TIME_ZONE", "UTC")


def test_the_unix_socket_database_url_keeps_its_socket_folder(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres:@/reporting?host=/tmp/pg-socket")
    config = service_settings.database_config("DATABASE_URL")
    assert config["NAME"] == "reporting"
    assert config["OPTIONS"]["host"] == "/tmp/pg-socket"
    assert config["OPTIONS"]["connect_timeout"] == service_settings.DATABASE_CONNECT_TIMEOUT


def test_a_non_postgres_database_url_is_refused(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://root@localhost/db")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL must be a postgres"):
        service_settings.database_config("DATABASE_URL")


def test_start_up_without_a_secret_key_in_production_prints_one_line_and_fails():
    result = run_manage("check", DJANGO_DEBUG="0", DJANGO_SECRET_KEY="")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "configuration error: DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off"
    ]


def test_start_up_with_a_malformed_flag_names_the_variable():
    result = run_manage("check", DJANGO_DEBUG="maybe", DJANGO_SECRET_KEY="x")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "configuration error: DJANGO_DEBUG must be 0 or 1 (got 'maybe')"
    ]


def test_start_up_without_a_database_url_names_the_variable():
    result = run_manage("check", DJANGO_SECRET_KEY="x", DATABASE_URL="")
    assert result.returncode != 0
    assert "DATABASE_URL is required" in result.stderr
    assert "Traceback" not in result.stderr


def test_manage_check_passes_with_a_complete_configuration():
    result = run_manage("check", DJANGO_SECRET_KEY="x", INGESTION_API_TOKEN="t")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
