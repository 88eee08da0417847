"""How long the fuzzing tests search: a few seconds each by default, longer on request.

`FUZZ_EXAMPLES=2000 make test PYTEST_ARGS=tests/fuzz` runs a long search.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))

fuzz_settings = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    # Fixtures (a database, moto) are set up once per test, not per example, on purpose.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
