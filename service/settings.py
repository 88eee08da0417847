"""Settings for etl-file-monitoring: the only module that reads the environment.

Every value comes from an environment variable (a `.env` file at the project root is loaded
first by `service.bootstrap`; real environment variables win). Malformed values stop start-up
with one `ImproperlyConfigured` line naming the variable.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from service.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_required,
    env_str,
    env_time_zone,
)

BASE_DIR = Path(__file__).resolve().parent.parent


def database_config(name: str) -> dj_database_url.DBConfig:
    url = env_required(name)
    try:
        # No persistent connections: under ASGI every request runs in a thread of its own, so a
        # kept connection is never reused and stays open, idle, until PostgreSQL refuses new
        # clients ("too many clients already"). Each request and each worker message opens one
        # and closes it when done; the pipeline threads of the trigger endpoint keep theirs
        # (ingestion/pipeline/lanes.py).
        config = dj_database_url.parse(url, conn_max_age=0)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is not a database URL: {exc}") from None
    if config.get("ENGINE") != "django.db.backends.postgresql":
        raise ImproperlyConfigured(f"{name} must be a postgres:// or postgresql:// URL")
    # A short connect timeout makes /api/health/ready answer 503 quickly instead of hanging.
    config.setdefault("OPTIONS", {}).setdefault("connect_timeout", DATABASE_CONNECT_TIMEOUT)
    return config


# --- Django core ---------------------------------------------------------------------------
DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off")
    SECRET_KEY = "insecure-debug-only-key"
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "django.contrib.staticfiles",
    "ninja",
    "ingestion.apps.IngestionConfig",
]
MIDDLEWARE = [
    # First, so every line logged while answering carries the request's correlation id.
    "service.middleware.RequestIdMiddleware",
    # Next, so that it sees every error answer, Django's own included, and makes it JSON.
    "service.json_errors.JsonErrorMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Serves /static/ (the Swagger UI of /api/docs) from the process itself, DEBUG off included.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "service.urls"
WSGI_APPLICATION = "service.wsgi.application"
ASGI_APPLICATION = "service.asgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
STATIC_URL = "static/"
# WhiteNoise finds the files in the apps' static/ folders (ninja's Swagger UI), so neither a
# fresh clone nor the image needs a collectstatic step, and there is no STATIC_ROOT to build.
WHITENOISE_USE_FINDERS = True
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

DATABASE_CONNECT_TIMEOUT = 3
DATABASES = {"default": database_config("DATABASE_URL")}

# --- AWS ------------------------------------------------------------------------------------
AWS_REGION = env_str("AWS_REGION", "us-east-1") or "us-east-1"
# boto3 honours AWS_ENDPOINT_URL itself; it is read here too so checks and logs can name it.
AWS_ENDPOINT_URL = env_str("AWS_ENDPOINT_URL")

# --- Ingestion: which objects are read, how large, and how their runs are dated -------------
ALLOWED_BUCKETS = env_list("ALLOWED_BUCKETS")
MAX_FILE_SIZE_MB = env_int("MAX_FILE_SIZE_MB", 1024, minimum=1)
# What scoring one file may cost; past any of these the file fails format_parsing (README: Limits).
MAX_COLUMNS = env_int("MAX_COLUMNS", 5000, minimum=1)
MAX_DECOMPRESSED_MB = env_int("MAX_DECOMPRESSED_MB", 4096, minimum=1)
MAX_SCORING_SECONDS = env_int("MAX_SCORING_SECONDS", 600, minimum=1)
QUALITY_TIME_ZONE = env_time_zone("QUALITY_TIME_ZONE", "UTC")
# History-aware monitoring compares each processed file with this many of its last runs (the
# passing ones make the baseline); 0 turns it off.
TREND_WINDOW_RUNS = env_int("TREND_WINDOW_RUNS", 20, minimum=0, maximum=1000)

# --- HTTP API -------------------------------------------------------------------------------
# Threads per web worker that run the pipeline, each keeping one database connection (so at
# most this many files are scored at once per worker); 0: in the request's thread, a connection
# per request (ingestion/pipeline/lanes.py).
PIPELINE_THREADS = env_int("PIPELINE_THREADS", 4, minimum=0, maximum=64)
# Bearer token of the POST endpoints and of GET /api/runs; the forwarding worker sends it too.
INGESTION_API_TOKEN = env_str("INGESTION_API_TOKEN")

# --- Worker ---------------------------------------------------------------------------------
SQS_QUEUE_URL = env_str("SQS_QUEUE_URL")
# Where the worker forwards events; empty (and no --forward-to): it runs the pipeline itself.
INGESTION_SERVICE_URL = env_str("INGESTION_SERVICE_URL")
# The SQS worker touches this file after every poll; `manage.py worker_health` checks its age.
WORKER_HEARTBEAT_FILE = env_str("WORKER_HEARTBEAT_FILE") or "/tmp/etl-worker-heartbeat"

# --- Uploads (POST /api/definitions/draft and /api/validate) --------------------------------
# Uploaded files are streamed to a temporary file on disk, never held whole in memory, and the
# upload stops with 413 once it passes MAX_FILE_SIZE_MB (ingestion.authoring).
FILE_UPLOAD_HANDLERS = ["ingestion.authoring.LimitedUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = 0
# Form fields other than files (an inline definition) and JSON bodies are held in memory, up
# to Django's default, stated here because the upload handler allows for it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2560 * 1024

# --- Alerts and missing files ---------------------------------------------------------------
SLACK_WEBHOOK_URL = env_str("SLACK_WEBHOOK_URL")
# bms-admin's page of one run, `{run_id}` marking where the id goes; empty: alerts carry no link.
BMS_ADMIN_RUN_URL = env_str("BMS_ADMIN_RUN_URL")
if BMS_ADMIN_RUN_URL and "{run_id}" not in BMS_ADMIN_RUN_URL:
    raise ImproperlyConfigured(
        f"BMS_ADMIN_RUN_URL must contain {{run_id}} (got {BMS_ADMIN_RUN_URL!r})"
    )
# How long after a period starts its file may still arrive before it counts as missing.
MISSING_GRACE_MINUTES = env_int("MISSING_GRACE_MINUTES", 60, minimum=0)

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"))
LOG_FORMAT = env_choice("LOG_FORMAT", "json", ("json", "text"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "service.logs.JsonFormatter"},
        "text": {"()": "service.logs.TextFormatter"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"level": "WARNING" if LOG_LEVEL == "INFO" else LOG_LEVEL},
        "botocore": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
        "pgserver": {"level": "WARNING"},
    },
}
