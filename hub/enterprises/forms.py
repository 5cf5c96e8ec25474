from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from hub.core.models import User
from hub.core.roles import EnterpriseRole
from hub.enterprises.identifiers import InvalidIdentifier, Scheme, identifier_normalize
from hub.enterprises.models import AeoStatus, CreditRating, EnterpriseIdentifier, TradeRole


def identifiers_clean(raw: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Normalize the identifiers given (scheme → value) and find the invalid or already
    registered ones. Returns (normalized, errors by scheme); shared by the form and the API."""
    normalized, errors = {}, {}
    for scheme, value in raw.items():
        if not value:
            continue
        try:
            normalized[scheme] = identifier_normalize(scheme, value)
        except InvalidIdentifier as invalid:
            errors[scheme] = invalid.message
    taken = EnterpriseIdentifier.objects.filter(
        scheme__in=normalized, value__in=normalized.values()
    ).values_list("scheme", "value")
    for scheme, value in taken:
        if normalized.get(scheme) == value:
            errors[scheme] = str(
                _(
                    "An enterprise with this identifier is already registered. If it is yours, ask "
                    "its admin to invite you; otherwise contact customs."
                )
            )
    if not normalized and not errors:
        errors["__all__"] = str(
            _(
                "Give at least one identifier: the unified social credit code for a Chinese "
                "enterprise, or a VAT, EORI or LEI number."
            )
        )
    return normalized, errors


class AccountForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username",)


class EnterpriseDetailsForm(forms.Form):
    legal_name = forms.CharField(label=_("Legal name"), max_length=300)
    country = forms.RegexField(
        label=_("Country"),
        regex=r"^[A-Za-z]{2}$",
        max_length=2,
        help_text=_("Two-letter ISO code, for example CN or DE."),
        error_messages={"invalid": _("Use the two-letter ISO country code, for example CN.")},
    )
    address = forms.CharField(label=_("Address"), widget=forms.Textarea(attrs={"rows": 3}))
    trade_roles = forms.MultipleChoiceField(
        label=_("Roles in trade"), choices=TradeRole.choices, widget=forms.CheckboxSelectMultiple
    )
    uscc = forms.CharField(label=Scheme.USCC.label, required=False, max_length=30)
    vat = forms.CharField(label=Scheme.VAT.label, required=False, max_length=30)
    eori = forms.CharField(label=Scheme.EORI.label, required=False, max_length=30)
    lei = forms.CharField(label=Scheme.LEI.label, required=False, max_length=30)
    customs_code = forms.CharField(label=Scheme.CUSTOMS_CODE.label, required=False, max_length=20)
    contact_name = forms.CharField(label=_("Contact person"), max_length=150)
    contact_email = forms.EmailField(label=_("Contact e-mail"))
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)

    def clean_country(self):
        return self.cleaned_data["country"].upper()

    def clean(self):
        cleaned = super().clean()
        normalized, errors = identifiers_clean(
            {scheme: cleaned.get(scheme, "") for scheme in Scheme.values}
        )
        for scheme, message in errors.items():
            self.add_error(None if scheme == "__all__" else scheme, message)
        cleaned["identifiers"] = normalized
        return cleaned


class EnterpriseRegistrationForm(EnterpriseDetailsForm):
    """The public form: the enterprise, and the account of the person who will administer it."""

    username = forms.CharField(label=_("Your user name"), max_length=150)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)

    def clean(self):
        cleaned = super().clean()
        account = AccountForm(
            data={name: self.data.get(name, "") for name in ("username", "password1", "password2")}
        )
        if not account.is_valid():
            for field_name, errors in account.errors.items():
                for error in errors:
                    self.add_error(field_name if field_name in self.fields else None, error)
        return cleaned


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        coerce=lambda value: value == "yes",
        choices=[("yes", _("Approve")), ("no", _("Reject"))],
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for a rejection: the enterprise sees it."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("approve") is False and not cleaned.get("reason"):
            self.add_error("reason", _("Say why the registration is rejected."))
        return cleaned


class RatingForm(forms.Form):
    credit_rating = forms.ChoiceField(label=_("Credit rating"), choices=CreditRating.choices)
    aeo_status = forms.ChoiceField(label=_("AEO status"), choices=AeoStatus.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"), choices=EnterpriseRole.choices)


class MembershipForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=EnterpriseRole.choices, required=False)
    remove = forms.BooleanField(required=False)


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What uses the key, for example “SAP production”."),
    )
