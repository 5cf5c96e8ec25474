from django import forms
from django.utils.translation import gettext_lazy as _


class AuditFilterForm(forms.Form):
    action = forms.CharField(
        label=_("Action starts with"),
        required=False,
        max_length=120,
        help_text=_("For example enterprises.api_key"),
    )
    enterprise_id = forms.IntegerField(label=_("Enterprise number"), required=False, min_value=1)
