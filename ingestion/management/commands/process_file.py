"""python manage.py process_file --bucket B --key K [--force] [--json]"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from ingestion import correlation
from ingestion.errors import IngestionError
from ingestion.pipeline.results import describe_result
from ingestion.pipeline.services import process_s3_file


class Command(BaseCommand):
    help = "Score one S3 object and record the run, as the HTTP endpoint and worker do."

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        if parser.called_from_command_line:
            # Wrong arguments are a failure like any other: exit 1 with one line, no usage dump
            # (argparse would print the usage and exit 2).
            def one_line_error(message: str):
                parser.exit(1, f"{parser.prog}: error: {message} (see --help)\n")

            parser.error = one_line_error
        return parser

    def add_arguments(self, parser):
        parser.add_argument("--bucket", required=True)
        parser.add_argument("--key", required=True, help="the key as stored (not URL-encoded)")
        parser.add_argument(
            "--force", action="store_true", help="record a new run even if already recorded"
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print the result as JSON"
        )

    def handle(self, *args, bucket: str, key: str, force: bool, as_json: bool, **options):
        # A new id per run: the command's log lines share it, and --json answers it.
        with correlation.bound() as correlation_id:
            try:
                result = process_s3_file(bucket=bucket, key=key, force=force)
            except IngestionError as exc:
                raise CommandError(exc.message) from None
        if as_json:
            document = {**result.as_dict(), "correlation_id": correlation_id}
            self.stdout.write(json.dumps(document, indent=2, ensure_ascii=False))
        else:
            self.stdout.write("\n".join(describe_result(result)))
