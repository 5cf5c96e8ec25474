import pytest

from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_officer_logs_in_through_the_login_page_switches_to_chinese_and_logs_out(
    live_server, page
):
    UserFactory(
        username="officer.auditor", display_name="Zhao Lei", customs_roles=["customs_auditor"]
    )

    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("officer.auditor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("heading", name="Welcome, Zhao Lei").wait_for()
    navigation = page.get_by_role("navigation", name="Main")
    assert navigation.get_by_role("link", name="Audit trail").is_visible()

    navigation.get_by_role("link", name="Audit trail").click()
    page.get_by_role("heading", name="Audit trail").wait_for()
    assert page.get_by_role("cell", name="core.user.logged_in").count() == 1

    page.get_by_label("Language").select_option("zh-hans")
    page.get_by_role("heading", name="审计记录").wait_for()

    page.get_by_role("button", name="退出登录").click()
    page.get_by_role("heading", name="登录").wait_for()


def test_a_wrong_password_shows_an_error_on_the_login_page(live_server, page):
    UserFactory(username="trader.admin")

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("trader.admin")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()

    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "correct username and password" in alert.inner_text()
