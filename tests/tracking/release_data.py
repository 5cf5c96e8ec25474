"""Declarations, cargo events and matches made directly with the ORM, for the release-time tests,
and their timing rows refreshed as the follow-ups would."""

import hashlib
import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from hub.crosschecks.models import Match
from hub.declarations.models import Declaration, DeclarationItem
from hub.tracking.models import CargoEvent
from hub.tracking.timings import release_timings_refresh

_numbers = itertools.count(1)
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def at(hours: float, start=T0) -> datetime:
    return start + timedelta(hours=hours)


def declaration(
    *,
    enterprise=None,
    consignee_code=None,
    office="2248",
    broker="Pudong Customs Brokerage Co., Ltd.",
    carrier="COSCO Shipping Lines",
    port="CNSHA",
    document=None,
    declared_at=T0,
    accepted_at=None,
    released_at=None,
    items=(("8482101000", "1000.00"),),
    refresh=True,
) -> Declaration:
    number = next(_numbers)
    made = Declaration.objects.create(
        number=f"2248{number:014d}",
        customs_office=office,
        declared_at=declared_at,
        accepted_at=accepted_at,
        released_at=released_at,
        declarant_name=broker,
        consignee_name=enterprise.legal_name if enterprise else f"Importer {number}",
        consignee_code=consignee_code or (f"E{enterprise.pk}" if enterprise else f"X{number}"),
        consignee=enterprise,
        transport_document_number=document or f"BL{number:08d}",
        port_of_entry=port,
        carrier_name=carrier,
        consignor_name="Rhein Präzisionstechnik GmbH",
        consignor_country="DE",
        currency="EUR",
        received_at=timezone.now(),
        payload_sha256=hashlib.sha256(str(number).encode()).hexdigest(),
    )
    DeclarationItem.objects.bulk_create(
        DeclarationItem(
            declaration=made,
            item_number=position,
            hs_code=hs_code,
            description="Goods",
            quantity=Decimal("1"),
            unit="PCE",
            value=Decimal(value),
            origin_country="DE",
        )
        for position, (hs_code, value) in enumerate(items, start=1)
    )
    if refresh:
        release_timings_refresh(declaration_ids=[made.pk])
    return made


def event(reporter, document, type, occurred_at, **fields) -> CargoEvent:
    return CargoEvent.objects.create(
        reporter=reporter,
        event_id=f"E{next(_numbers)}",
        type=type,
        transport_document_number=document,
        occurred_at=occurred_at,
        received_at=occurred_at,
        **fields,
    )


def match(declaration, consignment) -> Match:
    return Match.objects.create(
        declaration=declaration,
        consignment=consignment,
        revision=consignment.current_revision,
        method="transport_document",
        confidence=Decimal("1"),
        matched_at=timezone.now(),
    )


def released_after(hours: float, *, start=T0, **fields) -> Declaration:
    """A declaration accepted at `start` and released `hours` later, arrival unknown."""
    return declaration(declared_at=start, accepted_at=start, released_at=at(hours, start), **fields)
