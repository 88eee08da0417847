"""System checks: configuration that would make ingestion unsafe or useless."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.checks import Warning, register

# openpyxl's own switch: anything but "True" makes it parse XML unguarded.
OPENPYXL_DEFUSEDXML = "OPENPYXL_DEFUSEDXML"


def workbook_xml_is_guarded() -> bool:
    """True when openpyxl will parse workbook XML through defusedxml (entity attacks refused).

    The two facts `openpyxl.xml.DEFUSEDXML` is made of (defusedxml imports, and the variable
    does not turn it off), read without importing openpyxl (and numpy with it) at every start.
    The workbook reader checks `openpyxl.xml.DEFUSEDXML` itself before it parses anything.
    """
    try:
        import defusedxml  # noqa: F401
    except ImportError:
        return False
    return os.environ.get(OPENPYXL_DEFUSEDXML, "True") == "True"


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
