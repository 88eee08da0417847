# syntax=docker/dockerfile:1
# One image, two processes: the HTTP service (the default command) and the SQS worker
# (`python manage.py run_worker`). Start-up runs no migrations and no DDL: bms-admin owns the tables.

# --- builder: wheels for every runtime dependency --------------------------------------------
FROM python:3.10-slim AS builder

WORKDIR /build
# The lock pins every package with its hashes: a download that differs from what was locked fails.
COPY requirements/base.lock requirements/base.lock
RUN pip wheel --no-cache-dir --require-hashes --wheel-dir /wheels -r requirements/base.lock

# --- runtime ---------------------------------------------------------------------------------
FROM python:3.10-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000

# A fixed numeric id, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin app

WORKDIR /app

# Installed from the builder's wheels through a bind mount, so no wheel lands in a layer. Every
# locked package ships a wheel, so the builder's files are the locked ones and the hashes hold.
COPY requirements/base.lock requirements/base.lock
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links=/wheels --require-hashes \
        -r requirements/base.lock

# The code stays owned by root: the service only needs to write to /tmp.
COPY . .
RUN python -m compileall -q /app

USER 10001:10001
EXPOSE 8000

# The slim image has no curl; urllib fails (exit 1) on a refused connection or a non-2xx answer.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/api/health/live', timeout=4)"]

# Exec form: gunicorn is PID 1 and receives SIGTERM itself (graceful shutdown).
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
