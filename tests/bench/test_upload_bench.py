"""A 100,000-row Excel upload, checked and committed end to end on PostgreSQL, beside
django-import-export importing the same file into the same tables through its usual openpyxl path.
Each contender runs in a process of its own (tests/bench/upload_run.py), so that its peak memory
is its own.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub REDIS_URL=redis://127.0.0.1:6379/0 \\
        make bench PYTEST_ARGS="-k upload"
"""

import json
import os
import subprocess
import sys

import pytest

from tests.bench.conftest import REPO, bench_database

ROWS = int(os.environ.get("BENCH_UPLOAD_ROWS", "100000"))
HUB_RUNS = 5
QUEUE = "hub-bench-upload"


@pytest.fixture(scope="module")
def environment():
    with bench_database("hub_upload_bench", QUEUE, ALLOWED_HOSTS="testserver") as env:
        yield env


def contender(env, *arguments) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.upload_run", *arguments],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else {}


def report(label: str, result: dict) -> str:
    return (
        f"  {label:<52} {result['seconds']:7.1f} s {result['rows'] / result['seconds']:9,.0f} "
        f"rows/s   peak RSS {result['peak_rss_mb']:5,.0f} MB "
        f"(at start {result['start_rss_mb']:4,.0f} MB)"
    )


def test_bench_a_100000_row_upload_beside_django_import_export(environment, tmp_path):
    workbook = tmp_path / "consignments.xlsx"
    contender(environment, "make", str(workbook), str(ROWS))

    hub = [contender(environment, "hub", str(workbook)) for _ in range(HUB_RUNS)]
    baseline = contender(environment, "import-export", str(workbook))
    phases = contender(environment, "phases", str(workbook))

    median = sorted(hub, key=lambda result: result["seconds"])[HUB_RUNS // 2]
    print(
        f"\n[{ROWS:,} rows in {-(-ROWS // 30):,} consignments of 30 lines, 26 columns, "
        f"{workbook.stat().st_size / 1024 / 1024:.1f} MB; PostgreSQL, jobs to Redis]"
    )
    print(report(f"POST /api/v1/uploads (median of {HUB_RUNS})", median))
    print(report("django-import-export, openpyxl (one run)", baseline))
    print(f"  hub / django-import-export: {baseline['seconds'] / median['seconds']:.1f}x faster")
    print("  hub runs: " + ", ".join(f"{result['seconds']:.1f} s" for result in hub))
    print("  where the upload's time goes, each step on its own:")
    for name, label in [
        ("inspect", "inspecting the file, alone"),
        ("inspect_and_read", "inspecting, parsing alongside, reading"),
        ("ingest", "consignment_ingest"),
        ("ingest_validation", "its catalogue validation, timed apart"),
    ]:
        step = phases["steps"][name]
        print(
            f"    {label:<40} {step['seconds']:5.2f} s   CPU: the hub's process "
            f"{step['this process']:5.2f} s, PostgreSQL {step['postgresql']:5.2f} s"
        )
    assert all(result["rows"] == ROWS for result in [*hub, baseline])
