"""System checks: configuration that would make ingestion unsafe or useless."""

from __future__ import annotations

import importlib.util

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def check_defusedxml_installed(app_configs, **kwargs) -> list:
    # openpyxl only guards against XML entity attacks when defusedxml is importable.
    if importlib.util.find_spec("defusedxml") is None:
        return [
            Error(
                "defusedxml is not installed: workbooks would be parsed without XML attack guards.",
                hint="pip install -r requirements/base.txt",
                id="ingestion.E001",
            )
        ]
    return []


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
