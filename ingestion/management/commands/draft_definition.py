"""python manage.py draft_definition PATH [--sheet NAME] [--sample-rows N] [--json]"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ingestion import correlation
from ingestion.authoring import draft_file
from ingestion.errors import IngestionError


class Command(BaseCommand):
    help = (
        "Draft a schema definition from a sample file. The definition JSON goes to stdout and "
        "the explanation of each column to stderr, so `> definition.json` keeps only the JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", type=Path, help="the sample file (CSV/TSV, gzip, xlsx, xlsm, xlsb, ods, xls)"
        )
        parser.add_argument("--sheet", help="the workbook sheet to read (default: the first)")
        parser.add_argument(
            "--sample-rows", type=int, help="read only the first N data rows (default: all)"
        )
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help="print definition, explanations and warnings as one JSON object on stdout",
        )

    def handle(self, *args, path: Path, sheet, sample_rows, as_json: bool, **options):
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        try:
            with correlation.bound():
                draft = draft_file(path, sheet=sheet, sample_rows=sample_rows)
        except IngestionError as exc:
            raise CommandError(exc.message) from None
        if as_json:
            self.stdout.write(json.dumps(draft.as_dict(), indent=2, ensure_ascii=False))
            return
        self.stdout.write(json.dumps(draft.definition, indent=2, ensure_ascii=False))
        lines = [f"{name}: {text}" for name, text in draft.explanations.items()]
        lines += [f"warning: {warning}" for warning in draft.warnings]
        self.stderr.write("\n".join(lines), style_func=lambda text: text)
