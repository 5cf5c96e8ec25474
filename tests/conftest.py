import base64
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from hub.celery import app as celery_app
from tests.factories import ApiKeyFactory, EnterpriseFactory, MembershipFactory, UserFactory

REPO_ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI") == "true"
TEST_SIGNING_KEY = base64.b64encode(os.urandom(32)).decode()


def pytest_configure(config):
    # Ordinary tests run jobs in-process on both database backends, so that their effects can be
    # asserted; tests marked `worker` hand jobs to a real worker process over Redis instead.
    celery_app.conf.task_always_eager = True
    # A queue of this run's own, so that no other worker on the machine picks up its jobs.
    celery_app.conf.task_default_queue = f"hub-test-{uuid.uuid4().hex[:8]}"


def require_or_skip(condition: bool, reason: str):
    """In CI a missing real part is a failure; on a bare machine the test is skipped."""
    if condition:
        return
    if IN_CI and os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"):
        pytest.fail(f"CI has the real services configured, yet: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def static_files_without_manifest(settings):
    """Pages render without `collectstatic`: the manifest exists only in deployments."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def keys_of_the_test_run(settings):
    """Signing, encryption and blind-index keys of the test run's own when the environment gives
    none."""
    if not settings.AGREEMENT_SIGNING_KEY:
        settings.AGREEMENT_SIGNING_KEY = TEST_SIGNING_KEY
    if not settings.FIELD_ENCRYPTION_KEYS:
        settings.FIELD_ENCRYPTION_KEYS = f"test:{TEST_SIGNING_KEY}"
    if not settings.BLIND_INDEX_KEY:
        settings.BLIND_INDEX_KEY = TEST_SIGNING_KEY


@pytest.fixture(autouse=True)
def empty_local_cache():
    """Rate-limit counters from one test must not leak into the next (Redis keys are per key
    prefix, which no two tests share)."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    if isinstance(caches["default"], LocMemCache):
        caches["default"].clear()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def enterprise(db):
    return EnterpriseFactory()


@pytest.fixture
def enterprise_admin(enterprise):
    return MembershipFactory(enterprise=enterprise, role="admin").user


@pytest.fixture
def erp_key(enterprise):
    """An ERP API key of `enterprise`, with its plaintext at `.plaintext`."""
    return ApiKeyFactory(enterprise=enterprise)


@pytest.fixture
def auditor(db):
    return UserFactory(customs_roles=["customs_auditor"])


# --- A real Celery worker over Redis, reading and writing the PostgreSQL test database --------


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    require_or_skip(bool(settings.REDIS_URL), "a worker process needs REDIS_URL")
    with django_db_blocker.unblock():
        vendor = connection.vendor
        db = connection.settings_dict
    require_or_skip(vendor == "postgresql", "a worker process needs DATABASE_URL (PostgreSQL)")
    from hub.core.health import HEARTBEAT_KEY_PREFIX, redis_client

    queue = celery_app.conf.task_default_queue
    hostname = f"{queue}@test"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_QUEUE": queue,
        "SECRET_KEY": settings.SECRET_KEY,
        "LOG_FORMAT": "console",
    }
    log_path = REPO_ROOT / "var" / f"{queue}.log"
    log_path.parent.mkdir(exist_ok=True)
    with open(log_path, "w") as log:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "hub",
                "worker",
                "--pool",
                "solo",
                "--queues",
                queue,
                "--hostname",
                hostname,
                "--include",
                "tests.core.outbox_tasks",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "INFO",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    client = redis_client()
    deadline = time.monotonic() + 60
    while client.get(HEARTBEAT_KEY_PREFIX + hostname) is None:
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            pytest.fail(f"the worker did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)
    yield worker
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
    client.delete(queue, HEARTBEAT_KEY_PREFIX + hostname)


@pytest.fixture
def jobs_on_worker(celery_worker_process, transactional_db):
    """Jobs go to the worker process through Redis for the duration of the test."""
    celery_app.conf.task_always_eager = False
    yield celery_worker_process
    celery_app.conf.task_always_eager = True


def wait_for(predicate, timeout=30.0, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


# --- Chromium for browser tests ----------------------------------------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium")
    require_or_skip(executable is not None, "browser tests need Debian's chromium")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()
