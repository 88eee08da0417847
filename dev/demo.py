"""`make demo`: the whole system on this machine, scoring one sample file per outcome end to end.

    python -m dev.demo [--no-serve] [--port 8000] [--moto-port 5000] [--data-dir .demo]

It starts an embedded PostgreSQL (data in <data-dir>/pg) and moto's S3 + SQS on 127.0.0.1,
creates the reporting tables with `manage.py bootstrap_dev_db` (`--force` on a re-run), seeds an
agency, schema definitions and monitoring files, and uploads the samples of `dev/samples.py` to a
bucket whose ObjectCreated notifications go to a queue with a DLQ. The HTTP service runs under
gunicorn with the project's gunicorn.conf.py, and `manage.py run_worker` drains the queue in
forward mode: the production code paths throughout. Then it prints one line per file and serves
the API until Ctrl-C (`--no-serve`: exits after the table, 1 if a score is not the expected one).
Everything it started is stopped on the way out; logs are in <data-dir>/logs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from dev.embedded_postgres import start_embedded_postgres, stop_embedded_postgres
from dev.local_aws import DUMMY_CREDENTIALS, LOOPBACK, REGION, LocalAws, start_moto
from dev.samples import AGENCY_SLUG, DEFINITIONS, KEY_PREFIX, SAMPLES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / ".demo"
DEFAULT_PORT = 8000
DEFAULT_MOTO_PORT = 5000
BUCKET = "agency-drops"
QUEUE = "etl-demo-drops"
WEB_CONCURRENCY = 2
READY_TIMEOUT_SECONDS = 60
CHILD_TIMEOUT_SECONDS = 120
DRAIN_TIMEOUT_SECONDS = 120
WORKER_WAIT_SECONDS = 2
STOP_TIMEOUT_SECONDS = 15
POLL_SECONDS = 0.2
EVIDENCE_WIDTH = 80
TABLE_HEADER = ("file", "score", "passed", "failed", "unusual", "evidence")


class DemoError(Exception):
    """The demo cannot go on; the message is one line for the person running it."""


@dataclass(frozen=True)
class Options:
    serve: bool
    port: int
    moto_port: int
    data_dir: Path


@dataclass
class Demo:
    """What a run has started and where, for the later steps."""

    options: Options
    stack: contextlib.ExitStack
    port: int = 0
    env: dict[str, str] = field(default_factory=dict)
    queue_url: str = ""
    local_aws: LocalAws | None = None

    @property
    def aws(self) -> LocalAws:
        """The local S3 and SQS, once `start_local_aws` has started them."""
        if self.local_aws is None:
            raise DemoError("the local S3 and SQS are not started yet")
        return self.local_aws

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def logs(self) -> Path:
        return self.options.data_dir / "logs"


def parse_args(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m dev.demo",
        description="Run the whole system locally on sample files and serve the API.",
    )
    parser.add_argument(
        "--no-serve",
        dest="serve",
        action="store_false",
        help="exit after the table instead of serving the API until Ctrl-C",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"the HTTP service's port on 127.0.0.1 (default {DEFAULT_PORT}; 0: any free port)",
    )
    parser.add_argument(
        "--moto-port",
        type=int,
        default=DEFAULT_MOTO_PORT,
        help=f"local S3/SQS port (default {DEFAULT_MOTO_PORT}, another free one if taken)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="folder for the database, logs and state (default .demo/ in the project)",
    )
    args = parser.parse_args(argv)
    return Options(args.serve, args.port, args.moto_port, args.data_dir.resolve())


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    # platformdirs (under pgserver) warns when XDG_RUNTIME_DIR is unset and falls back to /tmp.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", category=UserWarning)
    # SIGTERM unwinds like Ctrl-C, so whatever was started is stopped; SIGINT is set explicitly
    # because a shell starts background jobs with it ignored.
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, _interrupt)
    try:
        with contextlib.ExitStack() as stack:
            return run(Demo(options, stack))
    except DemoError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("demo: interrupted; everything it started is stopped", file=sys.stderr)
        return 130


def run(demo: Demo) -> int:
    options = demo.options
    demo.port = claim_port(options.port)
    demo.logs.mkdir(parents=True, exist_ok=True)
    for old_log in demo.logs.glob("*.log"):
        old_log.unlink()
    say(f"etl-file-monitoring demo (state and logs in {_shown(options.data_dir)}/)")
    database_url, rerun = start_database(demo)
    start_local_aws(demo)
    token = secrets.token_urlsafe(24)
    demo.env = demo_environment(demo, database_url, token)
    bootstrap_database(demo, rerun)
    demo.aws.create_bucket_notifying(BUCKET, demo.queue_url)
    service = start_service(demo)
    run_child(demo, ["-m", "dev.demo_data", "seed", "--bucket", BUCKET], "seeding")
    say(
        f"seeded agency {AGENCY_SLUG}, {len(DEFINITIONS)} schema definitions and "
        f"{len(SAMPLES)} monitoring files"
    )
    upload_samples(demo)
    wait_until_ready(demo, service)
    drain_queue(demo)
    rows = read_runs(demo)
    print()
    for line in table_lines(rows):
        print(line)
    print()
    expected = check_scores(rows)
    if not options.serve:
        return 0 if expected else 1
    serve(demo, service, token, rows)
    return 0


def claim_port(port: int) -> int:
    """Return `port` (a free one for 0), or stop with one line when something holds it."""
    if port == 0:
        return free_port()
    if not port_is_free(port):
        raise DemoError(
            f"port {port} is taken: stop what listens there, or pass --port N (0 picks a free one)"
        )
    return port


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # gunicorn sets SO_REUSEADDR too: a port left in TIME_WAIT counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def start_database(demo: Demo) -> tuple[str, bool]:
    """Start the embedded PostgreSQL; True as second value when its folder held a database."""
    folder = demo.options.data_dir / "pg"
    rerun = (folder / "PG_VERSION").exists()
    try:
        url = start_embedded_postgres(folder)
    except Exception as exc:  # pgserver raises many kinds; the person needs one line
        raise DemoError(f"the embedded PostgreSQL did not start: {exc}") from exc
    demo.stack.callback(stop_embedded_postgres, folder)
    say(f"PostgreSQL 16 (embedded, pgserver) on a unix socket in {_shown(folder)}/")
    return url, rerun


def start_local_aws(demo: Demo) -> None:
    port = demo.options.moto_port
    if port != 0 and not port_is_free(port):
        port = 0
    server, endpoint = start_moto(port)
    demo.stack.callback(server.stop)
    demo.local_aws = LocalAws(endpoint)
    demo.queue_url = demo.aws.create_queue_with_dlq(QUEUE)
    say(f"local S3 + SQS (moto) at {endpoint}: queue {QUEUE} with a DLQ, bucket {BUCKET}")


def demo_environment(demo: Demo, database_url: str, token: str) -> dict[str, str]:
    """The child processes' environment: every setting explicit, so a local .env cannot leak in."""
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    return {
        **inherited,
        **DUMMY_CREDENTIALS,
        # A test runner may have chosen other settings for itself.
        "DJANGO_SETTINGS_MODULE": "service.settings",
        "DATABASE_URL": database_url,
        "DJANGO_SECRET_KEY": "demo-only-not-a-secret",
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": f"{LOOPBACK},localhost",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL": demo.aws.endpoint,
        "SQS_QUEUE_URL": demo.queue_url,
        "ALLOWED_BUCKETS": BUCKET,
        "INGESTION_API_TOKEN": token,
        "INGESTION_SERVICE_URL": demo.base_url,
        "WORKER_HEARTBEAT_FILE": str(demo.options.data_dir / "worker-heartbeat"),
        # The demo's faulty files must never alert a real channel.
        "SLACK_WEBHOOK_URL": "",
        "LOG_FORMAT": "text",
        "LOG_LEVEL": "INFO",
        "PORT": str(demo.port),
        "WEB_CONCURRENCY": str(WEB_CONCURRENCY),
        "PYTHONUNBUFFERED": "1",
    }


def bootstrap_database(demo: Demo, rerun: bool) -> None:
    command = ["manage.py", "bootstrap_dev_db", *(["--force"] if rerun else [])]
    output = run_child(demo, command, "bootstrap_dev_db").strip().splitlines()
    # Its message is the last line; start-up log lines share stdout with it.
    say(f"{' '.join(command[1:])}: {output[-1] if output else 'done'}")


def run_child(demo: Demo, args: list[str], what: str) -> str:
    """Run `python <args>` with the demo's environment; its stdout, or one line on failure."""
    try:
        done = subprocess.run(
            [sys.executable, *args],
            cwd=PROJECT_ROOT,
            env=demo.env,
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise DemoError(f"{what} did not finish within {CHILD_TIMEOUT_SECONDS} s") from None
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines() or ["(no output)"]
        raise DemoError(f"{what} failed (exit {done.returncode}): {lines[-1]}")
    return done.stdout


def start_service(demo: Demo, workers: int = WEB_CONCURRENCY) -> subprocess.Popen:
    """gunicorn with the project's config, bound to the loopback address only."""
    env = {
        **demo.env,
        "PROMETHEUS_MULTIPROC_DIR": str(demo.options.data_dir / "prometheus"),
        "WEB_CONCURRENCY": str(workers),
    }
    command = ["-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"{LOOPBACK}:{demo.port}"]
    service = spawn(demo, command, env, "service.log")
    demo.stack.callback(stop_process, service)
    say(f"HTTP service: gunicorn -c gunicorn.conf.py, {workers} workers, {demo.base_url}")
    return service


def spawn(demo: Demo, args: list[str], env: dict[str, str], log_name: str) -> subprocess.Popen:
    log: IO[bytes] = demo.stack.enter_context((demo.logs / log_name).open("ab"))
    return subprocess.Popen(
        [sys.executable, *args], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )


def stop_process(process: subprocess.Popen) -> None:
    """SIGTERM (a graceful stop for gunicorn and the worker), then SIGKILL if it lingers."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def upload_samples(demo: Demo) -> None:
    aws = demo.aws
    before = sum(aws.depth(demo.queue_url))
    uploads = [aws.upload(BUCKET, sample.key, sample.build()) for sample in SAMPLES]
    say(f"uploaded {len(uploads)} sample files to s3://{BUCKET}/{KEY_PREFIX}")
    if aws.wait_for_messages(demo.queue_url, before + len(uploads)):
        say(f"S3 delivered their ObjectCreated notifications to {QUEUE}")
        return
    # Whatever was delivered is recorded once: the pipeline reports a redelivery as a duplicate.
    aws.send_events(demo.queue_url, uploads)
    say(f"the local S3 did not deliver notifications: sent the same S3 events to {QUEUE}")


def wait_until_ready(demo: Demo, service: subprocess.Popen) -> None:
    url = f"{demo.base_url}/api/health/ready"
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    pause = threading.Event()
    problem = "no answer yet"
    while True:
        if service.poll() is not None:
            raise DemoError(
                f"the HTTP service exited (code {service.returncode}); "
                f"see {_shown(demo.logs / 'service.log')}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            problem = f"{exc.code} {exc.read().decode(errors='replace')}"
        except OSError as exc:
            problem = str(exc)
        if time.monotonic() >= deadline:
            raise DemoError(
                f"{url} was not ready within {READY_TIMEOUT_SECONDS} s ({problem}); "
                f"see {_shown(demo.logs / 'service.log')}"
            )
        pause.wait(POLL_SECONDS)


def drain_queue(demo: Demo) -> None:
    """Run the worker until the queue is empty, again if a retried message comes back."""
    log = demo.logs / "worker.log"
    command = [
        *("manage.py", "run_worker", "--forward-to", demo.base_url),
        *("--until-empty", "--wait-seconds", str(WORKER_WAIT_SECONDS)),
    ]
    deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
    say(f"worker: run_worker --forward-to {demo.base_url} --until-empty (forward mode)")
    while True:
        worker = spawn(demo, command, demo.env, log.name)
        try:
            code = worker.wait(max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            stop_process(worker)
            raise DemoError(
                f"the worker did not drain the queue within {DRAIN_TIMEOUT_SECONDS} s; "
                f"see {_shown(log)}"
            ) from None
        if code != 0:
            raise DemoError(f"the worker exited with code {code}; see {_shown(log)}")
        if not _wait_for_redelivery(demo, deadline, log):
            return


def _wait_for_redelivery(demo: Demo, deadline: float, log: Path) -> bool:
    """True once a message left for a retry is visible again; False when the queue is empty."""
    pause = threading.Event()
    while True:
        visible, in_flight = demo.aws.depth(demo.queue_url)
        if visible:
            return True
        if not in_flight:
            return False
        if time.monotonic() >= deadline:
            raise DemoError(f"{in_flight} messages are still being retried; see {_shown(log)}")
        pause.wait(POLL_SECONDS)


def read_runs(demo: Demo) -> list[dict[str, Any]]:
    output = demo.options.data_dir / "runs.json"
    command = ["-m", "dev.demo_data", "report", "--bucket", BUCKET, "--output", str(output)]
    run_child(demo, command, "reading the runs")
    return json.loads(output.read_text(encoding="utf-8"))


def table_lines(rows: list[dict[str, Any]]) -> list[str]:
    """One line per sample: file, score, passed, failed categories, the trend signals that found
    it unlike its usual self, and one line of evidence."""
    cells = [TABLE_HEADER]
    for row in rows:
        if row["run_id"] is None:
            cells.append((row["file"], "-", "-", "-", "-", "not recorded: see the worker's log"))
            continue
        evidence = " | ".join(
            [
                *(_evidence(category, line) for category, line in row["evidence"].items()),
                *(_evidence(f"unusual {signal}", line) for signal, line in row["unusual"].items()),
            ]
        )
        cells.append(
            (
                row["file"],
                str(row["score"]),
                "yes" if row["passed"] else "no",
                ", ".join(row["failed"]) or "-",
                ", ".join(row["anomalies"]) or "-",
                textwrap.shorten(evidence, EVIDENCE_WIDTH, placeholder=" ...") or "-",
            )
        )
    widths = [max(len(line[i]) for line in cells) for i in range(len(TABLE_HEADER) - 1)]
    lines = []
    for file, score, passed, failed, unusual, evidence in cells:
        lines.append(
            f"{file:<{widths[0]}}  {score:>{widths[1]}}  {passed:<{widths[2]}}  "
            f"{failed:<{widths[3]}}  {unusual:<{widths[4]}}  {evidence}"
        )
    return lines


def _evidence(label: str, line: str) -> str:
    # The failed (or unusual) column names the category (or signal) already.
    return line.removeprefix(f"{label}: ")


def check_scores(rows: list[dict[str, Any]]) -> bool:
    """Say whether every sample scored, and was found unusual, as `dev/samples.py` expects."""
    scores = {row["file"]: row.get("score") for row in rows}
    anomalies = {row["file"]: tuple(row.get("anomalies", ())) for row in rows}
    wrong = [
        f"{sample.name} scored {scores.get(sample.name)}, expected {sample.expected_score}"
        for sample in SAMPLES
        if scores.get(sample.name) != sample.expected_score
    ]
    wrong += [
        f"{sample.name} was unusual in {list(anomalies.get(sample.name, ()))}, "
        f"expected {list(sample.expected_anomalies)}"
        for sample in SAMPLES
        if anomalies.get(sample.name, ()) != sample.expected_anomalies
    ]
    if wrong:
        say("UNEXPECTED: " + "; ".join(wrong))
        return False
    say(f"all {len(SAMPLES)} files scored as expected (a file passes at 80 or more)")
    unusual = [sample for sample in SAMPLES if sample.expected_anomalies]
    for sample in unusual:
        say(
            f"{sample.name} passed but is unlike its {len(sample.history_rows)} earlier runs "
            f"({', '.join(sample.expected_anomalies)}): history-aware monitoring"
        )
    return True


def serve(demo: Demo, service: subprocess.Popen, token: str, rows: list[dict[str, Any]]) -> None:
    """Keep the service (and a polling worker) up until Ctrl-C."""
    worker_command = ["manage.py", "run_worker", "--forward-to", demo.base_url]
    worker = spawn(demo, worker_command, demo.env, "worker.log")
    demo.stack.callback(stop_process, worker)
    run_id = next((row["run_id"] for row in rows if row["run_id"] is not None), 1)
    file_id = next((row["monitoring_file_id"] for row in rows if row.get("anomalies")), 1)
    for line in next_steps(demo, token, run_id, file_id):
        print(line)
    sys.stdout.flush()
    pause = threading.Event()
    try:
        while True:
            for process, name, log in (
                (service, "the HTTP service", "service.log"),
                (worker, "the worker", "worker.log"),
            ):
                if process.poll() is not None:
                    raise DemoError(
                        f"{name} exited (code {process.returncode}); see {_shown(demo.logs / log)}"
                    )
            pause.wait(1)
    except KeyboardInterrupt:
        say("stopping the worker, the HTTP service, moto and PostgreSQL")


def next_steps(demo: Demo, token: str, run_id: int, file_id: int) -> list[str]:
    base = demo.base_url
    auth = '-H "Authorization: Bearer $INGESTION_API_TOKEN"'
    body = json.dumps({"bucket": BUCKET, "key": SAMPLES[2].key, "force": True})
    logs = _shown(demo.logs)
    return [
        f"The API is up: {base}/api/docs   (Ctrl-C stops everything the demo started)",
        "",
        "Try next:",
        f"  export INGESTION_API_TOKEN={token}",
        f"  curl -s {base}/api/health/ready",
        f"  curl -s {base}/api/runs/{run_id} {auth}",
        f"  curl -s {base}/api/files/{file_id}/history {auth}   # runs and baseline",
        f"  curl -s -X POST {base}/api/trigger-ingestion/ {auth} \\",
        f"       -H 'Content-Type: application/json' -d '{body}'",
        f"  curl -s {base}/metrics | grep '^ingestion_'",
        "",
        f"A worker keeps polling {QUEUE}: a file uploaded to s3://{BUCKET}/{KEY_PREFIX} under one",
        "of the sample names is scored as it arrives, e.g. with the AWS CLI:",
        f"  AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo aws --region {REGION} \\",
        f"       --endpoint-url {demo.aws.endpoint} s3 cp my.csv s3://{BUCKET}/{SAMPLES[0].key}",
        f"Logs: {logs}/service.log and {logs}/worker.log",
    ]


def say(text: str) -> None:
    print(f"- {text}", flush=True)


def _shown(path: Path) -> str:
    """A path relative to the project when it is inside it, as people type it."""
    try:
        return str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
