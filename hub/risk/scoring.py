"""The engine itself, with no database: factors from the gathered inputs, each with its value, its
contribution to the score and its evidence; then the rules, the lane and the random draw.

A score starts at BASE_SCORE; negative contributions are reassurance, positive ones risk. The
contributions are fixed here and documented in docs/risk.md; what officers tune is data: the rules
(weights and lane floors), the lane thresholds and the random rates of a rule-set version.
"""

import hashlib
import hmac
import marshal
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hub.crosschecks.models import CrossCheck, Finding
from hub.declarations.models import InspectionOutcome
from hub.enterprises.models import AeoStatus, CreditRating
from hub.risk.conditions import condition_compile, condition_fields
from hub.risk.inputs import (
    CHECKED_OUTCOMES,
    COMPLETENESS_KEYS,
    EVIDENCE_IDS,
    TWO_YEARS,
    YEAR,
    DeclarationInputs,
    EnterpriseInputs,
    EntityHistories,
    recency_weight,
)
from hub.risk.models import Lane, lane_at_least

BASE_SCORE = 45.0
RATING_POINTS = {
    CreditRating.ADVANCED_CERTIFIED: -12.0,
    CreditRating.GENERAL: -2.0,
    CreditRating.UNRATED: 0.0,
    CreditRating.DISHONEST: 30.0,
}
AEO_POINTS = {
    AeoStatus.CERTIFIED: -8.0,
    AeoStatus.NONE: 0.0,
    AeoStatus.SUSPENDED: 10.0,
    AeoStatus.REVOKED: 20.0,
}
# Clean checks the consistency rate starts from, so that one difference in a short record does
# not count as a habit.
CONSISTENCY_PRIOR = 5.0
SEVERITIES = tuple(Finding.Severity.values)
FINDING_POINTS = {
    Finding.Severity.HIGH: 15.0,
    Finding.Severity.MEDIUM: 6.0,
    Finding.Severity.LOW: 2.0,
}

FACTOR_LABELS = {
    "participation": gettext_lazy("Participation"),
    "credit": gettext_lazy("Credit rating and AEO status"),
    "completeness": gettext_lazy("Completeness"),
    "timeliness": gettext_lazy("Timeliness"),
    "coverage": gettext_lazy("Coverage"),
    "crosscheck": gettext_lazy("Cross-check of this declaration"),
    "consistency": gettext_lazy("Consistency over time"),
    "partners": gettext_lazy("Partner transparency"),
    "inspections": gettext_lazy("Inspection history"),
    "rules": gettext_lazy("Rules on route, country and commodity"),
}


def _factor(key: str, value: dict, contribution: float, ids: dict) -> dict:
    return {
        "key": key,
        "value": value,
        "contribution": round(contribution, 2) + 0.0,  # never -0.0
        "evidence": {"ids": ids},
    }


def _months_between(start: datetime | None, end: datetime) -> int:
    return max(0, int((end - start).days / 30.44)) if start else 0


# --- Factors ---------------------------------------------------------------------------------


def participation_factor(enterprise: EnterpriseInputs | None, shared, as_of) -> dict:
    agreement = enterprise.agreement if enterprise else None
    channels = {item.channel for item in shared}
    channel = "none" if not channels else ("api" if channels == {"api"} else "excel")
    ids = {"revisions": [item.revision_id for item in shared]}
    if agreement is None:
        return _factor(
            "participation", {"agreement": "none", "months": 0, "channel": channel}, 0.0, ids
        )
    ids["agreements"] = [agreement["id"]]
    months = _months_between(agreement["since"], as_of)
    value = {
        "agreement": agreement["status"],
        "months": months,
        "channel": channel,
        "version": agreement["version"],
    }
    if agreement["status"] != "active":
        return _factor("participation", value, 5.0, ids)
    points = -10.0 - 5.0 * min(months, 24) / 24
    if channel == "api":
        points -= 3.0
    elif channel == "excel":
        points -= 1.0
    return _factor("participation", value, points, ids)


def credit_factor(enterprise: EnterpriseInputs | None) -> dict:
    if enterprise is None:
        value = {"rating": CreditRating.UNRATED.value, "aeo": AeoStatus.NONE.value, "known": False}
        return _factor("credit", value, 0.0, {})
    value = {"rating": enterprise.credit_rating, "aeo": enterprise.aeo_status, "known": True}
    points = RATING_POINTS.get(enterprise.credit_rating, 0.0) + AEO_POINTS.get(
        enterprise.aeo_status, 0.0
    )
    ids = {"enterprises": [enterprise.enterprise_id]}
    if enterprise.rating_change_id:
        ids["rating_changes"] = [enterprise.rating_change_id]
    return _factor("credit", value, points, ids)


def completeness_factor(shared) -> dict:
    ids = {"revisions": [item.revision_id for item in shared]}
    if not shared:
        return _factor("completeness", {"share": None, "fields": len(COMPLETENESS_KEYS)}, 0.0, ids)
    share = round(sum(item.completeness for item in shared) / len(shared), 3)
    return _factor(
        "completeness", {"share": share, "fields": len(COMPLETENESS_KEYS)}, -8.0 * share, ids
    )


def timeliness_factor(shared) -> dict:
    ids = {"revisions": [item.revision_id for item in shared]}
    if not shared:
        return _factor("timeliness", {"hours": None}, 0.0, ids)
    # The latest of the consignments behind the declaration is the one that counts.
    hours = round(min(item.hours_before_arrival for item in shared), 1)
    points = 5.0 if hours < 0 else -5.0 * min(hours, 48.0) / 48.0
    return _factor("timeliness", {"hours": hours}, points, ids)


def coverage_factor(enterprise: EnterpriseInputs | None) -> dict:
    if enterprise is None or not enterprise.declarations:
        declarations = enterprise.declarations if enterprise else 0
        value = {"share": None, "declarations": declarations, "matched": 0}
        return _factor("coverage", value, 0.0, {})
    share = round(enterprise.matched / enterprise.declarations, 3)
    value = {"share": share, "declarations": enterprise.declarations, "matched": enterprise.matched}
    return _factor("coverage", value, -8.0 * share, {"enterprises": [enterprise.enterprise_id]})


def crosscheck_factor(outcome: str | None, findings) -> dict:
    counts = dict.fromkeys(SEVERITIES, 0)
    by_severity: dict[str, list[str]] = {severity: [] for severity in SEVERITIES}
    for _id, finding_type, severity in findings:
        counts[severity] += 1
        if finding_type not in by_severity[severity]:
            by_severity[severity].append(finding_type)
    value = {
        "outcome": outcome or "none",
        "high": counts["high"],
        "medium": counts["medium"],
        "low": counts["low"],
        "types": sorted({finding_type for _id, finding_type, _s in findings}),
        "high_types": by_severity["high"],
        "medium_types": by_severity["medium"],
    }
    ids = {"findings": [finding_id for finding_id, _t, _s in findings]}
    if outcome == CrossCheck.Outcome.CONSISTENT:
        points = -8.0
    elif outcome == CrossCheck.Outcome.FINDINGS:
        points = min(40.0, sum(FINDING_POINTS[severity] for _i, _t, severity in findings))
    else:
        points = 0.0
    return _factor("crosscheck", value, points, ids)


def consistency_factor(
    enterprise: EnterpriseInputs | None, own: DeclarationInputs | None, as_of
) -> dict:
    """The enterprise's severity-weighted differences per declaration checked against its shared
    data in the last year, recent ones counting double, from a prior of clean checks; without the
    declaration's own."""
    if enterprise is None:
        return _factor("consistency", {"rate": None, "checked": 0, "with_findings": 0}, 0.0, {})
    checked, checked_weight = enterprise.checked, enterprise.checked_weight
    findings_weight = enterprise.findings_weight
    with_findings = enterprise.with_findings
    if own is not None and own.outcome in CHECKED_OUTCOMES and own.declared_at >= as_of - YEAR:
        checked -= 1
        checked_weight -= recency_weight(own.declared_at, as_of)
        with_findings = [item for item in with_findings if item[0] != own.declaration_id]
        findings_weight -= sum(
            weight
            for declaration_id, weight in enterprise.with_findings
            if declaration_id == own.declaration_id
        )
    if checked <= 0 or checked_weight <= 0:
        return _factor("consistency", {"rate": None, "checked": 0, "with_findings": 0}, 0.0, {})
    rate = round(max(0.0, findings_weight) / (checked_weight + CONSISTENCY_PRIOR), 3)
    points = min(30.0, 40.0 * rate) - 4.0 * min(checked, 20) / 20
    value = {"rate": rate, "checked": checked, "with_findings": len(with_findings)}
    ids = {"declarations": [item[0] for item in with_findings[:EVIDENCE_IDS]]}
    return _factor("consistency", value, points, ids)


def partners_factor(parties, histories: EntityHistories, own_declaration_id: int | None) -> dict:
    entity_ids = tuple(sorted({party.entity_id for party in parties if party.entity_id}))
    history = histories.together(entity_ids)
    own_issue = own_declaration_id in history.issues
    issues = len(history.issues) - own_issue
    seizures = len(history.seizures) - (own_declaration_id in history.seizures)
    count = len(parties)
    registered = sum(1 for party in parties if party.partner_id)
    identified = sum(1 for party in parties if party.partner_id and party.identified)
    value = {
        "parties": count,
        "registered": registered,
        "identified": identified,
        "registered_share": round(registered / count, 3) if count else None,
        "identified_share": round(identified / count, 3) if count else None,
        "entity_issues": issues,
        "entity_seizures": seizures,
    }
    points = (-4.0 * registered - 4.0 * identified) / count if count else 0.0
    points += min(10.0, 2.5 * issues) + (10.0 if seizures else 0.0)
    ids = {
        "parties": [party.id for party in parties],
        "partners": sorted({party.partner_id for party in parties if party.partner_id}),
        "entities": list(entity_ids),
        "declarations": [pk for pk in history.latest if pk != own_declaration_id][-EVIDENCE_IDS:],
    }
    return _factor("partners", value, points, ids)


def enterprise_partners_factor(enterprise: EnterpriseInputs) -> dict:
    count = enterprise.parties
    value = {
        "parties": count,
        "registered": enterprise.registered,
        "identified": enterprise.identified,
        "registered_share": round(enterprise.registered / count, 3) if count else None,
        "identified_share": round(enterprise.identified / count, 3) if count else None,
        "entity_issues": 0,
        "entity_seizures": 0,
    }
    points = (-4.0 * enterprise.registered - 4.0 * enterprise.identified) / count if count else 0.0
    return _factor("partners", value, points, {"enterprises": [enterprise.enterprise_id]})


def inspections_factor(
    enterprise: EnterpriseInputs | None, own: DeclarationInputs | None, as_of
) -> dict:
    """Inspections of the enterprise's declarations in the last two years, its own excepted: a
    clean record reassures a little, hits weigh by their smoothed rate, seizures more."""
    if enterprise is None:
        value = {"count": 0, "discrepancies": 0, "seizures": 0, "hit_rate": None}
        return _factor("inspections", value, 0.0, {})
    count, discrepancies, seizures = (
        enterprise.inspections,
        enterprise.discrepancies,
        enterprise.seizures,
    )
    hits = enterprise.hits
    if own is not None and own.outcomes:
        for result, inspected_at in own.outcomes:
            if inspected_at >= as_of - TWO_YEARS:
                count -= 1
                discrepancies -= result == InspectionOutcome.Result.DISCREPANCY
                seizures -= result == InspectionOutcome.Result.SEIZURE
        hits = [hit for hit in hits if hit[1] != own.declaration_id]
    found = discrepancies + seizures
    value = {
        "count": count,
        "discrepancies": discrepancies,
        "seizures": seizures,
        "hit_rate": round(found / count, 3) if count else None,
    }
    if found == 0:
        points = -0.5 * min(count, 10)
    else:
        points = min(30.0, 60.0 * found / (count + 3)) + 10.0 * min(seizures, 2)
    ids = {"inspections": [outcome_id for outcome_id, _d in hits[:EVIDENCE_IDS]]}
    return _factor("inspections", value, points, ids)


# --- Rules, lanes and the draw ---------------------------------------------------------------


@dataclass(frozen=True)
class CompiledRule:
    key: str
    name: str
    rationale: str
    weight: float | None
    floor: str
    holds: object

    def snapshot(self) -> dict:
        return {
            "key": self.key,
            "name": self.name,
            "rationale": self.rationale,
            "weight": self.weight,
            "floor": self.floor,
        }


@dataclass(frozen=True)
class CompiledRuleSet:
    id: int
    version: int
    green_below: float
    red_from: float
    random_rates: dict
    rules: tuple
    # the fields the rules read, the only ones worked out for each profile
    fields: frozenset


def rule_set_compile(rule_set) -> CompiledRuleSet:
    rules = list(rule_set.rules.all())
    return CompiledRuleSet(
        id=rule_set.pk,
        version=rule_set.version,
        green_below=float(rule_set.green_below),
        red_from=float(rule_set.red_from),
        random_rates={lane: float(rate) for lane, rate in rule_set.random_rates.items()},
        rules=tuple(
            CompiledRule(
                key=rule.key,
                name=rule.name,
                rationale=rule.rationale,
                weight=float(rule.weight) if rule.weight is not None else None,
                floor=rule.floor,
                holds=condition_compile(rule.condition),
            )
            for rule in rules
        ),
        fields=frozenset(name for rule in rules for name in condition_fields(rule.condition)),
    )


def random_draw(declaration_number: str) -> float:
    """A number in [0, 1) fixed by the declaration and the secret seed: refreshing a profile never
    draws again, and nobody without the seed can tell which declarations will be drawn."""
    seed = settings.RISK_RANDOM_SEED or settings.SECRET_KEY
    message = f"risk-draw:{declaration_number}".encode()
    digest = hmac.new(seed.encode(), message, hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


# The declaration's own fields rules may read, besides the factors' values.
DECLARATION_FIELDS = {
    "declaration.office": lambda declaration: declaration.office,
    "declaration.consignor_country": lambda declaration: declaration.consignor_country,
    "declaration.port_of_entry": lambda declaration: declaration.port_of_entry,
    "declaration.transport_mode": lambda declaration: declaration.transport_mode,
    "declaration.trade_terms": lambda declaration: declaration.trade_terms,
    "declaration.hs_codes": lambda declaration: declaration.hs_codes,
    "declaration.origin_countries": lambda declaration: declaration.origin_countries,
    "declaration.items": lambda declaration: len(declaration.hs_codes),
    "route.ports_of_loading": lambda declaration: sorted(
        {item.port_of_loading for item in declaration.shared}
    ),
    "route.transshipped": lambda declaration: (
        bool(declaration.origin_countries)
        and declaration.consignor_country not in declaration.origin_countries
    ),
}


def rule_values(declaration: DeclarationInputs, factors: list[dict], fields) -> dict:
    """The values of `fields` (hub.risk.conditions.FIELDS) that the rules read."""
    measured = {factor["key"]: factor["value"] for factor in factors}
    values = {}
    for name in fields:
        group, _, measure = name.partition(".")
        if group in measured:
            values[name] = measured[group].get(measure)
        else:
            values[name] = DECLARATION_FIELDS[name](declaration)
    return values


def lane_for(score: float, *, green_below: float, red_from: float) -> str:
    """The lane of a score by the thresholds alone, before any rule's floor."""
    if score < green_below:
        return Lane.GREEN.value
    if score >= red_from:
        return Lane.RED.value
    return Lane.YELLOW.value


@dataclass(slots=True)
class Outcome:
    score: float
    lane: str
    random_check: bool
    draw: float
    factors: list
    fired_rules: list
    fingerprint: str


def profile_compute(
    declaration: DeclarationInputs,
    enterprise: EnterpriseInputs | None,
    histories: EntityHistories,
    rule_set: CompiledRuleSet,
    as_of: datetime,
) -> Outcome:
    shared = declaration.shared
    factors = [
        participation_factor(enterprise, shared, as_of),
        credit_factor(enterprise),
        completeness_factor(shared),
        timeliness_factor(shared),
        coverage_factor(enterprise),
        crosscheck_factor(declaration.outcome, declaration.findings),
        consistency_factor(enterprise, declaration, as_of),
        partners_factor(declaration.parties, histories, declaration.declaration_id),
        inspections_factor(enterprise, declaration, as_of),
    ]
    values = rule_values(declaration, factors, rule_set.fields)
    fired = [rule for rule in rule_set.rules if rule.holds(values)]
    weighted = [rule for rule in fired if rule.weight is not None]
    factors.append(
        _factor(
            "rules",
            {"fired": [rule.name for rule in weighted]},
            sum(rule.weight for rule in weighted),
            {"rules": [rule.key for rule in weighted]},
        )
    )
    score = round(BASE_SCORE + sum(factor["contribution"] for factor in factors), 2)
    lane = lane_for(score, green_below=rule_set.green_below, red_from=rule_set.red_from)
    for rule in fired:
        if rule.floor:
            lane = lane_at_least(lane, rule.floor)
    draw = random_draw(declaration.number)
    random_check = draw < rule_set.random_rates[lane]
    fired_rules = [rule.snapshot() for rule in fired]
    consignment_ids = [item.consignment_id for item in shared]
    # marshal's version 2 writes equal values alike, shared or not, and is many times faster
    # than JSON; the fingerprint only ever meets fingerprints made by this same code.
    fingerprint = hashlib.sha256(
        marshal.dumps(
            (rule_set.id, score, lane, random_check, factors, fired_rules, consignment_ids), 2
        )
    ).hexdigest()
    return Outcome(score, lane, random_check, draw, factors, fired_rules, fingerprint)


def supply_chain_compute(enterprise: EnterpriseInputs, as_of: datetime) -> tuple[float, list]:
    """The enterprise's own standing: the factors its declarations share, without any one
    declaration's data."""
    factors = [
        participation_factor(enterprise, [], as_of),
        credit_factor(enterprise),
        coverage_factor(enterprise),
        consistency_factor(enterprise, None, as_of),
        enterprise_partners_factor(enterprise),
        inspections_factor(enterprise, None, as_of),
    ]
    return round(BASE_SCORE + sum(factor["contribution"] for factor in factors), 2), factors


# --- Explaining ------------------------------------------------------------------------------


def _own_left_out(sentence: str, of_declaration: bool) -> str:
    if not of_declaration:
        return sentence
    return sentence + " " + _("This declaration's own record is left out.")


def _percent(share) -> str:
    return f"{share * 100:.0f}"


def factor_sentence(factor: dict, *, of_declaration: bool = True) -> str:
    """The evidence of a factor in a sentence of the reader's language. A declaration's history
    factors leave its own record out; an enterprise's cover all of its declarations."""
    key, value = factor["key"], factor["value"]
    if key == "participation":
        if value["agreement"] == "none":
            return _("The enterprise has no data-sharing agreement in force.")
        if value["agreement"] != "active":
            return (
                _("The enterprise's data-sharing agreement (version %(version)s) is suspended.")
                % value
            )
        if value["channel"] == "none":
            return (
                _(
                    "Agreement version %(version)s in force, participating for %(months)s "
                    "months; no shared data is matched to this declaration."
                )
                % value
            )
        return _(
            "Agreement version %(version)s in force, participating for %(months)s months; the "
            "shared data behind this declaration came by %(channel)s."
        ) % {**value, "channel": _("API") if value["channel"] == "api" else _("Excel upload")}
    if key == "credit":
        if not value["known"]:
            return _("The consignee is not an enterprise of the hub: no rating is known.")
        return _("Credit rating: %(rating)s; AEO status: %(aeo)s.") % {
            "rating": CreditRating(value["rating"]).label,
            "aeo": AeoStatus(value["aeo"]).label,
        }
    if key == "completeness":
        if value["share"] is None:
            return _("No shared data is matched to this declaration.")
        return _(
            "%(percent)s%% of the catalogue's %(fields)s optional fields were shared in the "
            "consignments behind this declaration."
        ) % {"percent": _percent(value["share"]), "fields": value["fields"]}
    if key == "timeliness":
        if value["hours"] is None:
            return _("No shared data is matched to this declaration.")
        if value["hours"] < 0:
            return _("Shared %(hours)s hours after the estimated arrival.") % {
                "hours": -value["hours"]
            }
        return _("Shared %(hours)s hours before the estimated arrival.") % value
    if key == "coverage":
        if value["share"] is None:
            return _("The enterprise has no declaration in the last 12 months.")
        return _(
            "%(matched)s of the enterprise's %(declarations)s declarations in the last 12 months "
            "were matched to shared data (%(percent)s%%)."
        ) % {**value, "percent": _percent(value["share"])}
    if key == "crosscheck":
        outcome = value["outcome"]
        if outcome == "none":
            return _("Not cross-checked yet.")
        if outcome == CrossCheck.Outcome.NO_SHARED_DATA:
            return _("Cross-checked: no shared data matched this declaration.")
        if outcome == CrossCheck.Outcome.CONSISTENT:
            return _("Consistent with the shared data.")
        return (
            _(
                "Differences from the shared data: %(high)s of high, %(medium)s of medium and "
                "%(low)s of low severity."
            )
            % value
        )
    if key == "consistency":
        if value["rate"] is None:
            return _(
                "No declaration of the enterprise was checked against shared data in the last 12 "
                "months."
            )
        sentence = _(
            "%(with_findings)s of %(checked)s declarations of the enterprise checked against "
            "shared data in the last 12 months had differences (severity-weighted rate %(rate)s, "
            "recent ones counting double)."
        )
        return _own_left_out(sentence % value, of_declaration)
    if key == "partners":
        if not value["parties"]:
            return _("No supply-chain party is named in shared data.")
        return (
            _(
                "%(registered)s of the %(parties)s parties named in the shared data are registered "
                "partners, %(identified)s with an identifier; %(entity_issues)s other declarations "
                "naming these partners, by any importer, went wrong (%(entity_seizures)s seizures)."
            )
            % value
        )
    if key == "inspections":
        if not value["count"]:
            sentence = _("No inspection of the enterprise's declarations in the last 24 months.")
            return _own_left_out(sentence, of_declaration)
        sentence = _(
            "%(count)s inspections of the enterprise's declarations in the last 24 months: "
            "%(discrepancies)s found a discrepancy, %(seizures)s ended in a seizure."
        )
        return _own_left_out(sentence % value, of_declaration)
    if value["fired"]:
        return _("Rules adding weight: %(rules)s.") % {"rules": ", ".join(value["fired"])}
    return _("No rule added weight.")


def factor_label(key: str) -> str:
    return str(FACTOR_LABELS[key])


def lane_explanation(*, score, lane, fired_rules, green_below, red_from) -> str:
    """Why the profile is in its lane, in a sentence."""
    base = lane_for(float(score), green_below=float(green_below), red_from=float(red_from))
    floors = [rule["name"] for rule in fired_rules if rule["floor"]]
    sentence = _(
        "Score %(score)s: %(lane)s by the thresholds (green below %(green)s, red from %(red)s)."
    ) % {
        "score": score,
        "lane": Lane(base).label,
        "green": green_below,
        "red": red_from,
    }
    if lane != base:
        sentence += " " + _("Raised to %(lane)s by: %(rules)s.") % {
            "lane": Lane(lane).label,
            "rules": "; ".join(floors),
        }
    return sentence
