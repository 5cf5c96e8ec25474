"""Declarations, their status changes, matches and findings made directly with the ORM for the
tracking tests, and carriers and ports with their keys."""

import hashlib
import itertools
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from hub.crosschecks.models import CrossCheck, Finding, Match
from hub.declarations.models import Declaration, DeclarationStatus, DeclarationStatusChange
from hub.submissions.models import Consignment
from tests.factories import ApiKeyFactory, EnterpriseFactory

_numbers = itertools.count(1)


def reporter_key(*trade_roles, legal_name=None):
    """An API key of an approved enterprise in these trade roles."""
    enterprise = EnterpriseFactory(
        trade_roles=list(trade_roles),
        **({"legal_name": legal_name} if legal_name else {}),
    )
    return ApiKeyFactory(enterprise=enterprise)


def declaration_for(consignment: Consignment, *, declared_at: datetime, consignee="own", **fields):
    """A declaration of the consignment's goods, matched to it. `consignee` is "own" (the
    consignment's enterprise), None (a consignee the hub does not know) or another enterprise."""
    number = next(_numbers)
    declaration = Declaration.objects.create(
        number=f"22482026{number:010d}",
        customs_office="2248",
        declared_at=declared_at,
        declarant_name="Shanghai Pudong Customs Brokerage Co., Ltd.",
        consignee_name="Importer of record",
        consignee_code=f"C{number}",
        consignee=consignment.enterprise if consignee == "own" else consignee,
        transport_document_number=consignment.transport_document_number,
        consignor_name="Rhein Präzisionstechnik GmbH",
        consignor_country="DE",
        currency="EUR",
        received_at=timezone.now(),
        payload_sha256=hashlib.sha256(str(number).encode()).hexdigest(),
        **fields,
    )
    Match.objects.create(
        declaration=declaration,
        consignment=consignment,
        revision=consignment.current_revision,
        method="transport_document",
        confidence=Decimal("1.000"),
        matched_at=timezone.now(),
    )
    return declaration


def status_change(declaration: Declaration, status: str, occurred_at: datetime, **duty):
    """The customs system's report of a new status, applied to the declaration as its service
    would."""
    DeclarationStatusChange.objects.create(
        declaration=declaration,
        status=status,
        occurred_at=occurred_at,
        received_at=timezone.now(),
        **duty,
    )
    declaration.status = status
    declaration.status_at = occurred_at
    if status == DeclarationStatus.ACCEPTED:
        declaration.accepted_at = occurred_at
    if status == DeclarationStatus.RELEASED:
        declaration.released_at = occurred_at
    for name, value in duty.items():
        setattr(declaration, name, value)
    declaration.save()
    return declaration


def finding(declaration: Declaration, *, shared_back: bool, explanation: str, **fields) -> Finding:
    crosscheck, _created = CrossCheck.objects.get_or_create(
        declaration=declaration,
        defaults={
            "outcome": CrossCheck.Outcome.FINDINGS,
            "declaration_revision": declaration.revision,
            "checked_at": timezone.now(),
        },
    )
    return Finding.objects.create(
        crosscheck=crosscheck,
        declaration=declaration,
        type=fields.pop("type", Finding.Type.VALUE),
        severity=fields.pop("severity", Finding.Severity.MEDIUM),
        explanation=explanation,
        shared_with_enterprise=shared_back,
        **fields,
    )
