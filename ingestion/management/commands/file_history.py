"""python manage.py file_history MONITORING_FILE_ID [--limit N]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from ingestion.errors import database_unavailable
from ingestion.pipeline.history import FileHistory, HistoryRun, file_history
from ingestion.trend.signals import duration_text

# Eight heights, for scores 0 to 100 (a sparkline reads left to right, oldest to newest).
SPARKS = "▁▂▃▄▅▆▇█"
MAX_SCORE = 100
COLUMNS = ("run", "date", "hour", "score", "passed", "failed", "rows", "anomalies")


class Command(BaseCommand):
    help = (
        "Show a monitoring file's recent runs, newest first, with a sparkline of their scores "
        "and the baseline its next run is compared with (history-aware monitoring); the same "
        "as GET /api/files/{id}/history."
    )

    def add_arguments(self, parser):
        parser.add_argument("monitoring_file_id", type=int)
        parser.add_argument(
            "--limit", type=int, default=20, help="how many runs to show (default 20)"
        )

    def handle(self, *args, monitoring_file_id: int, limit: int, **options):
        if limit < 1:
            raise CommandError("--limit must be at least 1")
        try:
            history = file_history(monitoring_file_id, limit=limit)
        except DatabaseError as exc:
            raise CommandError(database_unavailable(exc)) from None
        if history is None:
            raise CommandError(f"no monitoring file {monitoring_file_id}")
        self.stdout.write("\n".join(history_lines(history)))


def history_lines(history: FileHistory) -> list[str]:
    """The history for people: a title, the sparkline, the baseline and one line per run."""
    watched = history.monitoring_file
    lines = [
        f"{watched.agency_slug} / {watched.file_name} (monitoring file {watched.id}, "
        f"{watched.range}): {len(history.runs)} runs, newest first"
    ]
    if not history.runs:
        return [*lines, "no run recorded yet"]
    scores = [run.score for run in reversed(history.runs)]
    lines.append(f"scores, oldest to newest: {sparkline(scores)}  ({scores[0]} ... {scores[-1]})")
    lines.append(baseline_line(history))
    lines.append("")
    lines.extend(table(history.runs))
    return lines


def sparkline(scores: list[int]) -> str:
    """One character per score, ▁ for 0 up to █ for 100."""
    top = len(SPARKS) - 1
    return "".join(SPARKS[round(min(max(s, 0), MAX_SCORE) * top / MAX_SCORE)] for s in scores)


def baseline_line(history: FileHistory) -> str:
    baseline = history.baseline
    if baseline is None:
        return (
            f"baseline: {history.note}" if history.note else "baseline: off (TREND_WINDOW_RUNS=0)"
        )
    parts = [f"{baseline['runs']} passing runs of the last {history.window}"]
    if baseline["row_count_median"] is not None:
        parts.append(f"median {baseline['row_count_median']:,} rows")
    if baseline["arrival_median_minutes"] is not None:
        parts.append(f"arrives {duration_text(baseline['arrival_median_minutes'])} into its period")
    if baseline["columns"] is not None:
        parts.append(f"{len(baseline['columns'])} columns")
    return "baseline: " + ", ".join(parts)


def table(runs: list[HistoryRun]) -> list[str]:
    cells = [COLUMNS] + [
        (
            str(run.run_id),
            run.run_date.isoformat(),
            str(run.run_hour),
            str(run.score),
            "yes" if run.passed else "no",
            ", ".join(run.failed) or "-",
            "-" if run.row_count is None else f"{run.row_count:,}",
            ", ".join(run.anomalies) or "-",
        )
        for run in runs
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    right = {"run", "hour", "score", "rows"}
    return [
        "  ".join(
            cell.rjust(width) if name in right else cell.ljust(width)
            for name, cell, width in zip(COLUMNS, row, widths, strict=True)
        ).rstrip()
        for row in cells
    ]
