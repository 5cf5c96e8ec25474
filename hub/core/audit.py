"""The audit trail: every service writes an event inside its own transaction; one periodic job
(`core.audit_seal`, every AUDIT_SEAL_SECONDS) seals the events into a hash chain in commit order,
so writers never serialize on the chain head and pay nothing for it."""

import hashlib
import json
from dataclasses import dataclass

import structlog
from django.db import transaction

from hub.core.bulk import bulk_create_returning_ids
from hub.core.models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


def audit_record(*, action: str, actor=None, obj=None, enterprise_id=None, data=None) -> AuditEvent:
    """Append an event. Call it inside the service's transaction, so that the event and the
    change it describes commit or roll back together.

    `actor` is a user, an API key (anything with `audit_label`), or None for the system itself.
    """
    return audit_record_many(action=action, actor=actor, entries=[(obj, enterprise_id, data)])[0]


def audit_record_many(*, action: str, actor, entries) -> list[AuditEvent]:
    """Append one event per (object, enterprise id, data) entry in a single INSERT."""
    actor_user = actor if getattr(actor, "is_authenticated", False) and actor.pk else None
    if actor_user is not None:
        actor_label = actor_user.get_username()
    elif actor is not None:
        actor_label = getattr(actor, "audit_label", str(actor))
    else:
        actor_label = "system"
    request_id = structlog.contextvars.get_contextvars().get("request_id", "")
    events = [
        AuditEvent(
            action=action,
            actor_user=actor_user,
            actor_label=actor_label,
            enterprise_id=enterprise_id,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            data=data or {},
            request_id=request_id,
        )
        for obj, enterprise_id, data in entries
    ]
    bulk_create_returning_ids(AuditEvent, events)
    return events


def audit_event_hash(event: AuditEvent) -> str:
    """The sha256 of the event's canonical JSON, which includes the previous event's hash."""
    canonical = json.dumps(
        {
            "seq": event.seq,
            "prev_hash": event.prev_hash,
            "occurred_at": event.occurred_at.isoformat(),
            "action": event.action,
            "actor_user_id": event.actor_user_id,
            "actor_label": event.actor_label,
            "enterprise_id": event.enterprise_id,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "data": event.data,
            "request_id": event.request_id,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def audit_chain_seal(*, batch_size: int = 2000) -> int:
    """Link every committed, unsealed event to the chain, oldest first. Returns how many."""
    sealed = 0
    AuditChainHead.objects.get_or_create(pk=1)
    while True:
        with transaction.atomic():
            head = AuditChainHead.objects.select_for_update().get(pk=1)
            events = list(AuditEvent.objects.filter(seq__isnull=True).order_by("id")[:batch_size])
            if not events:
                return sealed
            for event in events:
                event.seq = head.last_seq + 1
                event.prev_hash = head.last_hash
                event.hash = audit_event_hash(event)
                head.last_seq, head.last_hash = event.seq, event.hash
            AuditEvent.objects.bulk_update(events, ["seq", "prev_hash", "hash"], batch_size=500)
            head.save(update_fields=["last_seq", "last_hash"])
            sealed += len(events)


@dataclass
class ChainReport:
    checked: int
    unsealed: int
    broken_seq: int | None = None
    broken_event_id: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_seq is None


def audit_chain_verify() -> ChainReport:
    """Walk the chain in order and report the first link that does not hold."""
    head = AuditChainHead.objects.filter(pk=1).first() or AuditChainHead()
    unsealed = AuditEvent.objects.filter(seq__isnull=True).count()
    expected_seq, expected_prev = 1, GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.filter(seq__isnull=False).order_by("seq").iterator(2000):
        problem = ""
        if event.seq != expected_seq:
            problem = f"event {expected_seq} is missing (next found is {event.seq})"
        elif event.prev_hash != expected_prev:
            problem = "its previous-hash does not match the hash of the event before it"
        elif audit_event_hash(event) != event.hash:
            problem = "its content no longer matches its hash (the row was edited)"
        if problem:
            return ChainReport(checked, unsealed, expected_seq, event.pk, problem)
        checked += 1
        expected_seq, expected_prev = event.seq + 1, event.hash
    if head.last_seq != checked or head.last_hash != expected_prev:
        return ChainReport(
            checked,
            unsealed,
            checked + 1,
            None,
            f"the chain head records {head.last_seq} events but {checked} are present",
        )
    return ChainReport(checked, unsealed)
