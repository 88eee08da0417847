"""Bearer-token authentication for the endpoints that trigger work or show run data."""

from __future__ import annotations

import hmac

from django.conf import settings
from ninja.security import HttpBearer


class IngestionToken(HttpBearer):
    """Require `Authorization: Bearer <INGESTION_API_TOKEN>`.

    When the token is set it is enforced in every mode; only debug mode may run without one.
    """

    def __call__(self, request):
        if not settings.INGESTION_API_TOKEN:
            return "debug-without-token" if settings.DEBUG else None
        return super().__call__(request)

    def authenticate(self, request, token: str):
        expected = settings.INGESTION_API_TOKEN
        if expected and hmac.compare_digest(token.encode(), expected.encode()):
            return "token"
        return None


ingestion_token = IngestionToken()
