from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from hub.agreements.models import Agreement, Channel
from hub.agreements.selectors import agreement_text_current
from hub.agreements.services import agreement_countersign, agreement_draft, agreement_sign
from hub.catalogue.fields import DATASETS
from hub.core.models import User
from hub.core.roles import CustomsRole, EnterpriseRole
from hub.declarations.demo import declarations_demo_load
from hub.enterprises.models import ApiKey, Enterprise, TradeRole
from hub.enterprises.services import api_key_create, enterprise_register, membership_create
from hub.risk.demo import risk_demo_load
from hub.submissions.demo import consignments_demo_load
from hub.tracking.demo import tracking_demo_load

DEMO_PASSWORD = "demo-hub-2026"  # noqa: S105 - printed on purpose, refused outside DEBUG
DEMO_KEY_NAME = "Demo ERP integration"
DEMO_ENTERPRISE = {
    "legal_name": "Demo Precision Instruments (Shanghai) Co., Ltd.",
    "country": "CN",
    "address": "88 Jiangchang Road, Jing'an District, Shanghai 200436",
    "identifiers": {"uscc": "91310115MA1K3PQ2XL", "customs_code": "3122440123"},
    "trade_roles": [TradeRole.IMPORTER],
    "contact_name": "Li Na",
    "contact_email": "customs@demo-instruments.example",
}
PENDING_ENTERPRISE = {
    "legal_name": "Harbour Cold Chain Pharma Trading Co., Ltd.",
    "country": "CN",
    "address": "1200 Gangcheng Road, Pudong, Shanghai",
    "identifiers": {"uscc": "91440300708461136T"},
    "trade_roles": [TradeRole.IMPORTER, TradeRole.EXPORTER],
    "contact_name": "Sun Mei",
    "contact_email": "trade@harbour-pharma.example",
}
# The demo shares everything, so that every connector sample pushes as it is.
DEMO_SCOPE = list(DATASETS)

DEMO_PEOPLE = [
    ("trader.admin", "Li Na", None, EnterpriseRole.ADMIN),
    ("trader.submitter", "Wang Wei", None, EnterpriseRole.SUBMITTER),
    ("officer.onboarding", "Zhang Min", CustomsRole.ONBOARDING_OFFICER, None),
    ("officer.risk", "Chen Jie", CustomsRole.RISK_OFFICER, None),
    ("officer.analyst", "Liu Yang", CustomsRole.ANALYST, None),
    ("officer.auditor", "Zhao Lei", CustomsRole.AUDITOR, None),
]


class Command(BaseCommand):
    help = "Load the demo enterprises, people, an active agreement and a fresh ERP API key."

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Demo data is for development only: it is refused unless DEBUG=true."
            )
        enterprise = self._enterprise(DEMO_ENTERPRISE, status=Enterprise.Status.APPROVED)
        self._enterprise(PENDING_ENTERPRISE, status=Enterprise.Status.PENDING)
        people, rows = {}, []
        for username, display_name, customs_role, enterprise_role in DEMO_PEOPLE:
            user, created = User.objects.get_or_create(
                username=username, defaults={"display_name": display_name}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            if customs_role:
                user.groups.add(Group.objects.get_or_create(name=customs_role.value)[0])
                role_label = customs_role.label
            else:
                if not user.memberships.filter(enterprise=enterprise).exists():
                    membership_create(enterprise=enterprise, user=user, role=enterprise_role)
                role_label = f"{enterprise_role.label}, {enterprise.legal_name}"
            people[username] = user
            rows.append((username, role_label))

        if not enterprise.agreements.filter(status__in=Agreement.IN_FORCE).exists():
            agreement = agreement_draft(
                enterprise=enterprise,
                text=agreement_text_current(),
                scope=DEMO_SCOPE,
                channels=[Channel.API, Channel.EXCEL],
                actor=people["trader.admin"],
            )
            agreement_sign(agreement=agreement, actor=people["trader.admin"])
            agreement_countersign(agreement=agreement, actor=people["officer.onboarding"])

        risk_demo_load(senior=people["officer.risk"])
        consignments_demo_load(enterprise=enterprise, actor=people["trader.submitter"])
        declarations_demo_load()
        event_keys = tracking_demo_load()

        # A key is shown only once, so every run replaces the demo key with a new one.
        ApiKey.objects.filter(enterprise=enterprise, name=DEMO_KEY_NAME).delete()
        _, plaintext = api_key_create(name=DEMO_KEY_NAME, enterprise=enterprise)

        width = max(len(username) for username, _ in rows)
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})")
        for username, role_label in rows:
            self.stdout.write(f"  {username.ljust(width)}  {role_label}")
        self.stdout.write("\nDemo cargo-event API keys (POST /api/v1/events):")
        for legal_name, key in event_keys:
            self.stdout.write(f"  {legal_name}: {key}")
        self.stdout.write(f"\nDemo ERP API key for {enterprise.legal_name}:\n  {plaintext}")
        self.stdout.write(
            f"  curl -H 'Authorization: Api-Key {plaintext}' http://127.0.0.1:8000/api/v1/whoami\n"
        )

    def _enterprise(self, details, status):
        existing = Enterprise.objects.filter(legal_name=details["legal_name"]).first()
        return existing or enterprise_register(**details, status=status)
