from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from hub.core.models import User
from hub.core.roles import CustomsRole, EnterpriseRole
from hub.enterprises.models import ApiKey, Enterprise
from hub.enterprises.services import api_key_create, enterprise_create, membership_create

DEMO_PASSWORD = "demo-hub-2026"  # noqa: S105 - printed on purpose, refused outside DEBUG
DEMO_ENTERPRISE = "Demo Precision Instruments (Shanghai) Co., Ltd."
DEMO_KEY_NAME = "Demo ERP integration"

DEMO_PEOPLE = [
    ("trader.admin", "Li Na", None, EnterpriseRole.ADMIN),
    ("trader.submitter", "Wang Wei", None, EnterpriseRole.SUBMITTER),
    ("officer.onboarding", "Zhang Min", CustomsRole.ONBOARDING_OFFICER, None),
    ("officer.risk", "Chen Jie", CustomsRole.RISK_OFFICER, None),
    ("officer.analyst", "Liu Yang", CustomsRole.ANALYST, None),
    ("officer.auditor", "Zhao Lei", CustomsRole.AUDITOR, None),
]


class Command(BaseCommand):
    help = "Load the demo enterprise, people and a fresh ERP API key (development only)."

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Demo data is for development only: it is refused unless DEBUG=true."
            )
        enterprise = Enterprise.objects.filter(legal_name=DEMO_ENTERPRISE).first()
        if enterprise is None:
            enterprise = enterprise_create(
                legal_name=DEMO_ENTERPRISE, country="CN", status=Enterprise.Status.APPROVED
            )
        rows = []
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
                role_label = f"{enterprise_role.label}, {DEMO_ENTERPRISE}"
            rows.append((username, role_label))

        # A key is shown only once, so every run replaces the demo key with a new one.
        for old_key in ApiKey.objects.filter(
            enterprise=enterprise, name=DEMO_KEY_NAME, revoked_at__isnull=True
        ):
            old_key.delete()
        _, plaintext = api_key_create(name=DEMO_KEY_NAME, enterprise=enterprise)

        width = max(len(username) for username, _ in rows)
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})")
        for username, role_label in rows:
            self.stdout.write(f"  {username.ljust(width)}  {role_label}")
        self.stdout.write(f"\nDemo ERP API key for {DEMO_ENTERPRISE}:\n  {plaintext}")
        self.stdout.write(
            f"  curl -H 'Authorization: Api-Key {plaintext}' http://127.0.0.1:8000/api/v1/whoami\n"
        )
