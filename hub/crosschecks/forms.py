from django import forms
from django.utils.translation import gettext_lazy as _

from hub.crosschecks.models import CrossCheck, Finding
from hub.crosschecks.selectors import NOT_CHECKED
from hub.declarations.models import DeclarationStatus


def _choices(choices):
    return [("", _("All")), *choices]


class DeclarationFilterForm(forms.Form):
    """The filters of the officers' declaration list; every field may be left empty."""

    q = forms.CharField(
        label=_("Number, consignee, consignor or transport document"),
        required=False,
        max_length=100,
    )
    outcome = forms.ChoiceField(
        label=_("Cross-check"),
        required=False,
        choices=_choices([*CrossCheck.Outcome.choices, (NOT_CHECKED, _("not checked yet"))]),
    )
    finding_type = forms.ChoiceField(
        label=_("Finding"), required=False, choices=_choices(Finding.Type.choices)
    )
    severity = forms.ChoiceField(
        label=_("Severity"), required=False, choices=_choices(Finding.Severity.choices)
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_choices(DeclarationStatus.choices)
    )
    declared_from = forms.DateField(
        label=_("Lodged from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    declared_to = forms.DateField(
        label=_("Lodged until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
