"""Process start-up shared by manage.py, asgi.py and wsgi.py."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def configure_environment() -> None:
    """Load `.env` (real environment variables win) and check the settings load.

    A configuration error stops the process with one line naming the variable, not a traceback.
    """
    load_dotenv(PROJECT_ROOT / ".env", override=False)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "service.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        settings.INSTALLED_APPS  # noqa: B018 - forces the settings module to load now
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"configuration error: {exc}\n")
        sys.exit(2)
