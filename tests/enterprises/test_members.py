import re

import pytest
from django.test import Client

from hub.core.models import AuditEvent
from hub.enterprises.models import ApiKey
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def invite(client, enterprise, email="new.member@example.com", role="submitter"):
    response = client.post(
        f"/enterprises/{enterprise.pk}/invitations", {"email": email, "role": role}, follow=True
    )
    return re.search(r"https?://\S+/invitations/[\w-]+/", response.content.decode()).group(0)


def test_an_admin_invites_a_member_who_joins_with_a_new_account(
    client, enterprise_admin, enterprise
):
    client.force_login(enterprise_admin)
    link = invite(client, enterprise, role="viewer")

    newcomer = Client()
    response = newcomer.post(
        link,
        {
            "username": "new.member",
            "password1": "a-long-passphrase-2",
            "password2": "a-long-passphrase-2",
        },
        follow=True,
    )

    assert "You joined" in response.content.decode()
    membership = enterprise.memberships.get(user__username="new.member")
    assert membership.role == "viewer"
    assert newcomer.get(link).status_code == 404  # an invitation is used once


def test_a_viewer_sees_the_enterprise_but_cannot_manage_members_or_keys(client, enterprise):
    viewer = MembershipFactory(enterprise=enterprise, role="viewer").user
    client.force_login(viewer)

    page = client.get(f"/enterprises/{enterprise.pk}/").content.decode()
    response = client.post(
        f"/enterprises/{enterprise.pk}/invitations", {"email": "x@example.com", "role": "admin"}
    )

    assert enterprise.legal_name in page
    assert "Invite a member" not in page
    assert "API keys" not in page
    assert response.status_code == 403


def test_the_last_admin_cannot_step_down(client, enterprise_admin, enterprise):
    client.force_login(enterprise_admin)
    membership = enterprise.memberships.get(user=enterprise_admin)

    client.post(f"/enterprises/{enterprise.pk}/members/{membership.pk}", {"role": "viewer"})

    membership.refresh_from_db()
    assert membership.role == "admin"


def test_a_role_change_takes_effect_on_the_permissions(client, enterprise_admin, enterprise):
    submitter = MembershipFactory(enterprise=enterprise, role="submitter")
    client.force_login(enterprise_admin)

    client.post(f"/enterprises/{enterprise.pk}/members/{submitter.pk}", {"role": "admin"})

    assert submitter.user.has_perm("enterprises.manage_members", enterprise)
    assert AuditEvent.objects.filter(action="enterprises.membership.role_changed").exists()


def test_a_removed_member_loses_access(client, enterprise_admin, enterprise):
    member = MembershipFactory(enterprise=enterprise, role="submitter")
    client.force_login(enterprise_admin)

    client.post(f"/enterprises/{enterprise.pk}/members/{member.pk}", {"remove": "on"})

    other = Client()
    other.force_login(member.user)
    assert other.get(f"/enterprises/{enterprise.pk}/").status_code == 404


def test_an_admin_creates_a_key_shown_once_and_revokes_it(
    client, enterprise_admin, enterprise, api_client
):
    client.force_login(enterprise_admin)

    page = client.post(
        f"/enterprises/{enterprise.pk}/api-keys", {"name": "SAP production"}
    ).content.decode()
    plaintext = re.search(r"hub_[0-9a-f]{8}_[A-Za-z0-9-]+", page).group(0)
    api_key = ApiKey.objects.get(name="SAP production")
    assert plaintext not in client.get(f"/enterprises/{enterprise.pk}/").content.decode()
    assert (
        api_client.get("/api/v1/whoami", HTTP_AUTHORIZATION=f"Api-Key {plaintext}").status_code
        == 200
    )

    client.post(f"/enterprises/{enterprise.pk}/api-keys/{api_key.pk}/revoke")

    assert (
        api_client.get("/api/v1/whoami", HTTP_AUTHORIZATION=f"Api-Key {plaintext}").status_code
        == 401
    )


def test_a_member_of_another_enterprise_sees_nothing_of_it(client, enterprise):
    outsider = MembershipFactory(role="admin").user
    client.force_login(outsider)

    assert client.get(f"/enterprises/{enterprise.pk}/").status_code == 404
    assert enterprise.legal_name not in client.get("/api/v1/enterprises").content.decode()
