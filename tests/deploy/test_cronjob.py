"""deploy/k8s/cronjob-detect-missing.yaml: the missing-file check, scheduled beside the service."""

from __future__ import annotations

import re
from pathlib import Path

from tests.deploy.test_manifests import PROJECT_ROOT, containers, env_names, job_containers, the

COMMANDS_DIR = PROJECT_ROOT / "ingestion" / "management" / "commands"


def job_pod() -> dict:
    return the("CronJob")["spec"]["jobTemplate"]["spec"]["template"]


def test_the_cronjob_runs_detect_missing_files_from_the_service_image():
    [container] = job_containers().values()
    assert container["image"] == containers()["service"]["image"]
    assert container["command"] == ["python", "manage.py", "detect_missing_files"]
    assert Path(COMMANDS_DIR / "detect_missing_files.py").exists()


def test_the_cronjob_runs_every_fifteen_minutes_one_at_a_time():
    spec = the("CronJob")["spec"]
    assert spec["schedule"] == "*/15 * * * *"
    assert spec["concurrencyPolicy"] == "Forbid"
    assert job_pod()["spec"]["restartPolicy"] == "Never"
    # A stuck check ends before the next one is due.
    assert spec["jobTemplate"]["spec"]["activeDeadlineSeconds"] < 15 * 60


def test_the_cronjob_reads_the_same_configmap_and_secret_as_the_deployment():
    [container] = job_containers().values()
    assert container["envFrom"] == containers()["service"]["envFrom"]
    expected = {"DATABASE_URL", "SLACK_WEBHOOK_URL", "MISSING_GRACE_MINUTES", "QUALITY_TIME_ZONE"}
    assert expected <= env_names(container)


def test_the_service_never_selects_a_job_pod():
    selector = the("Service")["spec"]["selector"]
    labels = job_pod()["metadata"]["labels"]
    assert not selector.items() <= labels.items()


def test_the_job_pod_is_locked_down_like_the_deployment():
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    [uid] = re.findall(r"^USER (\d+)", dockerfile, flags=re.MULTILINE)
    pod = job_pod()["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == int(uid)
    [container] = job_containers().values()
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    for bound in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][bound])
