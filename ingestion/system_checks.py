"""System checks: configuration that would make ingestion unsafe or useless."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning, register


def workbook_xml_is_guarded() -> bool:
    """True when openpyxl parses workbook XML through defusedxml (entity attacks refused)."""
    import openpyxl.xml

    return bool(openpyxl.xml.DEFUSEDXML)


@register()
def check_api_token(app_configs, **kwargs) -> list:
    if not settings.INGESTION_API_TOKEN and not settings.DEBUG:
        return [
            Warning(
                "INGESTION_API_TOKEN is not set: POST endpoints refuse every request.",
                hint="Set INGESTION_API_TOKEN (only DJANGO_DEBUG=1 may run without one).",
                id="ingestion.W001",
            )
        ]
    return []
