"""Every endpoint, fuzzed from its own OpenAPI document, with and without the token.

No answer is a 5xx, every error answer is JSON with `detail`, and no request changes the
database (no watched file matches what the fuzzer sends, so nothing may be written).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import assume, given
from schemathesis import GenerationMode

from tests.builders import make_definition, make_monitoring_file, row_counts
from tests.fuzz.budget import fuzz_settings

TOKEN = "fuzz-token"
SCHEMA = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


def takes_input(operation) -> bool:
    return any(len(part) for part in (operation.body, operation.path_parameters, operation.query))


def plan_id(operation, mode) -> str:
    return f"{operation.method.upper()} {operation.path} {mode.value}"


# Valid requests for every operation; invalid ones where there is an input to get wrong.
PLANS = [
    (operation, mode)
    for operation in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode == GenerationMode.POSITIVE or takes_input(operation)
]


@pytest.fixture
def service(settings, transactional_db, bucket):
    """The service as deployed: token required, debug off, one watched file, moto for S3."""
    settings.INGESTION_API_TOKEN = TOKEN
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]
    make_monitoring_file(schema_definition=make_definition())


def content_type(response) -> str:
    # schemathesis keeps each header as a list of values, under the name the server sent.
    values = {name.lower(): value for name, value in response.headers.items()}["content-type"]
    return values[0]


@pytest.mark.parametrize("authorised", [True, False], ids=["token", "no-token"])
@pytest.mark.parametrize(("operation", "mode"), PLANS, ids=[plan_id(*plan) for plan in PLANS])
def test_no_request_gets_a_5xx_or_a_non_json_error_or_changes_the_database(
    service, operation, mode, authorised
):
    headers = {"Authorization": f"Bearer {TOKEN}"} if authorised else {}

    @fuzz_settings
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case):
        # schemathesis cannot send a multipart body that is not a mapping of parts.
        assume(case.media_type != "multipart/form-data" or isinstance(case.body, dict))
        before = row_counts()
        response = case.call(headers=headers)
        where = case.as_curl_command()
        assert response.status_code < 500, where
        if response.status_code >= 400:
            assert content_type(response).startswith("application/json"), where
            assert "detail" in response.json(), where
        assert row_counts() == before, where

    check()
