from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from ingestion import system_checks


def test_openpyxl_parses_workbooks_through_defusedxml():
    assert system_checks.workbook_xml_is_guarded() is True


def test_start_up_refuses_unguarded_workbook_parsing(monkeypatch):
    monkeypatch.setattr(system_checks, "workbook_xml_is_guarded", lambda: False)
    with pytest.raises(ImproperlyConfigured, match="defusedxml"):
        apps.get_app_config("ingestion").ready()


def test_a_missing_api_token_in_production_is_a_warning(settings):
    settings.INGESTION_API_TOKEN, settings.DEBUG = "", False
    [warning] = system_checks.check_api_token(None)
    assert warning.id == "ingestion.W001"
    settings.INGESTION_API_TOKEN = "set"
    assert system_checks.check_api_token(None) == []
