"""Test settings: the real settings module against a real PostgreSQL.

pytest-django reads DATABASES before any conftest hook runs, so the embedded server is started
here. TEST_DATABASE_URL, when set, names a server to use instead.
"""

from __future__ import annotations

import os

from dev.embedded_postgres import start_embedded_postgres

os.environ["DATABASE_URL"] = os.environ.get("TEST_DATABASE_URL") or start_embedded_postgres()
os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret")
os.environ.setdefault("LOG_FORMAT", "text")

from service.settings import *  # noqa: F403

# The suite is about ingestion, not about Django's password hashing or static files.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The pipeline runs in the request's thread: pytest-django's `db` fixture keeps each test inside a
# transaction on this thread's connection, which a pipeline thread's own connection would not see.
# tests/api/test_pipeline_lanes.py turns the threads on.
PIPELINE_THREADS = 0
