"""End-to-end throughput: the demo's whole stack scoring many small files as they land in S3.

    python -m bench.e2e [--files 500] [--rows 1000] [--concurrency 4] [--web-concurrency 2]
                        [--sweep] [--rate 0] [--data-dir .bench/e2e]
    make bench BENCH_ARGS="--e2e ..."      # bench.engine hands an --e2e run to this module

It starts what `make demo` starts, with dev/demo.py's own helpers: an embedded PostgreSQL with
the reporting tables (`bootstrap_dev_db`) and the demo's seed, moto's S3 + SQS with the bucket's
ObjectCreated notifications going to a queue, gunicorn with gunicorn.conf.py and `manage.py
run_worker --forward-to` the service. One more monitoring file watches `readings_*.csv` under
`bench/` with the demo's CSV definition. Then it uploads N CSV files (six in ten clean, the
others with nulls, out-of-range readings, repeated ids or a missing column), and each is
scored because S3 told the queue about it, as in production.

It reports files/s from the first upload to the last recorded run, the latency from each
upload to its run's `created_at` (p50, p95, max), and fails (exit 1) unless exactly N runs
were recorded, one per file, each with the score its faults call for. It also shows where a
file's time goes: the pipeline's stages (from the service's `object processed` lines), the
worker's time per message, and the CPU each process used per file. `--sweep` runs one round
per worker concurrency (1, 2, 4, 8) on the same stack and prints a table of files/s.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import statistics
import sys
from pathlib import Path
from typing import Any

from bench.e2e_stack import (
    DEFAULT_WINDOW,
    FOLDER,
    SWEEP_CONCURRENCIES,
    BenchError,
    Memory,
    Options,
    Round,
    Stack,
)


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    from dev.demo import DemoError

    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, _interrupt)
    try:
        with contextlib.ExitStack() as stack:
            bench = Stack(options, stack)
            bench.start()
            concurrencies = SWEEP_CONCURRENCIES if options.sweep else (options.concurrency,)
            rounds = [bench.run_round(concurrency) for concurrency in concurrencies]
            print_results(options, rounds, bench.memory)
            return 0
    except (BenchError, DemoError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted; everything it started is stopped", file=sys.stderr)
        return 130


def parse_args(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench.e2e", description=__doc__.split("\n")[0] if __doc__ else None
    )
    parser.add_argument("--files", type=int, default=500, help="files per round (default 500)")
    parser.add_argument("--rows", type=int, default=1000, help="data rows per file (default 1000)")
    parser.add_argument(
        "--concurrency", type=int, default=4, help="run_worker --concurrency (default 4)"
    )
    parser.add_argument(
        "--web-concurrency", type=int, default=2, help="gunicorn workers (default 2)"
    )
    parser.add_argument(
        "--sweep",
        action="store_true",
        help=f"one round per worker concurrency {SWEEP_CONCURRENCIES}, then a table of files/s",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="uploads per second (default 0: as fast as the uploader goes)",
    )
    parser.add_argument(
        "--window",
        type=int,
        default=DEFAULT_WINDOW,
        help=f"most files uploaded and not yet recorded (default {DEFAULT_WINDOW})",
    )
    parser.add_argument("--data-dir", type=Path, default=FOLDER, help="state and logs folder")
    args = parser.parse_args(argv)
    if min(args.files, args.rows, args.window) < 1 or not 1 <= args.concurrency <= 10:
        parser.error("--files, --rows and --window must be at least 1, --concurrency 1 to 10")
    return Options(
        args.files,
        args.rows,
        args.concurrency,
        args.web_concurrency,
        args.sweep,
        args.rate,
        args.window,
        args.data_dir.resolve(),
    )


def print_results(options: Options, rounds: list[Round], memory: dict[str, list[Memory]]) -> None:
    print()
    print(
        f"end to end: {options.files} files of {options.rows} rows per round, "
        f"{options.web_concurrency} gunicorn workers, at most {options.window} files waiting"
        f"{f', uploads at {options.rate:g}/s' if options.rate else ''}"
    )
    print(
        f"{'concurrency':>11} {'files/s':>8} {'seconds':>8} {'p50 s':>7} {'p95 s':>7} "
        f"{'max s':>7} {'runs':>5}"
    )
    for current in rounds:
        latencies = current.latencies()
        print(
            f"{current.concurrency:>11} {current.files_per_second:>8.1f} {current.elapsed:>8.1f} "
            f"{_percentile(latencies, 50):>7.2f} {_percentile(latencies, 95):>7.2f} "
            f"{latencies[-1]:>7.2f} {len(current.recorded):>5}"
        )
    best = max(rounds, key=lambda current: current.files_per_second)
    print()
    print(f"where a file's time goes (concurrency {best.concurrency}, medians per file):")
    stages = ", ".join(f"{name} {value:.1f}" for name, value in best.stages_ms.items())
    print(f"  pipeline stages, ms: {stages}")
    print(f"  worker, per message (forward + answer + delete), ms: {best.worker_ms:.1f}")
    files = len(best.recorded)
    cpu = ", ".join(
        f"{name} {seconds * 1000 / files:.1f}" for name, seconds in best.cpu_seconds.items()
    )
    print(f"  CPU per file, ms: {cpu}")
    print("RSS per process, MiB (private in brackets):")
    for what, values in memory.items():
        print(f"  {what}: " + ", ".join(f"{rss:.0f} ({private:.0f})" for rss, private in values))


def _percentile(values: list[float], percent: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
