"""ASGI entry point, served by gunicorn with uvicorn workers."""

from __future__ import annotations

from service.bootstrap import configure_environment

configure_environment()

from django.core.asgi import get_asgi_application  # noqa: E402

application = get_asgi_application()
