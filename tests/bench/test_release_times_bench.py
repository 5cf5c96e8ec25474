"""Release times at volume: refreshing the timing rows, the statistics of a dashboard, and the
forecast history and backtest.

DATABASE_URL=postgres://... REDIS_URL=redis://... make bench   (SQLite without them)
"""

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from hub.declarations.models import Declaration, DeclarationItem
from hub.tracking.forecasts import History, forecast_backtest
from hub.tracking.models import CargoEvent, ReleaseTiming
from hub.tracking.reports import Filters, release_time_report
from hub.tracking.statistics import stage_statistics
from hub.tracking.timings import release_timings_refresh
from tests.bench.conftest import measure
from tests.factories import EnterpriseFactory, MembershipFactory, officer

DECLARATIONS = 50_000
NAIVE_SAMPLE = 1_000
START = datetime(2026, 1, 1, tzinfo=UTC)
OFFICES = ["2201", "2248", "2233", "2244", "2202"]
BROKERS = [f"Broker {n}" for n in range(40)]


def history(enterprises, carrier):
    """A year of declarations with arrivals, releases and gate-outs of plausible spread."""
    rng = random.Random(7)
    declarations, items, events = [], [], []
    for n in range(DECLARATIONS):
        arrived = START + timedelta(hours=rng.uniform(0, 24 * 330))
        declared = arrived + timedelta(hours=rng.uniform(-12, 24))
        accepted = declared + timedelta(hours=rng.expovariate(1 / 3))
        released = accepted + timedelta(hours=rng.expovariate(1 / 20))
        enterprise = rng.choice(enterprises)
        document = f"BL{n:09d}"
        declarations.append(
            Declaration(
                number=f"B{n:017d}",
                customs_office=rng.choice(OFFICES),
                declared_at=declared,
                accepted_at=accepted,
                released_at=released if rng.random() > 0.03 else None,
                declarant_name=rng.choice(BROKERS),
                consignee_name=enterprise.legal_name,
                consignee_code=f"E{enterprise.pk}",
                consignee=enterprise,
                transport_document_number=document,
                port_of_entry=rng.choice(["CNSHA", "CNNGB"]),
                carrier_name="Ocean Lines",
                consignor_name="Seller",
                consignor_country="DE",
                currency="EUR",
                received_at=declared,
                payload_sha256="0" * 64,
            )
        )
        events.append((document, "arrival", arrived))
        events.append((document, "gate_out", released + timedelta(hours=rng.uniform(1, 40))))
    Declaration.objects.bulk_create(declarations, batch_size=2000)
    ids = {d.number: d.pk for d in Declaration.objects.only("number")}
    for n, made in enumerate(declarations):
        for item in range(1, 4):
            items.append(
                DeclarationItem(
                    declaration_id=ids[made.number],
                    item_number=item,
                    hs_code=f"{84 + item}01000000",
                    description="Goods",
                    quantity=Decimal(1),
                    unit="PCE",
                    value=Decimal(100 * item + n % 7),
                    origin_country="DE",
                )
            )
    DeclarationItem.objects.bulk_create(items, batch_size=5000)
    CargoEvent.objects.bulk_create(
        (
            CargoEvent(
                reporter=carrier,
                event_id=f"{document}-{kind}",
                type=kind,
                transport_document_number=document,
                occurred_at=occurred,
                received_at=occurred,
            )
            for document, kind, occurred in events
        ),
        batch_size=5000,
    )
    return sorted(ids.values())


@pytest.mark.django_db
def test_bench_release_times():
    enterprises = [EnterpriseFactory() for _ in range(30)]
    member = MembershipFactory(enterprise=enterprises[0], role="viewer").user
    analyst = officer("customs_analyst")
    ids = history(enterprises, EnterpriseFactory(legal_name="Ocean Lines"))

    def naive_refresh():
        for pk in ids[:NAIVE_SAMPLE]:
            release_timings_refresh(declaration_ids=[pk])

    naive = measure(naive_refresh, repeat=3)
    sample = measure(lambda: release_timings_refresh(declaration_ids=ids[:NAIVE_SAMPLE]), repeat=3)
    full = measure(lambda: release_timings_refresh(declaration_ids=ids), repeat=3)
    assert ReleaseTiming.objects.count() == DECLARATIONS

    timings = ReleaseTiming.objects.all()
    by_office_sql = measure(lambda: stage_statistics(timings, by="customs_office"))
    by_office_python = measure(
        lambda: stage_statistics(timings, by="customs_office", in_database=False)
    )
    year = Filters(start=START.date(), end=START.date() + timedelta(days=364), dimension="broker")
    enterprise_page = measure(
        lambda: release_time_report(viewer=member, filters=year, enterprise=enterprises[0])
    )
    customs_page = measure(lambda: release_time_report(viewer=analyst, filters=year))
    history_build = measure(lambda: History(timings), repeat=3)
    backtest = measure(lambda: forecast_backtest(timings=timings), repeat=3)

    rows = [
        (f"refresh {NAIVE_SAMPLE:,} timings one declaration at a time", naive, NAIVE_SAMPLE),
        (f"refresh {NAIVE_SAMPLE:,} timings in one call", sample, NAIVE_SAMPLE),
        (f"refresh all {DECLARATIONS:,} timings in one call", full, DECLARATIONS),
        # On SQLite both rows are the Python computation.
        ("statistics by office, 5 stages, SQL on PostgreSQL", by_office_sql, DECLARATIONS),
        ("statistics by office, 5 stages, in Python", by_office_python, DECLARATIONS),
        ("enterprise dashboard report, a year by broker", enterprise_page, DECLARATIONS),
        ("customs dashboard report, a year by broker", customs_page, DECLARATIONS),
        ("forecast history of every release", history_build, DECLARATIONS),
        ("backtest of the latest 2,000 releases", backtest, 2000),
    ]
    print(f"\n[{connection.vendor}] release times over {DECLARATIONS:,} declarations:")
    for label, seconds, count in rows:
        print(f"  {label:<54} {seconds * 1000:9.1f} ms  {count / seconds:10,.0f} rows/s")
