"""The risk part of `manage.py demo_load`: the default rule set, and the demo risk officer made a
senior one, so that the demo shows rule editing too."""

from django.contrib.auth.models import Permission

from hub.risk.services import ruleset_default_install


def risk_demo_load(*, senior) -> None:
    ruleset_default_install()
    senior.user_permissions.add(
        Permission.objects.get(content_type__app_label="risk", codename="edit_ruleset")
    )
