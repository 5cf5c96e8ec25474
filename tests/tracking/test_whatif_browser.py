import pytest

from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_officer_adds_a_payment_team_and_sees_the_waiting_move_in_table_and_chart(
    live_server, page
):
    UserFactory(username="officer.analyst", customs_roles=["customs_analyst"])
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("officer.analyst")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Clearance what-if"
    ).click()
    page.get_by_role("heading", name="What-if for the clearance process").wait_for()
    page.get_by_label("Teams added 4", exact=True).fill("2")
    page.get_by_label("Handling cut by automation (%) 4", exact=True).fill("0")
    page.get_by_role("button", name="Compare").click()

    page.get_by_role("row", name="More teams").first.wait_for()
    scenarios = page.locator("#whatif-result tbody th").all_inner_texts()
    assert scenarios == ["Baseline", "More teams", "Priority dispatching", "All together"]
    assert "stages-3-extra_teams=2" in page.url
    # The chart script drew both charts from the figures the page carries.
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".map((canvas) => Boolean(Chart.getChart(canvas)))"
    )
    assert drawn == [True, True]
