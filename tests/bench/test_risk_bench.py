"""Refreshing risk profiles set-based, in chunks of RISK_REFRESH_CHUNK declarations, in one and
in two processes, beside refreshing one declaration a call; with the CPU time of a refresh, Python
and its PostgreSQL backend together, which does not depend on what else the machine runs.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub REDIS_URL=redis://127.0.0.1:6379/0 \\
        make bench PYTEST_ARGS="-k risk"

The world: 200 sharing enterprises with two registered suppliers each, 20,000 declarations of 3
items over the last 300 days, each matched to a shared consignment of 10 lines with its parties
and cross-checked (one in ten with findings), one in five inspected (one in ten of those found
something). Every profile reads all of it: the declaration's own data, its enterprise's history
and its partners' history across enterprises.
"""

import multiprocessing
import os
import random
import statistics
import time
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone

from hub.crosschecks.models import CrossCheck, Finding, Match, MatchMethod
from hub.declarations.models import Declaration, DeclarationItem, InspectionOutcome
from hub.partners.services import partner_resolve
from hub.risk.models import RiskProfile
from hub.risk.selectors import ruleset_current
from hub.risk.services import profiles_refresh, ruleset_settings_save
from hub.submissions.models import Consignment
from hub.submissions.services import consignment_ingest
from tests.factories import (
    EnterpriseFactory,
    MembershipFactory,
    active_agreement,
    registered_partner,
)
from tests.risk.factories import FULL_SCOPE, full_document

ENTERPRISES = 200
DECLARATIONS = int(os.environ.get("BENCH_DECLARATIONS", "20000"))
ONE_BY_ONE = int(os.environ.get("BENCH_ONE_BY_ONE", "1000"))
RUNS = 3


def _seed():
    rng = random.Random(8)
    now = timezone.now()
    per_enterprise = DECLARATIONS // ENTERPRISES
    supplier_vat = "DE136695976"
    declarations, consignments_of = [], []
    for e in range(ENTERPRISES):
        enterprise = EnterpriseFactory(legal_name=f"Bench Importer {e} Co., Ltd.")
        admin = MembershipFactory(enterprise=enterprise, role="admin").user
        active_agreement(enterprise, admin, scope=FULL_SCOPE)
        for partner in (
            registered_partner(enterprise, admin, identifiers={"vat": supplier_vat}),
            registered_partner(
                enterprise, admin, legal_name="Hanseatic Forwarding GmbH", roles=["forwarder"]
            ),
        ):
            partner_resolve(partner=partner)
        documents = []
        for n in range(per_enterprise):
            document = full_document(f"B{e}-{n}")
            document["lines"] = [
                {**document["lines"][0], "line_number": number, "material_number": f"M-{number}"}
                for number in range(1, 11)
            ]
            documents.append(document)
        consignment_ingest(
            enterprise_id=enterprise.pk, documents=documents, channel="api", actor=admin
        )
        consignments_of.append(
            list(
                Consignment.objects.filter(enterprise=enterprise)
                .order_by("id")
                .values_list("id", "current_revision_id")
            )
        )
        for n in range(per_enterprise):
            declarations.append(
                Declaration(
                    number=f"B{e:04d}{n:08d}",
                    customs_office="2201",
                    declared_at=now - timedelta(days=rng.uniform(0, 300)),
                    declarant_name="Bench Broker",
                    consignee_name=enterprise.legal_name,
                    consignee_code=f"{e}",
                    consignee=enterprise,
                    transport_document_number=f"BL{e}{n}",
                    consignor_name="Rhein Präzisionstechnik GmbH",
                    consignor_country="DE",
                    currency="EUR",
                    received_at=now,
                    payload_sha256="0" * 64,
                )
            )
    Declaration.objects.bulk_create(declarations, batch_size=2000)
    made = list(Declaration.objects.filter(number__startswith="B").order_by("number"))
    DeclarationItem.objects.bulk_create(
        (
            DeclarationItem(
                declaration=declaration,
                item_number=item,
                hs_code="8482100000",
                description="Bearings",
                quantity=Decimal(120),
                unit="PCE",
                value=Decimal(1000),
                origin_country="DE",
            )
            for declaration in made
            for item in (1, 2, 3)
        ),
        batch_size=5000,
    )
    pairs = [
        (declaration, consignment)
        for enterprise_index in range(ENTERPRISES)
        for declaration, consignment in zip(
            made[enterprise_index * per_enterprise : (enterprise_index + 1) * per_enterprise],
            consignments_of[enterprise_index],
            strict=True,
        )
    ]
    Match.objects.bulk_create(
        (
            Match(
                declaration=declaration,
                consignment_id=consignment_id,
                revision_id=revision_id,
                method=MatchMethod.TRANSPORT_DOCUMENT,
                confidence=Decimal(1),
                matched_at=now,
            )
            for declaration, (consignment_id, revision_id) in pairs
        ),
        batch_size=5000,
    )
    checks = CrossCheck.objects.bulk_create(
        (
            CrossCheck(
                declaration=declaration,
                outcome=CrossCheck.Outcome.FINDINGS if index % 10 == 0 else "consistent",
                declaration_revision=1,
                checked_at=now,
            )
            for index, declaration in enumerate(made)
        ),
        batch_size=5000,
    )
    Finding.objects.bulk_create(
        (
            Finding(
                crosscheck=check,
                declaration_id=check.declaration_id,
                type=rng.choice(["value", "quantity", "origin"]),
                severity=rng.choice(["low", "medium", "high"]),
                explanation="differs",
            )
            for check in checks
            if check.outcome == CrossCheck.Outcome.FINDINGS
        ),
        batch_size=5000,
    )
    InspectionOutcome.objects.bulk_create(
        (
            InspectionOutcome(
                declaration=declaration,
                kind="physical",
                result="discrepancy" if index % 50 == 0 else "no_discrepancy",
                inspected_at=declaration.declared_at + timedelta(hours=4),
                recorded_by="bench",
            )
            for index, declaration in enumerate(made)
            if index % 5 == 0
        ),
        batch_size=5000,
    )
    return [declaration.pk for declaration in made]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark runs on PostgreSQL (DATABASE_URL)")
    with django_db_blocker.unblock():
        yield _seed()


def _rule_set_edit(note):
    """A new version with a different green rate: every profile changes on the next refresh."""
    base = ruleset_current()
    rate = "0.03" if base.random_rates["green"] == "0.02" else "0.02"
    ruleset_settings_save(
        base=base,
        values={
            "green_below": base.green_below,
            "red_from": base.red_from,
            "random_rates": {**base.random_rates, "green": rate},
            "expected_shares": base.expected_shares,
        },
        note=note,
        actor=None,
    )


def _backend_cpu_seconds() -> float | None:
    """CPU time of this connection's PostgreSQL backend, when the server runs on this machine."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _refresh_part(ids):
    connections.close_all()
    return profiles_refresh(declaration_ids=ids).written


def _refresh_in_processes(ids, processes: int) -> int:
    """Like as many workers each taking its own jobs: the declarations split between processes,
    each with its own connections."""
    for alias in connections:
        connections[alias].close()
        connections[alias].close_pool()
    parts = [
        ids[n * len(ids) // processes : (n + 1) * len(ids) // processes] for n in range(processes)
    ]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        return sum(pool.map(_refresh_part, parts))


@pytest.mark.django_db(transaction=True)
def test_bench_refreshing_risk_profiles(world):
    ids = world
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    timings = defaultdict(list)
    cpu = []
    for run in range(RUNS):
        _rule_set_edit(f"bench run {run}")
        backend, python, started = _backend_cpu_seconds(), time.process_time(), time.perf_counter()
        assert profiles_refresh(declaration_ids=ids).written == len(ids)
        timings["every profile new, one process"].append(time.perf_counter() - started)
        if backend is not None:
            cpu.append(time.process_time() - python + _backend_cpu_seconds() - backend)
        started = time.perf_counter()
        assert profiles_refresh(declaration_ids=ids).written == 0
        timings["nothing changed, one process"].append(time.perf_counter() - started)
        _rule_set_edit(f"bench run {run}, two processes")
        started = time.perf_counter()
        assert _refresh_in_processes(ids, 2) == len(ids)
        timings["every profile new, two processes"].append(time.perf_counter() - started)

    _rule_set_edit("bench one by one")
    subset = ids[:ONE_BY_ONE]
    started = time.perf_counter()
    for pk in subset:
        profiles_refresh(declaration_ids=[pk])
    one_by_one = time.perf_counter() - started
    current = RiskProfile.objects.filter(declaration_id__in=subset, is_current=True)
    assert current.count() == len(subset)

    load = os.getloadavg()[0]
    print(f"\n[PostgreSQL, load average {load:.1f}] refreshing {len(ids):,} declaration profiles:")
    for label, runs in timings.items():
        seconds = statistics.median(runs)
        print(f"  {label:<36} {seconds:7.2f} s  {len(ids) / seconds:9,.0f} profiles/s")
    print(
        f"  {'one declaration a call':<36} {one_by_one:7.2f} s  "
        f"{len(subset) / one_by_one:9,.0f} profiles/s  ({len(subset):,} declarations)"
    )
    if cpu:
        seconds = statistics.median(cpu)
        print(
            f"  CPU time of a refresh of every profile, Python and PostgreSQL: {seconds:.2f} s, "
            f"{len(ids) / seconds:,.0f} profiles per CPU-second"
        )
