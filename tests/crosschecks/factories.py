"""Declarations and the shared consignments they cover, built from one list of goods so that a
test states only the difference it injects. Both sides go through their real write paths
(consignment_ingest, declaration_receive), which record the cross-check jobs."""

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from hub.declarations.services import (
    bank_payment_receive,
    declaration_receive,
    exchange_rate_record,
)
from hub.submissions.services import consignment_ingest
from tests.factories import (
    EnterpriseFactory,
    MembershipFactory,
    active_agreement,
    declaration_document,
    registered_partner,
)

CUSTOMS_CODE = "3122440123"
SCOPE = ["contract", "transport_details", "line_weights_and_classification"]
SELLER = {"name": "Rhein Präzisionstechnik GmbH", "country": "DE"}
ARRIVAL = "2026-12-05T08:00:00+08:00"
SHARED_AT = "2026-11-20T10:00:00+08:00"
DECLARED_AT = "2026-12-04T09:30:00+08:00"


@dataclass(frozen=True)
class Goods:
    """One kind of goods: one item of the declaration, several lines of the consignment."""

    hs_code: str
    origin: str
    description: str
    quantity: Decimal
    unit: str
    value: Decimal
    net_weight_kg: Decimal


GOODS = [
    Goods(
        "8482101000", "DE", "Ball bearings", Decimal(1200), "PCE", Decimal("18000.00"), Decimal(360)
    ),
    Goods("8483409000", "DE", "Gearboxes", Decimal(40), "PCE", Decimal("52000.00"), Decimal(1400)),
    Goods(
        "8413702000",
        "IT",
        "Centrifugal pumps",
        Decimal(60),
        "PCE",
        Decimal("21000.00"),
        Decimal(900),
    ),
    Goods("8481804000", "DE", "Ball valves", Decimal(300), "PCE", Decimal("9600.00"), Decimal(450)),
    Goods(
        "9026202000", "JP", "Pressure gauges", Decimal(150), "PCE", Decimal("6750.00"), Decimal(75)
    ),
    Goods("8536490000", "FR", "Relays", Decimal(2000), "PCE", Decimal("5400.00"), Decimal(120)),
    Goods(
        "8544422000",
        "DE",
        "Insulated cables",
        Decimal(5000),
        "MTR",
        Decimal("4250.00"),
        Decimal(800),
    ),
    Goods(
        "3926909090",
        "DE",
        "Plastic fittings",
        Decimal(850),
        "KGM",
        Decimal("3400.00"),
        Decimal(850),
    ),
    Goods(
        "7318159090", "DE", "Steel screws", Decimal(1200), "KGM", Decimal("4800.00"), Decimal(1200)
    ),
    Goods(
        "8505119000",
        "CN",
        "Permanent magnets",
        Decimal(400),
        "PCE",
        Decimal("2200.00"),
        Decimal(200),
    ),
]


def importer():
    """An enterprise sharing under an agreement with the optional datasets the cross-checks
    use, its customs code known, the seller registered as its partner; and its admin."""
    enterprise = EnterpriseFactory(identifiers={"customs_code": CUSTOMS_CODE})
    admin = MembershipFactory(enterprise=enterprise, role="admin").user
    active_agreement(enterprise, admin, scope=SCOPE)
    registered_partner(enterprise, admin, **{"legal_name": SELLER["name"], "country": "DE"})
    return enterprise, admin


def _split(total: Decimal, parts: int, places: str) -> list[Decimal]:
    share = (total / parts).quantize(Decimal(places))
    return [share] * (parts - 1) + [total - share * (parts - 1)]


def shared_lines(goods=GOODS, *, lines_per_item=3) -> list[dict]:
    lines = []
    for kind in goods:
        for quantity, value, weight in zip(
            _split(kind.quantity, lines_per_item, "0.001"),
            _split(kind.value, lines_per_item, "0.01"),
            _split(kind.net_weight_kg, lines_per_item, "0.001"),
            strict=True,
        ):
            number = len(lines) + 1
            lines.append(
                {
                    "line_number": number,
                    "material_number": f"MAT-{number:05d}",
                    "description": kind.description,
                    "quantity": str(quantity),
                    "unit": kind.unit,
                    "line_value": str(value.quantize(Decimal("0.01"))),
                    "origin_country": kind.origin,
                    "hs_code": kind.hs_code,
                    "net_weight_kg": str(weight),
                }
            )
    return lines


def consignment(reference, goods=GOODS, *, lines_per_item=3, **overrides) -> dict:
    document = {
        "reference": reference,
        "transport_document_number": f"COSU{reference}",
        "transport_mode": "1",
        "port_of_loading": "DEHAM",
        "port_of_discharge": "CNSHA",
        "estimated_arrival": ARRIVAL,
        "invoice_number": f"INV-{reference}",
        "invoice_date": "2026-11-03",
        "currency": "EUR",
        "incoterms": "FOB",
        "seller": SELLER,
        "lines": shared_lines(goods, lines_per_item=lines_per_item),
    }
    document.update(overrides)
    return document


def declaration(number, reference, goods=GOODS, **overrides) -> dict:
    """The declaration of the consignment `reference`, declaring each kind of goods as an
    item."""
    document = declaration_document(number=number, consignee_code=CUSTOMS_CODE)
    del document["containers"]
    document.update(
        declared_at=DECLARED_AT,
        transport_document_number=f"COSU{reference}",
        invoice_number=f"INV-{reference}",
        consignor=SELLER,
        trade_terms="FOB",
        currency="EUR",
        items=[
            {
                "item_number": item_number,
                "hs_code": kind.hs_code,
                "description": kind.description,
                "quantity": str(kind.quantity),
                "unit": kind.unit,
                "net_weight_kg": str(kind.net_weight_kg),
                "value": str(kind.value.quantize(Decimal("0.01"))),
                "origin_country": kind.origin,
            }
            for item_number, kind in enumerate(goods, start=1)
        ],
    )
    document.update(overrides)
    return document


def changed(goods=GOODS, index=0, **changes) -> list[Goods]:
    """The goods with one kind changed."""
    return [replace(kind, **changes) if n == index else kind for n, kind in enumerate(goods)]


def share(enterprise, admin, *documents, received_at=SHARED_AT):
    results = consignment_ingest(
        enterprise_id=enterprise.pk,
        documents=list(documents),
        channel="api",
        actor=admin,
        received_at=datetime.fromisoformat(received_at),
    )
    assert [result.errors for result in results] == [[] for _ in results]
    return results


def declare(*documents):
    results = declaration_receive(documents=list(documents), actor=None)
    assert [result.errors for result in results] == [[] for _ in results]
    return results


def pay(**record):
    results = bank_payment_receive(records=[record], actor=None)
    assert results[0].errors == []


def rates(*entries):
    """Daily rates: (currency, day, yuan per unit)."""
    results = exchange_rate_record(
        rates=[{"currency": c, "day": day, "rate": rate} for c, day, rate in entries], actor=None
    )
    assert [result.errors for result in results] == [[] for _ in results]
