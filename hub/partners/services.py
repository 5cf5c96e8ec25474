"""Writes of the partners app: registrations and their history, the links from consignment parties
to registrations, and the resolution of every enterprise's registrations into partner entities."""

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F, Prefetch, Q
from django.utils import timezone

from hub.core.audit import audit_record
from hub.core.outbox import outbox_enqueue
from hub.partners import matching, tasks
from hub.partners.identifiers import identifier_blind_index, tax_id_blind_indexes
from hub.partners.models import (
    BlockingKey,
    MatchCandidate,
    Partner,
    PartnerEntity,
    PartnerIdentifier,
    PartnerRevision,
    PartyLink,
)
from hub.submissions.models import ConsignmentParty

REGISTRATION_FIELDS = (
    "legal_name",
    "country",
    "address",
    "roles",
    "contact_name",
    "contact_email",
    "contact_phone",
)
# A change to one of these may make the registration another company: it is resolved again.
IDENTITY_FIELDS = {"legal_name", "country", "address", "identifiers"}


# --- Registrations ----------------------------------------------------------------------------


def _snapshot(partner: Partner, identifiers: dict[str, str]) -> dict:
    return {
        **{name: getattr(partner, name) for name in REGISTRATION_FIELDS},
        "identifiers": identifiers,
    }


def _identifiers_of(partner: Partner) -> dict[str, str]:
    return {identifier.scheme: identifier.value for identifier in partner.identifiers.all()}


def _identifiers_store(partner: Partner, identifiers: dict[str, str]) -> None:
    partner.identifiers.all().delete()
    PartnerIdentifier.objects.bulk_create(
        PartnerIdentifier(
            partner=partner,
            scheme=scheme,
            value=value,
            blind_index=identifier_blind_index(scheme, value),
        )
        for scheme, value in identifiers.items()
    )


def _blocking_keys_store(partner: Partner) -> None:
    partner.blocking_keys.all().delete()
    BlockingKey.objects.bulk_create(
        BlockingKey(partner=partner, key=key)
        for key in sorted(matching.blocking_keys(partner.legal_name, partner.country))
    )


def _version_store(partner: Partner, identifiers: dict[str, str], actor) -> None:
    PartnerRevision.objects.create(
        partner=partner,
        number=partner.version,
        snapshot=json.dumps(_snapshot(partner, identifiers), ensure_ascii=False),
        changed_by=actor.get_username(),
    )


def _follow_ups_enqueue(partner: Partner) -> None:
    outbox_enqueue(tasks.partner_resolve_task, partner.pk)
    outbox_enqueue(tasks.party_links_refresh_task, partner.pk)


@transaction.atomic
def partner_register(
    *,
    enterprise,
    legal_name: str,
    country: str,
    roles: list[str],
    identifiers: dict[str, str],
    address: str = "",
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    actor,
) -> Partner:
    """Register a partner of `enterprise`. `identifiers` are canonical (scheme → value)."""
    partner = Partner.objects.create(
        enterprise=enterprise,
        legal_name=legal_name,
        country=country,
        address=address,
        roles=roles,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
    )
    _identifiers_store(partner, identifiers)
    _blocking_keys_store(partner)
    _version_store(partner, identifiers, actor)
    audit_record(
        action="partners.partner.registered",
        actor=actor,
        obj=partner,
        enterprise_id=enterprise.pk,
        # Identifiers are confidential: the trail names their schemes only.
        data={
            "legal_name": legal_name,
            "country": country,
            "roles": roles,
            "identifier_schemes": sorted(identifiers),
        },
    )
    _follow_ups_enqueue(partner)
    return partner


@transaction.atomic
def partner_update(
    *,
    partner: Partner,
    legal_name: str,
    country: str,
    roles: list[str],
    identifiers: dict[str, str],
    address: str = "",
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    actor,
) -> Partner:
    """Replace a registration with a new version; the previous ones stay readable. An unchanged
    registration makes no version."""
    # Locked, so that two edits at once cannot both become the same version.
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    before = _snapshot(partner, _identifiers_of(partner))
    after = {
        "legal_name": legal_name,
        "country": country,
        "address": address,
        "roles": roles,
        "contact_name": contact_name,
        "contact_email": contact_email,
        "contact_phone": contact_phone,
        "identifiers": identifiers,
    }
    changed = sorted(name for name in after if after[name] != before[name])
    if not changed:
        return partner
    for name in REGISTRATION_FIELDS:
        setattr(partner, name, after[name])
    partner.version += 1
    identity_changed = bool(IDENTITY_FIELDS.intersection(changed))
    if identity_changed:
        # An officer's decision was about the registration as it was.
        partner.resolution = Partner.Resolution.PENDING
    partner.save()
    if "identifiers" in changed:
        _identifiers_store(partner, identifiers)
    if {"legal_name", "country"}.intersection(changed):
        _blocking_keys_store(partner)
    _version_store(partner, identifiers, actor)
    audit_record(
        action="partners.partner.changed",
        actor=actor,
        obj=partner,
        enterprise_id=partner.enterprise_id,
        data={"version": partner.version, "changed": changed},
    )
    if identity_changed:
        _follow_ups_enqueue(partner)
    return partner


@transaction.atomic
def partner_register_or_update(
    *, enterprise, partner: Partner | None, registration: dict, actor
) -> tuple[Partner, bool]:
    """Register a partner, or update `partner`, the enterprise's registration of the same
    company, with the values `registration` gives, keeping those it leaves out (a sheet row's
    blank cells), identifiers scheme by scheme. Returns the registration and whether it changed;
    an update is a new version, as an edit on the page is."""
    if partner is None:
        return partner_register(enterprise=enterprise, actor=actor, **registration), True
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    current = _snapshot(partner, _identifiers_of(partner))
    merged = {
        **current,
        **registration,
        "identifiers": {**current["identifiers"], **registration["identifiers"]},
    }
    if set(merged["roles"]) == set(current["roles"]):
        merged["roles"] = current["roles"]  # the same roles in another order change nothing
    updated = partner_update(partner=partner, actor=actor, **merged)
    return updated, updated.version != partner.version


# --- Links from consignment parties to registrations ---------------------------------------------


class _RegisteredPartners:
    """One enterprise's registrations, indexed to link the parties of its consignments."""

    def __init__(self, enterprise_id: int):
        self.by_blind_index: dict[str, Partner] = {}
        self.by_country: dict[str, list[Partner]] = defaultdict(list)
        partners = Partner.objects.filter(enterprise_id=enterprise_id).prefetch_related(
            Prefetch(
                "identifiers",
                queryset=PartnerIdentifier.objects.only("partner_id", "blind_index"),
            )
        )
        for partner in partners:
            for identifier in partner.identifiers.all():
                self.by_blind_index[identifier.blind_index] = partner
            self.by_country[partner.country].append(partner)

    def link_for(self, party: ConsignmentParty) -> tuple[Partner | None, str]:
        """By identifier first, then by a name the resolution would merge without asking."""
        if party.tax_id:
            for index in tax_id_blind_indexes(party.tax_id, country=party.country):
                if index in self.by_blind_index:
                    return self.by_blind_index[index], PartyLink.Method.IDENTIFIER
        for partner in self.by_country[party.country]:
            if matching.name_score(party.name, partner.legal_name) >= matching.MERGE_THRESHOLD:
                return partner, PartyLink.Method.NAME
        return None, PartyLink.Method.UNREGISTERED


@transaction.atomic
def consignment_parties_link(*, revision_ids: list[int]) -> None:
    """Link the parties of newly stored revisions to their enterprise's registered partners, or
    mark them unregistered. A follow-up of ingest: parties already linked are left alone, so
    running it again changes nothing."""
    parties = ConsignmentParty.objects.filter(
        revision_id__in=revision_ids, partner_link__isnull=True
    ).annotate(enterprise_pk=F("revision__consignment__enterprise_id"))
    registered: dict[int, _RegisteredPartners] = {}
    links = []
    for party in parties:
        if party.enterprise_pk not in registered:
            registered[party.enterprise_pk] = _RegisteredPartners(party.enterprise_pk)
        partner, method = registered[party.enterprise_pk].link_for(party)
        links.append(
            PartyLink(
                party=party, enterprise_id=party.enterprise_pk, partner=partner, method=method
            )
        )
    PartyLink.objects.bulk_create(links, batch_size=500, ignore_conflicts=True)


@transaction.atomic
def party_links_refresh(*, partner: Partner) -> None:
    """After a registration changed, link again the enterprise's parties that were unregistered
    or linked to it."""
    registered = _RegisteredPartners(partner.enterprise_id)
    links = PartyLink.objects.filter(enterprise_id=partner.enterprise_id).filter(
        Q(partner__isnull=True) | Q(partner=partner)
    )
    changed = []
    for link in links.select_related("party").iterator(chunk_size=2000):
        linked, method = registered.link_for(link.party)
        linked_id = linked.pk if linked else None
        if (linked_id, method) != (link.partner_id, link.method):
            link.partner_id, link.method = linked_id, method
            changed.append(link)
    PartyLink.objects.bulk_update(changed, ["partner", "method"], batch_size=500)


# --- Resolution into partner entities ---------------------------------------------------------


@dataclass
class _Alike:
    entity_id: int
    score: float
    reason: str


def _lock_resolution(country: str) -> None:
    """Resolutions in one country run one at a time, so that two registrations of one company
    arriving together cannot each found an entity. (SQLite runs one writer at a time anyway.)"""
    if connection.vendor == "postgresql":
        digest = hashlib.sha256(f"partners.resolve.{country}".encode()).digest()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)]
            )


def _entity_refresh(entity_id: int) -> None:
    """An entity is named after its earliest registration, and goes when it has none left."""
    first = Partner.objects.filter(entity_id=entity_id).order_by("created_at", "id").first()
    if first is None:
        PartnerEntity.objects.filter(pk=entity_id).delete()
    else:
        PartnerEntity.objects.filter(pk=entity_id).exclude(
            name=first.legal_name, country=first.country
        ).update(name=first.legal_name, country=first.country, updated_at=timezone.now())


def _assign(partner: Partner, *, entity_id: int | None, resolution: str, score: float | None):
    previous = partner.entity_id
    if entity_id is None:
        if (
            previous
            and not Partner.objects.filter(entity_id=previous).exclude(pk=partner.pk).exists()
        ):
            entity_id = previous  # alone in its entity already
        else:
            entity_id = PartnerEntity.objects.create(
                name=partner.legal_name, country=partner.country
            ).pk
    if (previous, partner.resolution, partner.resolution_score) == (entity_id, resolution, score):
        return  # resolved as before: a job run again changes nothing
    partner.entity_id, partner.resolution, partner.resolution_score = entity_id, resolution, score
    partner.save(update_fields=["entity", "resolution", "resolution_score", "updated_at"])
    if previous and previous != entity_id:
        _entity_refresh(previous)
    _entity_refresh(entity_id)
    audit_record(
        action="partners.partner.resolved",
        obj=partner,
        enterprise_id=partner.enterprise_id,
        data={"entity": entity_id, "resolution": resolution, "score": score},
    )


def _entities_sharing_an_identifier(partner: Partner, kept_apart: set[int]) -> list[int]:
    """Entities holding another registration with one of the partner's identifiers, oldest
    first."""
    holders = Partner.objects.filter(
        identifiers__blind_index__in=partner.identifiers.values("blind_index"),
        entity__isnull=False,
    ).exclude(pk=partner.pk)
    entities = (
        PartnerEntity.objects.filter(partners__in=holders)
        .exclude(pk__in=kept_apart)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
    )
    return list(dict.fromkeys(entities))


def _alike_entities(partner: Partner, kept_apart: set[int]) -> list[_Alike]:
    """Entities of registrations filed under one of the partner's blocking keys, each with its
    best score at or above the review threshold."""
    schemes = dict(partner.identifiers.values_list("scheme", "blind_index"))
    others = (
        Partner.objects.filter(
            blocking_keys__key__in=partner.blocking_keys.values("key"), entity__isnull=False
        )
        .exclude(pk=partner.pk)
        .exclude(entity_id__in=kept_apart)
        .distinct()
        .prefetch_related(
            Prefetch(
                "identifiers",
                queryset=PartnerIdentifier.objects.only("partner_id", "scheme", "blind_index"),
            )
        )
    )
    best: dict[int, _Alike] = {}
    for other in others:
        score = matching.pair_score(
            partner.legal_name, partner.address, other.legal_name, other.address
        )
        if score < matching.REVIEW_THRESHOLD:
            continue
        conflict = any(
            schemes.get(identifier.scheme, identifier.blind_index) != identifier.blind_index
            for identifier in other.identifiers.all()
        )
        reason = (
            MatchCandidate.Reason.IDENTIFIER_CONFLICT if conflict else MatchCandidate.Reason.NAME
        )
        if other.entity_id not in best or score > best[other.entity_id].score:
            best[other.entity_id] = _Alike(other.entity_id, score, reason)
    return sorted(best.values(), key=lambda alike: -alike.score)


@transaction.atomic
def partner_resolve(*, partner: Partner) -> None:
    """Resolve a registration to a partner entity: the entity of a registration with the same
    identifier; else the entity of a registration alike enough to merge without asking (queueing
    the others alike for an officer); else an entity of its own. Officers' decisions stand."""
    _lock_resolution(partner.country)
    partner = Partner.objects.get(pk=partner.pk)
    if partner.resolution == Partner.Resolution.OFFICER:
        return
    kept_apart = set(
        partner.candidates.filter(status=MatchCandidate.Status.APART).values_list(
            "entity_id", flat=True
        )
    )
    queue: list[_Alike]
    sharing = _entities_sharing_an_identifier(partner, kept_apart)
    if sharing:
        _assign(
            partner, entity_id=sharing[0], resolution=Partner.Resolution.IDENTIFIER, score=100.0
        )
        # One identifier in two entities: an officer decides whether to merge them.
        queue = [_Alike(other, 100.0, MatchCandidate.Reason.IDENTIFIER) for other in sharing[1:]]
    else:
        alike = _alike_entities(partner, kept_apart)
        if (
            alike
            and alike[0].score >= matching.MERGE_THRESHOLD
            and alike[0].reason == MatchCandidate.Reason.NAME
        ):
            _assign(
                partner,
                entity_id=alike[0].entity_id,
                resolution=Partner.Resolution.NAME,
                score=alike[0].score,
            )
            queue = alike[1:]
        else:
            _assign(partner, entity_id=None, resolution=Partner.Resolution.NEW, score=None)
            queue = alike
    _queue_for_officers(partner, queue)


def _queue_for_officers(partner: Partner, alike: list[_Alike]) -> None:
    """Open a candidate for each entity alike; those no longer alike leave the queue."""
    wanted = {item.entity_id: item for item in alike if item.entity_id != partner.entity_id}
    partner.candidates.filter(status=MatchCandidate.Status.OPEN).exclude(
        entity_id__in=wanted
    ).delete()
    for item in wanted.values():
        MatchCandidate.objects.update_or_create(
            partner=partner,
            entity_id=item.entity_id,
            defaults={
                "score": item.score,
                "reason": item.reason,
                "status": MatchCandidate.Status.OPEN,
                "decided_by": None,
                "decided_at": None,
            },
        )


def _decided(candidate: MatchCandidate, status: str, actor) -> None:
    candidate.status, candidate.decided_by, candidate.decided_at = status, actor, timezone.now()
    candidate.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])


@transaction.atomic
def candidate_confirm(*, candidate: MatchCandidate, actor) -> Partner:
    """An officer confirms the registration is the entity's company: it joins the entity."""
    partner, previous = candidate.partner, candidate.partner.entity_id
    partner.entity_id, partner.resolution = candidate.entity_id, Partner.Resolution.OFFICER
    partner.resolution_score = candidate.score
    partner.save(update_fields=["entity", "resolution", "resolution_score", "updated_at"])
    _decided(candidate, MatchCandidate.Status.MERGED, actor)
    partner.candidates.filter(status=MatchCandidate.Status.OPEN).delete()
    if previous:
        _entity_refresh(previous)
    _entity_refresh(candidate.entity_id)
    audit_record(
        action="partners.entity.merge_confirmed",
        actor=actor,
        obj=candidate.entity,
        data={
            "partner": partner.pk,
            "enterprise": partner.enterprise_id,
            "score": candidate.score,
            "from_entity": previous,
        },
    )
    return partner


@transaction.atomic
def candidate_keep_apart(*, candidate: MatchCandidate, actor) -> None:
    """An officer says the registration is another company than the entity's."""
    _decided(candidate, MatchCandidate.Status.APART, actor)
    audit_record(
        action="partners.entity.kept_apart",
        actor=actor,
        obj=candidate.entity,
        data={"partner": candidate.partner_id, "score": candidate.score},
    )


@transaction.atomic
def entity_merge(*, source: PartnerEntity, target: PartnerEntity, actor) -> PartnerEntity:
    """An officer merges two entities: every registration of `source` joins `target`."""
    moved = list(source.partners.values_list("pk", flat=True))
    source.partners.update(
        entity=target, resolution=Partner.Resolution.OFFICER, updated_at=timezone.now()
    )
    # Decisions about the source now concern the target, unless they became moot.
    MatchCandidate.objects.filter(entity__in=[source, target], partner__entity=target).delete()
    source.candidates.filter(partner__in=target.candidates.values("partner")).delete()
    source.candidates.update(entity=target)
    source_pk, source_name = source.pk, source.name
    source.delete()
    _entity_refresh(target.pk)
    audit_record(
        action="partners.entity.merged",
        actor=actor,
        obj=target,
        data={"merged_entity": source_pk, "merged_name": source_name, "partners": moved},
    )
    return target


@transaction.atomic
def partner_split(*, partner: Partner, actor) -> PartnerEntity:
    """An officer takes a registration out of its entity into one of its own; later resolutions
    keep it apart from the entity it left."""
    previous = partner.entity
    entity = PartnerEntity.objects.create(name=partner.legal_name, country=partner.country)
    partner.entity, partner.resolution = entity, Partner.Resolution.OFFICER
    partner.save(update_fields=["entity", "resolution", "updated_at"])
    MatchCandidate.objects.update_or_create(
        partner=partner,
        entity=previous,
        defaults={
            "status": MatchCandidate.Status.APART,
            "score": partner.resolution_score or 0.0,
            "reason": MatchCandidate.Reason.NAME,
            "decided_by": actor,
            "decided_at": timezone.now(),
        },
    )
    _entity_refresh(previous.pk)
    audit_record(
        action="partners.partner.split",
        actor=actor,
        obj=partner,
        enterprise_id=partner.enterprise_id,
        data={"from_entity": previous.pk, "to_entity": entity.pk},
    )
    return entity
