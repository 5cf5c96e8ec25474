"""Finding the shared consignments a chunk of declarations covers, either side having arrived
first. Only consignments of the declaration's consignee enterprise are considered, by the
strongest method that finds any:

1. the transport document number (bill of lading, air waybill);
2. else the invoice number;
3. else a container number, for consignments arriving within `container_window_days` (container
   numbers are reused);
4. else the likeliest consignment arriving within `match_window_days` whose seller is alike to the
   declared consignor and whose value is alike to the declared value, of those no identifier ties
   to another declaration.

Each method is one query for the whole chunk. Confidence: 1 for the transport document (0.95 when
the invoice numbers differ), 0.9 for the invoice, 0.5 to 0.8 for containers by the share of the
declared containers found, at most 0.6 for the window.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Q

from hub.crosschecks import loading
from hub.crosschecks.models import KEY_METHODS, Match, MatchMethod
from hub.partners import matching as names
from hub.submissions.models import Consignment, ConsignmentLine, ConsignmentParty

THOUSANDTH = Decimal("0.001")


@dataclass(slots=True)
class Found:
    consignment_id: int
    revision_id: int
    method: str
    confidence: Decimal


def _normalized(containers) -> set[str]:
    return {str(number).replace(" ", "").upper() for number in containers or ()}


def _by_identifier(declarations, field: str) -> dict[tuple, list[tuple]]:
    """Current consignments of the declarations' consignees whose `field` one of them declares,
    by (enterprise, value)."""
    values = {getattr(facts, field) for facts in declarations if getattr(facts, field)}
    if not values:
        return {}
    found = defaultdict(list)
    for pk, enterprise_id, revision_id, value, invoice in Consignment.objects.filter(
        loading.among(field, values),
        enterprise_id__in={facts.consignee_id for facts in declarations},
        current_revision__isnull=False,
    ).values_list("id", "enterprise_id", "current_revision_id", field, "invoice_number"):
        found[(enterprise_id, value)].append((pk, revision_id, invoice))
    return found


def near_in_time(moments, days: int, *, enterprise_field: str, time_field: str) -> Q:
    """A filter for rows of an enterprise within `days` of one of its moments ((enterprise,
    time) pairs): the ranges of each enterprise merged, so that a chunk makes a short query."""
    window = timedelta(days=days)
    ranges = defaultdict(list)
    for enterprise_id, moment in sorted(moments, key=lambda pair: pair[1]):
        spans = ranges[enterprise_id]
        start, end = moment - window, moment + window
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    query = Q()
    for enterprise_id, spans in ranges.items():
        for start, end in spans:
            query |= Q(**{enterprise_field: enterprise_id, f"{time_field}__range": (start, end)})
    return query


def _arriving_near(declarations, days: int) -> dict[int, list[tuple]]:
    """Current consignments of the declarations' consignees arriving within `days` of one of
    the declarations, by enterprise."""
    near = near_in_time(
        [(facts.consignee_id, facts.declared_at) for facts in declarations],
        days,
        enterprise_field="enterprise_id",
        time_field="estimated_arrival",
    )
    found = defaultdict(list)
    for row in (
        Consignment.objects.filter(near, current_revision__isnull=False)
        .values_list(
            "id",
            "enterprise_id",
            "current_revision_id",
            "estimated_arrival",
            "current_revision__containers",
            "current_revision__currency",
        )
        .order_by("estimated_arrival", "id")
    ):
        found[row[1]].append(row)
    return found


def _window_candidates_apart(candidates, declaration_ids, found) -> set[int]:
    """Candidates an identifier ties to another declaration, or to one of this chunk."""
    tied = {match.consignment_id for matches in found.values() for match in matches}
    tied |= set(
        Match.objects.filter(consignment_id__in=candidates, method__in=KEY_METHODS)
        .exclude(declaration_id__in=declaration_ids)
        .values_list("consignment_id", flat=True)
    )
    return tied


def _totals(revision_ids) -> dict[int, Decimal]:
    totals = defaultdict(Decimal)
    for revision_id, value in ConsignmentLine.objects.filter(
        revision_id__in=revision_ids
    ).values_list("revision_id", "line_value"):
        totals[revision_id] += Decimal(value)
    return totals


def window_confidence(name_score: float, value_apart: Decimal, days_apart: float, tol) -> Decimal:
    """At most 0.6: a likeness is weaker evidence than any identifier."""
    name_part = Decimal(name_score) / 100
    value_part = 1 - value_apart / tol["match_value_relative"] if tol["match_value_relative"] else 1
    time_part = (
        1 - Decimal(days_apart) / tol["match_window_days"] if tol["match_window_days"] else 1
    )
    score = Decimal("0.6") * (
        Decimal("0.5") * name_part + Decimal("0.3") * value_part + Decimal("0.2") * time_part
    )
    return score.quantize(THOUSANDTH)


def _by_window(rest, candidates_of, items_of, declaration_ids, found, tol) -> None:
    window = timedelta(days=int(tol["match_window_days"]))
    near = {
        facts.id: [
            row
            for row in candidates_of.get(facts.consignee_id, [])
            if abs(row[3] - facts.declared_at) <= window
        ]
        for facts in rest
    }
    candidates = {row[0] for rows in near.values() for row in rows}
    if not candidates:
        return
    apart = _window_candidates_apart(candidates, declaration_ids, found)
    revisions = {row[2] for rows in near.values() for row in rows if row[0] not in apart}
    sellers = dict(
        ConsignmentParty.objects.filter(
            revision_id__in=revisions, role=ConsignmentParty.Role.SELLER
        ).values_list("revision_id", "name")
    )
    alike = {}
    for facts in rest:
        for row in near[facts.id]:
            if row[0] in apart or row[2] not in sellers:
                continue
            score = names.name_score(facts.consignor_name, sellers[row[2]])
            if score >= float(tol["match_seller_similarity"]):
                alike.setdefault(facts.id, []).append((row, score))
    if not alike:
        return
    totals = _totals({row[2] for pairs in alike.values() for row, _score in pairs})
    rest_by_id = {facts.id: facts for facts in rest}
    rates = loading.rate_book(
        {row[5] for pairs in alike.values() for row, _score in pairs}
        | {rest_by_id[pk].currency for pk in alike},
        {rest_by_id[pk].day for pk in alike},
        max_age_days=int(tol["exchange_rate_max_age_days"]),
    )
    for declaration_id, pairs in alike.items():
        facts = rest_by_id[declaration_id]
        declared = sum((item.value for item in items_of.get(declaration_id, [])), Decimal(0))
        best = None
        for row, score in pairs:
            shared = rates.convert(totals[row[2]], row[5], facts.currency, facts.day)
            if shared is None or not shared or not declared:
                continue
            apart_by = abs(declared - shared) / shared
            if apart_by > tol["match_value_relative"]:
                continue
            days = abs((row[3] - facts.declared_at).total_seconds()) / 86400
            confidence = window_confidence(score, apart_by, days, tol)
            if best is None or confidence > best.confidence:
                best = Found(row[0], row[2], MatchMethod.WINDOW, confidence)
        if best is not None:
            found[declaration_id] = [best]


def matches_find(declarations: dict, items_of: dict, tol: dict) -> dict[int, list[Found]]:
    """The consignments each declaration covers, with the method and confidence."""
    found: dict[int, list[Found]] = {}
    rest = [facts for facts in declarations.values() if facts.consignee_id is not None]
    by_document = _by_identifier(rest, "transport_document_number") if rest else {}
    for facts in rest:
        for pk, revision_id, invoice in by_document.get(
            (facts.consignee_id, facts.transport_document_number), []
        ):
            agree = not (facts.invoice_number and invoice) or facts.invoice_number == invoice
            confidence = Decimal("1.000") if agree else Decimal("0.950")
            found.setdefault(facts.id, []).append(
                Found(pk, revision_id, MatchMethod.TRANSPORT_DOCUMENT, confidence)
            )
    rest = [facts for facts in rest if facts.id not in found]
    by_invoice = _by_identifier(rest, "invoice_number") if rest else {}
    for facts in rest:
        for pk, revision_id, _invoice in by_invoice.get(
            (facts.consignee_id, facts.invoice_number), []
        ):
            found.setdefault(facts.id, []).append(
                Found(pk, revision_id, MatchMethod.INVOICE, Decimal("0.900"))
            )
    rest = [facts for facts in rest if facts.id not in found]
    if not rest:
        return found
    days = max(int(tol["container_window_days"]), int(tol["match_window_days"]))
    candidates_of = _arriving_near(rest, days)
    container_window = timedelta(days=int(tol["container_window_days"]))
    for facts in rest:
        declared = _normalized(facts.containers)
        if not declared:
            continue
        for pk, _enterprise, revision_id, arrival, containers, _currency in candidates_of.get(
            facts.consignee_id, []
        ):
            shared = declared & _normalized(containers)
            if shared and abs(arrival - facts.declared_at) <= container_window:
                confidence = Decimal("0.5") + Decimal("0.3") * len(shared) / len(declared)
                found.setdefault(facts.id, []).append(
                    Found(pk, revision_id, MatchMethod.CONTAINERS, confidence.quantize(THOUSANDTH))
                )
    rest = [facts for facts in rest if facts.id not in found]
    if rest:
        _by_window(rest, candidates_of, items_of, list(declarations), found, tol)
    return found
