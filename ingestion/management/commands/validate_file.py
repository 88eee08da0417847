"""python manage.py validate_file PATH (--definition-id N | --definition FILE.json) [--json]"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ingestion import correlation
from ingestion.authoring import resolve_definition, validate_file
from ingestion.core import QualityReport, evidence_lines
from ingestion.errors import IngestionError


class Command(BaseCommand):
    help = (
        "Score a local file against a schema definition as ingestion would (dry run): nothing "
        "is written to the database and nothing is read from S3."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="the file to score")
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--definition-id", type=int, help="a stored schema definition's id")
        source.add_argument(
            "--definition", type=Path, dest="definition_file", help="a definition JSON file"
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print the full report as JSON"
        )

    def handle(self, *args, path: Path, definition_id, definition_file, as_json, **options):
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        try:
            definition = resolve_definition(
                definition_id=definition_id,
                definition=_read(definition_file) if definition_file else None,
            )
            with correlation.bound():
                report = validate_file(path, definition=definition)
        except IngestionError as exc:
            raise CommandError(exc.message) from None
        if as_json:
            self.stdout.write(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
        else:
            self.stdout.write("\n".join(describe(path, report)))


def describe(path: Path, report: QualityReport) -> list[str]:
    verdict = "passed" if report.passed else "failed"
    lines = [f"{path}: score {report.score} ({verdict}), {report.metrics['row_count']} rows"]
    lines.extend(f"  - {line}" for line in evidence_lines(report).values())
    return lines


def _read(definition_file: Path) -> str:
    try:
        return definition_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read {definition_file}: {exc}") from None
