"""The ingestion app: start-up assertions, system checks and the pipeline's listeners."""

from __future__ import annotations

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class IngestionConfig(AppConfig):
    name = "ingestion"
    verbose_name = "Ingestion"

    def ready(self) -> None:
        from ingestion import system_checks

        # Agencies' workbooks are untrusted XML: refuse to start rather than parse them unguarded.
        if not system_checks.workbook_xml_is_guarded():
            raise ImproperlyConfigured(
                "openpyxl is not using defusedxml: install defusedxml (requirements/base.txt) "
                "and do not set OPENPYXL_DEFUSEDXML=False"
            )

        from ingestion.notify.alerts import alert_on_result, log_configuration
        from ingestion.pipeline.listeners import subscribe

        # The pipeline announces every result; alerts decide which deserve a Slack message.
        subscribe(alert_on_result)
        # Once per process (each gunicorn worker, the worker, every command), not per request.
        log_configuration()
