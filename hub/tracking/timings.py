"""Stage times per declaration, after the WCO Time Release Study: one ReleaseTiming row per
declaration, rebuilt from its inputs whenever they change.

The arrival and the gate-out come from the cargo events of the declaration's transport document
and of the consignments matched to it (the earliest arrival, the latest gate-out: the goods are out
when the last container has left); the declaration, its acceptance and its release come from the
declaration, or from its status changes when the customs system sent only those. A refresh reads
its inputs for a chunk of declarations in a handful of queries and writes the rows with one upsert,
so that refreshing thousands costs a few statements per five hundred; running it again with the
same inputs writes the same rows."""

from collections import defaultdict

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from hub.core.bulk import id_list
from hub.crosschecks.models import Match
from hub.declarations.models import (
    Declaration,
    DeclarationItem,
    DeclarationStatus,
    DeclarationStatusChange,
)
from hub.tracking.models import CargoEvent, CargoEventType, ReleaseStage, ReleaseTiming

# Where each stage starts and ends, as fields of the timing row.
STAGE_BOUNDS = {
    ReleaseStage.ARRIVAL_TO_DECLARATION: ("arrived_at", "declared_at"),
    ReleaseStage.DECLARATION_TO_ACCEPTANCE: ("declared_at", "accepted_at"),
    ReleaseStage.ACCEPTANCE_TO_RELEASE: ("accepted_at", "released_at"),
    ReleaseStage.RELEASE_TO_GATE_OUT: ("released_at", "gate_out_at"),
    ReleaseStage.ARRIVAL_TO_RELEASE: ("arrived_at", "released_at"),
}
STAGES = list(ReleaseStage)
REFRESH_CHUNK = 500
# Everything a refresh recomputes; the lane belongs to the risk engine and is kept.
REFRESHED_FIELDS = [
    field.name
    for field in ReleaseTiming._meta.concrete_fields
    if field.name not in ("declaration", "lane")
]


def release_timings_refresh(*, declaration_ids) -> int:
    """Rebuild the timing rows of these declarations; returns how many were written. Registered
    on new or amended declarations, status changes and cross-checks (which change matches)."""
    ids = sorted(set(declaration_ids))
    now = timezone.now()
    written = 0
    for start in range(0, len(ids), REFRESH_CHUNK):
        with transaction.atomic():
            written += _refresh_chunk(ids[start : start + REFRESH_CHUNK], now)
    return written


def release_timings_refresh_for_documents(*, transport_document_numbers) -> int:
    """Rebuild the timings a cargo event may change: the declarations of these transport
    documents, directly or through a consignment matched to them."""
    documents = set(transport_document_numbers)
    direct = Declaration.objects.filter(transport_document_number__in=documents)
    matched = Match.objects.filter(consignment__transport_document_number__in=documents)
    return release_timings_refresh(
        declaration_ids=set(direct.values_list("pk", flat=True))
        | set(matched.values_list("declaration_id", flat=True))
    )


def release_timings_refresh_for_events(*, event_ids) -> int:
    """The follow-up of stored cargo events."""
    documents = CargoEvent.objects.filter(pk__in=event_ids).values_list(
        "transport_document_number", flat=True
    )
    return release_timings_refresh_for_documents(transport_document_numbers=set(documents))


def release_timings_lane_set(*, lanes: dict[int, str]) -> None:
    """Record the lanes the risk engine put declarations in ({declaration id: lane}), so that
    statistics and forecasts can group by them. A declaration without a timing row yet gets one."""
    known = set(
        ReleaseTiming.objects.filter(declaration_id__in=id_list(lanes)).values_list(
            "declaration_id", flat=True
        )
    )
    if missing := set(lanes) - known:
        release_timings_refresh(declaration_ids=missing)
    by_lane = defaultdict(list)
    for declaration_id, lane in lanes.items():
        by_lane[lane].append(declaration_id)
    with transaction.atomic():
        for lane, declaration_ids in by_lane.items():
            # Rows already in the lane are left alone: a refresh mostly confirms lanes, and
            # rewriting a row costs a new row version and its index entries.
            ReleaseTiming.objects.filter(declaration_id__in=id_list(declaration_ids)).exclude(
                lane=lane
            ).update(lane=lane)


def _seconds(start, end):
    if start is None or end is None:
        return None
    return round((end - start).total_seconds())


def _principal_chapters(declaration_ids) -> dict[int, str]:
    """The HS chapter of each declaration's item of greatest value (the first such item)."""
    best = {}
    items = (
        DeclarationItem.objects.filter(declaration_id__in=declaration_ids)
        .order_by("declaration_id", "item_number")
        .values_list("declaration_id", "hs_code", "value")
    )
    for declaration_id, hs_code, value in items:
        if declaration_id not in best or value > best[declaration_id][1]:
            best[declaration_id] = (hs_code[:2], value)
    return {declaration_id: chapter for declaration_id, (chapter, _) in best.items()}


def _first_statuses(declaration_ids) -> dict[tuple[int, str], object]:
    changes = (
        DeclarationStatusChange.objects.filter(
            declaration_id__in=declaration_ids,
            status__in=[DeclarationStatus.ACCEPTED, DeclarationStatus.RELEASED],
        )
        .order_by()
        .values("declaration_id", "status")
        .annotate(first=Min("occurred_at"))
    )
    return {(change["declaration_id"], change["status"]): change["first"] for change in changes}


def _document_events(documents) -> tuple[dict, dict, dict]:
    """Per transport document: the first arrival, the last gate-out, the latest estimate (with
    when it was reported)."""
    arrivals, gate_outs, estimates = {}, {}, {}
    events = CargoEvent.objects.filter(
        transport_document_number__in=documents,
        type__in=[
            CargoEventType.ARRIVAL,
            CargoEventType.GATE_OUT,
            CargoEventType.ESTIMATED_ARRIVAL,
        ],
    ).values_list("transport_document_number", "type", "occurred_at", "estimated_arrival")
    for document, kind, occurred_at, estimate in events.order_by():
        if kind == CargoEventType.ARRIVAL:
            if document not in arrivals or occurred_at < arrivals[document]:
                arrivals[document] = occurred_at
        elif kind == CargoEventType.GATE_OUT:
            if document not in gate_outs or occurred_at > gate_outs[document]:
                gate_outs[document] = occurred_at
        elif estimate and (document not in estimates or occurred_at >= estimates[document][0]):
            estimates[document] = (occurred_at, estimate)
    return arrivals, gate_outs, estimates


def _refresh_chunk(ids, now) -> int:
    declarations = list(
        Declaration.objects.filter(pk__in=ids).values(
            "pk",
            "consignee_id",
            "consignee_code",
            "customs_office",
            "declarant_name",
            "carrier_name",
            "port_of_entry",
            "transport_document_number",
            "declared_at",
            "accepted_at",
            "released_at",
        )
    )
    if not declarations:
        return 0
    ids = [declaration["pk"] for declaration in declarations]
    chapters = _principal_chapters(ids)
    first_status = _first_statuses(ids)
    documents = defaultdict(set)
    matched = defaultdict(list)
    for declaration in declarations:
        if declaration["transport_document_number"]:
            documents[declaration["pk"]].add(declaration["transport_document_number"])
    matches = (
        Match.objects.filter(declaration_id__in=ids)
        .order_by("declaration_id", "consignment_id")
        .values_list(
            "declaration_id",
            "consignment__transport_document_number",
            "consignment__current_revision__port_of_loading",
            "consignment__estimated_arrival",
        )
    )
    for declaration_id, document, port_of_loading, estimated_arrival in matches:
        documents[declaration_id].add(document)
        matched[declaration_id].append((port_of_loading, estimated_arrival))
    arrivals, gate_outs, estimates = _document_events(set().union(*documents.values()))

    timings = []
    for declaration in declarations:
        pk = declaration["pk"]
        own_documents = documents[pk]
        arrived = min((arrivals[d] for d in own_documents if d in arrivals), default=None)
        gate_out = max((gate_outs[d] for d in own_documents if d in gate_outs), default=None)
        reported = [estimates[d] for d in own_documents if d in estimates]
        if reported:
            estimated_arrival = max(reported)[1]
        else:
            estimated_arrival = min((eta for _, eta in matched[pk] if eta), default=None)
        times = {
            "arrived_at": arrived,
            "declared_at": declaration["declared_at"],
            "accepted_at": declaration["accepted_at"]
            or first_status.get((pk, DeclarationStatus.ACCEPTED)),
            "released_at": declaration["released_at"]
            or first_status.get((pk, DeclarationStatus.RELEASED)),
            "gate_out_at": gate_out,
        }
        timings.append(
            ReleaseTiming(
                declaration_id=pk,
                enterprise_id=declaration["consignee_id"],
                consignee_code=declaration["consignee_code"],
                customs_office=declaration["customs_office"],
                broker=declaration["declarant_name"],
                carrier=declaration["carrier_name"],
                port_of_entry=declaration["port_of_entry"],
                port_of_loading=next((port for port, _ in matched[pk] if port), ""),
                hs_chapter=chapters.get(pk, ""),
                estimated_arrival_at=estimated_arrival,
                started_at=arrived or declaration["declared_at"],
                refreshed_at=now,
                **times,
                **{
                    stage.value: _seconds(times[start], times[end])
                    for stage, (start, end) in STAGE_BOUNDS.items()
                },
            )
        )
    ReleaseTiming.objects.bulk_create(
        timings,
        update_conflicts=True,
        unique_fields=["declaration"],
        update_fields=REFRESHED_FIELDS,
    )
    return len(timings)
