"""Writes of the risk app: refreshing profiles set-based, the officers' decisions, and new versions
of the rule set."""

from dataclasses import dataclass
from decimal import Decimal

import psycopg
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from hub.core.audit import audit_record
from hub.core.bulk import bulk_insert, id_list
from hub.core.memory import cycle_collection_paused
from hub.core.outbox import outbox_enqueue
from hub.declarations.models import Declaration, DeclarationStatus
from hub.risk import tasks
from hub.risk.conditions import condition_parse
from hub.risk.defaults import DEFAULT_RULES, DEFAULT_SETTINGS
from hub.risk.inputs import (
    EntityHistories,
    declaration_inputs,
    enterprise_inputs,
    entity_histories,
)
from hub.risk.models import (
    LANE_ORDER,
    Decision,
    Lane,
    RiskProfile,
    Rule,
    RuleSet,
    SupplyChainProfile,
)
from hub.risk.scoring import profile_compute, rule_set_compile, supply_chain_compute
from hub.tracking.timings import release_timings_lane_set

PROFILE_COLUMNS = [
    "declaration",
    "enterprise",
    "customs_office",
    "declared_at",
    "rule_set",
    "score",
    "lane",
    "random_check",
    "draw",
    "factors",
    "fired_rules",
    "consignment_ids",
    "fingerprint",
    "created_at",
    "is_current",
    "decided_lane",
]


# --- Rule sets -------------------------------------------------------------------------------


class RuleSetConflict(Exception):
    """Another version was saved since the one being edited."""


def _rule_rows(rules: list[dict]) -> list[dict]:
    """Rules as the version stores them, keys made unique."""
    rows, taken = [], set()
    for rule in rules:
        key = rule.get("key") or slugify(rule["name"])[:50] or "rule"
        base, number = key, 2
        while key in taken:
            key, number = f"{base}-{number}", number + 1
        taken.add(key)
        rows.append({**rule, "key": key})
    return rows


def _check_settings(values: dict) -> None:
    """The invariants every version keeps whatever the caller checked: no lane is ever without
    random inspections, and the expected shares cover every declaration."""
    rates = values["random_rates"]
    shares = values["expected_shares"]
    if set(rates) != set(Lane.values) or set(shares) != set(Lane.values):
        raise ValueError("random rates and expected shares are needed for every lane")
    if any(Decimal(rate) < Decimal(str(settings.RISK_MIN_RANDOM_RATE)) for rate in rates.values()):
        raise ValueError("a random inspection rate is below RISK_MIN_RANDOM_RATE")
    if abs(sum(Decimal(share) for share in shares.values()) - 1) > Decimal("0.001"):
        raise ValueError("the expected shares do not add up to 1")
    if Decimal(values["green_below"]) > Decimal(values["red_from"]):
        raise ValueError("green_below is above red_from")


def _version_store(*, version: int, note: str, values: dict, rules: list[dict], actor) -> RuleSet:
    _check_settings(values)
    rule_set = RuleSet.objects.create(
        version=version,
        note=note,
        green_below=values["green_below"],
        red_from=values["red_from"],
        random_rates={lane: str(rate) for lane, rate in values["random_rates"].items()},
        expected_shares={lane: str(share) for lane, share in values["expected_shares"].items()},
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    Rule.objects.bulk_create(
        Rule(
            rule_set=rule_set,
            key=rule["key"],
            position=position,
            name=rule["name"],
            condition=rule["condition"],
            weight=rule.get("weight"),
            floor=rule.get("floor") or "",
            rationale=rule["rationale"],
        )
        for position, rule in enumerate(_rule_rows(rules), start=1)
    )
    return rule_set


def ruleset_default_install() -> RuleSet:
    """Version 1 from hub/risk/defaults.py, when there is no rule set at all."""
    existing = RuleSet.objects.order_by("-version").first()
    if existing is not None:
        return existing
    rules = [{**rule, "condition": condition_parse(rule["condition"])} for rule in DEFAULT_RULES]
    try:
        with transaction.atomic():
            rule_set = _version_store(
                version=1,
                note="The hub's default rules.",
                values=DEFAULT_SETTINGS,
                rules=rules,
                actor=None,
            )
            audit_record(action="risk.ruleset.installed", obj=rule_set, data={"version": 1})
            return rule_set
    except IntegrityError:  # installed meanwhile by another process
        return RuleSet.objects.get(version=1)


def _settings_of(rule_set: RuleSet) -> dict:
    return {
        "green_below": rule_set.green_below,
        "red_from": rule_set.red_from,
        "random_rates": rule_set.random_rates,
        "expected_shares": rule_set.expected_shares,
    }


def _rules_of(rule_set: RuleSet) -> list[dict]:
    return [
        {
            "key": rule.key,
            "name": rule.name,
            "condition": rule.condition,
            "weight": rule.weight,
            "floor": rule.floor,
            "rationale": rule.rationale,
        }
        for rule in rule_set.rules.all()
    ]


@transaction.atomic
def ruleset_version_create(
    *, base: RuleSet, note: str, actor, rules: list[dict] | None = None, values: dict | None = None
) -> RuleSet:
    """The next version: `base` with its rules and/or settings replaced. Refused with
    RuleSetConflict when `base` is no longer the latest, so that no edit is silently lost."""
    latest = RuleSet.objects.select_for_update().order_by("-version").first()
    if latest is None or latest.pk != base.pk:
        raise RuleSetConflict
    rule_set = _version_store(
        version=base.version + 1,
        note=note,
        values=values if values is not None else _settings_of(base),
        rules=rules if rules is not None else _rules_of(base),
        actor=actor,
    )
    before = {rule["key"]: rule for rule in _rules_of(base)}
    after = {rule["key"]: rule for rule in _rules_of(rule_set)}
    audit_record(
        action="risk.ruleset.version_created",
        actor=actor,
        obj=rule_set,
        data={
            "version": rule_set.version,
            "based_on": base.version,
            "note": note,
            "rules_added": sorted(set(after) - set(before)),
            "rules_removed": sorted(set(before) - set(after)),
            "rules_changed": sorted(
                key for key in set(after) & set(before) if after[key] != before[key]
            ),
            "settings_changed": _settings_of(rule_set) != _settings_of(base),
        },
    )
    return rule_set


def rule_save(*, base: RuleSet, key: str, rule: dict, note: str, actor) -> RuleSet:
    """A new version with the rule `key` replaced, or with a new rule when `key` is ""."""
    rules = _rules_of(base)
    if key:
        rules = [{**rule, "key": key} if item["key"] == key else item for item in rules]
    else:
        rules.append({**rule, "key": ""})
    return ruleset_version_create(base=base, note=note, actor=actor, rules=rules)


def rule_delete(*, base: RuleSet, key: str, note: str, actor) -> RuleSet:
    rules = [item for item in _rules_of(base) if item["key"] != key]
    return ruleset_version_create(base=base, note=note, actor=actor, rules=rules)


def ruleset_settings_save(*, base: RuleSet, values: dict, note: str, actor) -> RuleSet:
    return ruleset_version_create(base=base, note=note, actor=actor, values=values)


# --- Refreshing profiles -----------------------------------------------------------------------


@dataclass
class RefreshResult:
    written: int = 0
    unchanged: int = 0

    def __iadd__(self, other):
        self.written += other.written
        self.unchanged += other.unchanged
        return self


def supply_chain_store(*, enterprises: dict, as_of) -> None:
    """Keep each enterprise's supply-chain profile as this refresh computed it."""
    SupplyChainProfile.objects.bulk_create(
        [
            SupplyChainProfile(
                enterprise_id=enterprise_id,
                score=score,
                factors=factors,
                computed_at=as_of,
            )
            for enterprise_id, (score, factors) in (
                (pk, supply_chain_compute(inputs, as_of)) for pk, inputs in enterprises.items()
            )
        ],
        update_conflicts=True,
        unique_fields=["enterprise"],
        update_fields=["score", "factors", "computed_at"],
    )


def _chunk_refresh(ids, *, rule_set, enterprises, histories, as_of) -> RefreshResult:
    declarations = declaration_inputs(declaration_ids=ids)
    new_enterprises = {
        item.enterprise_id
        for item in declarations
        if item.enterprise_id is not None and item.enterprise_id not in enterprises
    }
    if new_enterprises:
        computed = enterprise_inputs(enterprise_ids=new_enterprises, as_of=as_of)
        supply_chain_store(enterprises=computed, as_of=as_of)
        enterprises.update(computed)
    new_entities = {
        party.entity_id
        for item in declarations
        for party in item.parties
        if party.entity_id and party.entity_id not in histories
    }
    if new_entities:
        histories.update(entity_histories(entity_ids=new_entities, as_of=as_of))

    # Locked: a concurrent refresh of the same declarations waits, then finds these replaced.
    current = {
        declaration_id: (pk, fingerprint)
        for declaration_id, pk, fingerprint in RiskProfile.objects.select_for_update()
        .filter(declaration_id__in=id_list(ids), is_current=True)
        .values_list("declaration_id", "id", "fingerprint")
    }
    replaced, rows = [], []
    created_at = connection.ops.adapt_datetimefield_value(as_of)
    for item in declarations:
        outcome = profile_compute(
            item, enterprises.get(item.enterprise_id), histories, rule_set, as_of
        )
        previous = current.get(item.declaration_id)
        if previous is not None and previous[1] == outcome.fingerprint:
            continue
        if previous is not None:
            replaced.append(previous[0])
        rows.append(
            (
                item.declaration_id,
                item.enterprise_id,
                item.office,
                connection.ops.adapt_datetimefield_value(item.declared_at),
                rule_set.id,
                Decimal(str(outcome.score)),
                outcome.lane,
                outcome.random_check,
                outcome.draw,
                outcome.factors,
                outcome.fired_rules,
                [shared.consignment_id for shared in item.shared],
                outcome.fingerprint,
                created_at,
                True,
                "",
            )
        )
    if replaced:
        RiskProfile.objects.filter(pk__in=id_list(replaced)).update(is_current=False)
    bulk_insert(RiskProfile, PROFILE_COLUMNS, rows)
    if rows:
        # Release-time statistics group by lane: a new profile's lane is the engine's.
        release_timings_lane_set(lanes={row[0]: row[6] for row in rows})
    return RefreshResult(written=len(rows), unchanged=len(declarations) - len(rows))


def profiles_refresh(*, declaration_ids, as_of=None) -> RefreshResult:
    """Compute the profiles of these declarations with the latest rule-set version, set-based
    in chunks of RISK_REFRESH_CHUNK. A declaration whose profile would not change keeps it; any
    other gets a new current profile, and its earlier ones stay as they were. The supply-chain
    profiles of the enterprises concerned are recomputed on the way. Idempotent."""
    ids = sorted({int(pk) for pk in declaration_ids})
    result = RefreshResult()
    if not ids:
        return result
    from hub.risk.selectors import ruleset_current

    as_of = as_of or timezone.now()
    rule_set = rule_set_compile(ruleset_current())
    enterprises: dict = {}
    histories = EntityHistories()
    size = settings.RISK_REFRESH_CHUNK

    def refreshed(chunk, histories) -> RefreshResult:
        with transaction.atomic(), cycle_collection_paused():
            return _chunk_refresh(
                chunk, rule_set=rule_set, enterprises=enterprises, histories=histories, as_of=as_of
            )

    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        try:
            result += refreshed(chunk, histories)
        except (IntegrityError, psycopg.IntegrityError):
            # A concurrent refresh made the first profile of one of these declarations after
            # this one looked: once more, now that there is a profile to lock. (COPY runs on
            # psycopg's own cursor, whose errors Django does not translate.) What the failed
            # attempt computed and stored was rolled back with it: computed again.
            enterprises.clear()
            histories = EntityHistories()
            result += refreshed(chunk, histories)
    return result


def open_declaration_ids(*, enterprise_ids=None) -> list[int]:
    """Declarations still waiting on a decision: their current profile is undecided and the goods
    are not released."""
    profiles = RiskProfile.objects.filter(is_current=True, decided_at__isnull=True).exclude(
        declaration__status=DeclarationStatus.RELEASED
    )
    if enterprise_ids is not None:
        profiles = profiles.filter(enterprise_id__in=list(enterprise_ids))
    return list(profiles.values_list("declaration_id", flat=True))


def enterprise_profiles_refresh(*, enterprise_ids) -> RefreshResult:
    """After a change to what an enterprise's history says (an inspection outcome, its rating,
    its agreement): its supply-chain profile and its open declarations' profiles."""
    as_of = timezone.now()
    with transaction.atomic():
        supply_chain_store(
            enterprises=enterprise_inputs(enterprise_ids=enterprise_ids, as_of=as_of), as_of=as_of
        )
    return profiles_refresh(
        declaration_ids=open_declaration_ids(enterprise_ids=enterprise_ids), as_of=as_of
    )


def profiles_refresh_enqueue(*, declaration_ids) -> None:
    """The follow-up of new, amended and cross-checked declarations."""
    outbox_enqueue(tasks.profiles_refresh_task, sorted(set(declaration_ids)))


def inspections_recorded_enqueue(*, declaration_ids) -> None:
    """The follow-up of inspection outcomes: the history of the inspected enterprises changed."""
    enterprise_ids = sorted(
        set(
            Declaration.objects.filter(pk__in=declaration_ids, consignee__isnull=False)
            .values_list("consignee_id", flat=True)
            .distinct()
        )
    )
    if enterprise_ids:
        outbox_enqueue(tasks.enterprise_profiles_refresh_task, enterprise_ids)


def enterprise_change_enqueue(*, enterprise_id: int) -> None:
    outbox_enqueue(tasks.enterprise_profiles_refresh_task, [enterprise_id])


# --- Officers' decisions ---------------------------------------------------------------------


class ProfileNotCurrent(Exception):
    """A newer profile of the declaration exists: decide on that one."""


@transaction.atomic
def profile_decide(*, profile: RiskProfile, lane: str, reason: str, actor) -> Decision:
    """Confirm the engine's lane (`lane` equal to it) or move the declaration to another lane,
    which needs a reason. A later decision on the same profile supersedes an earlier one."""
    profile = (
        RiskProfile.objects.select_for_update().select_related("declaration").get(pk=profile.pk)
    )
    if not profile.is_current:
        raise ProfileNotCurrent
    if lane not in LANE_ORDER:
        raise ValueError(f"{lane!r} is not a lane")
    action = Decision.Action.CONFIRM if lane == profile.lane else Decision.Action.MOVE
    if action == Decision.Action.MOVE and not reason.strip():
        raise ValueError("moving a declaration to another lane needs a reason")
    now = timezone.now()
    decision = Decision.objects.create(
        profile=profile,
        action=action,
        lane_from=profile.effective_lane,
        lane_to=lane,
        reason=reason.strip(),
        decided_by=actor,
        decided_at=now,
    )
    profile.decided_lane = lane
    profile.decided_at = now
    profile.save(update_fields=["decided_lane", "decided_at"])
    release_timings_lane_set(lanes={profile.declaration_id: lane})
    audit_record(
        action="risk.profile.decided",
        actor=actor,
        obj=profile,
        enterprise_id=profile.enterprise_id,
        data={
            "declaration": profile.declaration.number,
            "action": action,
            "engine_lane": profile.lane,
            "lane_from": decision.lane_from,
            "lane_to": lane,
            "reason": decision.reason,
            "rule_set": profile.rule_set_id,
        },
    )
    return decision
