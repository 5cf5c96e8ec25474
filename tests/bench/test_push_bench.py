"""The ERP push API under load, beside a naive DRF ModelSerializer endpoint, on PostgreSQL behind
gunicorn, with a bounded load generator on 127.0.0.1.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub REDIS_URL=redis://127.0.0.1:6379/0 \\
        make bench PYTEST_ARGS="-k push"
"""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.bench.conftest import REPO, bench_database
from tests.bench.cpu import cpu_seconds
from tests.bench.load import run_load
from tests.factories import consignment_document

LINES = 30
CONNECTIONS = 4
SINGLE_PUSHES = 3000
# As `make serve` runs it: 2 x cores + 1, unless WEB_CONCURRENCY says otherwise.
WORKERS = int(os.environ.get("WEB_CONCURRENCY", 2 * os.cpu_count() + 1))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    with bench_database("hub_bench", "hub-bench") as env:
        yield from served(env)


def served(env):
    """gunicorn serving the hub on a free port, and the seeded enterprise's ERP key. Its
    workers are the sync workers of `make serve`: one request at a time each, so that two
    requests never share a process and its interpreter lock."""
    key = (
        subprocess.run(
            [sys.executable, "-m", "tests.bench.seed"],
            cwd=REPO,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    port = free_port()
    gunicorn = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "hub.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=env,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                gunicorn.kill()
                pytest.fail("gunicorn did not start")
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}", key, gunicorn.pid
    gunicorn.terminate()
    gunicorn.wait(timeout=30)


def bodies(prefix: str, count: int) -> list[bytes]:
    return [
        json.dumps(consignment_document(f"{prefix}-{n}", lines=LINES)).encode()
        for n in range(count)
    ]


def report(label: str, result, unit="consignments/s", per_request=1) -> str:
    return (
        f"  {label:<46} {result.per_second * per_request:9,.0f} {unit}   "
        f"p50 {result.p50_ms:6.1f} ms   p99 {result.p99_ms:6.1f} ms   {result.statuses}"
    )


def timed_load(gunicorn_pid: int, *arguments):
    """run_load, and the CPU milliseconds the web server, PostgreSQL and this process (the load
    generator) each spent per request meanwhile."""
    before = cpu_seconds(web_pid=gunicorn_pid)
    result = run_load(*arguments)
    after = cpu_seconds(web_pid=gunicorn_pid)
    return result, {role: (after[role] - before[role]) * 1000 / result.requests for role in after}


def cpu_report(spent: dict[str, float]) -> str:
    return "      CPU per request: " + ", ".join(
        f"{'load generator' if role == 'this process' else role} {milliseconds:.2f} ms"
        for role, milliseconds in spent.items()
    )


def test_bench_single_push_beside_the_naive_endpoint(server):
    base, key, gunicorn_pid = server
    headers = {"Authorization": f"Api-Key {key}", "Content-Type": "application/json"}
    run_load(f"{base}/api/v1/consignments", "POST", bodies("warm", 200), headers, CONNECTIONS)
    run_load(
        f"{base}/bench/naive-consignments", "POST", bodies("warm-naive", 200), headers, CONNECTIONS
    )
    run_load(
        f"{base}/bench/accept-without-storing",
        "POST",
        bodies("warm-floor", 200),
        headers,
        CONNECTIONS,
    )

    naive, naive_cpu = timed_load(
        gunicorn_pid,
        f"{base}/bench/naive-consignments",
        "POST",
        bodies("naive", SINGLE_PUSHES),
        headers,
        CONNECTIONS,
    )
    hub, hub_cpu = timed_load(
        gunicorn_pid,
        f"{base}/api/v1/consignments",
        "POST",
        bodies("hub", SINGLE_PUSHES),
        headers,
        CONNECTIONS,
    )
    floor, floor_cpu = timed_load(
        gunicorn_pid,
        f"{base}/bench/accept-without-storing",
        "POST",
        bodies("floor", SINGLE_PUSHES),
        headers,
        CONNECTIONS,
    )

    print(
        f"\n[{WORKERS} gunicorn sync workers, {CONNECTIONS} connections, {SINGLE_PUSHES:,} "
        f"consignments of {LINES} lines each]"
    )
    print(report("naive DRF ModelSerializer endpoint", naive))
    print(cpu_report(naive_cpu))
    print(report("POST /api/v1/consignments", hub))
    print(cpu_report(hub_cpu))
    print(report("the floor: authenticated, parsed, not stored", floor))
    print(cpu_report(floor_cpu))
    assert set(hub.statuses) == {201}
    assert set(naive.statuses) == {201}
    assert set(floor.statuses) == {201}


def test_bench_batch_push(server):
    base, key, _gunicorn_pid = server
    headers = {"Authorization": f"Api-Key {key}", "Content-Type": "application/json"}
    batches = [
        json.dumps(
            {
                "consignments": [
                    consignment_document(f"batch-{b}-{n}", lines=LINES) for n in range(1000)
                ]
            }
        ).encode()
        for b in range(6)
    ]

    # Every worker has served a batch before the timed ones, as a running server's have.
    warm = [
        json.dumps(
            {"consignments": [consignment_document(f"warm-batch-{b}-{n}") for n in range(10)]}
        ).encode()
        for b in range(4 * WORKERS)
    ]
    run_load(f"{base}/api/v1/consignments/batch", "POST", warm, headers, 2)
    result = run_load(f"{base}/api/v1/consignments/batch", "POST", batches, headers, 2)

    print(f"\n[batches of 1,000 consignments x {LINES} lines, 2 connections]")
    print(report("POST /api/v1/consignments/batch", result, "lines/s", 1000 * LINES))
    assert set(result.statuses) == {200}
