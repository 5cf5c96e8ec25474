import pytest
from rest_framework.test import APIClient

from hub.crosschecks.models import Finding
from hub.crosschecks.selectors import finding_list
from hub.declarations.models import Declaration
from tests.crosschecks.factories import changed, consignment, declaration, declare, share
from tests.factories import ApiKeyFactory, MembershipFactory, officer

pytestmark = pytest.mark.django_db


@pytest.fixture
def checked(trader, jobs):
    """D1, declared with the origin of its third item wrong, cross-checked."""
    enterprise, admin = trader
    with jobs():
        share(enterprise, admin, consignment("PO-1"))
        declare(declaration("D1", "PO-1", changed(index=2, origin="CN")))
    return enterprise


def client_with_key(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key.plaintext}")
    return client


def test_the_customs_system_reads_the_match_and_findings_of_a_declaration(checked):
    response = client_with_key(ApiKeyFactory(enterprise=None, kind="g2g")).get(
        "/api/v1/declarations/D1/crosscheck"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["declaration"], body["revision"], body["outcome"]) == ("D1", 1, "findings")
    assert body["checked_revision"] == 1
    [match] = body["matches"]
    assert match["consignment"] == "PO-1"
    assert (match["method"], match["confidence"], match["revision"]) == (
        "transport_document",
        "1.000",
        1,
    )
    [finding] = body["findings"]
    assert {key: finding[key] for key in ("item_number", "type", "severity", "declared")} == {
        "item_number": 3,
        "type": "origin",
        "severity": "high",
        "declared": "CN",
    }
    assert finding["shared"] == "IT"
    assert "declares origin CN" in finding["explanation"]


def test_an_officer_reads_it_with_a_session(checked):
    client = APIClient()
    client.force_login(officer("customs_analyst"))

    response = client.get("/api/v1/declarations/D1/crosscheck")

    assert response.status_code == 200
    assert response.json()["outcome"] == "findings"


def test_a_declaration_not_checked_yet_is_pending(trader):
    declare(declaration("D2", "PO-2"))  # its job never runs: no commit in this test
    client = client_with_key(ApiKeyFactory(enterprise=None, kind="g2g"))

    body = client.get("/api/v1/declarations/D2/crosscheck").json()

    assert (body["outcome"], body["matches"], body["findings"]) == ("pending", [], [])


def test_the_consignees_own_key_and_members_may_not_read_cross_checks(checked):
    member = APIClient()
    member.force_login(MembershipFactory(enterprise=checked, role="admin").user)

    for client in (client_with_key(ApiKeyFactory(enterprise=checked)), member):
        response = client.get("/api/v1/declarations/D1/crosscheck")
        assert response.status_code == 403
        assert "customs" in response.json()["message"]


@pytest.mark.parametrize("number", ["D9", "d1", "D1%00", "X" * 31])
def test_an_unknown_or_malformed_number_is_a_404(checked, number):
    client = client_with_key(ApiKeyFactory(enterprise=None, kind="g2g"))

    response = client.get(f"/api/v1/declarations/{number}/crosscheck")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_enterprise_sees_only_the_findings_customs_shared_with_it(checked):
    declaration_ = Declaration.objects.get(number="D1")
    member = MembershipFactory(enterprise=checked, role="viewer").user
    stranger = MembershipFactory(role="admin").user
    assert list(finding_list(visible_to=member, declaration=declaration_)) == []

    Finding.objects.update(shared_with_enterprise=True)

    assert [f.type for f in finding_list(visible_to=member, declaration=declaration_)] == [
        Finding.Type.ORIGIN
    ]
    assert list(finding_list(visible_to=stranger, declaration=declaration_)) == []
