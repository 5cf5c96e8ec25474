import itertools

import factory
from django.contrib.auth.models import Group

from hub.core.models import User
from hub.enterprises.models import ApiKey, Enterprise, Membership
from hub.enterprises.services import api_key_create, enterprise_register, membership_create

PASSWORD = "correct-horse-battery"
_numbers = itertools.count(1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    display_name = factory.Faker("name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def customs_roles(self, create, roles, **kwargs):
        for role in roles or []:
            self.groups.add(Group.objects.get_or_create(name=role)[0])


def officer(role="customs_onboarding_officer", **kwargs):
    return UserFactory(customs_roles=[role], **kwargs)


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    legal_name = factory.Sequence(lambda n: f"Trading Company {n} Co., Ltd.")
    country = "CN"
    status = Enterprise.Status.APPROVED

    @classmethod
    def _create(cls, model_class, **kwargs):
        return enterprise_register(identifiers=kwargs.pop("identifiers", {}), **kwargs)


class MembershipFactory(factory.django.DjangoModelFactory):
    """Made through the service, so that the role's object permissions are granted."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)
    role = "submitter"

    @classmethod
    def _create(cls, model_class, **kwargs):
        return membership_create(**kwargs)


class ApiKeyFactory(factory.django.DjangoModelFactory):
    """Made through the service, so the key is hashed as in production; the plaintext is kept
    on the instance for the test to send."""

    class Meta:
        model = ApiKey

    enterprise = factory.SubFactory(EnterpriseFactory)
    name = "ERP integration"

    @classmethod
    def _create(cls, model_class, enterprise=None, name="ERP integration", **kwargs):
        kind = kwargs.pop("kind", ApiKey.Kind.ERP)
        api_key, plaintext = api_key_create(name=name, enterprise=enterprise, kind=kind)
        api_key.plaintext = plaintext
        return api_key


def agreement_text():
    """The published text, publishing one when a flushed database has none."""
    from hub.agreements.selectors import agreement_text_current
    from hub.agreements.services import agreement_text_publish

    return agreement_text_current() or agreement_text_publish(
        actor=None,
        version=f"test.{next(_numbers)}",
        title="Test agreement",
        purposes="Cross-validation of declarations.",
        enterprise_obligations="Share true data.",
        customs_obligations="Use it only for the purposes.",
        security_commitments="Encrypted.",
        benefits="Visibility and fewer inspections.",
        retention_months=60,
    )


def active_agreement(enterprise, admin, scope=(), channels=("api", "excel")):
    """An agreement drafted and signed by `admin`, countersigned by an onboarding officer."""
    from hub.agreements.services import agreement_countersign, agreement_draft, agreement_sign

    agreement = agreement_draft(
        enterprise=enterprise,
        text=agreement_text(),
        scope=list(scope),
        channels=list(channels),
        actor=admin,
    )
    agreement_sign(agreement=agreement, actor=admin)
    return agreement_countersign(agreement=agreement, actor=officer())


def consignment_document(reference="PO-2026-0001", lines=3, **overrides):
    """A valid canonical consignment with the required minimum and `lines` lines."""
    document = {
        "reference": reference,
        "transport_document_number": "COSU6312458790",
        "transport_mode": "1",
        "port_of_loading": "DEHAM",
        "port_of_discharge": "CNSHA",
        "estimated_arrival": "2026-12-02T08:00:00+08:00",
        "invoice_number": f"INV-{reference}",
        "invoice_date": "2026-11-03",
        "currency": "EUR",
        "seller": {"name": "Rhein Präzisionstechnik GmbH", "country": "DE"},
        "lines": [
            {
                "line_number": number,
                "material_number": f"MAT-{number:05d}",
                "description": f"Precision bearing type {number}",
                "quantity": "120.000",
                "unit": "PCE",
                "line_value": f"{1000 + number}.50",
                "origin_country": "DE",
            }
            for number in range(1, lines + 1)
        ],
    }
    document.update(overrides)
    return document


def registered_partner(enterprise, actor, **overrides):
    """A supply-chain partner of `enterprise`, registered through the service; identifiers are
    given canonical (scheme → value)."""
    from hub.partners.services import partner_register

    registration = {
        "legal_name": "Rhein Präzisionstechnik GmbH",
        "country": "DE",
        "roles": ["seller"],
        "identifiers": {},
        **overrides,
    }
    return partner_register(enterprise=enterprise, actor=actor, **registration)


def declaration_document(
    number="220120261000000001", consignee_code="3122440123", items=3, **overrides
):
    """A valid declaration as the customs system sends it, with `items` items; the consignee is
    whoever holds `consignee_code` (a China Customs registration code or a USCC)."""
    document = {
        "number": number,
        "customs_office": "2248",
        "declared_at": "2026-12-02T09:30:00+08:00",
        "declarant": {"name": "Shanghai Pudong Customs Brokerage Co., Ltd.", "code": "3122980017"},
        "consignee": {"name": "Importer of record", "code": consignee_code},
        "transport_document_number": "COSU6312458790",
        "invoice_number": "INV-PO-2026-0001",
        "containers": ["CSQU3054383"],
        "transport_mode": "1",
        "port_of_entry": "CNSHA",
        "carrier_name": "COSCO Shipping Lines",
        "consignor": {"name": "Rhein Präzisionstechnik GmbH", "country": "DE"},
        "trade_terms": "FOB",
        "currency": "EUR",
        "items": [
            {
                "item_number": item,
                "hs_code": "8482101000",
                "description": f"Precision bearing type {item}",
                "quantity": "120.000",
                "unit": "PCE",
                "net_weight_kg": "36.5",
                "value": f"{1000 + item}.50",
                "origin_country": "DE",
            }
            for item in range(1, items + 1)
        ],
    }
    document.update(overrides)
    return document
