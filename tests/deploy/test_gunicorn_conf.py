"""gunicorn.conf.py: the values it yields for given env vars, its hooks, and a real start."""

from __future__ import annotations

import json
import logging
import math
import os
import runpy
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured
from gunicorn.config import Config

from service.logs import JsonFormatter
from tests.deploy.test_dockerfile import healthcheck_code
from tests.foundation.test_env_example import READ_PATTERN
from tests.polling import wait_until

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONF = PROJECT_ROOT / "gunicorn.conf.py"
CONF_VARIABLES = sorted(set(READ_PATTERN.findall(CONF.read_text())))
AFFINITY = len(os.sched_getaffinity(0))
START_DEADLINE_SECONDS = 60


@pytest.fixture(autouse=True)
def restore_environ():
    """Loading the file reads `.env` into os.environ; put the environment back afterwards."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def load(**env: str) -> tuple[Config, dict]:
    """Load gunicorn.conf.py as gunicorn does: its module-level names that are settings."""
    for name in CONF_VARIABLES:
        os.environ[name] = env.get(name, "")
    namespace = runpy.run_path(str(CONF), run_name="gunicorn_conf")
    config = Config()
    for key, value in namespace.items():
        if key in config.settings:
            config.set(key, value)
    return config, namespace


def test_it_reads_the_variables_the_configuration_page_documents():
    expected = {"PORT", "WEB_CONCURRENCY", "GUNICORN_TIMEOUT", "PROMETHEUS_MULTIPROC_DIR"}
    assert expected | {"LOG_LEVEL", "LOG_FORMAT"} == set(CONF_VARIABLES)


def test_the_defaults_serve_the_asgi_app_through_uvicorn_workers():
    config, namespace = load()
    assert config.bind == ["0.0.0.0:8000"]
    assert config.wsgi_app == "service.asgi:application"
    assert f"{config.worker_class.__module__}.{config.worker_class.__name__}".startswith(
        "uvicorn_worker."
    )
    assert config.workers == namespace["container_cpu_count"]()
    assert config.timeout == config.graceful_timeout == 900
    assert config.loglevel == "info"
    assert config.control_socket_disable is True


def test_the_environment_sets_port_workers_and_timeouts():
    config, _ = load(PORT="9100", WEB_CONCURRENCY="3", GUNICORN_TIMEOUT="120")
    assert config.bind == ["0.0.0.0:9100"]
    assert config.workers == 3
    assert config.timeout == config.graceful_timeout == 120


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"WEB_CONCURRENCY": "many"}, "WEB_CONCURRENCY must be a whole number"),
        ({"PORT": "0"}, "PORT must be at least 1"),
        ({"PORT": "70000"}, "PORT must be at least 1 and at most 65535"),
        ({"GUNICORN_TIMEOUT": "-5"}, "GUNICORN_TIMEOUT must be at least 1"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL must be one of"),
    ],
)
def test_it_refuses_malformed_values_naming_the_variable(env, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        load(**env)


def test_every_lowercase_name_it_defines_is_a_gunicorn_setting():
    _, namespace = load()
    names = {
        name
        for name, value in namespace.items()
        if name.islower() and not name.startswith("_") and not callable(value)
    }
    names -= {"annotations", "logging", "math", "os"}  # imports, not settings
    assert names <= set(Config().settings), names - set(Config().settings)


def test_the_log_config_uses_the_apps_formatters():
    _, namespace = load()
    formatters = namespace["logconfig_dict"]["formatters"]
    assert formatters["json"]["()"] == "service.logs.JsonFormatter"
    assert namespace["logconfig_dict"]["handlers"]["stdout"]["formatter"] == "json"
    _, namespace = load(LOG_FORMAT="text")
    assert namespace["logconfig_dict"]["handlers"]["stdout"]["formatter"] == "text"


def test_an_access_line_becomes_json_fields():
    _, namespace = load()
    record = logging.makeLogRecord(
        {
            "name": "uvicorn.access",
            "levelno": logging.INFO,
            "levelname": "INFO",
            "msg": '%s - "%s %s HTTP/%s" %d',
            "args": ("10.0.0.7:5123", "GET", "/api/health/live", "1.1", 200),
            "color_message": "\x1b[1mGET\x1b[0m",
        }
    )
    assert namespace["UvicornFields"]().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["logger"] == "uvicorn.access"
    assert line["message"] == '10.0.0.7:5123 - "GET /api/health/live HTTP/1.1" 200'
    assert (line["method"], line["path"], line["status"]) == ("GET", "/api/health/live", 200)
    assert "color_message" not in line


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_a_cgroup_v2_cpu_limit_caps_the_worker_count(tmp_path):
    _, namespace = load()
    write(tmp_path / "cpu.max", "50000 100000\n")
    assert namespace["cgroup_cpu_limit"](tmp_path) == 0.5
    assert namespace["container_cpu_count"](tmp_path) == 1


def test_an_unlimited_cgroup_leaves_the_cpus_the_process_may_use(tmp_path):
    _, namespace = load()
    write(tmp_path / "cpu.max", "max 100000\n")
    assert namespace["container_cpu_count"](tmp_path) == AFFINITY
    assert namespace["container_cpu_count"](tmp_path / "absent") == AFFINITY


def test_a_cgroup_v1_quota_is_rounded_up(tmp_path):
    _, namespace = load()
    write(tmp_path / "cpu" / "cpu.cfs_quota_us", "150000\n")
    write(tmp_path / "cpu" / "cpu.cfs_period_us", "100000\n")
    assert namespace["container_cpu_count"](tmp_path) == min(AFFINITY, math.ceil(1.5))
    write(tmp_path / "cpu" / "cpu.cfs_quota_us", "-1\n")
    assert namespace["container_cpu_count"](tmp_path) == AFFINITY


def test_the_hooks_empty_the_metrics_folder_at_start_and_forget_dead_workers(tmp_path):
    folder = tmp_path / "prometheus"
    _, namespace = load(PROMETHEUS_MULTIPROC_DIR=str(folder))
    namespace["on_starting"](server=None)
    assert folder.is_dir()
    (folder / "counter_41.db").write_bytes(b"stale")
    namespace["on_starting"](server=None)
    assert not (folder / "counter_41.db").exists()
    (folder / "gauge_livesum_42.db").write_bytes(b"")
    (folder / "gauge_livesum_43.db").write_bytes(b"")
    namespace["child_exit"](server=None, worker=SimpleNamespace(pid=42))
    assert sorted(path.name for path in folder.iterdir()) == ["gauge_livesum_43.db"]


def test_without_a_metrics_folder_the_hooks_do_nothing():
    _, namespace = load()
    namespace["on_starting"](server=None)
    namespace["child_exit"](server=None, worker=SimpleNamespace(pid=42))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.headers["Content-Type"], response.read().decode()


def wait_until_live(server: subprocess.Popen, base: str) -> None:
    def answers() -> bool:
        assert server.poll() is None, "gunicorn exited while starting"
        try:
            get(f"{base}/api/health/live")
        except urllib.error.HTTPError:
            raise  # the app answered, wrongly: no point in waiting
        except OSError:
            return False
        return True

    wait_until(answers, START_DEADLINE_SECONDS, "gunicorn to answer /api/health/live")


def test_gunicorn_serves_the_app_and_logs_every_line_as_json(tmp_path):
    port = free_port()
    folder = tmp_path / "prometheus"
    folder.mkdir()
    (folder / "counter_1.db").write_bytes(b"stale")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "service.settings",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "GUNICORN_TIMEOUT": "30",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(CONF)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_live(server, base)
        assert not (folder / "counter_1.db").exists()
        check = subprocess.run(
            [sys.executable, "-c", healthcheck_code()], env=env, timeout=30, check=False
        )
        assert check.returncode == 0
        status, content_type, body = get(f"{base}/metrics")
        assert status == 200
        assert content_type.startswith("text/plain")
        assert "ingestion_processing_duration_seconds_bucket" in body
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
        print(output)  # shown by pytest when the test fails
    assert server.returncode == 0, output
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    access = [line for line in lines if line["logger"] == "uvicorn.access"]
    assert {(line["method"], line["path"], line["status"]) for line in access} >= {
        ("GET", "/api/health/live", 200),
        ("GET", "/metrics", 200),
    }
    assert any(line["message"].startswith("Using worker: uvicorn_worker") for line in lines)
