"""The engine's limits as this deployment's settings set them (MAX_COLUMNS and the rest)."""

from __future__ import annotations

from django.conf import settings

from ingestion.core.limits import MIB, EngineLimits


def engine_limits() -> EngineLimits:
    """Return the limits every scoring and drafting of this service runs under."""
    return EngineLimits(
        max_columns=settings.MAX_COLUMNS,
        max_decompressed_bytes=settings.MAX_DECOMPRESSED_MB * MIB,
        max_seconds=float(settings.MAX_SCORING_SECONDS),
    )
