"""gunicorn settings for the HTTP service: `gunicorn -c gunicorn.conf.py`.

The ASGI app runs in uvicorn workers. Every knob comes from the environment (documented in
`.env.example` and docs/configuration.md); service/settings.py still reads everything the app
itself uses.
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path

from dotenv import load_dotenv

from service.env import env_choice, env_int, env_str

PROJECT_ROOT = Path(__file__).resolve().parent
CGROUP_ROOT = Path("/sys/fs/cgroup")
DEFAULT_PORT = 8000
# Long enough to download, validate and record the largest allowed file (MAX_FILE_SIZE_MB=1024).
DEFAULT_TIMEOUT_SECONDS = 900
# Recycling a worker now and then returns the memory the allocators keep after a large file.
MAX_REQUESTS = 1000
MAX_REQUESTS_JITTER = 100

# Like manage.py and asgi.py: a local `.env` fills in what the real environment does not set.
load_dotenv(PROJECT_ROOT / ".env", override=False)


def cgroup_cpu_limit(root: Path = CGROUP_ROOT) -> float | None:
    """Return the container's CPU limit in cores (cgroup v2, then v1), or None when unlimited."""
    try:
        quota, period = (root / "cpu.max").read_text().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:
        cfs_quota = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
        cfs_period = int((root / "cpu" / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return cfs_quota / cfs_period if cfs_quota > 0 and cfs_period > 0 else None


def container_cpu_count(root: Path = CGROUP_ROOT) -> int:
    """Count the CPUs this process may use: its affinity, capped by a cgroup CPU limit."""
    cpus = len(os.sched_getaffinity(0))
    limit = cgroup_cpu_limit(root)
    if limit is not None:
        cpus = min(cpus, math.ceil(limit))
    return max(1, cpus)


class UvicornFields(logging.Filter):
    """Turn uvicorn's access-line arguments into fields and drop its ANSI-coloured duplicate."""

    ACCESS_FIELDS = ("client", "method", "path", "http_version", "status")

    def filter(self, record: logging.LogRecord) -> bool:
        record.__dict__.pop("color_message", None)
        if (
            record.name == "uvicorn.access"
            and isinstance(record.args, tuple)
            and len(record.args) == len(self.ACCESS_FIELDS)
        ):
            for field, value in zip(self.ACCESS_FIELDS, record.args, strict=True):
                setattr(record, field, value)
        return True


def logging_config(level: str, log_format: str) -> dict:
    """Send gunicorn's and uvicorn's lines through the app's formatters (service/logs.py)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": "service.logs.JsonFormatter"},
            "text": {"()": "service.logs.TextFormatter"},
        },
        "filters": {"uvicorn_fields": {"()": UvicornFields}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": log_format,
                "filters": ["uvicorn_fields"],
            }
        },
        "root": {"level": level, "handlers": ["stdout"]},
        "loggers": {
            # The uvicorn worker hands these two loggers' handlers to uvicorn's own loggers.
            "gunicorn.error": {"level": level, "handlers": ["stdout"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        },
    }


# --- Server -------------------------------------------------------------------------------
bind = [f"0.0.0.0:{env_int('PORT', DEFAULT_PORT, minimum=1, maximum=65535)}"]
wsgi_app = "service.asgi:application"
# uvicorn's own gunicorn worker (uvicorn.workers) is deprecated in favour of uvicorn-worker.
worker_class = "uvicorn_worker.UvicornWorker"
workers = env_int("WEB_CONCURRENCY", container_cpu_count(), minimum=1)
# Under uvicorn workers `timeout` is how long a worker's event loop may stay silent before gunicorn
# kills it (uvicorn has no per-request limit). As `graceful_timeout` the same value bounds how long
# a stopping worker may finish the requests it holds, so it must cover the largest allowed file.
timeout = env_int("GUNICORN_TIMEOUT", DEFAULT_TIMEOUT_SECONDS, minimum=1)
graceful_timeout = timeout
max_requests = MAX_REQUESTS
max_requests_jitter = MAX_REQUESTS_JITTER
proc_name = "etl-file-monitoring"
# A memory-backed heartbeat file: a container's /tmp may be slow, read-only or absent.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Nobody drives gunicornc inside a container; the socket would also need a writable $HOME.
control_socket_disable = True

# --- Logs ---------------------------------------------------------------------------------
loglevel = env_choice("LOG_LEVEL", "info", ("debug", "info", "warning", "error", "critical"))
logconfig_dict = logging_config(
    loglevel.upper(), env_choice("LOG_FORMAT", "json", ("json", "text"))
)

# --- Prometheus multiprocess mode ---------------------------------------------------------
# prometheus_client's own variable: when set, each worker writes its values to files there and
# /metrics adds them up. The folder must start empty and forget the workers that exited.
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR")


def on_starting(server) -> None:
    if PROMETHEUS_MULTIPROC_DIR:
        folder = Path(PROMETHEUS_MULTIPROC_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()


def child_exit(server, worker) -> None:
    if PROMETHEUS_MULTIPROC_DIR:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid, PROMETHEUS_MULTIPROC_DIR)
