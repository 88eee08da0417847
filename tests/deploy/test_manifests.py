"""deploy/k8s: valid Kubernetes objects that fit together and fit the settings."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from tests.foundation.test_env_example import variables_read_by_code

PROJECT_ROOT = Path(__file__).resolve().parents[2]
K8S_DIR = PROJECT_ROOT / "deploy" / "k8s"
# The oldest Kubernetes version the manifests must work on.
KUBERNETES_VERSION = "1.30"
# Objects without a built-in schema: their essential fields are checked below.
CUSTOM_KINDS = {"ScaledObject", "TriggerAuthentication", "Kustomization"}
NOT_APPLIED = {"kustomization.yaml", "secret.example.yaml"}
# Downward-API values the pod uses only to compose a setting (DJANGO_ALLOWED_HOSTS).
KUBERNETES_ONLY_VARIABLES = {"POD_IP"}
SECRET_VARIABLES = {"DATABASE_URL", "DJANGO_SECRET_KEY", "INGESTION_API_TOKEN", "SLACK_WEBHOOK_URL"}


def load_documents() -> list[tuple[str, dict]]:
    documents = []
    for path in sorted(K8S_DIR.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                documents.append((path.name, document))
    return documents


def the(kind: str) -> dict:
    [document] = [doc for name, doc in load_documents() if doc["kind"] == kind]
    return document


def containers() -> dict[str, dict]:
    pod = the("Deployment")["spec"]["template"]["spec"]
    return {container["name"]: container for container in pod["containers"]}


def job_containers() -> dict[str, dict]:
    """The containers of every CronJob's pod."""
    found = {}
    for _, document in load_documents():
        if document["kind"] == "CronJob":
            pod = document["spec"]["jobTemplate"]["spec"]["template"]["spec"]
            found |= {container["name"]: container for container in pod["containers"]}
    return found


def env_names(container: dict) -> set[str]:
    names = {entry["name"] for entry in container.get("env", [])}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            names |= set(the("ConfigMap")["data"])
        if "secretRef" in source:
            names |= set(the("Secret")["stringData"])
    return names


def test_every_manifest_validates_against_the_kubernetes_schemas():
    checked = set()
    for name, document in load_documents():
        try:
            kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            assert document["kind"] in CUSTOM_KINDS, f"{name}: no schema for {document['kind']}"
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{name}: {exc.message} at {'/'.join(map(str, exc.absolute_path))}")
        checked.add(document["kind"])
    assert {"Deployment", "Service", "ServiceAccount", "ConfigMap", "Secret"} <= checked


def test_the_kustomization_applies_every_manifest_but_the_secret_example():
    kustomization = the("Kustomization")
    manifests = {path.name for path in K8S_DIR.glob("*.yaml")} - NOT_APPLIED
    assert set(kustomization["resources"]) == manifests
    assert [image["name"] for image in kustomization["images"]] == ["etl-file-monitoring"]


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kustomize_renders_the_set():
    result = subprocess.run(
        ["kubectl", "kustomize", str(K8S_DIR)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    kinds = {doc["kind"] for doc in yaml.safe_load_all(result.stdout) if doc}
    applied = {doc["kind"] for name, doc in load_documents() if name not in NOT_APPLIED}
    assert kinds == applied
    assert "Secret" not in kinds


def test_every_variable_the_manifests_set_is_one_the_code_reads():
    names = set(the("ConfigMap")["data"]) | set(the("Secret")["stringData"])
    for container in [*containers().values(), *job_containers().values()]:
        names |= {entry["name"] for entry in container.get("env", [])}
    unknown = names - variables_read_by_code() - KUBERNETES_ONLY_VARIABLES
    assert not unknown, f"set by the manifests but read by no code: {sorted(unknown)}"


def test_both_containers_get_the_required_settings_and_secrets_only_from_the_secret():
    assert not SECRET_VARIABLES & set(the("ConfigMap")["data"])
    assert set(the("Secret")["stringData"]) == SECRET_VARIABLES
    for container in containers().values():
        assert {"DATABASE_URL", "DJANGO_SECRET_KEY", "SQS_QUEUE_URL"} <= env_names(container)


def test_the_secret_example_holds_placeholders_only():
    assert set(the("Secret")["stringData"].values()) == {"REPLACE_ME"}


def test_the_pod_runs_the_service_and_the_worker_sidecar_from_one_image():
    service, worker = containers()["service"], containers()["worker"]
    assert service["image"] == worker["image"] == "etl-file-monitoring"
    assert service["command"] == ["gunicorn", "-c", "gunicorn.conf.py"]
    port = service["ports"][0]["containerPort"]
    assert worker["command"][:3] == ["python", "manage.py", "run_worker"]
    forward_to = worker["command"][worker["command"].index("--forward-to") + 1]
    assert forward_to == f"http://127.0.0.1:{port}"


def test_the_service_allows_the_hosts_it_is_called_by():
    env = {entry["name"]: entry for entry in containers()["service"]["env"]}
    hosts = env["DJANGO_ALLOWED_HOSTS"]["value"].split(",")
    # The kubelet and Prometheus use the pod IP; the worker and the image's HEALTHCHECK 127.0.0.1.
    assert {"$(POD_IP)", "127.0.0.1", the("Service")["metadata"]["name"]} <= set(hosts)
    assert env["POD_IP"]["valueFrom"]["fieldRef"]["fieldPath"] == "status.podIP"
    names = list(env)
    assert names.index("POD_IP") < names.index("DJANGO_ALLOWED_HOSTS")  # needed for $(POD_IP)


def test_the_probes_use_the_health_endpoints_and_worker_health():
    service, worker = containers()["service"], containers()["worker"]
    assert service["livenessProbe"]["httpGet"]["path"] == "/api/health/live"
    assert service["startupProbe"]["httpGet"]["path"] == "/api/health/live"
    assert service["readinessProbe"]["httpGet"]["path"] == "/api/health/ready"
    probe = worker["livenessProbe"]["exec"]["command"]
    assert probe == ["python", "manage.py", "worker_health", "--max-age", "120"]


def test_the_grace_period_covers_the_pre_stop_sleep_and_the_longest_request():
    pod = the("Deployment")["spec"]["template"]["spec"]
    command = containers()["service"]["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0] == "sleep"
    # Longer than one SQS long poll (20 s), so the worker stops receiving first.
    assert int(command[1]) > 20
    assert "lifecycle" not in containers()["worker"]
    timeout = int(the("ConfigMap")["data"]["GUNICORN_TIMEOUT"])
    assert pod["terminationGracePeriodSeconds"] > int(command[1]) + timeout


def test_every_container_has_resource_requests_and_limits():
    for name, container in containers().items():
        resources = container["resources"]
        for bound in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(resources[bound]), f"{name} {bound}"


def test_the_pod_runs_as_the_images_non_root_user():
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    [uid] = re.findall(r"^USER (\d+)", dockerfile, flags=re.MULTILINE)
    context = the("Deployment")["spec"]["template"]["spec"]["securityContext"]
    assert context["runAsNonRoot"] is True
    assert context["runAsUser"] == int(uid)
    for container in containers().values():
        assert container["securityContext"]["allowPrivilegeEscalation"] is False


def test_prometheus_scrapes_metrics_on_the_service_port():
    annotations = the("Deployment")["spec"]["template"]["metadata"]["annotations"]
    port = containers()["service"]["ports"][0]["containerPort"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(port)
    assert annotations["prometheus.io/path"] == "/metrics"


def test_the_pod_uses_the_irsa_service_account():
    account = the("ServiceAccount")
    role = account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
    assert re.fullmatch(r"arn:aws:iam::\d{12}:role/[\w+=,.@-]+", role)
    pod = the("Deployment")["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == account["metadata"]["name"]


def test_the_service_selects_the_pod_and_targets_its_http_port():
    service = the("Service")["spec"]
    labels = the("Deployment")["spec"]["template"]["metadata"]["labels"]
    assert service["selector"].items() <= labels.items()
    port_names = {port["name"] for port in containers()["service"]["ports"]}
    assert {port["targetPort"] for port in service["ports"]} <= port_names


def test_keda_scales_the_deployment_on_the_queue_depth():
    scaled = the("ScaledObject")
    assert scaled["apiVersion"] == "keda.sh/v1alpha1"
    spec = scaled["spec"]
    target = spec["scaleTargetRef"]
    assert target["name"] == the("Deployment")["metadata"]["name"]
    assert target["envSourceContainerName"] in containers()
    # The pod also serves the API and the probes: it never scales to zero.
    assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"]
    [trigger] = spec["triggers"]
    assert trigger["type"] == "aws-sqs-queue"
    metadata = trigger["metadata"]
    assert all(isinstance(value, str) for value in metadata.values()), "KEDA wants strings"
    assert int(metadata["queueLength"]) >= 1
    queue_variable = metadata["queueURLFromEnv"]
    assert queue_variable in env_names(containers()[target["envSourceContainerName"]])
    assert metadata["awsRegion"] == the("ConfigMap")["data"]["AWS_REGION"]
    assert trigger["authenticationRef"]["name"] == the("TriggerAuthentication")["metadata"]["name"]


def test_keda_reads_the_queue_with_the_workloads_irsa_role():
    authentication = the("TriggerAuthentication")
    assert authentication["apiVersion"] == "keda.sh/v1alpha1"
    assert authentication["spec"]["podIdentity"] == {"provider": "aws", "identityOwner": "workload"}
