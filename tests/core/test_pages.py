import re

import pytest
from django.core.management import call_command

from hub.core.models import AuditEvent
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_the_start_page_asks_anonymous_visitors_to_log_in(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_logging_in_through_the_form_lands_on_the_start_page_and_is_audited(client):
    person = UserFactory(display_name="Li Na")

    response = client.post(
        "/login/", {"username": person.username, "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1] == ("/", 302)
    assert "Welcome, Li Na" in response.content.decode()
    assert AuditEvent.objects.filter(action="core.user.logged_in", actor_user=person).exists()


def test_a_wrong_password_is_refused_and_the_attempt_is_audited_without_the_password(client):
    person = UserFactory()

    response = client.post("/login/", {"username": person.username, "password": "wrong-guess"})

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    failure = AuditEvent.objects.get(action="core.user.login_failed")
    assert failure.data == {"username": person.username}


def nav_labels(response):
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', response.content.decode(), re.S)
    return re.findall(r"<a [^>]*>([^<]+)</a>", nav.group(1))


def test_the_navigation_shows_an_auditor_the_audit_trail(client, auditor):
    client.force_login(auditor)

    assert nav_labels(client.get("/")) == [
        "Home",
        "Enterprises",
        "Declarations",
        "Agreements",
        "Partner entities",
        "Release times",
        "Clearance what-if",
        "Audit trail",
        "API documentation",
    ]


def test_the_navigation_hides_the_audit_trail_from_an_enterprise_member(client, enterprise_admin):
    client.force_login(enterprise_admin)

    assert nav_labels(client.get("/")) == [
        "Home",
        "My enterprise",
        "Agreements",
        "Upload data",
        "Consignments",
        "Internal control",
        "Partners",
        "Release times",
        "Clearance what-if",
        "API documentation",
    ]


def test_the_audit_trail_page_is_refused_to_people_without_the_auditor_role(
    client, enterprise_admin
):
    client.force_login(enterprise_admin)

    assert client.get("/audit/").status_code == 403


def test_an_auditor_filters_the_audit_trail_by_action(client, auditor, erp_key):
    client.force_login(auditor)

    page = client.get("/audit/", {"action": "enterprises.api_key"}).content.decode()

    assert "enterprises.api_key.created" in page
    assert "core.user.logged_in" not in page


def test_the_audit_filter_answers_htmx_with_the_rows_only(client, auditor, erp_key):
    client.force_login(auditor)

    fragment = client.get("/audit/", {"action": "enterprises"}, HTTP_HX_REQUEST="true")

    assert fragment.content.decode().lstrip().startswith("<table>")


def test_every_response_carries_a_request_id_that_the_audit_event_also_records(client):
    person = UserFactory()

    response = client.post("/login/", {"username": person.username, "password": PASSWORD})

    request_id = response["X-Request-ID"]
    assert AuditEvent.objects.get(action="core.user.logged_in").request_id == request_id


def test_the_interface_switches_to_simplified_chinese(client, enterprise_admin):
    client.force_login(enterprise_admin)

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    page = client.get("/").content.decode()

    assert '<html lang="zh-hans">' in page
    assert "首页" in page  # "Home"
    assert "退出登录" in page  # "Log out"


def test_the_api_schema_and_its_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs = client.get("/api/docs/").content.decode()

    assert schema.status_code == 200
    assert "/api/v1/whoami" in schema.json()["paths"]
    assert "ApiKey" in schema.json()["components"]["securitySchemes"]
    assert "cdn" not in docs.lower()
    assert "/static/drf_spectacular_sidecar/" in docs


def test_demo_data_prints_the_logins_and_a_working_erp_key(api_client, settings, capsys):
    settings.DEBUG = True

    call_command("demo_load")
    call_command("demo_load")  # a second run neither fails nor duplicates anything

    output = capsys.readouterr().out
    for login in ("trader.admin", "officer.onboarding", "officer.risk"):
        assert login in output
    key = re.findall(r"hub_[0-9a-f]{8}_[A-Za-z0-9-]+", output)[-1]
    response = api_client.get("/api/v1/whoami", HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert response.status_code == 200
    assert response.json()["kind"] == "erp"
    assert api_client.login(username="trader.admin", password="demo-hub-2026")


def test_demo_data_is_refused_outside_development(settings):
    settings.DEBUG = False

    with pytest.raises(Exception, match="development only"):
        call_command("demo_load")
