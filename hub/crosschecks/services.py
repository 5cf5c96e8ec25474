"""Matching declarations to shared consignments and cross-checking them (docs/crosschecks.md).

Whatever arrives (a declaration or its amendment, a consignment or its amendment, a bank
payment) is turned into the declarations it may concern, and those are matched and compared in
chunks: each chunk is a handful of set-based queries, one transaction, and writes only what
changed. Running a chunk again finds what it found before and writes nothing new.
"""

from collections import defaultdict

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation

from hub.core.audit import audit_record_many
from hub.core.bulk import bulk_insert
from hub.core.memory import cycle_collection_paused
from hub.core.outbox import outbox_enqueue, outbox_enqueue_many
from hub.crosschecks import loading, matching, tasks
from hub.crosschecks.comparison import declaration_compare
from hub.crosschecks.follow_ups import crosschecks_done
from hub.crosschecks.models import CrossCheck, Finding, Match, MatchMethod
from hub.crosschecks.tolerances import tolerances
from hub.declarations.models import BankPayment, Declaration
from hub.enterprises.models import Enterprise
from hub.submissions.models import ConsignmentRevision

FINDING_FIELDS = (
    "item_number",
    "type",
    "severity",
    "declared",
    "shared",
    "tolerance",
    "explanation",
)


def _chunks(ids) -> list[list[int]]:
    ids = sorted(set(ids))
    size = settings.CROSSCHECK_CHUNK_SIZE
    return [ids[start : start + size] for start in range(0, len(ids), size)]


# --- Follow-ups of the other apps: record the jobs, in the producer's transaction -------------


def crosschecks_request(*, declaration_ids) -> None:
    """Record jobs that match and cross-check these declarations, a chunk each."""
    outbox_enqueue_many(
        tasks.declarations_check_task, [(chunk,) for chunk in _chunks(declaration_ids)]
    )


def consignments_crosscheck_request(*, revision_ids) -> None:
    outbox_enqueue_many(
        tasks.consignments_check_task, [(chunk,) for chunk in _chunks(revision_ids)]
    )


def payments_crosscheck_request(*, payment_ids) -> None:
    outbox_enqueue_many(tasks.payments_check_task, [(chunk,) for chunk in _chunks(payment_ids)])


# --- Which declarations new data concerns ------------------------------------------------------


def declarations_for_revisions(*, revision_ids) -> set[int]:
    """Declarations a new consignment revision may concern: those matched to its consignment,
    those declaring its transport document or invoice, and, of those no identifier matched,
    those lodged near its arrival (containers, the time window)."""
    tol = tolerances()
    revisions = list(
        ConsignmentRevision.objects.filter(pk__in=revision_ids).values_list(
            "consignment_id",
            "consignment__enterprise_id",
            "transport_document_number",
            "invoice_number",
            "estimated_arrival",
        )
    )
    if not revisions:
        return set()
    affected = set(
        Match.objects.filter(consignment_id__in={row[0] for row in revisions}).values_list(
            "declaration_id", flat=True
        )
    )
    enterprises = {row[1] for row in revisions}
    documents = {(row[1], row[2]) for row in revisions}
    invoices = {(row[1], row[3]) for row in revisions}
    for pk, consignee_id, document, invoice in Declaration.objects.filter(
        Q(transport_document_number__in={value for _e, value in documents})
        | Q(invoice_number__in={value for _e, value in invoices if value}),
        consignee_id__in=enterprises,
    ).values_list("id", "consignee_id", "transport_document_number", "invoice_number"):
        if (consignee_id, document) in documents or (consignee_id, invoice) in invoices:
            affected.add(pk)
    near = matching.near_in_time(
        [(row[1], row[4]) for row in revisions],
        max(int(tol["container_window_days"]), int(tol["match_window_days"])),
        enterprise_field="consignee_id",
        time_field="declared_at",
    )
    keyed = Match.objects.filter(
        declaration_id=OuterRef("pk"),
        method__in=[MatchMethod.TRANSPORT_DOCUMENT, MatchMethod.INVOICE],
    )
    affected.update(
        Declaration.objects.filter(near).filter(~Exists(keyed)).values_list("id", flat=True)
    )
    return affected


def declarations_for_payments(*, payment_ids) -> set[int]:
    """Declarations of the paid invoices whose consignee made the payment."""
    payers = defaultdict(list)
    for invoice, payer_id, payer_code in BankPayment.objects.filter(pk__in=payment_ids).values_list(
        "invoice_reference", "payer_id", "payer_code"
    ):
        if invoice:
            payers[invoice].append((payer_id, payer_code))
    if not payers:
        return set()
    return {
        facts.id
        for facts in loading.declaration_facts(
            Declaration.objects.filter(invoice_number__in=list(payers)).values_list("id", flat=True)
        ).values()
        if any(
            loading.paid_by_consignee(payer_id, payer_code, facts)
            for payer_id, payer_code in payers[facts.invoice_number]
        )
    }


def crosschecks_run_for_revisions(*, revision_ids) -> None:
    for chunk in _chunks(declarations_for_revisions(revision_ids=revision_ids)):
        crosschecks_run(declaration_ids=chunk)


def crosschecks_run_for_payments(*, payment_ids) -> None:
    for chunk in _chunks(declarations_for_payments(payment_ids=payment_ids)):
        crosschecks_run(declaration_ids=chunk)


# --- Matching and cross-checking a chunk ------------------------------------------------------


def _matches_store(ids, found, now) -> tuple[set[int], set[int]]:
    """Make the stored matches of the declarations what was found: a match whose consignment
    was amended points to the new revision, one no longer found goes. Returns the declarations
    whose matches changed and the consignments they no longer match."""
    existing = {
        (declaration_id, consignment_id): (pk, revision_id, method, confidence)
        for pk, declaration_id, consignment_id, revision_id, method, confidence in (
            Match.objects.filter(loading.among("declaration_id", ids)).values_list(
                "pk", "declaration_id", "consignment_id", "revision_id", "method", "confidence"
            )
        )
    }
    wanted = {
        (declaration_id, match.consignment_id): (match.revision_id, match.method, match.confidence)
        for declaration_id, matches in found.items()
        for match in matches
    }
    stale = [key for key, row in existing.items() if wanted.get(key) != row[1:]]
    new = [key for key, row in wanted.items() if existing.get(key, (None,))[1:] != row]
    if stale:
        Match.objects.filter(pk__in=[existing[key][0] for key in stale]).delete()
    stamp = Match._meta.get_field("matched_at").get_db_prep_value(now, connection)
    bulk_insert(
        Match,
        ["declaration", "consignment", "revision", "method", "confidence", "matched_at"],
        [(*key, *wanted[key], stamp) for key in new],
    )
    changed = {declaration_id for declaration_id, _consignment in [*stale, *new]}
    dropped = {consignment_id for key in stale if key not in wanted for consignment_id in key[1:]}
    return changed, dropped


def _groups_of(ids, consignments_of, others) -> dict[int, tuple[set, set]]:
    """Each declaration's match group: the declarations and consignments linked to it through
    matches (most often itself and its own consignments)."""
    by_consignment = defaultdict(set)
    for declaration_id, consignment_ids in [*consignments_of.items(), *others.items()]:
        for consignment_id in consignment_ids:
            by_consignment[consignment_id].add(declaration_id)
    linked = {**consignments_of, **others}
    groups = {}
    for declaration_id in ids:
        declarations, consignments = {declaration_id}, set(linked[declaration_id])
        frontier = set(consignments)
        while frontier:
            reached = set().union(*(by_consignment[pk] for pk in frontier)) - declarations
            declarations |= reached
            frontier = set().union(*(linked[pk] for pk in reached)) - consignments
            consignments |= frontier
        groups[declaration_id] = (declarations, consignments)
    return groups


def _previous(ids) -> tuple[dict, dict, dict]:
    crosschecks = {
        pk: (outcome, revision, notes)
        for pk, outcome, revision, notes in CrossCheck.objects.filter(
            loading.among("declaration_id", ids)
        ).values_list("declaration_id", "outcome", "declaration_revision", "notes")
    }
    findings, sharing = defaultdict(list), defaultdict(set)
    for declaration_id, *row, shared_with_enterprise in Finding.objects.filter(
        loading.among("declaration_id", ids)
    ).values_list("declaration_id", *FINDING_FIELDS, "shared_with_enterprise"):
        findings[declaration_id].append(tuple(row))
        if shared_with_enterprise:
            sharing[declaration_id].add((row[0], row[1]))
    return crosschecks, findings, sharing


def _commit_without_waiting_for_disk() -> None:
    """What a run writes is derived from stored data. If PostgreSQL crashes before the commit
    reaches the disk, the run is lost whole, the job's done mark with it, and the job runs
    again: so the transaction need not wait for the disk (asynchronous commit, PostgreSQL
    only; it never leaves a half-written transaction)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def crosschecks_run(*, declaration_ids) -> None:
    """Match the declarations to shared consignments and cross-check them. Only declarations
    whose result changed get new findings, an audit event and the `crosschecks_done` follow-up;
    the declarations of their match groups are queued to be checked again."""
    with cycle_collection_paused():
        _chunk_run(declaration_ids)


@transaction.atomic
def _chunk_run(declaration_ids) -> None:
    tol = tolerances()
    _commit_without_waiting_for_disk()
    facts = loading.declaration_facts(declaration_ids, lock=True)
    if not facts:
        return
    ids = list(facts)
    now = timezone.now()
    items_of = defaultdict(list)
    for item in loading.declared_items(ids):
        items_of[item.declaration_id].append(item)
    found = matching.matches_find(facts, items_of, tol)
    matches_changed, dropped = _matches_store(ids, found, now)
    consignments_of = {pk: {match.consignment_id for match in found.get(pk, [])} for pk in ids}
    others = loading.match_group(ids, consignments_of)
    if others:
        facts_of = {**facts, **loading.declaration_facts(list(others))}
        for item in loading.declared_items(list(others)):
            items_of[item.declaration_id].append(item)
    else:
        facts_of = facts
    consignments = loading.shared_consignments(
        set().union(*consignments_of.values(), *others.values())
    )
    matched = [facts[pk] for pk in ids if consignments_of[pk]]
    payments = loading.payments_by_declaration(matched)
    rates = loading.rate_book(
        {other.currency for other in facts_of.values()}
        | {consignment.currency for consignment in consignments.values()}
        | {payment.currency for paid in payments.values() for payment in paid},
        {declaration.day for declaration in matched},
        max_age_days=int(tol["exchange_rate_max_age_days"]),
    )
    partners = loading.RegisteredPartners(matched, threshold=tol["consignor_similarity"])
    enterprise_names = dict(
        Enterprise.objects.filter(pk__in={other.consignee_id for other in matched}).values_list(
            "pk", "legal_name"
        )
    )
    groups = _groups_of(ids, consignments_of, others)
    previous, previous_findings, sharing = _previous(ids)

    loaded = set(consignments)
    results = {}
    with translation.override(settings.LANGUAGE_CODE):
        for pk in ids:
            declaration = facts[pk]
            if not consignments_of[pk]:
                results[pk] = (CrossCheck.Outcome.NO_SHARED_DATA, [], [])
                continue
            group_declarations, group_consignments = groups[pk]
            comparison = declaration_compare(
                declaration=declaration,
                facts_of=facts_of,
                items=[item for other in sorted(group_declarations) for item in items_of[other]],
                consignments=[consignments[c] for c in sorted(group_consignments & loaded)],
                own_consignment_ids=consignments_of[pk] & loaded,
                payments=payments.get(pk, []),
                consignor_registered=partners.registered(declaration),
                enterprise_name=enterprise_names.get(declaration.consignee_id, ""),
                rates=rates,
                tolerances=tol,
            )
            outcome = (
                CrossCheck.Outcome.FINDINGS
                if comparison.findings
                else CrossCheck.Outcome.CONSISTENT
            )
            results[pk] = (outcome, comparison.findings, comparison.notes)

    changed = _results_store(
        facts, results, previous, previous_findings, sharing, matches_changed, now
    )
    _group_follow_ups(ids, facts, previous, matches_changed, dropped, found, others)
    if changed and crosschecks_done:
        outbox_enqueue(tasks.crosschecks_done_task, sorted(changed))


def _crosschecks_store(facts, results, previous, now) -> None:
    """Write every declaration's cross-check: new ones in one COPY, changed ones row by row,
    and the time of the check on the unchanged ones in one UPDATE."""
    field = CrossCheck._meta.get_field
    stamp = field("checked_at").get_db_prep_value(now, connection)
    rows = {
        pk: (outcome, facts[pk].revision, notes)
        for pk, (outcome, _findings, notes) in results.items()
    }
    bulk_insert(
        CrossCheck,
        ["declaration", "outcome", "declaration_revision", "checked_at", "notes"],
        [
            (pk, outcome, revision, stamp, notes)
            for pk, (outcome, revision, notes) in rows.items()
            if pk not in previous
        ],
    )
    unchanged = [pk for pk, row in rows.items() if previous.get(pk) == row]
    if unchanged:
        CrossCheck.objects.filter(loading.among("declaration_id", unchanged)).update(checked_at=now)
    for pk, (outcome, revision, notes) in rows.items():
        if pk in previous and previous[pk] != rows[pk]:
            CrossCheck.objects.filter(pk=pk).update(
                outcome=outcome, declaration_revision=revision, notes=notes, checked_at=now
            )


def _results_store(facts, results, previous, previous_findings, sharing, matches_changed, now):
    """Write the cross-checks, and findings and audit events where the result changed. Returns
    the declarations whose result changed."""
    _crosschecks_store(facts, results, previous, now)
    changed = []
    for pk, (outcome, findings, notes) in results.items():
        rows = sorted(
            (tuple(getattr(finding, name) for name in FINDING_FIELDS) for finding in findings),
            key=_finding_order,
        )
        before = previous.get(pk)
        if (
            pk in matches_changed
            or before != (outcome, facts[pk].revision, notes)
            or sorted(previous_findings.get(pk, []), key=_finding_order) != rows
        ):
            changed.append(pk)
    if not changed:
        return set()
    if any(pk in previous_findings for pk in changed):
        Finding.objects.filter(
            declaration_id__in=[pk for pk in changed if pk in previous_findings]
        ).delete()
    bulk_insert(
        Finding,
        ["crosscheck", "declaration", *FINDING_FIELDS, "shared_with_enterprise"],
        [
            (
                pk,
                pk,
                *(getattr(finding, name) for name in FINDING_FIELDS),
                (finding.item_number, finding.type) in sharing.get(pk, ()),
            )
            for pk in changed
            for finding in results[pk][1]
        ],
    )
    audit_record_many(
        action="crosschecks.crosscheck.recorded",
        actor=None,
        entries=[
            (
                CrossCheck(declaration_id=pk),
                facts[pk].consignee_id,
                {
                    "declaration": facts[pk].number,
                    "revision": facts[pk].revision,
                    "outcome": results[pk][0],
                    "findings": sorted(finding.type for finding in results[pk][1]),
                },
            )
            for pk in changed
        ],
    )
    return set(changed)


def _finding_order(row):
    return (row[0] is not None, row[0] or 0, *row[1:])


def _group_follow_ups(ids, facts, previous, matches_changed, dropped, found, others) -> None:
    """Queue the declarations whose comparison this chunk changed: those of the match groups of
    declarations whose matches or items changed (`others` holds them, with their consignments),
    those still matched to a consignment the chunk no longer matches, and those whose window
    match the chunk now ties to itself by an identifier."""
    moved = {
        pk
        for pk in ids
        if pk in matches_changed or previous.get(pk, (None, None))[1] != facts[pk].revision
    }
    moved_consignments = {match.consignment_id for pk in moved for match in found.get(pk, [])}
    again = {pk for pk, consignments in others.items() if consignments & moved_consignments}
    keyed = {
        match.consignment_id
        for matches in found.values()
        for match in matches
        if match.method != MatchMethod.WINDOW
    }
    query = Q(consignment_id__in=dropped) if dropped else Q()
    if others and keyed:
        query |= Q(
            declaration_id__in=list(others), consignment_id__in=keyed, method=MatchMethod.WINDOW
        )
    if query:
        again.update(
            Match.objects.filter(query)
            .exclude(declaration_id__in=ids)
            .values_list("declaration_id", flat=True)
        )
    if again:
        crosschecks_request(declaration_ids=again)
