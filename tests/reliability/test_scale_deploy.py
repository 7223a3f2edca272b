"""The deployment files agree with the code: what would stop Lotsen from starting
in production (a variable endpoints.yml needs but a manifest does not set, a
Service that selects no pod, a stale nginx file) fails here first. Docker and
Kubernetes cannot run on the development machine (docs/deployment.md)."""
from __future__ import annotations

import re
import shlex

import pytest
import yaml

from deploy.nginx_conf import lotsen_conf
from stores.lock_store import LockStoreConfigError, redis_settings
from stores.tracker_store import TrackerStoreConfigError, parse_tracker_url
from tests.support.servers import ROOT

DEPLOY = ROOT / "deploy"
VARIABLE = re.compile(r"\$\{(\w+)\}")


def required_variables() -> set[str]:
    """Every ${VAR} that Rasa substitutes in endpoints.yml and credentials.yml (undefined ones stop it)."""
    return {v for name in ("endpoints.yml", "credentials.yml")
            for v in VARIABLE.findall((ROOT / name).read_text(encoding="utf-8"))}


def k8s_documents() -> list[dict]:
    return [d for path in sorted((DEPLOY / "k8s").glob("*.yml"))
            for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def test_kubernetes_rasa_gets_every_variable_its_configuration_reads():
    docs = k8s_documents()
    provided = set()
    for d in docs:
        if d["kind"] == "ConfigMap":
            provided |= set(d["data"])
        if d["kind"] == "Secret":
            provided |= set(d["stringData"])
    assert required_variables() - provided == set()


def test_compose_gives_every_service_every_variable_its_configuration_reads():
    compose = yaml.safe_load((DEPLOY / "compose.yml").read_text(encoding="utf-8"))
    for name in ("rasa", "actions", "migrate"):
        assert required_variables() - set(compose["services"][name]["environment"]) == set(), name


def test_every_kubernetes_service_selects_the_pods_of_a_workload():
    docs = k8s_documents()
    pod_labels = [d["spec"]["template"]["metadata"]["labels"] for d in docs
                  if d["kind"] in ("Deployment", "StatefulSet")]
    services = [d for d in docs if d["kind"] == "Service"]
    assert services
    for service in services:
        selector = service["spec"]["selector"]
        assert any(selector.items() <= labels.items() for labels in pod_labels), service["metadata"]["name"]


def test_compose_nginx_file_is_the_rendered_template():
    committed = (DEPLOY / "compose" / "lotsen.conf").read_text(encoding="utf-8")
    header = committed.splitlines()[0]
    args = shlex.split(header.split("python -m deploy.nginx_conf", 1)[1])
    options: dict[str, list[str]] = {}
    for flag, value in zip(args[::2], args[1::2]):
        options.setdefault(flag, []).append(value)
    rendered = lotsen_conf(options["--listen"][0], options["--actions-listen"][0], options["--rasa"],
                           options["--actions"], options["--log-dir"][0], options["--tls"][0])
    assert committed.split("\n", 2)[2] == rendered


@pytest.mark.parametrize("url, complaint", [
    ("", "empty"),
    ("not a url", "not a SQLAlchemy URL"),
    ("mysql://lotsen@db/lotsen", "supported: sqlite, postgresql"),
    ("sqlite://", "in-memory"),
])
def test_a_broken_tracker_store_url_is_named_at_start_up(url, complaint):
    with pytest.raises(TrackerStoreConfigError, match="LOTSEN_TRACKER_URL") as error:
        parse_tracker_url(url)
    assert complaint in str(error.value)


def test_tracker_store_urls_of_development_and_production_are_accepted():
    assert parse_tracker_url("sqlite:///var/tracker.db").get_backend_name() == "sqlite"
    assert parse_tracker_url("postgresql+psycopg2://lotsen:pw@db:5432/lotsen_tracker").database == "lotsen_tracker"


@pytest.mark.parametrize("url", ["http://redis:6379", "redis://", "redis://host:port/1", "redis://host/one"])
def test_a_broken_redis_url_is_named_at_start_up(url):
    with pytest.raises(LockStoreConfigError, match="LOTSEN_REDIS_URL"):
        redis_settings(url)


def test_redis_url_gives_host_port_database_and_password():
    assert redis_settings("rediss://:s%40cret@redis.internal:6380/2") == {
        "host": "redis.internal", "port": 6380, "db": 2, "username": None, "password": "s@cret", "use_ssl": True}
    assert redis_settings("redis://127.0.0.1")["db"] == 1
