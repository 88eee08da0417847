"""Benchmark the validation engine against a plain pyarrow.csv.read_csv of the same files.

    python -m bench.engine [--sizes 100000,1000000,2000000,10000000] [--repeat 5]
                           [--xlsx-rows 100000] [--big-sheet] [--no-start-up] [--no-e2e]
    python -m bench.engine --e2e [options of bench.e2e]    # the end-to-end run alone (bench/e2e.py)

Files are generated once (fixed seed) under `.bench/` and reused: columns
id,station,reading,observed_at,status,note with a few nulls, duplicate ids, out-of-range
readings and other faults injected, checked against a definition that exercises all five
categories. Every measurement runs in a fresh subprocess; times are medians, peak RSS the
largest of the runs. `ratio` is the engine's time over pyarrow's read of the same file,
measured in the same run: the machine's load changes both alike. In the same rounds, pyarrow's
streaming parse alone (`stream`) and the peers of bench/peers.py (duckdb, polars: the same checks,
held to the engine's counts by a test) are timed as ratios to the same read. The workbook is
timed the same way beside a bare python-calamine read of it; `--big-sheet` also scores a
1,048,576-row sheet (Excel's most) and reports its peak RSS.

The start-up figures come first: the wall time of a fresh interpreter running `django.setup()`
and `manage.py process_file --help`, and the memory of one that imports the engine and calls
nothing (RSS, split into private memory and the shared libraries' mapped pages). The end-to-end
table comes last: `bench.e2e --sweep` (worker concurrency 1, 2, 4 and 8 on the demo's whole stack),
unless `--no-e2e`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import peers

FOLDER = Path(".bench")
SEED = 20_240_601
DEFAULT_SIZES = (100_000, 1_000_000, 2_000_000, 10_000_000)
GENERATE_BATCH_ROWS = 1_000_000
EPOCH_2020 = 1_577_836_800
FOUR_YEARS_SECONDS = 4 * 365 * 86_400
MIB = 1024 * 1024
# Excel's most rows on a sheet: the big-sheet workbook fills them all.
BIG_SHEET_ROWS = 1_048_576
# Columns of the CSV table for the peers (bench/peers.py): '-' where one is not installed.
PEER_COLUMNS = peers.PEERS

BENCH_DEFINITION: dict[str, Any] = {
    "strict": True,
    "columns": [
        {"name": "id", "type": "integer", "required": True, "unique": True},
        {"name": "station", "type": "string", "required": True, "pattern": "^ST-[0-9]{3}$"},
        {"name": "reading", "type": "number", "min": 0, "max": 500},
        {"name": "observed_at", "type": "datetime", "required": True, "min": "2020-01-01T00:00:00"},
        {"name": "status", "type": "string", "allowed": ["ok", "warn", "error"]},
        {"name": "note", "type": "string"},
    ],
}
COLUMN_NAMES = tuple(column["name"] for column in BENCH_DEFINITION["columns"])
# Share of rows given each fault.
FAULTS = {
    "duplicate_id": 0.0001,
    "null_station": 0.0005,
    "bad_station": 0.0001,
    "out_of_range": 0.0005,
    "not_a_number": 0.00005,
    "too_early": 0.0001,
    "unknown_status": 0.0001,
}


START_UP_REPEAT = 5
# What `django.setup()` needs to run without a reachable database or a .env file.
START_UP_ENV = {
    "DJANGO_SETTINGS_MODULE": "service.settings",
    "DJANGO_SECRET_KEY": "bench-only",
    "DATABASE_URL": "postgresql://bench@127.0.0.1:9/bench",
    "SLACK_WEBHOOK_URL": "",
}
DJANGO_SETUP = "import django; django.setup()"
ENGINE_IMPORT = (
    "import json, time; started = time.perf_counter(); import ingestion.core.engine; "
    "seconds = time.perf_counter() - started; "
    "status = dict(line.split(':', 1) for line in open('/proc/self/status')); "
    "print(json.dumps({'seconds': seconds, **{k: int(status[k].split()[0]) / 1024 "
    "for k in ('VmRSS', 'RssAnon', 'RssFile')}}))"
)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--e2e" in argv:
        from bench import e2e

        return e2e.main([arg for arg in argv if arg != "--e2e"])
    options = _arguments(argv)
    if options.child:
        print(json.dumps(_child(options.child, Path(options.path))))
        return 0
    options.folder.mkdir(exist_ok=True)
    if options.start_up:
        print(start_up_line(START_UP_REPEAT), flush=True)
    print(f"engine benchmark, Python {sys.version.split()[0]}, median of {options.repeat}")
    print(_table_header())
    for rows in options.sizes:
        path = csv_file(options.folder, rows)
        print(_table_row(rows, path, _measure(path, options.repeat)), flush=True)
    if options.xlsx_rows:
        _workbook_line(xlsx_file(options.folder, options.xlsx_rows), options.repeat)
    if options.big_sheet:
        _workbook_line(big_sheet_file(options.folder), 1)
    if not options.end_to_end:
        return 0
    from bench import e2e

    return e2e.main(["--sweep"])


def start_up_line(repeat: int) -> str:
    """Start-up wall times and the engine's import memory, each in fresh interpreters."""
    environment = {**os.environ, **START_UP_ENV}
    setup = _median_wall([sys.executable, "-c", DJANGO_SETUP], environment, repeat)
    help_wall = _median_wall(
        [sys.executable, "manage.py", "process_file", "--help"], environment, repeat
    )
    runs = []
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, "-c", ENGINE_IMPORT], capture_output=True, text=True, check=True
        )
        runs.append(json.loads(done.stdout))
    engine = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    return (
        f"start-up, fresh interpreters, median of {repeat}: django.setup() {setup:.2f} s, "
        f"manage.py process_file --help {help_wall:.2f} s | engine import "
        f"{engine['seconds']:.2f} s, RSS {engine['VmRSS']:.0f} MiB (private "
        f"{engine['RssAnon']:.0f}, shared libraries {engine['RssFile']:.0f})"
    )


def _median_wall(command: list[str], environment: dict[str, str], repeat: int) -> float:
    walls = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, env=environment, capture_output=True, check=True)
        walls.append(time.perf_counter() - started)
    return statistics.median(walls)


def _workbook_line(path: Path, repeat: int) -> None:
    """Time the engine on a workbook beside a bare python-calamine read of it."""
    engine, baseline = [], []
    for _ in range(repeat):
        baseline.append(_run("calamine", path))
        engine.append(_run("engine", path))
    seconds = statistics.median(run["seconds"] for run in engine)
    bare = statistics.median(run["seconds"] for run in baseline)
    rows = engine[0]["rows"]
    print(
        f"{path.name} ({path.stat().st_size / MIB:.1f} MB): engine {seconds:.2f} s, "
        f"{rows / seconds:,.0f} rows/s, peak RSS {max(run['peak_rss_mib'] for run in engine):.0f} "
        f"MiB, score {engine[0]['score']} | calamine alone {bare:.2f} s, {rows / bare:,.0f} "
        f"rows/s, peak RSS {max(run['peak_rss_mib'] for run in baseline):.0f} MiB | "
        f"ratio {seconds / bare:.1f}x",
        flush=True,
    )


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.engine", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=DEFAULT_SIZES,
        help="comma-separated row counts (default 100000,1000000,2000000,10000000)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument("--xlsx-rows", type=int, default=100_000, help="0 skips the xlsx timing")
    parser.add_argument(
        "--big-sheet",
        action="store_true",
        help=f"also score a {BIG_SHEET_ROWS:,}-row sheet (written directly, about a minute)",
    )
    parser.add_argument("--folder", type=Path, default=FOLDER, help="where files are generated")
    parser.add_argument(
        "--no-start-up",
        dest="start_up",
        action="store_false",
        help="skip the start-up figures (django.setup() wall time, engine import RSS)",
    )
    parser.add_argument(
        "--no-e2e",
        dest="end_to_end",
        action="store_false",
        help="skip the end-to-end table (bench.e2e --sweep, a few minutes)",
    )
    parser.add_argument(
        "--e2e",
        action="store_true",
        help="run only the end-to-end benchmark (bench/e2e.py; its options follow)",
    )
    parser.add_argument(
        "--child",
        choices=["engine", "pyarrow", "stream", "calamine", *peers.PEERS],
        help=argparse.SUPPRESS,
    )
    parser.add_argument("--path", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _sizes(text: str) -> tuple[int, ...]:
    return tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())


def _measure(path: Path, repeat: int) -> dict[str, Any]:
    """Time the engine, pyarrow's read and each installed peer, in turn within each round."""
    kinds = ("pyarrow", "stream", "engine", *peers.installed())
    runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in kinds}
    for _ in range(repeat):
        for kind in kinds:
            runs[kind].append(_run(kind, path))
    engine = runs["engine"]
    return {
        **{kind: statistics.median(run["seconds"] for run in done) for kind, done in runs.items()},
        "peak_rss_mib": {
            kind: max(run["peak_rss_mib"] for run in done) for kind, done in runs.items()
        },
        "score": engine[0]["score"],
        "deductions": engine[0]["deductions"],
    }


def _run(kind: str, path: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.engine", "--child", kind, "--path", str(path)]
    completed = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _child(kind: str, path: Path) -> dict[str, Any]:
    """Run one measurement in this (fresh) process."""
    if kind == "pyarrow":
        import pyarrow.csv

        started = time.perf_counter()
        table = pyarrow.csv.read_csv(path)
        seconds = time.perf_counter() - started
        result: dict[str, Any] = {"rows": table.num_rows}
    elif kind == "calamine":
        from python_calamine import CalamineWorkbook

        started = time.perf_counter()
        with CalamineWorkbook.from_path(str(path)) as workbook:
            values = workbook.get_sheet_by_index(0).to_python()
        seconds = time.perf_counter() - started
        result = {"rows": len(values) - 1}
    elif kind == "stream":
        import pyarrow as pa
        import pyarrow.csv

        started = time.perf_counter()
        reader = pyarrow.csv.open_csv(
            path,
            convert_options=pyarrow.csv.ConvertOptions(
                column_types=dict.fromkeys(COLUMN_NAMES, pa.string())
            ),
        )
        result = {"rows": sum(batch.num_rows for batch in reader)}
        seconds = time.perf_counter() - started
    elif kind in peers.PEERS:
        count = peers.COUNTERS[kind]
        started = time.perf_counter()
        counts = count(path)
        seconds = time.perf_counter() - started
        result = {"counts": counts}
    else:
        from ingestion.core import score_file
        from schemas.definition import parse_definition

        definition = parse_definition(BENCH_DEFINITION)
        started = time.perf_counter()
        report = score_file(path, definition, name_hint=path.name)
        seconds = time.perf_counter() - started
        result = {
            "rows": report.metrics["row_count"],
            "score": report.score,
            "deductions": report.deductions,
        }
    return {**result, "seconds": seconds, "peak_rss_mib": _peak_rss_mib()}


def _peak_rss_mib() -> float:
    """This process's peak RSS since it started (exec), in MiB.

    VmHWM belongs to the running program. `ru_maxrss` also keeps the peak of the process before
    its exec, so a child started by a parent that had just generated a large file would report
    the parent's size.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _table_header() -> str:
    peer_columns = "".join(f" {peer + ' s':>9} {'ratio':>6} {'peak':>8}" for peer in PEER_COLUMNS)
    return (
        f"{'rows':>12} {'MB':>8} {'engine s':>9} {'rows/s':>11} {'MB/s':>7} "
        f"{'peak RSS':>9} {'pyarrow s':>10} {'ratio':>6} {'stream':>7}{peer_columns} {'score':>6}"
    )


def _table_row(rows: int, path: Path, measured: dict[str, Any]) -> str:
    """One size: the engine, its ratio to pyarrow's read, each peer's time and ratio to it."""
    megabytes = path.stat().st_size / MIB
    seconds, baseline = measured["engine"], measured["pyarrow"]
    peer_columns = ""
    for peer in PEER_COLUMNS:
        if peer in measured:
            peak = measured["peak_rss_mib"][peer]
            peer_columns += (
                f" {measured[peer]:>9.2f} {measured[peer] / baseline:>5.1f}x {peak:>4.0f} MiB"
            )
        else:
            peer_columns += f" {'-':>9} {'-':>6} {'-':>8}"
    return (
        f"{rows:>12,} {megabytes:>8.1f} {seconds:>9.2f} {rows / seconds:>11,.0f} "
        f"{megabytes / seconds:>7.1f} {measured['peak_rss_mib']['engine']:>5.0f} MiB "
        f"{baseline:>10.2f} {seconds / baseline:>5.1f}x {measured['stream'] / baseline:>6.1f}x"
        f"{peer_columns} {measured['score']:>6}"
    )


def csv_file(folder: Path, rows: int) -> Path:
    """Return the generated CSV of `rows` rows, writing it first if it is not there."""
    path = folder / f"readings_{rows}.csv"
    if path.exists():
        return path
    import pyarrow.csv

    partial = path.with_suffix(".partial")
    options = pyarrow.csv.WriteOptions(quoting_style="none")
    writer = None
    for start in range(0, rows, GENERATE_BATCH_ROWS):
        batch = _batch(start, min(GENERATE_BATCH_ROWS, rows - start))
        if writer is None:
            writer = pyarrow.csv.CSVWriter(str(partial), batch.schema, write_options=options)
        writer.write(batch)
    if writer is not None:
        writer.close()
    partial.rename(path)
    return path


def _batch(start: int, count: int) -> Any:
    """Rows start..start+count of the benchmark table, all as strings, faults injected."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    rng = np.random.default_rng(SEED + start)
    ids = np.arange(start + 1, start + count + 1, dtype=np.int64)
    repeat = _faulty(rng, count, "duplicate_id") & (ids > 1)
    ids[repeat] = rng.integers(1, ids[repeat], dtype=np.int64) if repeat.any() else ids[repeat]
    station = pc.binary_join_element_wise(
        "ST-", pc.utf8_lpad(pa.array(rng.integers(0, 1000, count)).cast(pa.string()), 3, "0"), ""
    )
    station = _replace(station, _faulty(rng, count, "bad_station"), "st-12")
    station = _replace(station, _faulty(rng, count, "null_station"), "")
    readings = np.round(rng.random(count) * 500, 2)
    wrong = _faulty(rng, count, "out_of_range")
    readings[wrong] = np.round(500 + rng.random(int(wrong.sum())) * 500, 2)
    reading = _replace(
        pa.array(readings).cast(pa.string()), _faulty(rng, count, "not_a_number"), "err"
    )
    seconds = EPOCH_2020 + rng.integers(0, FOUR_YEARS_SECONDS, count)
    seconds[_faulty(rng, count, "too_early")] -= FOUR_YEARS_SECONDS
    observed = pc.strftime(pa.array(seconds, pa.timestamp("s")), format="%Y-%m-%dT%H:%M:%S")
    status = pc.take(pa.array(["ok", "warn", "error"]), pa.array(rng.integers(0, 3, count)))
    status = _replace(status, _faulty(rng, count, "unknown_status"), "unknown")
    notes = pa.array(rng.integers(0, 997, count)).cast(pa.string())
    note = pc.if_else(
        pa.array(rng.random(count) < 0.7), "", pc.binary_join_element_wise("note ", notes, "")
    )
    columns = [pa.array(ids).cast(pa.string()), station, reading, observed, status, note]
    return pa.record_batch(columns, names=list(COLUMN_NAMES))


def _faulty(rng: Any, count: int, fault: str) -> Any:
    return rng.random(count) < FAULTS[fault]


def _replace(values: Any, mask: Any, text: str) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.if_else(pa.array(mask), text, values)


def xlsx_file(folder: Path, rows: int) -> Path:
    """Return the generated workbook of `rows` rows (native cells), writing it if missing."""
    path = folder / f"readings_{rows}.xlsx"
    if path.exists():
        return path
    import datetime as dt

    import openpyxl

    batch = _batch(0, rows).to_pydict()
    # A normal workbook, as Excel writes it: shared strings and the dimension up front.
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Readings"
    names = list(batch)
    sheet.append(names)
    for index in range(rows):
        row = [batch[name][index] for name in names]
        row[0] = int(row[0])
        row[2] = float(row[2]) if row[2] != "err" else row[2]
        row[3] = dt.datetime.fromisoformat(row[3])
        sheet.append([None if value == "" else value for value in row])
    partial = path.with_suffix(".partial")
    workbook.save(partial)
    partial.rename(path)
    return path


def big_sheet_file(folder: Path, rows: int = BIG_SHEET_ROWS - 1) -> Path:
    """A one-sheet workbook of `rows` data rows below a header, its sheet XML written directly.

    openpyxl would take many minutes for a million rows; this writes the cells Excel would
    (shared strings for the text columns, a date style for the timestamps) straight into the
    zip, streaming the sheet part.
    """
    path = folder / f"readings_{rows + 1}_rows.xlsx"
    if path.exists():
        return path
    import zipfile

    names = list(COLUMN_NAMES)
    strings: dict[str, int] = {}
    partial = path.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, text in _package_parts().items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(_sheet_start(rows + 1).encode())
            sheet.write(_xml_row(1, names, strings, header=True).encode())
            for start in range(0, rows, GENERATE_BATCH_ROWS // 4):
                batch = _batch(start, min(GENERATE_BATCH_ROWS // 4, rows - start)).to_pydict()
                lines = [
                    _xml_row(start + index + 2, [batch[name][index] for name in names], strings)
                    for index in range(len(batch["id"]))
                ]
                sheet.write("".join(lines).encode())
            sheet.write(b"</sheetData></worksheet>")
        archive.writestr("xl/sharedStrings.xml", _shared_strings(strings))
    partial.rename(path)
    return path


SPREADSHEET = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
EXCEL_EPOCH_SECONDS = -2_209_161_600  # 1899-12-30T00:00:00 as a Unix time
SECONDS_A_DAY = 86_400
COLUMN_LETTERS = "ABCDEF"


def _package_parts() -> dict[str, str]:
    office = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    return {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{office}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{office}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{office}.sharedStrings+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{office}.styles+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{package}"><Relationship Id="rId1" '
            f'Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{SPREADSHEET}" xmlns:r="{RELATIONSHIPS}"><sheets>'
            '<sheet name="Readings" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{package}">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" '
            'Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/sharedStrings" '
            'Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId3" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": (
            f'<styleSheet xmlns="{SPREADSHEET}"><numFmts count="1"><numFmt numFmtId="164" '
            'formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts><cellXfs count="2"><xf numFmtId="0"/>'
            '<xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>'
        ),
    }


def _sheet_start(last_row: int) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet '
        f'xmlns="{SPREADSHEET}" xmlns:r="{RELATIONSHIPS}"><dimension ref="A1:F{last_row}"/>'
        "<sheetData>"
    )


def _xml_row(number: int, values: list[Any], strings: dict[str, int], header: bool = False) -> str:
    """One <row> as Excel writes it: numbers as numbers, timestamps as serial days, text shared."""
    import datetime as dt

    cells = []
    for letter, (index, value) in zip(COLUMN_LETTERS, enumerate(values), strict=False):
        reference = f"{letter}{number}"
        if value == "" or value is None:
            continue
        if not header and index in (0, 2) and value != "err":
            cells.append(f'<c r="{reference}"><v>{value}</v></c>')
        elif not header and index == 3:
            moment = dt.datetime.fromisoformat(value).replace(tzinfo=dt.timezone.utc)
            seconds = moment.timestamp() - EXCEL_EPOCH_SECONDS
            cells.append(f'<c r="{reference}" s="1"><v>{seconds / SECONDS_A_DAY!r}</v></c>')
        else:
            shared = strings.setdefault(value, len(strings))
            cells.append(f'<c r="{reference}" t="s"><v>{shared}</v></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'


def _shared_strings(strings: dict[str, int]) -> str:
    from xml.sax.saxutils import escape

    items = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
    return (
        f'<sst xmlns="{SPREADSHEET}" count="{len(strings)}" uniqueCount="{len(strings)}">'
        f"{items}</sst>"
    )


if __name__ == "__main__":
    sys.exit(main())
