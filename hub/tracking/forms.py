from django import forms
from django.utils.translation import gettext_lazy as _

from hub.submissions.models import Channel
from hub.tracking.status import Alert, Stage

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class ConsignmentFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Reference, transport document or invoice"), required=False, max_length=64
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *Stage.choices]
    )
    alert = forms.ChoiceField(
        label=_("Alerts"),
        required=False,
        choices=[("", _("Any")), ("any", _("Needs action")), *Alert.choices],
    )
    arrival_from = forms.DateField(label=_("Arriving from"), required=False, widget=DATE_INPUT)
    arrival_to = forms.DateField(label=_("Arriving to"), required=False, widget=DATE_INPUT)

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "search": data.get("q", ""),
            "stage": data.get("status", ""),
            "alert": data.get("alert", ""),
            "arrival_from": data.get("arrival_from"),
            "arrival_to": data.get("arrival_to"),
        }


class TraceFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Reference, document, invoice, declaration or payload hash"),
        required=False,
        max_length=64,
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("Any")), *Channel.choices]
    )
    submitted_by = forms.CharField(label=_("Sent by"), required=False, max_length=200)
    received_from = forms.DateField(label=_("Received from"), required=False, widget=DATE_INPUT)
    received_to = forms.DateField(label=_("Received to"), required=False, widget=DATE_INPUT)

    def revision_filters(self) -> dict:
        data = self.cleaned_data
        return {
            "search": data.get("q", ""),
            "channel": data.get("channel", ""),
            "submitted_by": data.get("submitted_by", ""),
            "received_from": data.get("received_from"),
            "received_to": data.get("received_to"),
        }
