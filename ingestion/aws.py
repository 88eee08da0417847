"""boto3 clients built one way: explicit timeouts, standard retries, the configured endpoint.

boto3 is imported when the first client is made, not with this module: a process that never
calls S3 or SQS (a web worker answering health checks, most management commands) never
loads it.
"""

from __future__ import annotations

from django.conf import settings

CONNECT_TIMEOUT_SECONDS = 5
TOTAL_MAX_ATTEMPTS = 4


def make_client(service: str, *, read_timeout: float):
    """Return a new client for `service`; AWS_ENDPOINT_URL points it at a local emulator."""
    import boto3
    from botocore.config import Config

    config = Config(
        region_name=settings.AWS_REGION,
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=read_timeout,
        retries={"mode": "standard", "total_max_attempts": TOTAL_MAX_ATTEMPTS},
    )
    return boto3.session.Session().client(
        service, endpoint_url=settings.AWS_ENDPOINT_URL or None, config=config
    )
