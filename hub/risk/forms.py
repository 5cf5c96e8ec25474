from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hub.declarations.models import InspectionOutcome
from hub.risk.conditions import ConditionError, condition_parse, condition_text
from hub.risk.models import LANE_ORDER, Lane, Rule
from hub.risk.selectors import ALL, DECIDED, OPEN

LANE_CHOICES = [(lane.value, lane.label) for lane in LANE_ORDER]
AGE_CHOICES = [
    ("", _("any age")),
    ("4", _("waiting over 4 hours")),
    ("24", _("waiting over a day")),
    ("72", _("waiting over 3 days")),
]
STATUS_CHOICES = [(OPEN, _("awaiting a decision")), (DECIDED, _("decided")), (ALL, _("all"))]
PERIOD_CHOICES = [("7", _("last 7 days")), ("30", _("last 30 days")), ("90", _("last 90 days"))]


class QueueFilterForm(forms.Form):
    lane = forms.ChoiceField(
        label=_("Lane"), choices=[("", _("all lanes")), *LANE_CHOICES], required=False
    )
    office = forms.ChoiceField(label=_("Customs office"), required=False)
    enterprise = forms.TypedChoiceField(
        label=_("Enterprise"), coerce=int, empty_value=None, required=False
    )
    age = forms.ChoiceField(label=_("Age"), choices=AGE_CHOICES, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)

    def __init__(self, *args, offices=(), enterprises=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].choices = [("", _("all offices"))] + [(o, o) for o in offices]
        self.fields["enterprise"].choices = [("", _("all enterprises")), *enterprises]

    def filters(self) -> dict:
        """The selector's arguments; an invalid filter falls back to showing everything."""
        data = self.cleaned_data if self.is_valid() else {}
        age = data.get("age")
        return {
            "lane": data.get("lane", ""),
            "office": data.get("office", ""),
            "enterprise_id": data.get("enterprise"),
            "older_than_hours": int(age) if age else None,
            "status": data.get("status") or OPEN,
        }


class DecisionForm(forms.Form):
    lane = forms.ChoiceField(label=_("Lane"), choices=LANE_CHOICES)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to move the declaration to another lane than the engine's."),
    )

    def __init__(self, *args, profile, **kwargs):
        super().__init__(*args, **kwargs)
        self.profile = profile
        self.fields["lane"].initial = profile.effective_lane

    def clean(self):
        data = super().clean()
        if (
            data.get("lane")
            and data["lane"] != self.profile.lane
            and not data.get("reason", "").strip()
        ):
            self.add_error(
                "reason",
                gettext("Say why the declaration goes to another lane than the engine's."),
            )
        return data


class InspectionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Inspection"), choices=InspectionOutcome.Kind.choices)
    result = forms.ChoiceField(label=_("Result"), choices=InspectionOutcome.Result.choices)
    inspected_at = forms.DateTimeField(
        label=_("Inspected at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, declaration, **kwargs):
        super().__init__(*args, **kwargs)
        self.declaration = declaration
        self.fields["inspected_at"].initial = timezone.localtime().replace(second=0, microsecond=0)

    def clean_inspected_at(self):
        inspected_at = self.cleaned_data["inspected_at"]
        if inspected_at > timezone.now():
            raise forms.ValidationError(gettext("An inspection cannot be recorded in advance."))
        if inspected_at < self.declaration.declared_at:
            raise forms.ValidationError(
                gettext("The declaration was lodged at %(when)s; the inspection came after it.")
                % {
                    "when": timezone.localtime(self.declaration.declared_at).strftime(
                        "%Y-%m-%d %H:%M"
                    )
                }
            )
        return inspected_at


class ChangeNoteField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            label=_("What changes and why"),
            max_length=2000,
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text=_("Recorded with the new version and in the audit trail."),
            **kwargs,
        )


class RuleForm(forms.Form):
    WEIGHT, FLOOR = "weight", "floor"

    name = forms.CharField(label=_("Name"), max_length=200)
    condition = forms.CharField(
        label=_("Condition"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=_(
            "Comparisons of the fields listed below, joined with and / or, e.g. "
            'credit.aeo in ["suspended", "revoked"] and inspections.count >= 3'
        ),
    )
    effect = forms.ChoiceField(
        label=_("Effect"),
        choices=[(WEIGHT, _("add to the score")), (FLOOR, _("put in at least a lane"))],
        widget=forms.RadioSelect,
    )
    weight = forms.DecimalField(
        label=_("Score weight"),
        required=False,
        max_digits=7,
        decimal_places=2,
        min_value=Decimal("-100"),
        max_value=Decimal("100"),
    )
    floor = forms.ChoiceField(
        label=_("Lane floor"), required=False, choices=[("", "—"), *LANE_CHOICES[1:]]
    )
    rationale = forms.CharField(
        label=_("Rationale"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("In plain language: shown to officers wherever the rule fires."),
    )
    note = ChangeNoteField()

    @classmethod
    def initial_for(cls, rule: Rule) -> dict:
        return {
            "name": rule.name,
            "condition": condition_text(rule.condition),
            "effect": cls.FLOOR if rule.floor else cls.WEIGHT,
            "weight": rule.weight,
            "floor": rule.floor,
            "rationale": rule.rationale,
        }

    def clean_condition(self):
        try:
            return condition_parse(self.cleaned_data["condition"])
        except ConditionError as error:
            raise forms.ValidationError(str(error)) from None

    def clean(self):
        data = super().clean()
        if data.get("effect") == self.WEIGHT:
            if data.get("weight") in (None, Decimal(0)):
                self.add_error("weight", gettext("Give the points the rule adds (or takes off)."))
            data["floor"] = ""
        elif data.get("effect") == self.FLOOR:
            if not data.get("floor"):
                self.add_error("floor", gettext("Choose the lowest lane the rule allows."))
            data["weight"] = None
        return data

    def rule(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"].strip(),
            "condition": data["condition"],
            "weight": data["weight"],
            "floor": data["floor"],
            "rationale": data["rationale"].strip(),
        }


class RuleDeleteForm(forms.Form):
    note = ChangeNoteField()


class RuleSetSettingsForm(forms.Form):
    green_below = forms.DecimalField(label=_("Green below score"), max_digits=7, decimal_places=2)
    red_from = forms.DecimalField(label=_("Red from score"), max_digits=7, decimal_places=2)
    note = ChangeNoteField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        minimum = Decimal(str(settings.RISK_MIN_RANDOM_RATE))
        for lane in LANE_ORDER:
            self.fields[f"random_{lane}"] = forms.DecimalField(
                label=_("Random inspection rate, %(lane)s") % {"lane": Lane(lane).label},
                max_digits=5,
                decimal_places=4,
                min_value=minimum,
                max_value=Decimal(1),
                help_text=_("A share from %(minimum)s to 1: never zero.") % {"minimum": minimum},
            )
            self.fields[f"expected_{lane}"] = forms.DecimalField(
                label=_("Expected share, %(lane)s") % {"lane": Lane(lane).label},
                max_digits=5,
                decimal_places=4,
                min_value=Decimal(0),
                max_value=Decimal(1),
            )

    @staticmethod
    def initial_for(rule_set) -> dict:
        initial = {"green_below": rule_set.green_below, "red_from": rule_set.red_from}
        for lane in LANE_ORDER:
            initial[f"random_{lane}"] = rule_set.random_rates[lane]
            initial[f"expected_{lane}"] = rule_set.expected_shares[lane]
        return initial

    def lane_fields(self):
        return [(self[f"random_{lane}"], self[f"expected_{lane}"]) for lane in LANE_ORDER]

    def clean(self):
        data = super().clean()
        if (
            data.get("green_below") is not None
            and data.get("red_from") is not None
            and data["green_below"] > data["red_from"]
        ):
            self.add_error("red_from", gettext("Red starts at or above where green ends."))
        shares = [data.get(f"expected_{lane}") for lane in LANE_ORDER]
        if None not in shares and abs(sum(shares) - 1) > Decimal("0.001"):
            self.add_error(
                None,
                gettext("The expected shares add up to %(total)s; they must add up to 1.")
                % {"total": sum(shares)},
            )
        return data

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "green_below": data["green_below"],
            "red_from": data["red_from"],
            "random_rates": {lane: data[f"random_{lane}"] for lane in LANE_ORDER},
            "expected_shares": {lane: data[f"expected_{lane}"] for lane in LANE_ORDER},
        }


class CalibrationForm(forms.Form):
    days = forms.ChoiceField(label=_("Declared in the"), choices=PERIOD_CHOICES, required=False)

    def days_back(self) -> int:
        return int(self.cleaned_data.get("days") or 30) if self.is_valid() else 30
