import pytest
from django.urls import reverse

from hub.declarations.models import Declaration
from hub.risk.services import profiles_refresh
from tests.factories import ApiKeyFactory, MembershipFactory
from tests.risk import factories as f

pytestmark = pytest.mark.django_db
URL = "/api/v1/profiles"


@pytest.fixture
def profiles():
    enterprise = f.sharer()
    green = f.matched_declaration(enterprise, number="220100000000000001")
    red = f.matched_declaration(
        f.sharer(), number="220100000000000002", findings=[("quantity", "high")]
    )
    profiles_refresh(declaration_ids=[green.pk, red.pk])
    return enterprise


def test_the_url_is_the_documented_one():
    assert reverse("api-profile-list") == URL


def test_the_customs_system_reads_profiles_with_lane_score_factors_and_fired_rules(
    api_client, profiles
):
    key = ApiKeyFactory(enterprise=None, kind="g2g")
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key.plaintext}")
    body = api_client.get(URL).json()

    assert body["count"] == 2
    green, red = body["results"]
    assert (green["declaration"], green["lane"], green["rule_set_version"]) == (
        "220100000000000001",
        "green",
        1,
    )
    assert red["lane"] == "red"
    assert red["rules"][0]["key"] == "goods-differ-sharply"
    assert red["rules"][0]["rationale"]
    crosscheck = next(factor for factor in red["factors"] if factor["key"] == "crosscheck")
    assert crosscheck["label"] == "Cross-check of this declaration"
    assert crosscheck["contribution"] == 15.0
    assert crosscheck["evidence"]["text"].startswith("Differences from the shared data")
    assert len(crosscheck["evidence"]["ids"]["findings"]) == 1


def test_officers_filter_profiles_by_lane_declaration_and_page(api_client, profiles, analyst):
    api_client.force_authenticate(analyst)
    assert [item["lane"] for item in api_client.get(URL, {"lane": "red"}).json()["results"]] == [
        "red"
    ]
    by_number = api_client.get(URL, {"declaration": "220100000000000001"}).json()
    assert [item["declaration"] for item in by_number["results"]] == ["220100000000000001"]
    page = api_client.get(URL, {"page_size": 1, "page": 2}).json()
    assert (page["count"], len(page["results"]), page["next"]) == (2, 1, None)


def test_the_history_of_a_declaration_includes_the_profiles_a_refresh_replaced(
    api_client, profiles, analyst
):
    declaration = Declaration.objects.get(number="220100000000000001")
    f.crosscheck_findings(declaration, [("value", "medium")])
    profiles_refresh(declaration_ids=[declaration.pk])
    api_client.force_authenticate(analyst)

    body = api_client.get(URL, {"declaration": declaration.number, "history": "true"}).json()
    assert sorted((item["current"], item["lane"]) for item in body["results"]) == [
        (False, "green"),
        (True, "blue"),
    ]


@pytest.mark.parametrize(
    "query", [{"lane": "purple"}, {"page_size": "0"}, {"enterprise": "x"}, {"status": "maybe"}]
)
def test_an_invalid_filter_is_a_400_naming_the_parameter(api_client, analyst, query):
    api_client.force_authenticate(analyst)
    response = api_client.get(URL, query)
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == f"/{next(iter(query))}"


def test_enterprises_never_read_profiles(api_client, profiles):
    erp = ApiKeyFactory(enterprise=profiles)
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {erp.plaintext}")
    assert api_client.get(URL).status_code == 403

    api_client.credentials()
    api_client.force_authenticate(MembershipFactory(enterprise=profiles, role="admin").user)
    response = api_client.get(URL)
    assert response.status_code == 403
    assert "220100000000000001" not in response.content.decode()
