"""Matching and cross-checking on PostgreSQL with Celery workers over Redis: declarations of 10
items against consignments of 30 lines, in jobs of CROSSCHECK_CHUNK_SIZE declarations, beside the
same work done one job per declaration.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub REDIS_URL=redis://127.0.0.1:6379/0 \\
        make bench PYTEST_ARGS="-k crosscheck"
"""

import json
import os
import statistics
import subprocess
import sys
import time

import pytest

from hub.core.health import HEARTBEAT_KEY_PREFIX
from tests.bench.conftest import REPO, bench_database

DECLARATIONS = int(os.environ.get("BENCH_DECLARATIONS", "20000"))
# The baseline runs long: it is measured once, on a part of the same declarations.
ONE_BY_ONE = int(os.environ.get("BENCH_ONE_BY_ONE", "2000"))
CHUNK = int(os.environ.get("CROSSCHECK_CHUNK_SIZE", "500"))
RUNS = 3
QUEUE = "hub-bench-crosscheck"


@pytest.fixture(scope="module")
def database():
    # One job to a message, so that two workers share the jobs of one commit.
    with bench_database("hub_bench_crosscheck", QUEUE, OUTBOX_DISPATCH_CHUNK="1") as env:
        subprocess.run(
            [sys.executable, "-m", "tests.bench.crosscheck_load", "seed", str(DECLARATIONS)],
            cwd=REPO,
            env=env,
            check=True,
        )
        yield env


def worker(env, name: str, processes: int):
    """A Celery worker whose prefork pool has `processes` processes, ready for jobs."""
    import redis

    hostname = f"{QUEUE}-{name}@bench"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "hub",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(processes),
            "--queues",
            QUEUE,
            "--hostname",
            hostname,
            "--include",
            "tests.bench.crosscheck_worker",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ],
        cwd=REPO,
        env=env,
    )
    client = redis.Redis.from_url(env["REDIS_URL"])
    deadline = time.monotonic() + 60
    while client.get(f"{HEARTBEAT_KEY_PREFIX}{hostname}") is None:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("the worker did not start")
        time.sleep(0.2)
    time.sleep(2)  # the pool's processes start after the heartbeat
    return process


def run(env, declarations: int, chunk: int) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "tests.bench.crosscheck_load", "run", str(declarations), str(chunk)],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


# (workers, processes in each worker's pool): one worker process; one worker with Celery's
# default pool on these 2 cores (2 processes); two such workers.
SETUPS = [(1, 1), (1, 2), (2, 2)]


@pytest.mark.parametrize(("workers", "processes"), SETUPS)
def test_bench_matching_and_cross_checking(database, workers, processes):
    started = [worker(database, f"{workers}x{processes}-{n}", processes) for n in range(workers)]
    try:
        results = {}
        for label, declarations, chunk, repeat in (
            (f"jobs of {CHUNK} declarations", DECLARATIONS, CHUNK, RUNS),
            ("one job per declaration", ONE_BY_ONE, 1, 1),
        ):
            runs = [run(database, declarations, chunk) for _ in range(repeat)]
            for measured in runs:
                assert measured["failed_jobs"] == 0
                assert measured["crosschecks"] == declarations
                assert measured["matches"] == declarations
                assert measured["with_findings"] == declarations // 10
            results[label] = (declarations, statistics.median(r["seconds"] for r in runs))
    finally:
        for process in started:
            process.terminate()
        for process in started:
            process.wait(timeout=60)

    load = os.getloadavg()[0]
    print(
        f"\n[PostgreSQL, {workers} Celery worker(s) of {processes} process(es), 10 items "
        f"against 30 lines, load average {load:.1f}]"
    )
    for label, (declarations, seconds) in results.items():
        print(
            f"  {label:<28} {declarations:>6,} declarations {seconds:7.2f} s "
            f"{declarations / seconds:8,.0f} declarations/s"
        )
