"""Every error under /api/ answers `{"detail": ...}`, whoever produced it.

ninja's exception handlers (service/api.py) answer JSON for whatever reaches an operation. A few
answers are made outside an operation, as an HTML page or plain text: an unknown path (404), a
method the path does not take (405), an exception no handler knows (500), a body Django refuses
before ninja sees it (400). This middleware rewrites those into the one error body, keeping
the status and headers (e.g. `Allow`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse

API_PREFIX = "/api/"
JSON = "application/json"
DETAILS = {
    HTTPStatus.BAD_REQUEST: "the request cannot be read",
    HTTPStatus.NOT_FOUND: "no such endpoint",
    HTTPStatus.METHOD_NOT_ALLOWED: "method not allowed",
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "the request body is too large",
    HTTPStatus.INTERNAL_SERVER_ERROR: "internal server error",
}


class JsonErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= HTTPStatus.BAD_REQUEST
            and not response.get("Content-Type", "").startswith(JSON)
        ):
            return _as_json(response)
        return response


def _as_json(response: HttpResponse) -> HttpResponse:
    status = response.status_code
    detail = DETAILS.get(status) or HTTPStatus(status).phrase.lower()
    if status == HTTPStatus.METHOD_NOT_ALLOWED and response.get("Allow"):
        detail = f"{detail}: use {response['Allow']}"
    answer = HttpResponse(json.dumps({"detail": detail}), status=status, content_type=JSON)
    for header in ("Allow", "Retry-After", "WWW-Authenticate"):
        if response.has_header(header):
            answer[header] = response[header]
    return answer
