from django import forms
from django.utils.translation import gettext_lazy as _

from hub.agreements.models import AgreementText, Channel
from hub.agreements.scope import scope_choices, scope_validate


class AgreementDraftForm(forms.Form):
    scope = forms.MultipleChoiceField(
        label=_("Optional data you choose to share"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The required minimum is always shared; each option adds to it."),
    )
    channels = forms.MultipleChoiceField(
        label=_("How you will share"), choices=Channel.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = scope_choices()

    def clean_scope(self):
        return scope_validate(self.cleaned_data["scope"])


class SignForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I am authorised to sign for the enterprise, and the enterprise is responsible "
            "for the authenticity and accuracy of the data it shares."
        ),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class AgreementTextForm(forms.ModelForm):
    class Meta:
        model = AgreementText
        fields = list(AgreementText.CONTENT_FIELDS)
        widgets = {
            name: forms.Textarea(attrs={"rows": 4})
            for name in (
                "purposes",
                "enterprise_obligations",
                "customs_obligations",
                "security_commitments",
                "benefits",
            )
        }
