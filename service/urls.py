from __future__ import annotations

from django.urls import path
from prometheus_client.django import PrometheusDjangoView

import ingestion.telemetry  # noqa: F401 - registers the collectors before the first scrape
from service.api import api

urlpatterns = [
    path("api/", api.urls),
    # Outside /api/ and without authentication, for the in-cluster Prometheus scraper. In
    # multiprocess mode (PROMETHEUS_MULTIPROC_DIR set) the view adds up every worker's values.
    path("metrics", PrometheusDjangoView.as_view(), name="metrics"),
]
