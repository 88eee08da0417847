"""The trend rules are pure: they load no Django, boto3, database driver or engine."""

from __future__ import annotations

import json

from tests.processes import run_python

PROBE = """
import json, sys
from ingestion.trend.baseline import Observation
from ingestion.trend.signals import assess_trend
from schemas.definition import TrendSettings
past = [Observation(run_id=n, score=100, row_count=120) for n in range(6)]
trend = assess_trend(Observation(None, 100, row_count=3), past, TrendSettings(), window=20,
                     range_name="daily")
print(json.dumps({"anomalies": trend.anomalies, "modules": sorted(sys.modules)}))
"""


def test_the_trend_rules_load_no_framework_database_or_engine():
    found = json.loads(run_python(PROBE))
    assert found["anomalies"] == ["row_count"]
    loaded = {name.split(".")[0] for name in found["modules"]}
    assert not loaded & {"django", "boto3", "botocore", "psycopg2", "ninja", "pyarrow", "numpy"}
