"""The one write path for shared data: every channel (API push, Excel upload, connectors) turns its
input into canonical documents and calls `consignment_ingest`."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.agreements.models import Agreement
from hub.agreements.selectors import AgreementNotActive, agreement_active
from hub.catalogue.validation import validate_consignment
from hub.core.audit import audit_record_many
from hub.core.bulk import bulk_create_returning_ids, bulk_insert
from hub.core.outbox import outbox_enqueue
from hub.submissions.follow_ups import consignments_received
from hub.submissions.models import (
    Consignment,
    ConsignmentLine,
    ConsignmentParty,
    ConsignmentRevision,
)
from hub.submissions.normalize import PARTY_ROLES, document_normalize
from hub.submissions.tasks import consignments_received_task

MAX_BATCH = 1000


class IngestRefused(Exception):
    """Nothing may be shared now: no agreement in force, or not through this channel."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class ItemResult:
    index: int
    reference: str | None
    status: str  # accepted, unchanged or refused
    revision: ConsignmentRevision | None = None
    errors: list[dict] = field(default_factory=list)


def canonical_json(document) -> str:
    return json.dumps(
        document, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )


def agreement_for_submission(*, enterprise_id: int, channel: str) -> Agreement:
    """The active agreement the data will arrive under, or IngestRefused saying why not."""
    try:
        agreement = agreement_active(enterprise_id=enterprise_id)
    except AgreementNotActive as inactive:
        if inactive.agreement is None:
            raise IngestRefused(
                inactive.code,
                _(
                    "Your enterprise has no data-sharing agreement in force (it may have been "
                    "terminated), so nothing can be shared. An enterprise admin can sign a new "
                    "one on the hub."
                ),
            ) from None
        raise IngestRefused(
            inactive.code,
            _(
                "Your data-sharing agreement is suspended (%(reason)s); sharing resumes when it is "
                "resumed."
            )
            % {"reason": inactive.agreement.suspension_reason},
        ) from None
    if channel not in agreement.channels:
        raise IngestRefused(
            "channel_not_agreed",
            _(
                "Your agreement does not cover sharing through %(channel)s; an enterprise admin "
                "can add it with a new agreement version."
            )
            % {"channel": channel},
        )
    return agreement


def _line_number_errors(document) -> list[dict]:
    seen: dict[int, int] = {}
    errors = []
    for index, line in enumerate(document.get("lines") or []):
        number = line.get("line_number") if isinstance(line, dict) else None
        if isinstance(number, int) and number in seen:
            errors.append(
                {
                    "path": f"/lines/{index}/line_number",
                    "code": "duplicate",
                    "message": _(
                        "Line number %(number)s is used twice (lines %(first)s and "
                        "%(second)s); give every line its own number."
                    )
                    % {"number": number, "first": seen[number], "second": index},
                }
            )
        seen.setdefault(number, index)
    return errors


def consignment_validate(document, *, scope) -> tuple[dict, list[dict]]:
    """The normalized document and every error in it (empty when it can be stored)."""
    normalized = document_normalize(document)
    errors = validate_consignment(normalized, scope)
    if not errors:
        errors = _line_number_errors(normalized)
    return normalized, errors


def _decimal_or_none(value):
    return Decimal(value) if value not in (None, "") else None


def _revision_for(
    document: dict,
    *,
    consignment_id,
    number,
    agreement,
    channel,
    source_format,
    received_at,
    submitted_by,
    original: str,
    sha256: str,
) -> ConsignmentRevision:
    arrival = datetime.fromisoformat(document["estimated_arrival"])
    hours = Decimal((arrival - received_at).total_seconds() / 3600).quantize(Decimal("0.01"))
    return ConsignmentRevision(
        consignment_id=consignment_id,
        number=number,
        agreement=agreement,
        channel=channel,
        source_format=source_format,
        received_at=received_at,
        hours_before_arrival=hours,
        payload_sha256=sha256,
        submitted_by=submitted_by,
        document=original,
        transport_document_number=document["transport_document_number"],
        transport_mode=document["transport_mode"],
        port_of_loading=document["port_of_loading"],
        port_of_discharge=document["port_of_discharge"],
        estimated_arrival=arrival,
        departure_date=date.fromisoformat(document["departure_date"])
        if document.get("departure_date")
        else None,
        vessel_or_flight=document.get("vessel_or_flight", ""),
        voyage_number=document.get("voyage_number", ""),
        containers=document.get("containers", []),
        invoice_number=document["invoice_number"],
        invoice_date=date.fromisoformat(document["invoice_date"]),
        currency=document["currency"],
        invoice_total=document.get("invoice_total", ""),
        incoterms=document.get("incoterms", ""),
        contract_number=document.get("contract_number", ""),
        contract_date=date.fromisoformat(document["contract_date"])
        if document.get("contract_date")
        else None,
    )


LINE_COLUMNS = [
    "revision",
    "line_number",
    "material_number",
    "description",
    "quantity",
    "unit",
    "line_value",
    "origin_country",
    "hs_code",
    "net_weight_kg",
    "gross_weight_kg",
    "unit_price",
    "packages",
]
PARTY_COLUMNS = ["revision", "role", "name", "country", "address", "tax_id"]


def _child_rows(revision_id: int, document: dict) -> tuple[list[tuple], list[tuple]]:
    """The revision's lines and parties as rows for `bulk_insert`."""
    lines = [
        (
            revision_id,
            line["line_number"],
            line["material_number"],
            line["description"],
            Decimal(line["quantity"]),
            line["unit"],
            line["line_value"],
            line["origin_country"],
            line.get("hs_code", ""),
            _decimal_or_none(line.get("net_weight_kg")),
            _decimal_or_none(line.get("gross_weight_kg")),
            line.get("unit_price", ""),
            line.get("packages"),
        )
        for line in document["lines"]
    ]
    parties = [
        (
            revision_id,
            role,
            document[role]["name"],
            document[role]["country"],
            document[role].get("address", ""),
            document[role].get("tax_id", ""),
        )
        for role in PARTY_ROLES
        if role in document
    ]
    return lines, parties


def consignment_ingest(
    *,
    enterprise_id: int,
    documents: list,
    channel: str,
    actor,
    source_format: str = "json",
    received_at: datetime | None = None,
) -> list[ItemResult]:
    """Validate and store consignments; each document gets a result, and the valid ones are
    stored even when others are refused. Raises IngestRefused when nothing may be shared.

    A document whose reference is new creates a consignment; one whose reference exists is an
    amendment and adds a revision; one identical to the current revision changes nothing."""
    agreement = agreement_for_submission(enterprise_id=enterprise_id, channel=channel)
    received_at = received_at or timezone.now()
    results: list[ItemResult] = []
    valid: list[tuple[ItemResult, dict, str, str]] = []
    first_index_of: dict[str, int] = {}
    for index, document in enumerate(documents):
        normalized, errors = consignment_validate(document, scope=agreement.scope)
        reference = normalized.get("reference") if isinstance(normalized, dict) else None
        if not errors and reference in first_index_of:
            errors = [
                {
                    "path": "/reference",
                    "code": "duplicate",
                    "message": _(
                        "The reference %(reference)s is also item %(first)s of this batch; send an "
                        "amendment in a later request."
                    )
                    % {"reference": reference, "first": first_index_of[reference]},
                }
            ]
        result = ItemResult(
            index=index,
            reference=reference if isinstance(reference, str) else None,
            status="refused" if errors else "accepted",
            errors=errors,
        )
        results.append(result)
        if not errors:
            first_index_of[reference] = index
            original = canonical_json(document)
            valid.append(
                (result, normalized, original, hashlib.sha256(original.encode()).hexdigest())
            )
    if valid:
        _store(
            valid,
            agreement=agreement,
            channel=channel,
            source_format=source_format,
            received_at=received_at,
            actor=actor,
        )
    return results


def _consignments_upsert(valid, *, enterprise_id: int, now: datetime) -> dict[str, dict]:
    """Create the consignments that are new and lock those that exist, in one statement.

    The upsert takes the row lock that serializes concurrent submissions of one reference, so
    that revision numbers never collide. Returns each row's id and current state by reference."""
    field = Consignment._meta.get_field
    columns = [
        "created_at",
        "updated_at",
        "enterprise",
        "reference",
        "revision_count",
        "current_sha256",
        "transport_document_number",
        "invoice_number",
        "estimated_arrival",
    ]
    stamp = field("created_at").get_db_prep_value(now, connection)
    rows = [
        (
            stamp,
            stamp,
            enterprise_id,
            normalized["reference"],
            0,
            "",
            normalized["transport_document_number"],
            normalized["invoice_number"],
            field("estimated_arrival").get_db_prep_value(
                datetime.fromisoformat(normalized["estimated_arrival"]), connection
            ),
        )
        for _result, normalized, _original, _sha256 in valid
    ]
    quote = connection.ops.quote_name
    row_placeholder = f"({', '.join(['%s'] * len(columns))})"
    # Built from quoted identifiers and placeholders only; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(Consignment._meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(field(name).column) for name in columns)}) "
        f"VALUES {', '.join([row_placeholder] * len(rows))} "
        "ON CONFLICT (enterprise_id, reference) DO UPDATE SET updated_at = excluded.updated_at "
        "RETURNING id, reference, revision_count, current_sha256, current_revision_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])
        return {
            reference: {
                "id": pk,
                "revision_count": count,
                "current_sha256": sha256,
                "current_revision_id": revision_id,
            }
            for pk, reference, count, sha256, revision_id in cursor.fetchall()
        }


@transaction.atomic
def _store(valid, *, agreement, channel, source_format, received_at, actor) -> None:
    enterprise_id = agreement.enterprise_id
    consignments = _consignments_upsert(valid, enterprise_id=enterprise_id, now=received_at)
    submitted_by = actor.get_username()
    revisions, stored = [], []
    unchanged = []
    for result, normalized, original, sha256 in valid:
        consignment = consignments[normalized["reference"]]
        if consignment["current_sha256"] == sha256:
            result.status = "unchanged"
            unchanged.append((result, consignment["current_revision_id"]))
            continue
        revision = _revision_for(
            normalized,
            consignment_id=consignment["id"],
            number=consignment["revision_count"] + 1,
            agreement=agreement,
            channel=channel,
            source_format=source_format,
            received_at=received_at,
            submitted_by=submitted_by,
            original=original,
            sha256=sha256,
        )
        revisions.append(revision)
        stored.append((result, revision, normalized))
    if unchanged:
        current = ConsignmentRevision.objects.in_bulk([pk for _result, pk in unchanged])
        for result, pk in unchanged:
            result.revision = current[pk]
    if not stored:
        return
    bulk_create_returning_ids(ConsignmentRevision, revisions)
    lines, parties = [], []
    for result, revision, normalized in stored:
        revision_lines, revision_parties = _child_rows(revision.pk, normalized)
        lines.extend(revision_lines)
        parties.extend(revision_parties)
        result.revision = revision
    bulk_insert(ConsignmentLine, LINE_COLUMNS, lines)
    bulk_insert(ConsignmentParty, PARTY_COLUMNS, parties)
    # One set-based statement moves every consignment to its new revision (table names and
    # placeholders only; the ids are parameters).
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Consignment._meta.db_table} SET current_revision_id = revision.id, "  # noqa: S608
            "revision_count = revision.number, "
            "transport_document_number = revision.transport_document_number, "
            "invoice_number = revision.invoice_number, "
            "estimated_arrival = revision.estimated_arrival, updated_at = revision.received_at, "
            "current_sha256 = revision.payload_sha256 "
            f"FROM {ConsignmentRevision._meta.db_table} AS revision "
            f"WHERE revision.id IN ({', '.join(['%s'] * len(revisions))}) "
            f"AND {Consignment._meta.db_table}.id = revision.consignment_id",
            [revision.pk for revision in revisions],
        )
    if consignments_received:
        outbox_enqueue(consignments_received_task, [revision.pk for revision in revisions])
    for amended in (True, False):
        entries = [
            (
                revision,
                enterprise_id,
                {
                    "reference": normalized["reference"],
                    "revision": revision.number,
                    "channel": channel,
                    "agreement_version": agreement.version,
                    "payload_sha256": revision.payload_sha256,
                },
            )
            for _result, revision, normalized in stored
            if (revision.number > 1) == amended
        ]
        if entries:
            audit_record_many(
                action="submissions.consignment.amended"
                if amended
                else "submissions.consignment.received",
                actor=actor,
                entries=entries,
            )
