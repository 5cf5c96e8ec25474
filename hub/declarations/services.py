"""Writes of the customs system's data: declarations, their status changes, inspection outcomes,
and the banks' payment records and exchange rates. The API, the file loader and the demo all call
these, so every channel takes the same validation (hub.declarations.validation).

Each feed takes a batch and answers with one result per item: the valid items are stored even
when others are refused, in one transaction with their audit events, and one outbox job per call
tells the apps that registered on hub.declarations.follow_ups."""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.core.audit import audit_record, audit_record_many
from hub.core.bulk import bulk_create_returning_ids, bulk_insert
from hub.core.outbox import outbox_enqueue
from hub.declarations.follow_ups import (
    declarations_changed,
    inspections_recorded,
    payments_received,
    statuses_changed,
)
from hub.declarations.models import (
    BankPayment,
    Declaration,
    DeclarationItem,
    DeclarationStatus,
    DeclarationStatusChange,
    ExchangeRate,
    InspectionOutcome,
)
from hub.declarations.tasks import (
    declarations_changed_task,
    inspections_recorded_task,
    payments_received_task,
    statuses_changed_task,
)
from hub.declarations.validation import (
    bank_payment_validate,
    declaration_validate,
    exchange_rate_validate,
    status_change_validate,
)
from hub.enterprises.identifiers import Scheme
from hub.enterprises.models import EnterpriseIdentifier
from hub.submissions.services import canonical_json

MAX_BATCH = 1000
# Rows per INSERT statement: far below the parameter limits of SQLite (32,766) and PostgreSQL.
INSERT_CHUNK = 500


@dataclass
class DeclarationResult:
    index: int
    number: str | None
    status: str  # created, amended, unchanged or refused
    declaration_id: int | None = None
    revision: int | None = None
    errors: list[dict] = field(default_factory=list)


@dataclass
class RecordResult:
    """The result of one status change, bank payment or exchange rate."""

    index: int
    key: dict  # what names the item: number, reference, or currency and day
    status: str  # recorded, updated, unchanged or refused
    errors: list[dict] = field(default_factory=list)


def _refuse(result, path: str, code: str, message: str) -> None:
    result.status = "refused"
    result.errors = [{"path": path, "code": code, "message": message}]


def _sha256(normalized: dict) -> str:
    return hashlib.sha256(canonical_json(normalized).encode()).hexdigest()


def _datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _decimal(value: str | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


def _actor_label(actor) -> str:
    return actor.get_username() if actor is not None else "system"


def enterprises_by_code(codes) -> dict[str, int]:
    """The enterprise each China Customs registration code or USCC belongs to, for those the hub
    knows. Codes are compared in their compact form, as identifiers are stored."""
    return dict(
        EnterpriseIdentifier.objects.filter(
            scheme__in=[Scheme.CUSTOMS_CODE, Scheme.USCC], value__in=set(codes)
        ).values_list("value", "enterprise_id")
    )


def _insert_new(model, rows: list[dict], *, unique: str) -> dict[str, int]:
    """Insert rows (field name -> value) whose `unique` value is not stored yet; returns the id
    of each row inserted by its unique value. A row a concurrent transaction stored first is
    skipped rather than failing the batch: the caller then reads it as an existing one."""
    if not rows:
        return {}
    fields = [model._meta.get_field(name) for name in rows[0]]
    quote = connection.ops.quote_name
    row_placeholder = f"({', '.join(['%s'] * len(fields))})"
    inserted = {}
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_CHUNK):
            chunk = rows[start : start + INSERT_CHUNK]
            # Built from quoted identifiers and placeholders only; every value is a parameter.
            sql = (
                f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608
                f"({', '.join(quote(f.column) for f in fields)}) "
                f"VALUES {', '.join([row_placeholder] * len(chunk))} "
                f"ON CONFLICT ({quote(unique)}) DO NOTHING RETURNING id, {quote(unique)}"
            )
            cursor.execute(
                sql,
                [
                    f.get_db_prep_save(value, connection)
                    for row in chunk
                    for f, value in zip(fields, row.values(), strict=True)
                ],
            )
            inserted.update({key: pk for pk, key in cursor.fetchall()})
    return inserted


# --- Declarations ------------------------------------------------------------------------------


def declaration_receive(
    *, documents: list, actor, received_at: datetime | None = None
) -> list[DeclarationResult]:
    """Validate and store declarations; each document gets a result, and the valid ones are
    stored even when others are refused.

    A new number creates a declaration. A number already stored with another content is an
    amendment: it replaces the header and the items and raises `revision`, keeping the status
    history. The same content again is "unchanged" and writes nothing."""
    received_at = received_at or timezone.now()
    results: list[DeclarationResult] = []
    valid: list[tuple[DeclarationResult, dict, str]] = []
    first_index_of: dict[str, int] = {}
    for index, document in enumerate(documents):
        normalized, errors = declaration_validate(document)
        number = normalized.get("number")
        if not errors and number in first_index_of:
            errors = [
                {
                    "path": "/number",
                    "code": "duplicate",
                    "message": _(
                        "The declaration %(number)s is also item %(first)s of this batch; send "
                        "an amendment in a later request."
                    )
                    % {"number": number, "first": first_index_of[number]},
                }
            ]
        result = DeclarationResult(
            index=index, number=number, status="refused" if errors else "created", errors=errors
        )
        results.append(result)
        if not errors:
            first_index_of[number] = index
            valid.append((result, normalized, _sha256(normalized)))
    if valid:
        _declarations_store(valid, actor=actor, received_at=received_at)
    return results


HEADER_FIELDS = [
    "customs_office",
    "declared_at",
    "accepted_at",
    "declarant_name",
    "declarant_code",
    "consignee_name",
    "consignee_code",
    "consignee_id",
    "transport_document_number",
    "invoice_number",
    "containers",
    "transport_mode",
    "port_of_entry",
    "carrier_name",
    "consignor_name",
    "consignor_country",
    "trade_terms",
    "currency",
    "freight",
    "insurance",
]
STATUS_FIELDS = [
    "status",
    "status_at",
    "accepted_at",
    "released_at",
    "duty_amount",
    "duty_currency",
    "duty_due_date",
]
ITEM_COLUMNS = [
    "declaration",
    "item_number",
    "hs_code",
    "description",
    "quantity",
    "unit",
    "net_weight_kg",
    "value",
    "origin_country",
]


def _header(document: dict, *, consignee_id: int | None) -> dict:
    return {
        "customs_office": document["customs_office"],
        "declared_at": _datetime(document["declared_at"]),
        "accepted_at": _datetime(document.get("accepted_at")),
        "declarant_name": document["declarant"]["name"],
        "declarant_code": document["declarant"].get("code", ""),
        "consignee_name": document["consignee"]["name"],
        "consignee_code": document["consignee"]["code"],
        "consignee_id": consignee_id,
        "transport_document_number": document["transport_document_number"],
        "invoice_number": document.get("invoice_number", ""),
        "containers": document.get("containers", []),
        "transport_mode": document.get("transport_mode", ""),
        "port_of_entry": document.get("port_of_entry", ""),
        "carrier_name": document.get("carrier_name", ""),
        "consignor_name": document["consignor"]["name"],
        "consignor_country": document["consignor"]["country"],
        "trade_terms": document.get("trade_terms", ""),
        "currency": document["currency"],
        "freight": _decimal(document.get("freight")),
        "insurance": _decimal(document.get("insurance")),
    }


def _item_rows(declaration_id: int, document: dict) -> list[tuple]:
    return [
        (
            declaration_id,
            item["item_number"],
            item["hs_code"],
            item["description"],
            Decimal(item["quantity"]),
            item["unit"],
            _decimal(item.get("net_weight_kg")),
            Decimal(item["value"]),
            item["origin_country"],
        )
        for item in document["items"]
    ]


AUDIT_ACTIONS = {
    "created": "declarations.declaration.received",
    "amended": "declarations.declaration.amended",
}
STATUS_RANK = {status: rank for rank, status in enumerate(DeclarationStatus.values)}


def _status_fields(*, declared_at, accepted_at, changes) -> dict:
    """Where a declaration stands given the status changes reported for it: the latest by the
    time it happened (so that a change arriving late cannot move it back), ties broken by the
    order of the process. Accepted and released are the first such times; the duty is the
    latest assessment's."""
    events = [(change.occurred_at, STATUS_RANK[change.status], change.status) for change in changes]
    if accepted_at is not None:
        events.append((accepted_at, STATUS_RANK[DeclarationStatus.ACCEPTED], "accepted"))
    status_at, _rank, status = max(
        events, default=(declared_at, STATUS_RANK[DeclarationStatus.LODGED], "lodged")
    )

    def first(wanted):
        return min((c.occurred_at for c in changes if c.status == wanted), default=None)

    accepted = [when for when in (accepted_at, first(DeclarationStatus.ACCEPTED)) if when]
    assessment = max(
        (c for c in changes if c.status == DeclarationStatus.DUTY_ASSESSED),
        key=lambda change: change.occurred_at,
        default=None,
    )
    return {
        "status": status,
        "status_at": status_at,
        "accepted_at": min(accepted, default=None),
        "released_at": first(DeclarationStatus.RELEASED),
        "duty_amount": assessment.duty_amount if assessment else None,
        "duty_currency": assessment.duty_currency if assessment else "",
        "duty_due_date": assessment.duty_due_date if assessment else None,
    }


def _declarations_locked(numbers) -> dict[str, dict]:
    """The stored declarations with these numbers, locked until the transaction ends so that
    concurrent amendments of one declaration take turns."""
    return {
        row["number"]: row
        for row in Declaration.objects.select_for_update()
        .filter(number__in=numbers)
        .order_by("id")
        .values("id", "number", "revision", "payload_sha256")
    }


def _declarations_insert(rows: list[dict]) -> dict[str, Declaration]:
    """Insert new declarations, copied in on PostgreSQL; returns those inserted by number. Should
    a concurrent delivery have inserted one of the numbers first, the batch is inserted again
    skipping the numbers already there, which the caller then reads as existing declarations."""
    declarations = {row["number"]: Declaration(**row) for row in rows}
    try:
        # COPY runs on the driver's cursor: its errors are made Django's here.
        with transaction.atomic(), connection.wrap_database_errors:
            bulk_create_returning_ids(Declaration, list(declarations.values()))
    except IntegrityError:
        inserted = _insert_new(Declaration, rows, unique="number")
        for number, pk in inserted.items():
            declarations[number].pk = pk
        return {number: declarations[number] for number in inserted}
    return declarations


@transaction.atomic
def _declarations_store(valid, *, actor, received_at) -> None:
    enterprise_of = enterprises_by_code(
        {document["consignee"]["code"] for _r, document, _s in valid}
    )
    existing = _declarations_locked([document["number"] for _r, document, _s in valid])
    new = [entry for entry in valid if entry[1]["number"] not in existing]
    rows = []
    for _result, document, sha256 in new:
        header = _header(document, consignee_id=enterprise_of.get(document["consignee"]["code"]))
        rows.append(
            {
                "created_at": received_at,
                "updated_at": received_at,
                "number": document["number"],
                "revision": 1,
                **header,
                **_status_fields(
                    declared_at=header["declared_at"],
                    accepted_at=header["accepted_at"],
                    changes=[],
                ),
                "received_at": received_at,
                "payload_sha256": sha256,
            }
        )
    inserted = _declarations_insert(rows)
    raced = [document["number"] for _r, document, _s in new if document["number"] not in inserted]
    if raced:
        existing.update(_declarations_locked(raced))

    stored, amended = [], []
    for result, document, sha256 in valid:
        number = document["number"]
        consignee_id = enterprise_of.get(document["consignee"]["code"])
        if number in inserted:
            result.declaration_id, result.revision = inserted[number].pk, 1
            stored.append((result, document, sha256, inserted[number]))
            continue
        row = existing[number]
        result.declaration_id = row["id"]
        if row["payload_sha256"] == sha256:
            result.status, result.revision = "unchanged", row["revision"]
            continue
        result.status, result.revision = "amended", row["revision"] + 1
        declaration = Declaration(
            pk=row["id"],
            revision=result.revision,
            received_at=received_at,
            updated_at=received_at,
            payload_sha256=sha256,
            **_header(document, consignee_id=consignee_id),
        )
        amended.append(declaration)
        stored.append((result, document, sha256, declaration))
    if amended:
        _declarations_amend(amended)
    if not stored:
        return
    bulk_insert(
        DeclarationItem,
        ITEM_COLUMNS,
        [
            row
            for result, document, *_ in stored
            for row in _item_rows(result.declaration_id, document)
        ],
    )
    if declarations_changed:
        outbox_enqueue(declarations_changed_task, [result.declaration_id for result, *_ in stored])
    for status, action in AUDIT_ACTIONS.items():
        entries = [
            (
                declaration,
                declaration.consignee_id,
                {
                    "number": result.number,
                    "revision": result.revision,
                    "payload_sha256": sha256,
                    "consignee_code": document["consignee"]["code"],
                },
            )
            for result, document, sha256, declaration in stored
            if result.status == status
        ]
        if entries:
            audit_record_many(action=action, actor=actor, entries=entries)


def _declarations_amend(declarations: list[Declaration]) -> None:
    """Replace the header of amended declarations and drop their items (the new ones follow);
    where each stands is worked out again, since the acceptance time may have changed."""
    ids = [declaration.pk for declaration in declarations]
    changes = _changes_by_declaration(ids)
    for declaration in declarations:
        for name, value in _status_fields(
            declared_at=declaration.declared_at,
            accepted_at=declaration.accepted_at,
            changes=changes.get(declaration.pk, []),
        ).items():
            setattr(declaration, name, value)
    Declaration.objects.bulk_update(
        declarations,
        [
            "revision",
            "received_at",
            "updated_at",
            "payload_sha256",
            *dict.fromkeys(HEADER_FIELDS + STATUS_FIELDS),
        ],
        batch_size=200,
    )
    DeclarationItem.objects.filter(declaration_id__in=ids).delete()


def _changes_by_declaration(declaration_ids) -> dict[int, list[DeclarationStatusChange]]:
    grouped: dict[int, list[DeclarationStatusChange]] = {}
    for change in DeclarationStatusChange.objects.filter(declaration_id__in=declaration_ids):
        grouped.setdefault(change.declaration_id, []).append(change)
    return grouped


# --- Status changes ----------------------------------------------------------------------------


def declaration_status_record(
    *, changes: list, actor, received_at: datetime | None = None
) -> list[RecordResult]:
    """Store status changes of stored declarations and move each declaration to where its
    changes say it stands. The same change (declaration, status and time) sent again is
    "unchanged"; sent again with other details it is refused."""
    received_at = received_at or timezone.now()
    results, valid = [], []
    for index, change in enumerate(changes):
        normalized, errors = status_change_validate(change)
        result = RecordResult(
            index=index,
            key={"number": normalized.get("number")},
            status="refused" if errors else "recorded",
            errors=errors,
        )
        results.append(result)
        if not errors:
            valid.append((result, normalized))
    if valid:
        _status_changes_store(valid, actor=actor, received_at=received_at)
    return results


def _same_change(first: DeclarationStatusChange, second: DeclarationStatusChange) -> bool:
    return all(
        getattr(first, name) == getattr(second, name)
        for name in ("duty_amount", "duty_currency", "duty_due_date", "note")
    )


@transaction.atomic
def _status_changes_store(valid, *, actor, received_at) -> None:
    declarations = {
        declaration.number: declaration
        for declaration in Declaration.objects.select_for_update()
        .filter(number__in={change["number"] for _result, change in valid})
        .order_by("id")
    }
    known = {
        (change.declaration_id, change.status, change.occurred_at): change
        for change in DeclarationStatusChange.objects.filter(
            declaration__in=list(declarations.values())
        )
    }
    new = []
    for result, normalized in valid:
        declaration = declarations.get(normalized["number"])
        if declaration is None:
            _refuse(
                result,
                "/number",
                "unknown_declaration",
                _(
                    "No declaration %(number)s has been received; send the declaration before "
                    "its status changes."
                )
                % {"number": normalized["number"]},
            )
            continue
        change = DeclarationStatusChange(
            declaration=declaration,
            status=normalized["status"],
            occurred_at=_datetime(normalized["occurred_at"]),
            duty_amount=_decimal(normalized.get("duty_amount")),
            duty_currency=normalized.get("duty_currency", ""),
            duty_due_date=date.fromisoformat(normalized["duty_due_date"])
            if "duty_due_date" in normalized
            else None,
            note=normalized.get("note", ""),
            received_at=received_at,
        )
        key = (declaration.pk, change.status, change.occurred_at)
        if key not in known:
            known[key] = change
            new.append((result, change))
        elif _same_change(known[key], change):
            result.status = "unchanged"
        else:
            _refuse(
                result,
                "",
                "conflict",
                _(
                    "The status %(status)s at %(occurred_at)s of declaration %(number)s is "
                    "already recorded with other details; a change is not edited: report a new "
                    "one with the time it happened."
                )
                % {
                    "status": change.status,
                    "occurred_at": normalized["occurred_at"],
                    "number": declaration.number,
                },
            )
    if not new:
        return
    DeclarationStatusChange.objects.bulk_create([change for _result, change in new])
    changes_of: dict[int, list] = {}
    for change in known.values():
        changes_of.setdefault(change.declaration_id, []).append(change)
    moved = {change.declaration_id: change.declaration for _result, change in new}
    for declaration in moved.values():
        for name, value in _status_fields(
            declared_at=declaration.declared_at,
            accepted_at=declaration.accepted_at,
            changes=changes_of[declaration.pk],
        ).items():
            setattr(declaration, name, value)
        declaration.updated_at = received_at
    Declaration.objects.bulk_update(
        list(moved.values()), [*dict.fromkeys(STATUS_FIELDS), "updated_at"], batch_size=200
    )
    if statuses_changed:
        outbox_enqueue(statuses_changed_task, list(moved))
    audit_record_many(
        action="declarations.status.recorded",
        actor=actor,
        entries=[
            (
                change.declaration,
                change.declaration.consignee_id,
                {
                    "number": change.declaration.number,
                    "status": change.status,
                    "occurred_at": change.occurred_at.isoformat(),
                },
            )
            for _result, change in new
        ],
    )


# --- Bank payments -----------------------------------------------------------------------------


# What a payment record says; resent, it must say the same. The payer's enterprise is not part of
# it: it is only known once that enterprise registers its code.
PAYMENT_FIELDS = [
    "payer_name",
    "payer_code",
    "payee_name",
    "payee_country",
    "amount",
    "currency",
    "paid_on",
    "invoice_reference",
]


def _payment_fields(record: dict) -> dict:
    return {
        "payer_name": record["payer"]["name"],
        "payer_code": record["payer"].get("code", ""),
        "payee_name": record["payee"]["name"],
        "payee_country": record["payee"].get("country", ""),
        "amount": Decimal(record["amount"]),
        "currency": record["currency"],
        "paid_on": date.fromisoformat(record["paid_on"]),
        "invoice_reference": record.get("invoice_reference", ""),
    }


def _payment_conflict(result, reference: str) -> None:
    _refuse(
        result,
        "/reference",
        "conflict",
        _(
            "A payment %(reference)s is already recorded with other details; a payment is not "
            "edited: send a correction under a new reference."
        )
        % {"reference": reference},
    )


def bank_payment_receive(
    *, records: list, actor, received_at: datetime | None = None
) -> list[RecordResult]:
    """Store the banks' payment records, the payer linked to the enterprise its code belongs to.
    A reference already stored with the same content is "unchanged"; with another content it is
    refused, since a bank corrects a payment with a new record."""
    received_at = received_at or timezone.now()
    results, valid = [], {}
    for index, record in enumerate(records):
        normalized, errors = bank_payment_validate(record)
        reference = normalized.get("reference")
        result = RecordResult(
            index=index,
            key={"reference": reference},
            status="refused" if errors else "recorded",
            errors=errors,
        )
        results.append(result)
        if errors:
            continue
        if reference not in valid:
            valid[reference] = (result, _payment_fields(normalized))
        elif valid[reference][1] == _payment_fields(normalized):
            result.status = "unchanged"
        else:
            _payment_conflict(result, reference)
    if valid:
        _bank_payments_store(valid, actor=actor, received_at=received_at)
    return results


def _payments_stored(references) -> dict[str, dict]:
    return {
        row["reference"]: row
        for row in BankPayment.objects.filter(reference__in=references).values(
            "reference", *PAYMENT_FIELDS
        )
    }


@transaction.atomic
def _bank_payments_store(valid: dict, *, actor, received_at) -> None:
    payer_of = enterprises_by_code(fields["payer_code"] for _result, fields in valid.values())
    existing = _payments_stored(list(valid))
    inserted = _insert_new(
        BankPayment,
        [
            {
                "reference": reference,
                **fields,
                "payer_id": payer_of.get(fields["payer_code"]),
                "received_at": received_at,
            }
            for reference, (_result, fields) in valid.items()
            if reference not in existing
        ],
        unique="reference",
    )
    if len(inserted) + len(existing) < len(valid):  # a concurrent request stored some first
        existing = _payments_stored(list(valid))
    for reference, (result, fields) in valid.items():
        if reference in inserted:
            continue
        if all(existing[reference][name] == fields[name] for name in PAYMENT_FIELDS):
            result.status = "unchanged"
        else:
            _payment_conflict(result, reference)
    if not inserted:
        return
    if payments_received:
        outbox_enqueue(payments_received_task, list(inserted.values()))
    audit_record_many(
        action="declarations.bank_payment.received",
        actor=actor,
        entries=[
            (
                BankPayment(pk=pk),
                payer_of.get(valid[reference][1]["payer_code"]),
                {
                    "reference": reference,
                    "amount": str(valid[reference][1]["amount"]),
                    "currency": valid[reference][1]["currency"],
                },
            )
            for reference, pk in inserted.items()
        ],
    )


# --- Exchange rates ----------------------------------------------------------------------------


def exchange_rate_record(*, rates: list, actor) -> list[RecordResult]:
    """Store daily rates (yuan for one unit of a currency). A rate for a currency and day already
    stored is replaced when it differs: the official fixing can be republished."""
    results, valid = [], {}
    for index, rate in enumerate(rates):
        normalized, errors = exchange_rate_validate(rate)
        result = RecordResult(
            index=index,
            key={"currency": normalized.get("currency"), "day": normalized.get("day")},
            status="refused" if errors else "recorded",
            errors=errors,
        )
        results.append(result)
        if errors:
            continue
        key = (normalized["currency"], date.fromisoformat(normalized["day"]))
        value = Decimal(normalized["rate"])
        if key not in valid:
            valid[key] = (result, value)
        elif valid[key][1] == value:
            result.status = "unchanged"
        else:
            _refuse(
                result,
                "/day",
                "duplicate",
                _(
                    "This batch gives two rates of %(currency)s for %(day)s (item %(first)s too); "
                    "send one."
                )
                % {"currency": key[0], "day": normalized["day"], "first": valid[key][0].index},
            )
    if valid:
        _exchange_rates_store(valid, actor=actor)
    return results


@transaction.atomic
def _exchange_rates_store(valid: dict, *, actor) -> None:
    currencies = {currency for currency, _day in valid}
    days = {day for _currency, day in valid}
    stored = {
        (rate.currency, rate.day): rate
        for rate in ExchangeRate.objects.select_for_update().filter(
            currency__in=currencies, day__in=days
        )
    }
    new, updated = [], []
    for (currency, day), (result, value) in valid.items():
        rate = stored.get((currency, day))
        if rate is None:
            new.append(ExchangeRate(currency=currency, day=day, rate=value))
        elif rate.rate == value:
            result.status = "unchanged"
        else:
            rate.rate = value
            updated.append(rate)
            result.status = "updated"
    if not new and not updated:
        return
    # A rate a concurrent request stored first is kept: both came from the same fixing.
    ExchangeRate.objects.bulk_create(new, ignore_conflicts=True, batch_size=INSERT_CHUNK)
    ExchangeRate.objects.bulk_update(updated, ["rate"], batch_size=INSERT_CHUNK)
    changed_days = sorted({rate.day for rate in [*new, *updated]})
    audit_record(
        action="declarations.exchange_rates.recorded",
        actor=actor,
        data={
            "recorded": len(new),
            "updated": len(updated),
            "currencies": sorted({rate.currency for rate in [*new, *updated]}),
            "from": changed_days[0].isoformat(),
            "to": changed_days[-1].isoformat(),
        },
    )


# --- Inspection outcomes -----------------------------------------------------------------------


@transaction.atomic
def inspection_record(
    *,
    declaration: Declaration,
    kind: str,
    result: str,
    inspected_at: datetime,
    note: str = "",
    actor,
) -> InspectionOutcome:
    """Record what an inspection found; the risk engine learns from it through the follow-ups."""
    outcome = InspectionOutcome.objects.create(
        declaration=declaration,
        kind=kind,
        result=result,
        inspected_at=inspected_at,
        note=note,
        recorded_by=_actor_label(actor),
    )
    audit_record(
        action="declarations.inspection.recorded",
        actor=actor,
        obj=outcome,
        enterprise_id=declaration.consignee_id,
        data={
            "number": declaration.number,
            "kind": kind,
            "result": result,
            "inspected_at": inspected_at.isoformat(),
        },
    )
    if inspections_recorded:
        outbox_enqueue(inspections_recorded_task, [declaration.pk])
    return outcome
