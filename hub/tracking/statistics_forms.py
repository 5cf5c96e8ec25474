from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from hub.tracking.models import ReleaseStage
from hub.tracking.reports import MAX_DAYS, Filters
from hub.tracking.statistics import DIMENSIONS, INTERVALS

OUTLIER_CHOICES = [
    ("exclude", _("left out (beyond Q3 + 3·IQR or below Q1 - 3·IQR)")),
    ("include", _("kept")),
]
MAX_TARGET_HOURS = Decimal("10000")


class ReleaseTimeFilterForm(forms.Form):
    """The dashboard's choices, all optional: what is left out takes its default."""

    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput({"type": "date"}))
    dimension = forms.ChoiceField(label=_("Group by"), required=False)
    stage = forms.ChoiceField(
        label=_("Stage for trend and groups"), required=False, choices=ReleaseStage.choices
    )
    interval = forms.ChoiceField(
        label=_("Trend by"),
        required=False,
        choices=[(key, label) for key, (label, _expression) in INTERVALS.items()],
    )
    outliers = forms.ChoiceField(label=_("Outliers"), required=False, choices=OUTLIER_CHOICES)

    def __init__(self, data=None, *, with_enterprises: bool):
        defaults = Filters.default()
        super().__init__(
            data,
            initial={
                "start": defaults.start,
                "end": defaults.end,
                "dimension": defaults.dimension,
                "stage": defaults.stage,
                "interval": defaults.interval,
                "outliers": "exclude",
            },
        )
        # Enterprises are compared by name only for customs; an enterprise compares its own
        # figures with the pooled ones.
        self.fields["dimension"].choices = [
            (key, label)
            for key, (label, _expression) in DIMENSIONS.items()
            if with_enterprises or key != "enterprise"
        ]

    def clean(self):
        cleaned = super().clean()
        defaults = Filters.default()
        start = cleaned.get("start") or defaults.start
        end = cleaned.get("end") or defaults.end
        if end < start:
            raise forms.ValidationError(_("The end of the period comes before its start."))
        if (end - start).days >= MAX_DAYS:
            raise forms.ValidationError(
                _("Choose a period of at most %(days)d days.") % {"days": MAX_DAYS}
            )
        cleaned["filters"] = Filters(
            start=start,
            end=end,
            dimension=cleaned.get("dimension") or defaults.dimension,
            stage=cleaned.get("stage") or defaults.stage,
            interval=cleaned.get("interval") or defaults.interval,
            exclude_outliers=cleaned.get("outliers") != "include",
        )
        return cleaned


class ReleaseTargetsForm(forms.Form):
    """A target time and spread per stage; both empty clears the stage's target."""

    def __init__(self, data=None, *, targets):
        initial = {}
        for target in targets:
            initial[f"{target.stage}_target"] = target.target_hours
            initial[f"{target.stage}_spread"] = target.spread_hours
        super().__init__(data, initial=initial)
        for stage in ReleaseStage:
            self.fields[f"{stage.value}_target"] = forms.DecimalField(
                label=_("Target time (hours)"),
                required=False,
                min_value=Decimal("0.01"),
                max_value=MAX_TARGET_HOURS,
                decimal_places=2,
            )
            self.fields[f"{stage.value}_spread"] = forms.DecimalField(
                label=_("Accepted spread (hours)"),
                required=False,
                min_value=Decimal("0"),
                max_value=MAX_TARGET_HOURS,
                decimal_places=2,
            )

    def stage_rows(self):
        return [
            (stage, self[f"{stage.value}_target"], self[f"{stage.value}_spread"])
            for stage in ReleaseStage
        ]

    def clean(self):
        cleaned = super().clean()
        targets = {}
        for stage in ReleaseStage:
            target_name, spread_name = f"{stage.value}_target", f"{stage.value}_spread"
            if target_name in self.errors or spread_name in self.errors:
                continue
            target, spread = cleaned.get(target_name), cleaned.get(spread_name)
            if target is None and spread is None:
                targets[stage.value] = None
            elif target is None:
                self.add_error(target_name, _("Give the target time too, or clear the spread."))
            elif spread is None:
                self.add_error(spread_name, _("Give the accepted spread too (0 for none)."))
            else:
                targets[stage.value] = (target, spread)
        cleaned["targets"] = targets
        return cleaned
