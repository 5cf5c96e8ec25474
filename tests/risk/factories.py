"""Rows the risk engine reads, made directly: declarations, matches, cross-checks, findings and
inspection outcomes come from other apps' services in production, written here with the ORM so
that these tests depend only on their models. Shared consignments go through the ingest service,
which every channel uses, before any declaration exists (so that no matching runs on them)."""

import hashlib
import itertools
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from hub.catalogue.fields import DATASETS
from hub.crosschecks.models import CrossCheck, Finding, Match, MatchMethod
from hub.declarations.models import Declaration, DeclarationItem, InspectionOutcome
from hub.enterprises.models import RatingChange
from hub.enterprises.services import enterprise_rating_set
from hub.partners.services import consignment_parties_link, partner_resolve
from hub.submissions.models import Consignment
from hub.submissions.services import consignment_ingest
from tests.factories import (
    EnterpriseFactory,
    MembershipFactory,
    active_agreement,
    consignment_document,
    officer,
    registered_partner,
)

_numbers = itertools.count(1)
FULL_SCOPE = list(DATASETS)


def sharer(legal_name=None, *, rating="general", aeo="none", scope=FULL_SCOPE):
    """An approved enterprise with an admin and an active agreement sharing every dataset."""
    enterprise = EnterpriseFactory(**({"legal_name": legal_name} if legal_name else {}))
    admin = MembershipFactory(enterprise=enterprise, role="admin").user
    active_agreement(enterprise, admin, scope=scope)
    if (rating, aeo) != ("unrated", "none"):
        enterprise_rating_set(
            enterprise=enterprise,
            credit_rating=rating,
            aeo_status=aeo,
            reason="test",
            source=RatingChange.Source.OFFICER,
            actor=officer(),
        )
    enterprise.refresh_from_db()
    enterprise.admin = admin
    return enterprise


def partner(enterprise, **registration):
    """A registered partner of `enterprise`, resolved to its entity."""
    made = registered_partner(enterprise, enterprise.admin, **registration)
    partner_resolve(partner=made)
    made.refresh_from_db()
    return made


def full_document(reference, **overrides):
    """A consignment with every optional field the catalogue has."""
    document = consignment_document(reference, lines=2)
    party = {
        "name": "Rhein Präzisionstechnik GmbH",
        "country": "DE",
        "tax_id": "DE136695976",
        "address": "Hafenstraße 1, 20457 Hamburg",
    }
    document.update(
        {
            "invoice_total": "2003.00",
            "contract_number": f"C-{reference}",
            "contract_date": "2026-10-01",
            "incoterms": "FOB",
            "departure_date": "2026-11-05",
            "vessel_or_flight": "COSCO SHIPPING ARIES",
            "voyage_number": "045E",
            "containers": ["CSQU3054383"],
            "seller": party,
            "shipper": party,
            "carrier": {
                "name": "COSCO Shipping Lines Co., Ltd.",
                "country": "CN",
                "address": "Shanghai",
            },
            "forwarder": {**party, "name": "Hanseatic Forwarding GmbH", "tax_id": "DE811907980"},
            "manufacturer": party,
        }
    )
    for line in document["lines"]:
        line.update(
            {
                "hs_code": "8482100000",
                "net_weight_kg": "10.5",
                "gross_weight_kg": "12.0",
                "unit_price": "8.35",
                "packages": 2,
            }
        )
    document.update(overrides)
    return document


def shared_consignment(
    enterprise, reference=None, *, document=None, hours_before=72, channel="api"
) -> Consignment:
    """A consignment shared `hours_before` its estimated arrival."""
    reference = reference or f"PO-{next(_numbers):06d}"
    document = document or consignment_document(reference)
    arrival = timezone.now() + timedelta(days=20)
    document = {**document, "reference": reference, "estimated_arrival": arrival.isoformat()}
    results = consignment_ingest(
        enterprise_id=enterprise.pk,
        documents=[document],
        channel=channel,
        actor=enterprise.admin,
        received_at=arrival - timedelta(hours=hours_before),
    )
    assert results[0].status == "accepted", results[0].errors
    # The link of each party to the registered partners is a follow-up of ingest; run it now.
    consignment_parties_link(revision_ids=[results[0].revision.pk])
    return Consignment.objects.get(enterprise=enterprise, reference=reference)


def declaration(
    enterprise=None,
    *,
    number=None,
    declared_at=None,
    office="2201",
    consignor_country="DE",
    items=(("8482100000", "DE"),),
    status="accepted",
    consignee_name="Unknown Importer Ltd.",
):
    number = number or f"2201{next(_numbers):014d}"
    declared_at = declared_at or timezone.now() - timedelta(hours=1)
    made = Declaration.objects.create(
        number=number,
        customs_office=office,
        declared_at=declared_at,
        declarant_name="Shanghai Broker Co., Ltd.",
        consignee_name=enterprise.legal_name if enterprise else consignee_name,
        consignee_code="91310115MA1K3PQ2XL",
        consignee=enterprise,
        transport_document_number="COSU6312458790",
        consignor_name="Rhein Präzisionstechnik GmbH",
        consignor_country=consignor_country,
        currency="EUR",
        status=status,
        received_at=declared_at,
        payload_sha256=hashlib.sha256(number.encode()).hexdigest(),
    )
    DeclarationItem.objects.bulk_create(
        DeclarationItem(
            declaration=made,
            item_number=index,
            hs_code=hs_code,
            description="Bearings",
            quantity=Decimal("120"),
            unit="PCE",
            value=Decimal("1000.00"),
            origin_country=origin,
        )
        for index, (hs_code, origin) in enumerate(items, start=1)
    )
    return made


def match(declaration, consignment) -> Match:
    return Match.objects.create(
        declaration=declaration,
        consignment=consignment,
        revision_id=consignment.current_revision_id,
        method=MatchMethod.TRANSPORT_DOCUMENT,
        confidence=Decimal("1.000"),
        matched_at=timezone.now(),
    )


def crosscheck(declaration, outcome=None, findings=()) -> CrossCheck:
    """`findings` are (type, severity) pairs; the outcome follows from them unless given."""
    outcome = outcome or (
        CrossCheck.Outcome.FINDINGS if findings else CrossCheck.Outcome.CONSISTENT
    )
    check = CrossCheck.objects.create(
        declaration=declaration,
        outcome=outcome,
        declaration_revision=declaration.revision,
        checked_at=timezone.now(),
    )
    _findings_add(check, findings)
    return check


def crosscheck_findings(declaration, findings) -> None:
    """Findings of a new run of the cross-check of a declaration checked before."""
    check = CrossCheck.objects.get(declaration=declaration)
    check.outcome = CrossCheck.Outcome.FINDINGS
    check.save(update_fields=["outcome"])
    _findings_add(check, findings)


def _findings_add(check, findings) -> None:
    for finding_type, severity in findings:
        Finding.objects.create(
            crosscheck=check,
            declaration_id=check.declaration_id,
            type=finding_type,
            severity=severity,
            explanation=f"{finding_type} differs",
        )


def inspection(declaration, result="no_discrepancy", kind="physical", inspected_at=None):
    return InspectionOutcome.objects.create(
        declaration=declaration,
        kind=kind,
        result=result,
        inspected_at=inspected_at or timezone.now(),
        recorded_by="test",
    )


def matched_declaration(
    enterprise,
    *,
    findings=(),
    outcome=None,
    document=None,
    hours_before=72,
    channel="api",
    **declaration_fields,
):
    """A declaration of `enterprise` with a shared consignment matched to it and cross-checked."""
    consignment = shared_consignment(
        enterprise, document=document, hours_before=hours_before, channel=channel
    )
    made = declaration(enterprise, **declaration_fields)
    match(made, consignment)
    crosscheck(made, outcome, findings)
    return made
