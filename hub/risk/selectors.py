from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import Http404
from django.utils import timezone

from hub.crosschecks.models import Finding, Match
from hub.declarations.models import InspectionOutcome
from hub.enterprises.models import Enterprise
from hub.enterprises.selectors import enterprise_get
from hub.partners.selectors import CHAIN_ORDER
from hub.risk import services
from hub.risk.inputs import HIT_RESULTS
from hub.risk.models import LANE_ORDER, Decision, Lane, RiskProfile, RuleSet, SupplyChainProfile
from hub.risk.permissions import reads_profiles_api, sees_risk
from hub.submissions.models import ConsignmentParty

OPEN, DECIDED, ALL = "open", "decided", "all"
EFFECTIVE_LANE = Coalesce(NullIf("decided_lane", Value("")), "lane")


def ruleset_current() -> RuleSet:
    """The latest version, which the next refresh uses; the defaults on a fresh database."""
    return RuleSet.objects.order_by("-version").first() or services.ruleset_default_install()


def ruleset_list() -> QuerySet[RuleSet]:
    return RuleSet.objects.select_related("created_by").annotate(rule_count=Count("rules"))


def ruleset_get(*, version) -> RuleSet:
    try:
        return RuleSet.objects.select_related("created_by").get(version=version)
    except (RuleSet.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _visible_profiles(viewer) -> QuerySet[RiskProfile]:
    if not (sees_risk(viewer) or reads_profiles_api(viewer)):
        return RiskProfile.objects.none()
    return RiskProfile.objects.all()


def profile_list(
    *,
    visible_to,
    lane: str = "",
    office: str = "",
    enterprise_id: int | None = None,
    older_than_hours: int | None = None,
    status: str = OPEN,
    declaration_number: str = "",
    current_only: bool = True,
) -> QuerySet[RiskProfile]:
    """The queue: current profiles by lane (the decided one once decided), office, enterprise and
    age, the oldest declaration first."""
    profiles = _visible_profiles(visible_to).annotate(effective=EFFECTIVE_LANE)
    if current_only:
        profiles = profiles.filter(is_current=True)
    if lane:
        profiles = profiles.filter(effective=lane)
    if office:
        profiles = profiles.filter(customs_office=office)
    if enterprise_id is not None:
        profiles = profiles.filter(enterprise_id=enterprise_id)
    if older_than_hours:
        profiles = profiles.filter(
            declared_at__lte=timezone.now() - timedelta(hours=older_than_hours)
        )
    if status == OPEN:
        profiles = profiles.filter(decided_at__isnull=True)
    elif status == DECIDED:
        profiles = profiles.filter(decided_at__isnull=False)
    if declaration_number:
        profiles = profiles.filter(declaration__number=declaration_number)
    return profiles.select_related("declaration", "enterprise", "rule_set").order_by(
        "declared_at", "id"
    )


def profile_get(*, visible_to, pk) -> RiskProfile:
    try:
        return (
            _visible_profiles(visible_to)
            .select_related("declaration", "enterprise", "rule_set")
            .get(pk=pk)
        )
    except (RiskProfile.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def profile_current_of(*, profile: RiskProfile) -> RiskProfile | None:
    if profile.is_current:
        return profile
    return RiskProfile.objects.filter(
        declaration_id=profile.declaration_id, is_current=True
    ).first()


@dataclass
class ProfileHistory:
    profiles: list
    decisions: list
    inspections: list


def profile_history(*, profile: RiskProfile) -> ProfileHistory:
    declaration_id = profile.declaration_id
    return ProfileHistory(
        profiles=list(
            RiskProfile.objects.filter(declaration_id=declaration_id)
            .select_related("rule_set")
            .order_by("-created_at", "-id")
        ),
        decisions=list(
            Decision.objects.filter(profile__declaration_id=declaration_id).select_related(
                "decided_by", "profile"
            )
        ),
        inspections=list(InspectionOutcome.objects.filter(declaration_id=declaration_id)),
    )


def profile_findings(*, profile: RiskProfile) -> QuerySet[Finding]:
    return Finding.objects.filter(declaration_id=profile.declaration_id)


def profile_parties(*, profile: RiskProfile) -> list[ConsignmentParty]:
    """The supply chain behind the declaration: the parties of the shared consignments compared
    with it, from the manufacturer to the carrier, each with the partner it was linked to."""
    revisions = Match.objects.filter(declaration_id=profile.declaration_id).values("revision_id")
    parties = list(
        ConsignmentParty.objects.filter(revision_id__in=Subquery(revisions)).select_related(
            "revision__consignment", "partner_link__partner__entity"
        )
    )
    parties.sort(key=lambda party: (party.revision_id, CHAIN_ORDER.index(party.role)))
    return parties


@dataclass
class SupplyChain:
    enterprise: Enterprise
    profile: SupplyChainProfile | None
    recent_inspections: list
    recent_findings: list
    lanes: dict


def supply_chain_get(*, visible_to, enterprise_pk) -> SupplyChain:
    if not sees_risk(visible_to):
        raise Http404
    enterprise = enterprise_get(visible_to=visible_to, pk=enterprise_pk)
    lanes = dict(
        RiskProfile.objects.filter(enterprise=enterprise, is_current=True)
        .annotate(effective=EFFECTIVE_LANE)
        .values("effective")
        .annotate(count=Count("id"))
        .values_list("effective", "count")
    )
    return SupplyChain(
        enterprise=enterprise,
        profile=SupplyChainProfile.objects.filter(enterprise=enterprise).first(),
        recent_inspections=list(
            InspectionOutcome.objects.filter(declaration__consignee=enterprise).select_related(
                "declaration"
            )[:20]
        ),
        recent_findings=list(
            Finding.objects.filter(declaration__consignee=enterprise)
            .select_related("declaration")
            .order_by("-declaration__declared_at", "declaration_id", "id")[:20]
        ),
        lanes={lane: lanes.get(lane, 0) for lane in LANE_ORDER},
    )


def office_choices() -> list[str]:
    return list(
        RiskProfile.objects.filter(is_current=True)
        .order_by("customs_office")
        .values_list("customs_office", flat=True)
        .distinct()
    )


def enterprise_choices() -> list[tuple[int, str]]:
    """The enterprises with a declaration in the queue, for its filter."""
    return list(
        Enterprise.objects.filter(
            pk__in=RiskProfile.objects.filter(is_current=True).values("enterprise_id")
        )
        .order_by("legal_name")
        .values_list("pk", "legal_name")
    )


@dataclass
class LaneRow:
    lane: str
    expected_share: float
    declarations: int = 0
    random_checks: int = 0
    inspections: int = 0
    found: int = 0
    random_inspections: int = 0
    random_found: int = 0
    share: float | None = None

    @property
    def label(self) -> str:
        return Lane(self.lane).label

    @property
    def found_share(self) -> float | None:
        return self.found / self.inspections if self.inspections else None

    @property
    def random_found_share(self) -> float | None:
        return self.random_found / self.random_inspections if self.random_inspections else None


def calibration_report(*, since: datetime, until: datetime) -> list[LaneRow]:
    """For each lane, over the declarations declared in [since, until): how many it carries
    against the share expected of it, and how many of its inspections found something. An
    inspection counts in the lane the declaration was in when the outcome was recorded; those of
    random checks are also counted apart, as they estimate what the lane lets through."""
    expected = ruleset_current().expected_shares
    rows = {lane: LaneRow(lane=lane, expected_share=float(expected[lane])) for lane in LANE_ORDER}
    profiles = RiskProfile.objects.filter(
        is_current=True, declared_at__gte=since, declared_at__lt=until
    )
    for lane, count, random_checks in (
        profiles.annotate(effective=EFFECTIVE_LANE)
        .values("effective")
        .annotate(count=Count("id"), random_checks=Count("id", filter=Q(random_check=True)))
        .values_list("effective", "count", "random_checks")
    ):
        rows[lane].declarations, rows[lane].random_checks = count, random_checks
    at_the_time = RiskProfile.objects.filter(
        declaration_id=OuterRef("declaration_id"), created_at__lte=OuterRef("created_at")
    ).order_by("-created_at", "-id")
    for lane, random_check, count, found in (
        InspectionOutcome.objects.filter(
            declaration__declared_at__gte=since, declaration__declared_at__lt=until
        )
        .annotate(
            lane=Subquery(at_the_time.annotate(effective=EFFECTIVE_LANE).values("effective")[:1]),
            random_check=Subquery(at_the_time.values("random_check")[:1]),
        )
        .filter(lane__isnull=False)
        .values("lane", "random_check")
        .annotate(count=Count("id"), found=Count("id", filter=Q(result__in=HIT_RESULTS)))
        .values_list("lane", "random_check", "count", "found")
    ):
        row = rows[lane]
        row.inspections += count
        row.found += found
        if random_check:
            row.random_inspections += count
            row.random_found += found
    total = sum(row.declarations for row in rows.values())
    for row in rows.values():
        row.share = row.declarations / total if total else None
    return list(rows.values())
