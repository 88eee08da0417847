"""The ingestion app: start-up assertions and system checks."""

from __future__ import annotations

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class IngestionConfig(AppConfig):
    name = "ingestion"
    verbose_name = "Ingestion"

    def ready(self) -> None:
        from ingestion import checks

        # Agencies' workbooks are untrusted XML: refuse to start rather than parse them unguarded.
        if not checks.workbook_xml_is_guarded():
            raise ImproperlyConfigured(
                "openpyxl is not using defusedxml: install defusedxml (requirements/base.txt) "
                "and do not set OPENPYXL_DEFUSEDXML=False"
            )

        from ingestion.alerts import log_configuration

        # Once per process (each gunicorn worker, the worker, every command), not per request.
        log_configuration()
