import json
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, Max, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from hub.agreements.selectors import AgreementNotActive, agreement_active
from hub.declarations.models import Declaration
from hub.enterprises.selectors import enterprise_list
from hub.partners.models import (
    MatchCandidate,
    Partner,
    PartnerEntity,
    PartnerRole,
    PartyLink,
)
from hub.partners.permissions import sees_partner_entities
from hub.risk.models import RiskProfile
from hub.submissions.models import Consignment, ConsignmentParty, ConsignmentRevision
from hub.submissions.selectors import consignment_list

# A consignment's parties from where the goods were made to where they were carried to.
CHAIN_ORDER = [
    PartnerRole.MANUFACTURER,
    PartnerRole.SELLER,
    PartnerRole.SHIPPER,
    PartnerRole.FORWARDER,
    PartnerRole.CARRIER,
]


def _get(queryset, pk):
    """The row if the viewer's queryset has it; 404 otherwise, so existence is not disclosed."""
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def partner_list(*, visible_to, enterprise=None) -> QuerySet[Partner]:
    """Registrations of the enterprises the viewer may see (customs: all of them)."""
    partners = Partner.objects.filter(enterprise__in=enterprise_list(visible_to=visible_to))
    if enterprise is not None:
        partners = partners.filter(enterprise=enterprise)
    return partners.select_related("enterprise").prefetch_related("identifiers")


def partner_get(*, visible_to, pk, enterprise=None) -> Partner:
    return _get(partner_list(visible_to=visible_to, enterprise=enterprise), pk)


def partner_identifiers(*, partner: Partner) -> dict[str, str]:
    return {identifier.scheme: identifier.value for identifier in partner.identifiers.all()}


@dataclass
class PartnerVersion:
    number: int
    changed_at: datetime
    changed_by: str
    registration: dict

    @property
    def roles_display(self) -> list[str]:
        return [PartnerRole(role).label for role in self.registration["roles"]]


def partner_version_list(*, partner: Partner) -> list[PartnerVersion]:
    """Every version of the registration, the latest first."""
    return [
        PartnerVersion(
            revision.number, revision.changed_at, revision.changed_by, json.loads(revision.snapshot)
        )
        for revision in partner.revisions.all()
    ]


def partner_registration_refusal(*, enterprise) -> str:
    """Why the enterprise may not register or edit partners now ("" when it may): the
    description of its supply chain is data shared under an agreement in force."""
    try:
        agreement_active(enterprise_id=enterprise.pk)
    except AgreementNotActive as inactive:
        if inactive.agreement is None:
            return _(
                "Partners are registered under a data-sharing agreement, and your enterprise has "
                "none in force. An enterprise admin can sign one on the hub."
            )
        return _(
            "Your data-sharing agreement is suspended; partners can be registered again when it "
            "is resumed."
        )
    return ""


def _current(links: QuerySet[PartyLink]) -> QuerySet[PartyLink]:
    """Links of parties of their consignment's current revision."""
    return links.filter(party__revision_id=F("party__revision__consignment__current_revision_id"))


def unregistered_party_list(*, visible_to, enterprise) -> QuerySet:
    """Parties the enterprise's consignments name that it never registered, each with how many
    consignments name it."""
    if not enterprise_list(visible_to=visible_to).filter(pk=enterprise.pk).exists():
        return PartyLink.objects.none()
    return (
        _current(PartyLink.objects.filter(enterprise=enterprise))
        .filter(method=PartyLink.Method.UNREGISTERED)
        .values(role=F("party__role"), name=F("party__name"), country=F("party__country"))
        .annotate(
            consignments=Count("party__revision__consignment", distinct=True),
            last_reference=Max("party__revision__consignment__reference"),
        )
        .order_by("name", "country", "role")
    )


def entity_list(*, visible_to, search: str = "", country: str = "") -> QuerySet[PartnerEntity]:
    if not sees_partner_entities(visible_to):
        return PartnerEntity.objects.none()
    entities = PartnerEntity.objects.annotate(
        registrations=Count("partners", distinct=True),
        enterprises=Count("partners__enterprise", distinct=True),
        open_candidates=Count(
            "candidates", filter=Q(candidates__status=MatchCandidate.Status.OPEN), distinct=True
        ),
    )
    if search:
        entities = entities.filter(
            Q(name__icontains=search) | Q(partners__legal_name__icontains=search)
        ).distinct()
    if country:
        entities = entities.filter(country=country)
    return entities.order_by("name", "id")


def entity_get(*, visible_to, pk) -> PartnerEntity:
    return _get(entity_list(visible_to=visible_to), pk)


def entity_registration_list(*, entity: PartnerEntity) -> QuerySet[Partner]:
    """The registrations resolved to the entity: which enterprise declared it, in which roles."""
    return entity.partners.select_related("enterprise").prefetch_related("identifiers")


def entity_consignment_links(*, entity: PartnerEntity) -> QuerySet[PartyLink]:
    """The parties of current consignment revisions linked to the entity's registrations."""
    return (
        _current(PartyLink.objects.filter(partner__entity=entity))
        .select_related("party__revision__consignment__enterprise", "partner")
        .order_by("-party__revision__consignment__estimated_arrival", "party__role")
    )


def entity_declaration_list(*, entity: PartnerEntity) -> QuerySet[Declaration]:
    """The declarations matched to consignments that name the entity, newest first, each with
    its cross-check, findings, current risk profile and inspection outcomes: the entity's record
    across every importer that works with it."""
    consignment_ids = entity_consignment_links(entity=entity).values(
        "party__revision__consignment_id"
    )
    return (
        Declaration.objects.filter(matches__consignment_id__in=consignment_ids)
        .distinct()
        .select_related("consignee", "crosscheck")
        .prefetch_related(
            "findings",
            "inspection_outcomes",
            Prefetch(
                "risk_profiles",
                queryset=RiskProfile.objects.filter(is_current=True),
                to_attr="current_profiles",
            ),
        )
        .order_by("-declared_at", "-id")
    )


def candidate_list(*, visible_to) -> QuerySet[MatchCandidate]:
    """The confirmation queue: open candidates, the most alike first."""
    if not sees_partner_entities(visible_to):
        return MatchCandidate.objects.none()
    return MatchCandidate.objects.filter(status=MatchCandidate.Status.OPEN).select_related(
        "partner__enterprise", "partner__entity", "entity"
    )


def candidate_get(*, visible_to, pk) -> MatchCandidate:
    return _get(candidate_list(visible_to=visible_to), pk)


def entity_candidate_list(*, entity: PartnerEntity, status: str = "") -> QuerySet[MatchCandidate]:
    """Registrations found alike to the entity: waiting in the queue, or decided."""
    candidates = entity.candidates.select_related("partner__enterprise", "decided_by")
    return candidates.filter(status=status) if status else candidates


@dataclass
class SupplyChain:
    consignment: Consignment
    revision: ConsignmentRevision
    parties: list[ConsignmentParty]


def supply_chain_get(*, visible_to, consignment_pk) -> SupplyChain:
    """One consignment's chain, from the overseas manufacturer and seller to the domestic
    consignee (the enterprise that shared it), each party with what it was linked to."""
    if not sees_partner_entities(visible_to):
        raise Http404
    consignment = _get(
        consignment_list(visible_to=visible_to).select_related("enterprise", "current_revision"),
        consignment_pk,
    )
    revision = consignment.current_revision
    parties = list(revision.parties.select_related("partner_link__partner__entity"))
    parties.sort(key=lambda party: CHAIN_ORDER.index(party.role))
    return SupplyChain(consignment=consignment, revision=revision, parties=parties)
