"""The cross-check benchmark's work on its database, in a process of its own with the benchmark's
environment (tests/bench/test_crosscheck_bench.py runs it):

    python -m tests.bench.crosscheck_load seed 20000     # consignments and their declarations
    python -m tests.bench.crosscheck_load run 20000 500  # the cross-checks, 500 to a job
    python -m tests.bench.crosscheck_load run 4000 1     # one job per declaration

`run` starts from no match and no cross-check, records the jobs in one transaction, and prints
the seconds from its commit (when they are sent to Redis) until the workers have done the last.
"""

import json
import os
import sys
import time
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.bench.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402

from hub.core.models import OutboxJob  # noqa: E402
from hub.core.outbox import outbox_enqueue_many  # noqa: E402
from hub.crosschecks.models import CrossCheck, Finding, Match  # noqa: E402
from hub.crosschecks.tasks import declarations_check_task  # noqa: E402
from hub.declarations.follow_ups import declarations_changed  # noqa: E402
from hub.declarations.models import Declaration  # noqa: E402
from hub.submissions.follow_ups import consignments_received  # noqa: E402
from tests.crosschecks.factories import (  # noqa: E402
    GOODS,
    SCOPE,
    SELLER,
    changed,
    consignment,
    declaration,
    declare,
    rates,
    share,
)
from tests.factories import (  # noqa: E402
    EnterpriseFactory,
    MembershipFactory,
    active_agreement,
    registered_partner,
)

ENTERPRISES = 20
BATCH = 1000
# Every tenth declaration undervalues its second item: a finding to write.
INJECTED_EVERY = 10
START = datetime.fromisoformat("2026-10-01T09:00:00+08:00")
TASK = declarations_check_task.name


def _when(n: int, hours: float) -> str:
    return (START + timedelta(days=n % 60, hours=hours)).isoformat()


def seed(count: int) -> None:
    # The benchmark queues the cross-checks itself: no follow-up jobs while seeding.
    consignments_received.functions.clear()
    declarations_changed.functions.clear()
    traders = []
    for n in range(ENTERPRISES):
        code = f"3122{n:06d}"
        enterprise = EnterpriseFactory(identifiers={"customs_code": code})
        admin = MembershipFactory(enterprise=enterprise, role="admin").user
        active_agreement(enterprise, admin, scope=SCOPE)
        registered_partner(enterprise, admin, legal_name=SELLER["name"], country="DE")
        traders.append((enterprise, admin, code))
    days = [(START + timedelta(days=day)).date().isoformat() for day in range(-10, 62)]
    rates(
        *(
            (currency, day, rate)
            for day in days
            for currency, rate in (("EUR", "7.70"), ("USD", "7.10"))
        )
    )
    for start in range(0, count, BATCH):
        by_trader = {}
        documents = []
        for n in range(start, min(start + BATCH, count)):
            enterprise, admin, code = traders[n % ENTERPRISES]
            reference = f"PO-{n:07d}"
            scale = Decimal(50 + n % 100) / 100
            goods = [
                replace(kind, value=(kind.value * scale).quantize(Decimal("0.01")))
                for kind in GOODS
            ]
            in_dollars = n % 3 == 0
            shared = (
                [
                    replace(
                        kind,
                        value=(kind.value * Decimal("7.70") / Decimal("7.10")).quantize(
                            Decimal("0.01")
                        ),
                    )
                    for kind in goods
                ]
                if in_dollars
                else goods
            )
            by_trader.setdefault((enterprise.pk, admin.pk), (enterprise, admin, []))[2].append(
                consignment(
                    reference,
                    shared,
                    currency="USD" if in_dollars else "EUR",
                    estimated_arrival=_when(n, 24),
                )
            )
            declared = (
                changed(goods, index=1, value=goods[1].value * Decimal("0.7"))
                if n % INJECTED_EVERY == 0
                else goods
            )
            documents.append(
                declaration(
                    f"D{n:09d}",
                    reference,
                    declared,
                    consignee={"name": enterprise.legal_name, "code": code},
                    declared_at=_when(n, 0),
                )
            )
        for enterprise, admin, shared in by_trader.values():
            share(enterprise, admin, *shared, received_at=_when(0, -240))
        declare(*documents)
    OutboxJob.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def run(count: int, chunk: int) -> dict:
    ids = list(Declaration.objects.order_by("pk").values_list("pk", flat=True)[:count])
    Finding.objects.all().delete()
    Match.objects.all().delete()
    CrossCheck.objects.all().delete()
    OutboxJob.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM ANALYZE crosschecks_match, crosschecks_crosscheck, crosschecks_finding"
        )
    with transaction.atomic():
        outbox_enqueue_many(
            declarations_check_task,
            [(ids[start : start + chunk],) for start in range(0, len(ids), chunk)],
        )
        started = time.perf_counter()
    pending = OutboxJob.objects.filter(task=TASK, status=OutboxJob.Status.PENDING)
    while pending.exists():
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    failed = OutboxJob.objects.filter(task=TASK).exclude(last_error="").count()
    return {
        "declarations": len(ids),
        "chunk": chunk,
        "seconds": seconds,
        "failed_jobs": failed,
        "crosschecks": CrossCheck.objects.count(),
        "with_findings": CrossCheck.objects.filter(outcome=CrossCheck.Outcome.FINDINGS).count(),
        "matches": Match.objects.count(),
    }


if __name__ == "__main__":
    command, count, *rest = sys.argv[1:]
    if command == "seed":
        seed(int(count))
    else:
        print(json.dumps(run(int(count), int(rest[0]))))
