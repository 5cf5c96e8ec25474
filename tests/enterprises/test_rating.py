import pytest

from hub.enterprises.models import RatingChange
from tests.factories import ApiKeyFactory, officer

pytestmark = pytest.mark.django_db


def test_the_customs_system_sets_credit_rating_and_aeo_status_with_history(api_client, enterprise):
    g2g = ApiKeyFactory(enterprise=None, kind="g2g")
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {g2g.plaintext}"}

    api_client.post(
        f"/api/v1/enterprises/{enterprise.pk}/rating",
        {"credit_rating": "general", "aeo_status": "none"},
        format="json",
        **headers,
    )
    response = api_client.post(
        f"/api/v1/enterprises/{enterprise.pk}/rating",
        {
            "credit_rating": "advanced_certified",
            "aeo_status": "certified",
            "reason": "AEO certificate CN-AEO-2026-0042",
        },
        format="json",
        **headers,
    )

    assert response.status_code == 200
    assert response.json()["credit_rating"] == "advanced_certified"
    history = list(enterprise.rating_changes.values_list("credit_rating", "source"))
    assert history == [
        ("advanced_certified", RatingChange.Source.CUSTOMS_SYSTEM),
        ("general", RatingChange.Source.CUSTOMS_SYSTEM),
    ]


def test_an_officer_sets_the_rating_on_the_enterprise_page(client, enterprise):
    client.force_login(officer())

    client.post(
        f"/enterprises/{enterprise.pk}/rating",
        {"credit_rating": "dishonest", "aeo_status": "revoked", "reason": "Smuggling case 2026-17"},
    )

    enterprise.refresh_from_db()
    assert (enterprise.credit_rating, enterprise.aeo_status) == ("dishonest", "revoked")
    assert enterprise.rating_changes.get().source == RatingChange.Source.OFFICER


def test_an_erp_key_cannot_set_its_own_rating(api_client, erp_key, enterprise):
    response = api_client.post(
        f"/api/v1/enterprises/{enterprise.pk}/rating",
        {"credit_rating": "advanced_certified", "aeo_status": "certified"},
        format="json",
        HTTP_AUTHORIZATION=f"Api-Key {erp_key.plaintext}",
    )

    assert response.status_code == 403
    enterprise.refresh_from_db()
    assert enterprise.credit_rating == "unrated"
