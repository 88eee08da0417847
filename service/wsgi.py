"""WSGI entry point (kept for tools that expect one; production serves ASGI)."""

from __future__ import annotations

from service.bootstrap import configure_environment

configure_environment()

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
