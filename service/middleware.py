"""Bind each request's correlation id for its log lines and echo it in X-Request-ID."""

from __future__ import annotations

from ingestion import correlation
from ingestion.correlation import REQUEST_ID_HEADER


class RequestIdMiddleware:
    """Take the caller's X-Request-ID when sane (the worker sends its SQS message id), else a new
    id; bind it around the request and answer it in the same header.

    Sync only, like WhiteNoise below it: under ASGI Django runs the whole chain and the view in
    one worker thread, so the id bound here is the one the view's lines carry.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER)
        with correlation.bound(correlation.accept(incoming)) as request_id:
            response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response
