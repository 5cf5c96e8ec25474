import os
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import pytest


def measure(function, repeat=5):
    """Median wall time of `function()` over `repeat` runs, in seconds."""
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


REPO = Path(__file__).resolve().parents[2]


@contextmanager
def bench_database(name: str, queue: str, **extra_env):
    """A fresh, migrated PostgreSQL database of the benchmark's own, and the environment that
    points the hub at it; the benchmark's job queue is purged afterwards."""
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres") or not os.environ.get("REDIS_URL"):
        pytest.skip("the benchmark needs DATABASE_URL (PostgreSQL) and REDIS_URL")
    admin_url = urlparse(database_url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    env = {
        **os.environ,
        "DATABASE_URL": urlparse(database_url)._replace(path=f"/{name}").geturl(),
        "DJANGO_SETTINGS_MODULE": "tests.bench.settings",
        "DEBUG": "false",
        "API_RATE_LIMIT": "100000000/min",
        "LOG_LEVEL": "WARNING",
        "REQUEST_LOG_LEVEL": "WARNING",
        "CELERY_QUEUE": queue,
        **extra_env,
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, env=env, check=True)
    yield env
    subprocess.run(
        [sys.executable, "-m", "celery", "-A", "hub", "purge", "-f", "-Q", queue],
        cwd=REPO,
        env=env,
        capture_output=True,
    )
