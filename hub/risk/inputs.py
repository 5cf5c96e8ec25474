"""What the engine reads, gathered set-based: a handful of grouped queries for a whole chunk of
declarations, or for every enterprise a refresh touches, never a query per profile."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Value,
    When,
)

from hub.agreements.models import Agreement
from hub.core.bulk import id_list
from hub.crosschecks.models import CrossCheck, Finding, Match
from hub.declarations.models import Declaration, DeclarationItem, InspectionOutcome
from hub.enterprises.models import Enterprise, RatingChange
from hub.partners.models import PartnerIdentifier
from hub.submissions.models import ConsignmentLine, ConsignmentParty, ConsignmentRevision

YEAR = timedelta(days=365)
RECENT = timedelta(days=90)
TWO_YEARS = timedelta(days=730)
EVIDENCE_IDS = 10
HIT_RESULTS = (InspectionOutcome.Result.DISCREPANCY, InspectionOutcome.Result.SEIZURE)
CHECKED_OUTCOMES = (CrossCheck.Outcome.CONSISTENT, CrossCheck.Outcome.FINDINGS)
# A declaration's worst finding, as weights of the consistency rate.
SEVERITY_WEIGHT = {
    Finding.Severity.HIGH: 3.0,
    Finding.Severity.MEDIUM: 1.0,
    Finding.Severity.LOW: 0.25,
}
_SEVERITY_RANK = Case(
    When(severity=Finding.Severity.HIGH, then=Value(3)),
    When(severity=Finding.Severity.MEDIUM, then=Value(2)),
    default=Value(1),
    output_field=IntegerField(),
)
_RANKED_SEVERITY = {3: Finding.Severity.HIGH, 2: Finding.Severity.MEDIUM, 1: Finding.Severity.LOW}


def _is_set(name: str) -> ExpressionWrapper:
    return ExpressionWrapper(~Q(**{name: ""}), output_field=BooleanField())


# --- Enterprises -------------------------------------------------------------------------------


@dataclass(slots=True)
class EnterpriseInputs:
    enterprise_id: int
    credit_rating: str
    aeo_status: str
    rating_change_id: int | None = None
    agreement: dict | None = None
    declarations: int = 0
    matched: int = 0
    checked: int = 0
    checked_weight: float = 0.0
    findings_weight: float = 0.0
    # (declaration id, weight in the rate), the latest first
    with_findings: list = field(default_factory=list)
    parties: int = 0
    registered: int = 0
    identified: int = 0
    inspections: int = 0
    discrepancies: int = 0
    seizures: int = 0
    # (outcome id, declaration id), the latest hits first
    hits: list = field(default_factory=list)


def recency_weight(declared_at: datetime, as_of: datetime) -> float:
    """Recent declarations count double in the consistency rate."""
    return 1.0 if declared_at >= as_of - RECENT else 0.5


def enterprise_inputs(*, enterprise_ids, as_of: datetime) -> dict[int, EnterpriseInputs]:
    ids = list(enterprise_ids)
    found = {
        row["id"]: EnterpriseInputs(
            enterprise_id=row["id"],
            credit_rating=row["credit_rating"],
            aeo_status=row["aeo_status"],
        )
        for row in Enterprise.objects.filter(pk__in=ids).values("id", "credit_rating", "aeo_status")
    }
    for enterprise_id, change_id in (
        RatingChange.objects.filter(enterprise_id__in=ids)
        .values("enterprise_id")
        .annotate(last=Max("id"))
        .values_list("enterprise_id", "last")
    ):
        found[enterprise_id].rating_change_id = change_id

    # Participation runs from the first activation of an agreement that is in force or was
    # superseded by a newer version; a terminated agreement ended it.
    since = dict(
        Agreement.objects.filter(
            enterprise_id__in=ids,
            activated_at__isnull=False,
            status__in=[*Agreement.IN_FORCE, Agreement.Status.SUPERSEDED],
        )
        .values("enterprise_id")
        .annotate(first=Min("activated_at"))
        .values_list("enterprise_id", "first")
    )
    for agreement in Agreement.objects.filter(
        enterprise_id__in=ids, status__in=Agreement.IN_FORCE
    ).values("id", "enterprise_id", "version", "status", "channels"):
        found[agreement["enterprise_id"]].agreement = {
            **agreement,
            "since": since.get(agreement["enterprise_id"]),
        }

    year_ago = as_of - YEAR
    has_match = Exists(Match.objects.filter(declaration_id=OuterRef("pk")))
    for enterprise_id, total, matched in (
        Declaration.objects.filter(consignee_id__in=ids, declared_at__gte=year_ago)
        .values("consignee_id")
        .annotate(total=Count("id"), matched=Count("id", filter=Q(has_match)))
        .values_list("consignee_id", "total", "matched")
    ):
        found[enterprise_id].declarations, found[enterprise_id].matched = total, matched

    recent = as_of - RECENT
    for enterprise_id, total, recent_count in (
        CrossCheck.objects.filter(
            declaration__consignee_id__in=ids,
            declaration__declared_at__gte=year_ago,
            outcome__in=CHECKED_OUTCOMES,
        )
        .values("declaration__consignee_id")
        .annotate(
            total=Count("pk"), recent=Count("pk", filter=Q(declaration__declared_at__gte=recent))
        )
        .values_list("declaration__consignee_id", "total", "recent")
    ):
        inputs = found[enterprise_id]
        inputs.checked = total
        inputs.checked_weight = recent_count + 0.5 * (total - recent_count)
    for declaration_id, enterprise_id, declared_at, worst in (
        Finding.objects.filter(
            declaration__consignee_id__in=ids, declaration__declared_at__gte=year_ago
        )
        .values("declaration_id", "declaration__consignee_id", "declaration__declared_at")
        .annotate(worst=Max(_SEVERITY_RANK))
        .order_by("-declaration__declared_at", "-declaration_id")
        .values_list(
            "declaration_id", "declaration__consignee_id", "declaration__declared_at", "worst"
        )
    ):
        weight = SEVERITY_WEIGHT[_RANKED_SEVERITY[worst]] * recency_weight(declared_at, as_of)
        inputs = found[enterprise_id]
        inputs.findings_weight += weight
        inputs.with_findings.append((declaration_id, weight))

    # The parties named in the enterprise's consignments of the last year (current revisions),
    # by the partner each was linked to, if any.
    identified = set(
        PartnerIdentifier.objects.filter(partner__enterprise_id__in=ids).values_list(
            "partner_id", flat=True
        )
    )
    for enterprise_id, partner_id, count in (
        ConsignmentParty.objects.filter(
            revision__consignment__enterprise_id__in=ids,
            revision_id=F("revision__consignment__current_revision_id"),
            revision__estimated_arrival__gte=year_ago,
        )
        .values("revision__consignment__enterprise_id", "partner_link__partner_id")
        .annotate(count=Count("pk"))
        .values_list("revision__consignment__enterprise_id", "partner_link__partner_id", "count")
    ):
        inputs = found[enterprise_id]
        inputs.parties += count
        if partner_id is not None:
            inputs.registered += count
            inputs.identified += count if partner_id in identified else 0

    outcomes = InspectionOutcome.objects.filter(
        declaration__consignee_id__in=ids, inspected_at__gte=as_of - TWO_YEARS
    )
    for enterprise_id, result, count in (
        outcomes.values("declaration__consignee_id", "result")
        .annotate(count=Count("id"))
        .values_list("declaration__consignee_id", "result", "count")
    ):
        inputs = found[enterprise_id]
        inputs.inspections += count
        if result == InspectionOutcome.Result.DISCREPANCY:
            inputs.discrepancies += count
        elif result == InspectionOutcome.Result.SEIZURE:
            inputs.seizures += count
    for outcome_id, declaration_id, enterprise_id in (
        outcomes.filter(result__in=HIT_RESULTS)
        .order_by("-inspected_at", "-id")
        .values_list("id", "declaration_id", "declaration__consignee_id")
    ):
        found[enterprise_id].hits.append((outcome_id, declaration_id))
    return found


# --- Declarations --------------------------------------------------------------------------------


@dataclass(slots=True)
class SharedConsignment:
    consignment_id: int
    revision_id: int
    channel: str
    hours_before_arrival: float
    port_of_loading: str
    completeness: float = 0.0


class Party(NamedTuple):
    """A party of the shared data: the partner it was linked to, that partner's entity, and
    whether the partner was registered with an identifier."""

    id: int
    partner_id: int | None
    entity_id: int | None
    identified: bool


@dataclass(slots=True)
class DeclarationInputs:
    declaration_id: int
    number: str
    office: str
    declared_at: datetime
    consignor_country: str
    port_of_entry: str
    transport_mode: str
    trade_terms: str
    enterprise_id: int | None
    outcome: str | None
    hs_codes: list = field(default_factory=list)
    origin_countries: list = field(default_factory=list)
    shared: list = field(default_factory=list)
    parties: list = field(default_factory=list)
    # (finding id, type, severity)
    findings: list = field(default_factory=list)
    # (result, inspected_at) of this declaration's own inspections
    outcomes: list = field(default_factory=list)


# The optional fields of the revision's own columns, of its parties and of its lines.
HEADER_KEYS = (
    "invoice_total",
    "contract_number",
    "contract_date",
    "incoterms",
    "departure_date",
    "vessel_or_flight",
    "voyage_number",
    "containers",
)
PARTY_ROLES = ("shipper", "carrier", "forwarder", "manufacturer")
LINE_KEYS = (
    "lines.hs_code",
    "lines.net_weight_kg",
    "lines.gross_weight_kg",
    "lines.unit_price",
    "lines.packages",
)


def _party_keys() -> list[str]:
    keys = ["seller.tax_id", "seller.address"]
    for role in PARTY_ROLES:
        keys += [role, f"{role}.tax_id", f"{role}.address"]
    return keys


# Completeness is the share of the catalogue's optional fields present: every one of them is read
# here, which tests/risk/test_factors.py holds to hub.catalogue.fields.optional_keys().
COMPLETENESS_KEYS = (*HEADER_KEYS, *_party_keys(), *LINE_KEYS)


def _completeness(revision_ids, parties) -> dict[int, float]:
    """The share of optional fields present in each revision; `parties` are its parties' rows
    (id, revision, role, has tax id, has address, partner, entity)."""
    present: dict[int, float] = defaultdict(float)
    for row in ConsignmentRevision.objects.filter(pk__in=id_list(revision_ids)).values_list(
        "id",
        "contract_number",
        "contract_date",
        "incoterms",
        "departure_date",
        "vessel_or_flight",
        "voyage_number",
        "containers",
        _is_set("invoice_total"),
    ):
        present[row[0]] += sum(bool(value) for value in row[1:])
    for _id, revision_id, role, has_tax, has_address, _partner, _entity in parties:
        present[revision_id] += (role != "seller") + has_tax + has_address
    for revision_id, lines, *counts in (
        ConsignmentLine.objects.filter(revision_id__in=id_list(revision_ids))
        .values("revision_id")
        .annotate(
            lines=Count("id"),
            hs=Count("id", filter=~Q(hs_code="")),
            net=Count("net_weight_kg"),
            gross=Count("gross_weight_kg"),
            price=Count("id", filter=~Q(unit_price="")),
            packages=Count("packages"),
        )
        .values_list("revision_id", "lines", "hs", "net", "gross", "price", "packages")
    ):
        present[revision_id] += sum(counts) / lines
    total = len(COMPLETENESS_KEYS)
    return {revision_id: min(1.0, count / total) for revision_id, count in present.items()}


def declaration_inputs(*, declaration_ids) -> list[DeclarationInputs]:
    by_id = {
        row[0]: DeclarationInputs(*row)
        for row in Declaration.objects.filter(pk__in=id_list(declaration_ids))
        .order_by()
        .values_list(
            "id",
            "number",
            "customs_office",
            "declared_at",
            "consignor_country",
            "port_of_entry",
            "transport_mode",
            "trade_terms",
            "consignee_id",
            "crosscheck__outcome",
        )
    }
    ids = list(by_id)
    for declaration_id, hs_code, origin in (
        DeclarationItem.objects.filter(declaration_id__in=id_list(ids))
        .order_by()
        .values_list("declaration_id", "hs_code", "origin_country")
    ):
        inputs = by_id[declaration_id]
        inputs.hs_codes.append(hs_code)
        if origin not in inputs.origin_countries:
            inputs.origin_countries.append(origin)

    revisions: dict[int, list[SharedConsignment]] = defaultdict(list)
    for declaration_id, consignment_id, revision_id, channel, hours, port in (
        Match.objects.filter(declaration_id__in=id_list(ids))
        .order_by("declaration_id", "-confidence", "consignment_id")
        .values_list(
            "declaration_id",
            "consignment_id",
            "revision_id",
            "revision__channel",
            "revision__hours_before_arrival",
            "revision__port_of_loading",
        )
    ):
        shared = SharedConsignment(consignment_id, revision_id, channel, float(hours), port)
        by_id[declaration_id].shared.append(shared)
        revisions[revision_id].append(by_id[declaration_id])
    if revisions:
        parties = list(
            ConsignmentParty.objects.filter(revision_id__in=id_list(revisions))
            .order_by("revision_id", "id")
            .values_list(
                "id",
                "revision_id",
                "role",
                _is_set("tax_id"),
                _is_set("address"),
                "partner_link__partner_id",
                "partner_link__partner__entity_id",
            )
        )
        completeness = _completeness(list(revisions), parties)
        for inputs in by_id.values():
            for shared in inputs.shared:
                shared.completeness = completeness.get(shared.revision_id, 0.0)
        identified = set(
            PartnerIdentifier.objects.filter(
                partner_id__in=id_list({row[5] for row in parties if row[5]})
            ).values_list("partner_id", flat=True)
        )
        for party_id, revision_id, _role, _tax, _address, partner_id, entity_id in parties:
            party = Party(party_id, partner_id, entity_id, partner_id in identified)
            for inputs in revisions[revision_id]:
                inputs.parties.append(party)

    for declaration_id, finding_id, finding_type, severity in (
        Finding.objects.filter(declaration_id__in=id_list(ids))
        .order_by("declaration_id", "id")
        .values_list("declaration_id", "id", "type", "severity")
    ):
        by_id[declaration_id].findings.append((finding_id, finding_type, severity))
    for declaration_id, result, inspected_at in (
        InspectionOutcome.objects.filter(declaration_id__in=id_list(ids))
        .order_by()
        .values_list("declaration_id", "result", "inspected_at")
    ):
        by_id[declaration_id].outcomes.append((result, inspected_at))
    return [by_id[pk] for pk in sorted(by_id)]


@dataclass(slots=True)
class EntityHistory:
    # declaration ids, by any importer, whose goods involved the entity and went wrong
    issues: set = field(default_factory=set)
    seizures: set = field(default_factory=set)
    # the latest of them, for evidence (declaration ids grow with time)
    latest: list = field(default_factory=list)


class EntityHistories(dict):
    """Entity id → EntityHistory, with the history of several entities together worked out once
    per combination: the declarations of a supply chain name the same partners again and again."""

    def __init__(self, *args):
        super().__init__(*args)
        self._together: dict[tuple, EntityHistory] = {}

    def together(self, entity_ids: tuple) -> EntityHistory:
        found = self._together.get(entity_ids)
        if found is None:
            found = EntityHistory()
            for entity_id in entity_ids:
                history = self.get(entity_id)
                if history is not None:
                    found.issues |= history.issues
                    found.seizures |= history.seizures
            found.latest = sorted(found.issues)[-(EVIDENCE_IDS + 1) :]
            self._together[entity_ids] = found
        return found


def entity_histories(*, entity_ids, as_of: datetime) -> dict[int, EntityHistory]:
    """For each partner entity: the declarations naming it (through a party of the shared data
    matched to them) that an inspection found wrong, or that differed sharply from that data."""
    histories = {entity_id: EntityHistory() for entity_id in entity_ids}
    if not histories:
        return histories
    path = "declaration__matches__revision__parties__partner_link__partner__entity_id"
    since = as_of - TWO_YEARS
    for entity_id, declaration_id, result in (
        InspectionOutcome.objects.filter(
            result__in=HIT_RESULTS, inspected_at__gte=since, **{f"{path}__in": list(histories)}
        )
        .order_by()
        .values_list(path, "declaration_id", "result")
        .distinct()
    ):
        histories[entity_id].issues.add(declaration_id)
        if result == InspectionOutcome.Result.SEIZURE:
            histories[entity_id].seizures.add(declaration_id)
    for entity_id, declaration_id in (
        Finding.objects.filter(
            severity=Finding.Severity.HIGH,
            declaration__declared_at__gte=since,
            **{f"{path}__in": list(histories)},
        )
        .order_by()
        .values_list(path, "declaration_id")
        .distinct()
    ):
        histories[entity_id].issues.add(declaration_id)
    return histories
