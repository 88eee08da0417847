"""The end-to-end benchmark's stack and rounds: start what `make demo` starts, drive files through.

`Stack.start` brings up the embedded PostgreSQL, moto (in a process of its own), gunicorn and the
demo's seed with dev/demo.py's helpers; `Stack.run_round` runs one worker at one concurrency,
uploads the round's files while counting their runs, checks that exactly one run per file was
recorded with the expected score, and gathers where the time went.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import statistics
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.e2e_files import csv_file, expected_score

FOLDER = Path(".bench") / "e2e"
PREFIX = "bench/"
PATTERN = "readings_*.csv"
SWEEP_CONCURRENCIES = (1, 2, 4, 8)
UPLOAD_THREADS = 4
# Files uploaded and not yet recorded, at most: a real bucket sees a flow, not a 500-file burst,
# and moto's SQS does work in proportion to the queue's length on every call.
DEFAULT_WINDOW = 50
# Files scored before a round is timed, so each gunicorn worker has loaded the engine.
WARM_UP_FILES = 8
# A round fails when no new run is recorded for this long.
STALL_SECONDS = 60
WORKER_START_SECONDS = 30
# The worker's long poll. moto keeps serving a long poll after its client has gone: a stopped
# worker's last poll still takes messages (hidden for the visibility timeout, 30 s) until it
# expires, so a round starts only after the previous worker's poll has run out.
WORKER_WAIT_SECONDS = 2
POLL_SECONDS = 0.1
# Requests of each kind the web workers answer before their memory is read again.
IDLE_REQUESTS = 10
MIB = 1024 * 1024

# (RSS, private) in MiB.
Memory = tuple[float, float]


class BenchError(Exception):
    """The benchmark cannot go on or its result is wrong; the message says what to look at."""


@dataclass(frozen=True)
class Options:
    files: int
    rows: int
    concurrency: int
    web_concurrency: int
    sweep: bool
    rate: float
    window: int
    data_dir: Path


@dataclass
class Round:
    """One timed round: N files uploaded and scored at one worker concurrency."""

    label: str
    concurrency: int
    uploaded: dict[str, tuple[float, float]] = field(default_factory=dict)
    recorded: dict[str, tuple[float, int]] = field(default_factory=dict)
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    stages_ms: dict[str, float] = field(default_factory=dict)
    worker_ms: float = 0.0

    @property
    def first_upload(self) -> float:
        return min(started for started, _ in self.uploaded.values())

    @property
    def elapsed(self) -> float:
        return max(at for at, _ in self.recorded.values()) - self.first_upload

    @property
    def files_per_second(self) -> float:
        return len(self.recorded) / self.elapsed

    def latencies(self) -> list[float]:
        return sorted(self.recorded[key][0] - done for key, (_, done) in self.uploaded.items())


class Progress:
    """What the uploads wait on: how many runs are recorded, and whether to give up."""

    def __init__(self) -> None:
        self.error: Exception | None = None
        self._recorded = 0
        self._stopped = False
        self._changed = threading.Condition()

    def recorded(self, count: int) -> None:
        with self._changed:
            self._recorded = count
            self._changed.notify_all()

    def wait_for_room(self, position: int, window: int) -> bool:
        """Wait until fewer than `window` files wait for their run; False once stopped."""
        with self._changed:
            self._changed.wait_for(lambda: self._stopped or position - self._recorded < window)
            return not self._stopped

    def fail(self, error: Exception) -> None:
        self.error = error
        self.stop()

    def stop(self) -> None:
        with self._changed:
            self._stopped = True
            self._changed.notify_all()


class Stack:
    """The demo's stack, started once, and the rounds run on it."""

    def __init__(self, options: Options, stack: contextlib.ExitStack) -> None:
        from dev.demo import Demo
        from dev.demo import Options as DemoOptions

        self.options = options
        self.demo = Demo(DemoOptions(False, 0, 0, options.data_dir), stack)
        self.service: Any = None
        self.moto: Any = None
        self.database: Any = None
        self.watched_id = 0
        self.memory: dict[str, list[Memory]] = {}

    def start(self) -> None:
        from dev import demo as stack
        from dev.demo import BUCKET

        demo = self.demo
        demo.port = stack.claim_port(0)
        demo.logs.mkdir(parents=True, exist_ok=True)
        for old_log in demo.logs.glob("*.log"):
            old_log.unlink()
        database_url, rerun = stack.start_database(demo)
        self._start_moto()
        environment = stack.demo_environment(demo, database_url, secrets.token_urlsafe(24))
        # JSON lines, so the pipeline's stage timings can be read back from the service's log.
        demo.env = {**environment, "LOG_FORMAT": "json"}
        stack.bootstrap_database(demo, rerun)
        demo.aws.create_bucket_notifying(BUCKET, demo.queue_url)
        self.service = stack.start_service(demo, self.options.web_concurrency)
        stack.run_child(demo, ["-m", "dev.demo_data", "seed", "--bucket", BUCKET], "seeding")
        watch = ["watch", "--bucket", BUCKET, "--prefix", PREFIX, "--pattern", PATTERN]
        stack.run_child(demo, ["-m", "dev.demo_data", *watch], "watching the bench's files")
        stack.wait_until_ready(demo, self.service)
        self.database = _connect(database_url)
        demo.stack.callback(self.database.close)
        self.watched_id = self._query_one(
            'SELECT id FROM "reporting"."monitoring_file" WHERE file_name = %s', (PATTERN,)
        )
        self.memory["web workers after start"] = self._web_worker_rss()
        self._answer_a_few_requests()
        self.memory[f"after {2 * IDLE_REQUESTS} API requests"] = self._web_worker_rss()
        stack.say(f"the bench's files: s3://{BUCKET}/{PREFIX}**/{PATTERN}")
        self._warm_up()

    def _answer_a_few_requests(self) -> None:
        """Health checks and a run lookup: requests that do not score a file."""
        import urllib.error
        import urllib.request

        token = self.demo.env["INGESTION_API_TOKEN"]
        for _ in range(IDLE_REQUESTS):
            for path in ("/api/health/ready", "/api/runs/1"):
                request = urllib.request.Request(
                    f"{self.demo.base_url}{path}", headers={"Authorization": f"Bearer {token}"}
                )
                with contextlib.suppress(urllib.error.HTTPError):
                    urllib.request.urlopen(request, timeout=10).close()

    def _start_moto(self) -> None:
        """moto in a process of its own (dev/local_aws.py), and the demo's queue with its DLQ."""
        import socket

        from dev import demo as stack
        from dev.local_aws import LocalAws

        port = stack.free_port()
        environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        command = ["-m", "dev.local_aws", "--port", str(port)]
        moto = stack.spawn(self.demo, command, environment, "moto.log")
        self.demo.stack.callback(stack.stop_process, moto)
        deadline = time.monotonic() + WORKER_START_SECONDS
        while True:
            with socket.socket() as probe:
                if probe.connect_ex((stack.LOOPBACK, port)) == 0:
                    break
            if moto.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"moto did not start; see {self.demo.logs / 'moto.log'}")
            threading.Event().wait(POLL_SECONDS)
        self.moto = moto
        self.demo.local_aws = LocalAws(f"http://{stack.LOOPBACK}:{port}")
        self.demo.queue_url = self.demo.aws.create_queue_with_dlq(stack.QUEUE)
        stack.say(f"local S3 + SQS: moto in its own process at {self.demo.aws.endpoint}")

    def _warm_up(self) -> None:
        """Score a few files first, so that every web worker has loaded the engine."""
        from dev import demo as stack

        files = max(WARM_UP_FILES, 4 * self.options.web_concurrency)
        # As many requests at once as there are web workers, so that each gets some.
        warm = Round(
            "warm-up", min(10, max(self.options.concurrency, 2 * self.options.web_concurrency))
        )
        with self._worker(warm):
            self._drive(warm, files)
        self.memory["web workers after scoring the warm-up files"] = self._web_worker_rss()
        stack.say(f"warm-up: {files} files scored")

    def run_round(self, concurrency: int) -> Round:
        from dev import demo as stack

        files = self.options.files
        current = Round(f"c{concurrency}", concurrency)
        with self._worker(current) as worker:
            self.memory[f"worker {concurrency} lanes, started"] = [_memory(worker.pid)]
            before = self._cpu_seconds(worker.pid)
            self._drive(current, files)
            self._check_runs(current, files)
            self.memory[f"worker {concurrency} lanes, after {files} files"] = [_memory(worker.pid)]
            after = self._cpu_seconds(worker.pid)
        current.cpu_seconds = {name: after[name] - before[name] for name in after}
        current.stages_ms = self._stage_medians(set(current.recorded))
        stack.say(
            f"concurrency {concurrency}: {files} files in {current.elapsed:.1f} s, "
            f"{current.files_per_second:.1f} files/s"
        )
        return current

    @contextlib.contextmanager
    def _worker(self, current: Round) -> Iterator[Any]:
        """`run_worker --forward-to` the service, its own log per round; stopped on the way out."""
        from dev import demo as stack

        log = f"worker-{current.label}.log"
        command = [
            *("manage.py", "run_worker", "--forward-to", self.demo.base_url),
            *("--concurrency", str(current.concurrency)),
            *("--wait-seconds", str(WORKER_WAIT_SECONDS)),
        ]
        worker = stack.spawn(self.demo, command, self.demo.env, log)
        try:
            self._wait_for_line(self.demo.logs / log, '"worker started"', worker)
            yield worker
        finally:
            stack.stop_process(worker)
            threading.Event().wait(WORKER_WAIT_SECONDS + 1)
        current.worker_ms = _median_field(self.demo.logs / log, "message handled", "duration_ms")

    def _wait_for_line(self, path: Path, text: str, process: Any) -> None:
        deadline = time.monotonic() + WORKER_START_SECONDS
        pause = threading.Event()
        while not (path.exists() and text in path.read_text(errors="replace")):
            if process.poll() is not None:
                raise BenchError(f"the worker exited (code {process.returncode}); see {path}")
            if time.monotonic() > deadline:
                raise BenchError(f"the worker did not start within {WORKER_START_SECONDS} s")
            pause.wait(POLL_SECONDS)

    def _drive(self, current: Round, files: int) -> None:
        """Upload `files` new files while the runs are counted; return once all are recorded.

        Uploads keep at most `window` files waiting for their run (and go no faster than
        `rate` when one is given), so the queue stays as short as a steady flow would keep it.
        """
        bodies = [
            (
                f"{PREFIX}{current.label}/readings_{index:05d}.csv",
                csv_file(index, self.options.rows),
            )
            for index in range(files)
        ]
        progress = Progress()
        last_before = self._query_one(
            'SELECT coalesce(max(id), 0) FROM "reporting"."monitoring_file_run"', ()
        )
        uploader = threading.Thread(
            target=self._upload, args=(current, bodies, progress), name="uploads", daemon=True
        )
        uploader.start()
        try:
            self._count_runs(current, files, progress, last_before)
        finally:
            progress.stop()
            uploader.join()
        if progress.error is not None:
            raise BenchError(f"an upload failed: {progress.error}")

    def _upload(self, current: Round, bodies: list[tuple[str, bytes]], progress: Progress) -> None:
        from dev.demo import BUCKET

        s3 = self.demo.aws.s3
        rate, window = self.options.rate, self.options.window
        start = time.time()
        pause = threading.Event()

        def put(item: tuple[int, tuple[str, bytes]]) -> None:
            position, (key, body) = item
            if not progress.wait_for_room(position, window):
                return
            if rate:
                pause.wait(max(0.0, start + position / rate - time.time()))
            started = time.time()
            s3.put_object(Bucket=BUCKET, Key=key, Body=body)
            current.uploaded[key] = (started, time.time())

        try:
            with ThreadPoolExecutor(UPLOAD_THREADS, thread_name_prefix="upload") as pool:
                list(pool.map(put, enumerate(bodies)))
        except Exception as exc:  # reported by the thread that counts the runs
            progress.fail(exc)

    def _count_runs(self, current: Round, files: int, progress: Progress, last_before: int) -> None:
        """Poll the runs table until every file of the round has its run; fail on a stall.

        It counts the bench's runs newer than `last_before` (the last run before the round):
        an index scan, cheap enough to repeat ten times a second beside the work being timed.
        """
        pause = threading.Event()
        seen, last_progress = -1, time.monotonic()
        while progress.error is None:
            count = self._query_one(
                'SELECT count(*) FROM "reporting"."monitoring_file_run" '
                "WHERE monitoring_file_id = %s AND id > %s",
                (self.watched_id, last_before),
            )
            progress.recorded(count)
            if count >= files:
                return
            if count != seen:
                seen, last_progress = count, time.monotonic()
            elif time.monotonic() - last_progress > STALL_SECONDS:
                raise BenchError(
                    f"{current.label}: {count} of {files} runs recorded and none for "
                    f"{STALL_SECONDS} s; see {self.demo.logs}"
                )
            pause.wait(POLL_SECONDS)

    def _check_runs(self, current: Round, files: int) -> None:
        """Exactly one run per uploaded file, each scored as its faults call for."""
        self._wait_for_empty_queue()
        with self.database.cursor() as cursor:
            cursor.execute(
                "SELECT q.metrics->'source'->>'key', r.created_at, q.score "
                'FROM "reporting"."monitoring_file_run" r '
                'JOIN "reporting"."monitoring_file_data_quality" q '
                "ON q.monitoring_file_run_id = r.id "
                "WHERE r.monitoring_file_id = %s AND q.metrics->'source'->>'key' LIKE %s",
                (self.watched_id, f"{PREFIX}{current.label}/%"),
            )
            rows = cursor.fetchall()
        keys = [key for key, _, _ in rows]
        if len(rows) != files or set(keys) != set(current.uploaded):
            raise BenchError(
                f"{current.label}: {len(rows)} runs for {len(set(keys))} keys recorded, "
                f"expected exactly {files}, one per uploaded file"
            )
        wrong = [
            f"{key} scored {score}, expected {expected_score(key)}"
            for key, _, score in rows
            if score != expected_score(key)
        ]
        if wrong:
            raise BenchError(f"{current.label}: {len(wrong)} unexpected scores: {wrong[:3]}")
        current.recorded = {key: (created.timestamp(), score) for key, created, score in rows}

    def _wait_for_empty_queue(self) -> None:
        deadline = time.monotonic() + STALL_SECONDS
        pause = threading.Event()
        while sum(self.demo.aws.depth(self.demo.queue_url)):
            if time.monotonic() > deadline:
                raise BenchError("messages are still in the queue after every run was recorded")
            pause.wait(POLL_SECONDS)

    def _query_one(self, sql: str, parameters: tuple[Any, ...]) -> Any:
        with self.database.cursor() as cursor:
            cursor.execute(sql, parameters)
            return cursor.fetchone()[0]

    def _web_worker_rss(self) -> list[Memory]:
        import psutil

        return [_memory(child.pid) for child in psutil.Process(self.service.pid).children()]

    def _cpu_seconds(self, worker_pid: int | None = None) -> dict[str, float]:
        """CPU seconds used so far by each part of the stack (this process runs moto)."""
        import psutil

        parts = {
            "gunicorn": _tree_cpu(psutil.Process(self.service.pid)),
            "postgres": _tree_cpu(psutil.Process(self._postmaster_pid())),
            "moto": _tree_cpu(psutil.Process(self.moto.pid)),
            "uploads": _tree_cpu(psutil.Process(), recursive=False),
        }
        if worker_pid is not None:
            parts["worker"] = _tree_cpu(psutil.Process(worker_pid))
        return parts

    def _postmaster_pid(self) -> int:
        pid_file = self.demo.options.data_dir / "pg" / "postmaster.pid"
        return int(pid_file.read_text().split()[0])

    def _stage_medians(self, keys: set[str]) -> dict[str, float]:
        """Median time of each pipeline stage over the round's files (the service's log)."""
        stages: dict[str, list[float]] = {}
        for entry in _log_entries(self.demo.logs / "service.log", "object processed"):
            if entry.get("key") not in keys:
                continue
            for stage, value in {
                **entry.get("stages_ms", {}),
                "total": entry["duration_ms"],
            }.items():
                stages.setdefault(stage, []).append(value)
        return {stage: statistics.median(values) for stage, values in stages.items()}


def _connect(database_url: str) -> Any:
    import psycopg2

    connection = psycopg2.connect(database_url)
    connection.autocommit = True
    return connection


def _memory(pid: int) -> Memory:
    """(RSS, private) in MiB: private leaves out pages shared with the page cache (libraries)."""
    import psutil

    info = psutil.Process(pid).memory_info()
    return info.rss / MIB, (info.rss - info.shared) / MIB


def _tree_cpu(process: Any, recursive: bool = True) -> float:
    """CPU seconds of a process, its waited-for children and, when `recursive`, living ones."""
    import psutil

    times = process.cpu_times()
    # Children that exited and were waited for (PostgreSQL's backends, one per connection).
    total = times.user + times.system + times.children_user + times.children_system
    for member in process.children(recursive=True) if recursive else []:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = member.cpu_times()
            total += times.user + times.system
    return total


def _log_entries(path: Path, message: str) -> Iterator[dict[str, Any]]:
    if not path.exists():
        return
    for line in path.read_text(errors="replace").splitlines():
        if f'"{message}"' not in line:
            continue
        with contextlib.suppress(ValueError):
            entry = json.loads(line)
            if entry.get("message") == message:
                yield entry


def _median_field(path: Path, message: str, name: str) -> float:
    values = [entry[name] for entry in _log_entries(path, message) if name in entry]
    return statistics.median(values) if values else 0.0
