"""The ingestion app and its configuration checks."""

from __future__ import annotations

from django.apps import AppConfig


class IngestionConfig(AppConfig):
    name = "ingestion"
    verbose_name = "Ingestion"

    def ready(self) -> None:
        from ingestion import checks  # noqa: F401 - registers the system checks
