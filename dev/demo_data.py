"""The demo's database side, run by `dev.demo` as a child process with the demo's environment.

    python -m dev.demo_data seed --bucket NAME      # the agency, definitions and monitoring files
    python -m dev.demo_data report --bucket NAME --output PATH   # each sample's latest run as JSON
    python -m dev.demo_data watch --bucket NAME --prefix P --pattern GLOB   # one more file (bench)

Rows are written through the ORM exactly as bms-admin would hold them; the pipeline that scores
the files is the production one, reached through the HTTP service.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from service.bootstrap import configure_environment


def seed(bucket: str) -> None:
    """Create the agency, the schema definitions and one active monitoring file per sample,
    with the earlier runs a sample's `history_rows` asks for."""
    from django.db import transaction

    from dev.samples import AGENCY_NAME, AGENCY_SLUG, DEFINITIONS, DESCRIPTIONS, KEY_PREFIX, SAMPLES
    from ingestion.models import Agency, MonitoringFile, MonitoringFileSchemaDefinition

    with transaction.atomic():
        agency = Agency.objects.create(slug=AGENCY_SLUG, name=AGENCY_NAME)
        definitions = {
            name: MonitoringFileSchemaDefinition.objects.create(
                name=name, description=DESCRIPTIONS[name], definition=body
            )
            for name, body in DEFINITIONS.items()
        }
        for sample in SAMPLES:
            monitoring_file = MonitoringFile.objects.create(
                file_name=sample.name,
                s3_url=f"s3://{bucket}/{KEY_PREFIX}",
                range="daily",
                is_active=True,
                agency=agency,
                agency_slug=agency.slug,
                notify_slack=False,
                is_missing=True,
                schema_definition=definitions[sample.definition],
            )
            seed_history(monitoring_file, bucket, sample.key, sample.history_rows)


def seed_history(monitoring_file: Any, bucket: str, key: str, row_counts: tuple[int, ...]) -> None:
    """Earlier passing runs, one a day at this time of day, as the pipeline would have stored them.

    Their metrics hold what history-aware monitoring reads: row count, profile (columns and null
    counts), and the source's digest and arrival.
    """
    import secrets
    from datetime import timedelta

    from django.utils import timezone

    from dev.samples import HEADER
    from ingestion.models import MonitoringFileDataQuality, MonitoringFileRun

    now = timezone.now()
    for days_ago, rows in zip(range(len(row_counts), 0, -1), row_counts, strict=True):
        arrived = now - timedelta(days=days_ago)
        run = MonitoringFileRun.objects.create(
            monitoring_file=monitoring_file,
            file_size=rows * 40,
            run_date=arrived.date(),
            run_hour=arrived.hour,
        )
        source = {
            "bucket": bucket,
            "key": key,
            "version_id": None,
            "etag": secrets.token_hex(16),
            "last_modified": arrived.isoformat(),
            "size": rows * 40,
            "sha256": secrets.token_hex(32),
            "arrived_at": arrived.isoformat(),
        }
        profile = {
            "columns": list(HEADER),
            "null_counts": dict.fromkeys(HEADER, 0),
            "capped": False,
        }
        MonitoringFileDataQuality.objects.create(
            monitoring_file_run=run,
            score=100,
            passed=True,
            deductions={},
            metrics={
                "row_count": rows,
                "column_count": len(HEADER),
                "profile": profile,
                "source": source,
                "summary": {},
            },
        )


def watch(bucket: str, prefix: str, pattern: str) -> None:
    """Watch every object named `pattern` under `prefix` with one monitoring file (after `seed`).

    The end-to-end benchmark's files are checked against the demo's CSV definition this way.
    """
    from dev.samples import AGENCY_SLUG, CSV_DEFINITION
    from ingestion.models import Agency, MonitoringFile, MonitoringFileSchemaDefinition

    MonitoringFile.objects.create(
        file_name=pattern,
        s3_url=f"s3://{bucket}/{prefix}",
        range="daily",
        is_active=True,
        agency=Agency.objects.get(slug=AGENCY_SLUG),
        agency_slug=AGENCY_SLUG,
        notify_slack=False,
        is_missing=True,
        schema_definition=MonitoringFileSchemaDefinition.objects.get(name=CSV_DEFINITION),
    )


def report(bucket: str) -> list[dict[str, Any]]:
    """Return each sample's latest recorded run (run_id None when it has none)."""
    from dev.samples import SAMPLES
    from ingestion.models import MonitoringFileRun
    from ingestion.pipeline.results import (
        anomalies_of,
        anomaly_evidence,
        failed_evidence,
        recorded_result,
    )

    rows = []
    for sample in SAMPLES:
        run = (
            MonitoringFileRun.objects.filter(monitoring_file__file_name=sample.name)
            .select_related("data_quality")
            .order_by("-id")
            .first()
        )
        quality = getattr(run, "data_quality", None) if run else None
        row: dict[str, Any] = {"file": sample.name, "key": sample.key, "run_id": None}
        if quality is not None:
            result = recorded_result(quality)
            row.update(
                run_id=run.id,
                monitoring_file_id=run.monitoring_file_id,
                score=quality.score,
                passed=quality.passed,
                failed=list(quality.deductions),
                evidence=failed_evidence(result),
                anomalies=anomalies_of(result),
                unusual=anomaly_evidence(result),
            )
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dev.demo_data", description=__doc__)
    parser.add_argument("action", choices=("seed", "report", "watch"))
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--prefix", default="", help="watch: the folder, e.g. bench/")
    parser.add_argument("--pattern", default="*", help="watch: the file-name glob")
    parser.add_argument("--output", type=Path, help="report: write the JSON here")
    args = parser.parse_args(argv)

    configure_environment()
    import django

    django.setup()
    if args.action == "seed":
        seed(args.bucket)
        return 0
    if args.action == "watch":
        watch(args.bucket, args.prefix, args.pattern)
        return 0
    document = json.dumps(report(args.bucket), indent=2)
    if args.output:
        args.output.write_text(document + "\n", encoding="utf-8")
    else:
        sys.stdout.write(document + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
