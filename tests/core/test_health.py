from urllib.parse import urlparse

import pytest
from django.conf import settings as django_settings

from hub.core.health import HEARTBEAT_KEY_PREFIX, redis_client, worker_heartbeat_write

pytestmark = pytest.mark.django_db

needs_redis = pytest.mark.skipif(not django_settings.REDIS_URL, reason="needs REDIS_URL")


def heartbeat_redis_url():
    """The configured Redis, in a database of these tests' own, so that real workers' heartbeats
    do not show up in the assertions."""
    return urlparse(django_settings.REDIS_URL)._replace(path="/15").geturl()


def test_healthz_reports_the_database_and_in_process_jobs_in_the_embedded_mode(client, settings):
    settings.JOBS_IN_PROCESS = True

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["database"]["ok"] is True
    assert body["worker"]["mode"] == "in-process"
    assert body["outbox"] == {"open": 0, "failed": 0, "oldest_open_seconds": None}


def test_healthz_is_503_and_names_redis_when_redis_is_unreachable(client, settings):
    settings.JOBS_IN_PROCESS = False
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["redis"]["ok"] is False
    assert body["worker"]["ok"] is False
    assert body["database"]["ok"] is True


@needs_redis
def test_healthz_is_503_when_no_worker_has_sent_a_heartbeat(client, settings):
    settings.JOBS_IN_PROCESS = False
    settings.REDIS_URL = heartbeat_redis_url()
    redis_client().flushdb()

    response = client.get("/healthz")

    assert response.status_code == 503
    assert "no worker heartbeat" in response.json()["worker"]["error"]


@needs_redis
def test_healthz_is_200_with_the_age_of_each_worker_heartbeat(client, settings):
    settings.JOBS_IN_PROCESS = False
    settings.REDIS_URL = heartbeat_redis_url()
    redis_client().flushdb()
    worker_heartbeat_write("hub@worker-1")

    response = client.get("/healthz")

    assert response.status_code == 200
    assert list(response.json()["worker"]["seconds_since_heartbeat"]) == ["hub@worker-1"]
    redis_client().delete(HEARTBEAT_KEY_PREFIX + "hub@worker-1")
