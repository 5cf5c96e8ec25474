"""Declarations and shared consignments generated at random, some with one known difference
injected: each difference is found with its type, and clean pairs show none."""

import random
from dataclasses import replace
from decimal import Decimal

import pytest

from hub.crosschecks.models import CrossCheck, Finding
from tests.crosschecks.factories import Goods, consignment, declaration, declare, share

pytestmark = pytest.mark.django_db

# Goods of different headings, so that an injected heading is never one the declaration uses.
HEADINGS = [
    ("848210", "Ball bearings", "PCE"),
    ("848340", "Gearboxes", "PCE"),
    ("841370", "Centrifugal pumps", "PCE"),
    ("848180", "Valves", "PCE"),
    ("902620", "Pressure gauges", "PCE"),
    ("853649", "Relays", "PCE"),
    ("854442", "Insulated cables", "MTR"),
    ("392690", "Plastic fittings", "KGM"),
    ("731815", "Steel screws", "KGM"),
    ("850511", "Permanent magnets", "PCE"),
    ("940510", "Ceiling lamps", "PCE"),
    ("870899", "Vehicle parts", "PCE"),
]
ORIGINS = ["DE", "IT", "JP", "FR", "CN", "US", "KR"]
INJECTED = {
    "undervaluation": Finding.Type.VALUE,
    "wrong origin": Finding.Type.ORIGIN,
    "understated quantity": Finding.Type.QUANTITY,
    "different HS heading": Finding.Type.HS_HEADING,
    "unregistered consignor": Finding.Type.UNREGISTERED_CONSIGNOR,
    "late sharing": Finding.Type.LATE_SHARING,
}
CLEAN_PAIRS = 12
PAIRS_PER_DIFFERENCE = 3


def random_goods(rng) -> list[Goods]:
    goods = []
    for hs6, description, unit in rng.sample(HEADINGS, rng.randint(2, 8)):
        quantity = Decimal(rng.randint(10, 5000))
        goods.append(
            Goods(
                hs_code=f"{hs6}{rng.randint(0, 9999):04d}",
                origin=rng.choice(ORIGINS),
                description=description,
                quantity=quantity,
                unit=unit,
                value=Decimal(rng.randint(50_000, 9_000_000)) / 100,
                net_weight_kg=quantity if unit == "KGM" else Decimal(rng.randint(5, 3000)),
            )
        )
    return goods


def inject(rng, kind: str, goods: list[Goods]) -> tuple[list[Goods], dict, dict]:
    """The declared goods, header changes of the declaration, and how the consignment is
    shared."""
    declared, header, sharing = list(goods), {}, {}
    index = rng.randrange(len(goods))
    chosen = goods[index]
    if kind == "undervaluation":
        declared[index] = replace(
            chosen, value=(chosen.value * Decimal("0.6")).quantize(Decimal("0.01"))
        )
    elif kind == "wrong origin":
        declared[index] = replace(
            chosen, origin=rng.choice([o for o in ORIGINS if o != chosen.origin])
        )
    elif kind == "understated quantity":
        declared[index] = replace(
            chosen, quantity=(chosen.quantity * Decimal("0.7")).quantize(Decimal(1))
        )
    elif kind == "different HS heading":
        used = {kind.hs_code[:6] for kind in goods}
        other = rng.choice([hs6 for hs6, _d, _u in HEADINGS if hs6 not in used])
        declared[index] = replace(chosen, hs_code=f"{other}0000")
    elif kind == "unregistered consignor":
        header["consignor"] = {"name": "Pacific Rim Sourcing Ltd", "country": "DE"}
    elif kind == "late sharing":
        sharing["received_at"] = "2026-12-06T10:00:00+08:00"
        header["declared_at"] = "2026-12-07T09:30:00+08:00"
    return declared, header, sharing


def test_every_injected_difference_is_found_and_clean_pairs_show_none(trader, jobs):
    enterprise, admin = trader
    rng = random.Random(20261121)
    kinds = [None] * CLEAN_PAIRS + [k for k in INJECTED for _ in range(PAIRS_PER_DIFFERENCE)]
    rng.shuffle(kinds)
    expected, shared_on_time, shared_late, declarations = {}, [], [], []
    for n, kind in enumerate(kinds):
        goods = random_goods(rng)
        declared, header, sharing = inject(rng, kind, goods) if kind else (goods, {}, {})
        reference = f"PO-{n:03d}"
        document = consignment(reference, goods, lines_per_item=rng.randint(1, 4))
        (shared_late if sharing else shared_on_time).append(document)
        declarations.append(declaration(f"D{n:03d}", reference, declared, **header))
        expected[f"D{n:03d}"] = [INJECTED[kind]] if kind else []
    # Half the declarations arrive before their consignments, half after.
    with jobs():
        declare(*declarations[::2])
    with jobs():
        share(enterprise, admin, *shared_on_time)
        share(enterprise, admin, *shared_late, received_at="2026-12-06T10:00:00+08:00")
    with jobs():
        declare(*declarations[1::2])

    found = {number: [] for number in expected}
    for number, finding_type in Finding.objects.values_list("declaration__number", "type"):
        found[number].append(finding_type)
    assert found == expected
    outcomes = dict(CrossCheck.objects.values_list("declaration__number", "outcome"))
    assert outcomes == {
        number: CrossCheck.Outcome.FINDINGS if types else CrossCheck.Outcome.CONSISTENT
        for number, types in expected.items()
    }
