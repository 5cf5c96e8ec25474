from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hub.catalogue.codelists import COUNTRIES
from hub.partners.identifiers import PartnerScheme, identifier_blind_index, identifiers_normalize
from hub.partners.models import PartnerIdentifier, PartnerRole

# (code, name), by name: how people look for a country in a list.
COUNTRY_CHOICES = sorted(COUNTRIES.values.items(), key=lambda item: item[1])
MAX_ADDRESS_LENGTH = 1000


def partner_identifiers_clean(
    raw: dict[str, str], *, country: str, enterprise, partner=None
) -> tuple[dict[str, str], dict[str, str]]:
    """Canonical identifiers (scheme → value) and the errors by scheme, shared by the form and the
    API. An identifier the enterprise registered for another of its partners is refused."""
    normalized, errors = identifiers_normalize(raw, country=country)
    taken = (
        PartnerIdentifier.objects.filter(
            partner__enterprise=enterprise,
            blind_index__in=[identifier_blind_index(*item) for item in normalized.items()],
        )
        .exclude(partner_id=getattr(partner, "pk", None))
        .select_related("partner")
    )
    for identifier in taken:
        errors[identifier.scheme] = gettext(
            "You registered this number for %(name)s already: edit that partner instead."
        ) % {"name": identifier.partner.legal_name}
    return normalized, errors


def legal_name_problem(legal_name: str) -> str:
    if not any(char.isalnum() for char in legal_name):
        return gettext("Give the partner's legal name, as on its invoices or transport documents.")
    return ""


class PartnerForm(forms.Form):
    legal_name = forms.CharField(
        label=_("Legal name"),
        max_length=300,
        help_text=_("As on the partner's invoices or transport documents."),
    )
    country = forms.ChoiceField(
        label=_("Country"),
        choices=[("", "—"), *[(code, f"{name} ({code})") for code, name in COUNTRY_CHOICES]],
    )
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=MAX_ADDRESS_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles in your supply chain"),
        choices=PartnerRole.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    vat = forms.CharField(
        label=PartnerScheme.VAT.label,
        required=False,
        max_length=40,
        help_text=_("With or without the country prefix, for example DE136695976."),
    )
    eori = forms.CharField(label=PartnerScheme.EORI.label, required=False, max_length=40)
    lei = forms.CharField(label=PartnerScheme.LEI.label, required=False, max_length=40)
    duns = forms.CharField(label=PartnerScheme.DUNS.label, required=False, max_length=40)
    gln = forms.CharField(label=PartnerScheme.GLN.label, required=False, max_length=40)
    contact_name = forms.CharField(label=_("Contact person"), max_length=150, required=False)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)

    def __init__(self, *args, enterprise, partner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.enterprise, self.partner = enterprise, partner

    def clean_legal_name(self):
        legal_name = self.cleaned_data["legal_name"]
        if problem := legal_name_problem(legal_name):
            raise forms.ValidationError(problem)
        return legal_name

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("country"):
            normalized, errors = partner_identifiers_clean(
                {scheme: cleaned.get(scheme, "") for scheme in PartnerScheme.values},
                country=cleaned["country"],
                enterprise=self.enterprise,
                partner=self.partner,
            )
            for scheme, message in errors.items():
                self.add_error(scheme, message)
            cleaned["identifiers"] = normalized
        return cleaned

    def registration(self) -> dict:
        """The cleaned registration, as the services take it."""
        data = self.cleaned_data
        return {
            "legal_name": data["legal_name"],
            "country": data["country"],
            "address": data["address"],
            "roles": data["roles"],
            "identifiers": data["identifiers"],
            "contact_name": data["contact_name"],
            "contact_email": data["contact_email"],
            "contact_phone": data["contact_phone"],
        }

    @staticmethod
    def initial_for(partner, identifiers: dict[str, str]) -> dict:
        return {
            "legal_name": partner.legal_name,
            "country": partner.country,
            "address": partner.address,
            "roles": partner.roles,
            "contact_name": partner.contact_name,
            "contact_email": partner.contact_email,
            "contact_phone": partner.contact_phone,
            **identifiers,
        }


class EntityMergeForm(forms.Form):
    other = forms.IntegerField(
        label=_("Number of the entity to merge into this one"),
        min_value=1,
        help_text=_("Its registrations join this entity, which keeps its number."),
    )
