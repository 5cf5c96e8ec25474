"""Risk profiles of declarations and of enterprises' supply chains, the versioned rule sets that
make them, and the officers' decisions on them.

A profile's engine output (score, lane, factors, fired rules, rule-set version) is written once and
never changed: a refresh that computes something different adds a new profile and the earlier one
stops being current. Only the workflow columns (`is_current`, `decided_lane`, `decided_at`) move.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Lane(models.TextChoices):
    GREEN = "green", _("green: release")
    BLUE = "blue", _("blue: post-clearance audit")
    YELLOW = "yellow", _("yellow: document check")
    RED = "red", _("red: physical inspection")


# From the least to the most intrusive at the border: a lane floor raises a lane along this order
# and never lowers it.
LANE_ORDER = (Lane.GREEN, Lane.BLUE, Lane.YELLOW, Lane.RED)


def lane_at_least(lane: str, floor: str) -> str:
    return str(lane if LANE_ORDER.index(lane) >= LANE_ORDER.index(floor) else floor)


class RuleSet(models.Model):
    """One version of the rules, the lane thresholds and the random inspection rates. Versions are
    never edited: an edit makes the next version, and each profile names the one that made it."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    note = models.TextField(_("what changed and why"))
    green_below = models.DecimalField(
        _("green below score"),
        max_digits=7,
        decimal_places=2,
        help_text=_("Score under this is green."),
    )
    red_from = models.DecimalField(
        _("red from score"),
        max_digits=7,
        decimal_places=2,
        help_text=_("Score from this up is red."),
    )
    # {lane: "0.02"}: the share of each lane drawn for a random physical inspection, never zero.
    random_rates = models.JSONField(_("random inspection rates"))
    # {lane: "0.70"}: the share of declarations each lane is expected to carry; they add up to 1.
    expected_shares = models.JSONField(_("expected shares"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        permissions = [("edit_ruleset", "Edit risk rule sets (senior risk officer)")]

    def __str__(self):
        return f"rule set v{self.version}"


class Rule(models.Model):
    """A condition over the factors and the declaration, its effect, and why. `key` follows a rule
    from version to version."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="rules")
    key = models.SlugField(max_length=60)
    position = models.PositiveIntegerField()
    name = models.CharField(_("name"), max_length=200)
    condition = models.JSONField(_("condition"))
    weight = models.DecimalField(
        _("score weight"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    floor = models.CharField(_("lane floor"), max_length=6, choices=Lane.choices, blank=True)
    rationale = models.TextField(_("rationale"))

    class Meta:
        ordering = ["rule_set_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "key"], name="rule_key_per_rule_set"),
            models.CheckConstraint(
                condition=(models.Q(weight__isnull=False) & models.Q(floor=""))
                | (models.Q(weight__isnull=True) & ~models.Q(floor="")),
                name="rule_has_one_effect",
            ),
        ]

    def __str__(self):
        return f"{self.key} (v{self.rule_set_id})"


class RiskProfile(models.Model):
    # Every refresh inserts thousands of these: each index costs, and the history index below
    # serves the declaration's lookups.
    declaration = models.ForeignKey(
        "declarations.Declaration",
        on_delete=models.CASCADE,
        related_name="risk_profiles",
        db_index=False,
    )
    # Copied from the declaration, so that the queue filters without a join.
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="risk_profiles",
    )
    customs_office = models.CharField(max_length=10)
    declared_at = models.DateTimeField()
    rule_set = models.ForeignKey(
        RuleSet, on_delete=models.PROTECT, related_name="profiles", db_index=False
    )
    score = models.DecimalField(max_digits=7, decimal_places=2)
    lane = models.CharField(max_length=6, choices=Lane.choices)
    random_check = models.BooleanField(default=False)
    # The declaration's deterministic draw in [0, 1): under the lane's rate means a random check.
    draw = models.FloatField()
    factors = models.JSONField()
    fired_rules = models.JSONField(default=list)
    consignment_ids = models.JSONField(default=list)
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    # Workflow state, not engine output.
    is_current = models.BooleanField(default=True)
    decided_lane = models.CharField(max_length=6, choices=Lane.choices, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["declaration"],
                condition=models.Q(is_current=True),
                name="one_current_profile_per_declaration",
            )
        ]
        indexes = [
            # The queue, the oldest first, and the calibration report's period.
            models.Index(
                fields=["declared_at"],
                name="risk_queue_idx",
                condition=models.Q(is_current=True),
            ),
            models.Index(
                fields=["enterprise", "declared_at"],
                name="risk_enterprise_idx",
                condition=models.Q(is_current=True),
            ),
            models.Index(fields=["declaration", "-created_at"], name="risk_history_idx"),
        ]

    def __str__(self):
        return f"{self.declaration_id}: {self.lane} ({self.score})"

    @property
    def effective_lane(self) -> str:
        return self.decided_lane or self.lane

    def get_effective_lane_display(self) -> str:
        return Lane(self.effective_lane).label


class Decision(models.Model):
    """An officer's decision on a profile: confirm its lane, or move it with a reason."""

    class Action(models.TextChoices):
        CONFIRM = "confirm", _("confirmed")
        MOVE = "move", _("moved")

    profile = models.ForeignKey(RiskProfile, on_delete=models.PROTECT, related_name="decisions")
    action = models.CharField(max_length=7, choices=Action.choices)
    lane_from = models.CharField(max_length=6, choices=Lane.choices)
    lane_to = models.CharField(max_length=6, choices=Lane.choices)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self):
        return f"{self.profile_id}: {self.action} {self.lane_from} → {self.lane_to}"


class SupplyChainProfile(models.Model):
    """An enterprise's standing with customs as the engine last computed it: the factors every
    declaration of its shares. Recomputed whenever a refresh touches one of its declarations."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="supply_chain_profile"
    )
    score = models.DecimalField(max_digits=7, decimal_places=2)
    factors = models.JSONField()
    computed_at = models.DateTimeField()

    def __str__(self):
        return f"{self.enterprise_id}: {self.score}"
