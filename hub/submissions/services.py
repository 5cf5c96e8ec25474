"""The one write path for shared data: every channel (API push, Excel upload, connectors) turns its
input into canonical documents and calls `consignment_ingest`."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import orjson
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.agreements.models import Agreement
from hub.agreements.selectors import AgreementNotActive, agreement_active
from hub.catalogue.validation import validate_consignment
from hub.core.audit import audit_record_many
from hub.core.bulk import bulk_create_returning_ids, bulk_insert, id_list_sql
from hub.core.crypto import encrypt_many
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

_CANONICAL = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
MAX_BATCH = 1000
# Consignments validated, then written, at a time: an upload's rows, prepared for the database,
# are held a chunk at a time, and a chunk is written with a few large statements
# (docs/decisions/0017).
INGEST_CHUNK = 1000


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
    """The text the payload hash is taken of: keys sorted, no spaces, characters as they are,
    Decimals and dates as their str(). orjson writes exactly what the standard library does
    (docs/decisions/0013), five times faster; integers beyond 64 bits it leaves to the latter."""
    try:
        return orjson.dumps(document, default=str, option=_CANONICAL).decode()
    except orjson.JSONEncodeError:
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
    lines = document.get("lines") or []
    numbers = {line.get("line_number") for line in lines if isinstance(line, dict)}
    if len(numbers) == len(lines):  # every line numbered apart, as nearly every document is
        return []
    seen: dict[int, int] = {}
    errors = []
    for index, line in enumerate(lines):
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


def _decimal_text_or_none(value):
    """A validated decimal as the text the column is given, or None. The schema allows plain
    digits only, which the database reads as it reads str(Decimal(value)); a Decimal made for
    each value and formatted back to text cost about a fifth of a second per 100,000 lines."""
    return value if value not in (None, "") else None


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


def _encrypted(values: list, model, name: str) -> list[str]:
    """Each value encrypted for `model`'s column `name`, and "" for an empty one."""
    present = [value for value in values if value]
    if not present:
        return [""] * len(values)
    tokens = iter(encrypt_many(present, context=model._meta.get_field(name).encryption_context))
    return [next(tokens) if value else "" for value in values]


@dataclass
class _Valid:
    """A document ready to store: everything but the database ids worked out, confidential
    values encrypted."""

    result: ItemResult
    normalized: dict
    original: str
    sha256: str
    lines: list[tuple]  # LINE_COLUMNS without the revision
    parties: list[tuple]  # PARTY_COLUMNS without the revision


def _child_rows(document: dict) -> tuple[list[tuple], list[tuple]]:
    """The document's lines and parties as rows, all columns but the revision, as stored."""
    # Encrypted a column at a time: a consignment's values of one column share a key lookup
    # and a draw of random nonces.
    document_lines = document["lines"]
    line_values = _encrypted(
        [line["line_value"] for line in document_lines], ConsignmentLine, "line_value"
    )
    unit_prices = _encrypted(
        [line.get("unit_price") for line in document_lines], ConsignmentLine, "unit_price"
    )
    lines = [
        (
            line["line_number"],
            line["material_number"],
            line["description"],
            line["quantity"],
            line["unit"],
            line_value,
            line["origin_country"],
            line.get("hs_code", ""),
            _decimal_text_or_none(line.get("net_weight_kg")),
            _decimal_text_or_none(line.get("gross_weight_kg")),
            unit_price,
            line.get("packages"),
        )
        for line, line_value, unit_price in zip(
            document_lines, line_values, unit_prices, strict=True
        )
    ]
    roles = [role for role in PARTY_ROLES if role in document]
    tax_ids = _encrypted(
        [document[role].get("tax_id") for role in roles], ConsignmentParty, "tax_id"
    )
    parties = [
        (
            role,
            document[role]["name"],
            document[role]["country"],
            document[role].get("address", ""),
            tax_id,
        )
        for role, tax_id in zip(roles, tax_ids, strict=True)
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
    amendment and adds a revision; one identical to the current revision changes nothing.
    Documents are validated and written a chunk at a time, all in one transaction."""
    agreement = agreement_for_submission(enterprise_id=enterprise_id, channel=channel)
    received_at = received_at or timezone.now()
    results: list[ItemResult] = []
    stored: list[tuple[ItemResult, ConsignmentRevision]] = []
    first_index_of: dict[str, int] = {}
    with transaction.atomic():
        for start in range(0, len(documents), INGEST_CHUNK):
            valid = _chunk_validate(
                documents[start : start + INGEST_CHUNK],
                start=start,
                scope=agreement.scope,
                first_index_of=first_index_of,
                results=results,
            )
            if valid:
                _revisions_store(
                    valid,
                    agreement=agreement,
                    channel=channel,
                    source_format=source_format,
                    received_at=received_at,
                    submitted_by=actor.get_username(),
                    stored=stored,
                )
        if stored:
            _revisions_announce(stored, agreement=agreement, channel=channel, actor=actor)
    return results


def _chunk_validate(documents, *, start, scope, first_index_of, results) -> list:
    """Append each document's result; return the valid ones, ready to store. A reference sent
    twice in one batch is refused the second time."""
    valid = []
    for index, document in enumerate(documents, start):
        normalized, errors = consignment_validate(document, scope=scope)
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
                _Valid(
                    result,
                    normalized,
                    original,
                    hashlib.sha256(original.encode()).hexdigest(),
                    *_child_rows(normalized),
                )
            )
    return valid


def _consignments_upsert(valid, *, enterprise_id: int, now: datetime) -> dict[str, dict]:
    """Create the consignments that are new and lock those that exist, in one statement.

    The upsert takes the row lock that serializes concurrent submissions of one reference, so
    that revision numbers never collide. Returns each row's id and current state by reference."""
    field = Consignment._meta.get_field
    quote = connection.ops.quote_name
    stamp = field("created_at").get_db_prep_value(now, connection)
    references, transport_documents, invoices, arrivals = [], [], [], []
    for item in valid:
        references.append(item.normalized["reference"])
        transport_documents.append(item.normalized["transport_document_number"])
        invoices.append(item.normalized["invoice_number"])
        arrivals.append(
            field("estimated_arrival").get_db_prep_value(
                datetime.fromisoformat(item.normalized["estimated_arrival"]), connection
            )
        )
    columns = ", ".join(
        quote(field(name).column)
        for name in (
            "created_at",
            "updated_at",
            "enterprise",
            "revision_count",
            "current_sha256",
            "reference",
            "transport_document_number",
            "invoice_number",
            "estimated_arrival",
        )
    )
    if connection.vendor == "postgresql":
        # Four array parameters rather than thousands of placeholders for the driver to parse.
        rows_sql = (
            "SELECT %s, %s, %s, 0, '', * FROM unnest(%s::text[], %s::text[], %s::text[], "
            "%s::timestamptz[])"
        )
        params = [stamp, stamp, enterprise_id, references, transport_documents, invoices, arrivals]
    else:
        rows_sql = "VALUES " + ", ".join(["(%s, %s, %s, 0, '', %s, %s, %s, %s)"] * len(valid))
        params = [
            value
            for row in zip(references, transport_documents, invoices, arrivals, strict=True)
            for value in (stamp, stamp, enterprise_id, *row)
        ]
    # Built from quoted identifiers and placeholders only; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(Consignment._meta.db_table)} ({columns}) {rows_sql} "
        "ON CONFLICT (enterprise_id, reference) DO UPDATE SET updated_at = excluded.updated_at "
        "RETURNING id, reference, revision_count, current_sha256, current_revision_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {
            reference: {
                "id": pk,
                "revision_count": count,
                "current_sha256": sha256,
                "current_revision_id": revision_id,
            }
            for pk, reference, count, sha256, revision_id in cursor.fetchall()
        }


def _revisions_store(
    valid, *, agreement, channel, source_format, received_at, submitted_by, stored
) -> None:
    """Write one chunk's new revisions, their lines and parties, and move each consignment to
    its new revision; append what was stored to `stored`."""
    consignments = _consignments_upsert(
        valid, enterprise_id=agreement.enterprise_id, now=received_at
    )
    revisions, chunk_stored = [], []
    unchanged = []
    for item in valid:
        consignment = consignments[item.normalized["reference"]]
        if consignment["current_sha256"] == item.sha256:
            item.result.status = "unchanged"
            unchanged.append((item.result, consignment["current_revision_id"]))
            continue
        revision = _revision_for(
            item.normalized,
            consignment_id=consignment["id"],
            number=consignment["revision_count"] + 1,
            agreement=agreement,
            channel=channel,
            source_format=source_format,
            received_at=received_at,
            submitted_by=submitted_by,
            original=item.original,
            sha256=item.sha256,
        )
        revisions.append(revision)
        chunk_stored.append((item, revision))
    if unchanged:
        current = ConsignmentRevision.objects.in_bulk([pk for _result, pk in unchanged])
        for result, pk in unchanged:
            result.revision = current[pk]
    if not chunk_stored:
        return
    bulk_create_returning_ids(ConsignmentRevision, revisions)
    lines, parties = [], []
    for item, revision in chunk_stored:
        lines.extend((revision.pk, *row) for row in item.lines)
        parties.extend((revision.pk, *row) for row in item.parties)
        item.result.revision = revision
    bulk_insert(ConsignmentLine, LINE_COLUMNS, lines, prepared=True)
    bulk_insert(ConsignmentParty, PARTY_COLUMNS, parties, prepared=True)
    # One set-based statement moves every consignment to its new revision (table names only;
    # the ids are parameters).
    ids_sql, ids_params = id_list_sql(revision.pk for revision in revisions)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Consignment._meta.db_table} SET current_revision_id = revision.id, "  # noqa: S608
            "revision_count = revision.number, "
            "transport_document_number = revision.transport_document_number, "
            "invoice_number = revision.invoice_number, "
            "estimated_arrival = revision.estimated_arrival, updated_at = revision.received_at, "
            "current_sha256 = revision.payload_sha256 "
            f"FROM {ConsignmentRevision._meta.db_table} AS revision "
            f"WHERE revision.id IN ({ids_sql}) "
            f"AND {Consignment._meta.db_table}.id = revision.consignment_id",
            ids_params,
        )
    stored.extend((item.result, revision) for item, revision in chunk_stored)


def _revisions_announce(stored, *, agreement, channel, actor) -> None:
    """The audit events and the follow-up jobs of the stored revisions."""
    revision_ids = [revision.pk for _result, revision in stored]
    if consignments_received:
        outbox_enqueue(consignments_received_task, revision_ids)
    for amended in (True, False):
        entries = [
            (
                revision,
                agreement.enterprise_id,
                {
                    "reference": result.reference,
                    "revision": revision.number,
                    "channel": channel,
                    "agreement_version": agreement.version,
                    "payload_sha256": revision.payload_sha256,
                },
            )
            for result, revision in stored
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
