from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.test_onboarding import log_in
from tests.factories import EnterpriseFactory, MembershipFactory
from tests.tracking.release_data import released_after

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHART_DRAWN = """(id) => {
  const canvas = document.getElementById(id);
  const chart = window.Chart && Chart.getChart(canvas);
  if (!chart || canvas.width === 0) return false;
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  for (let alpha = 3; alpha < pixels.length; alpha += 4) if (pixels[alpha] > 0) return true;
  return false;
}"""


def test_an_enterprise_member_sees_its_release_times_charted_beside_everyones(live_server, page):
    importer = EnterpriseFactory(legal_name="Alpha Precision Optics Co., Ltd.")
    MembershipFactory(enterprise=importer, user__username="alpha.viewer", role="viewer")
    week_ago = timezone.now() - timedelta(days=7)
    for hours in (20, 28):
        released_after(hours, start=week_ago, enterprise=importer)
    for hours in (30, 40, 50):
        released_after(hours, start=week_ago, enterprise=EnterpriseFactory())

    log_in(page, live_server.url, "alpha.viewer")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Release times").click()

    expect(
        page.get_by_role("heading", name="Release times of Alpha Precision Optics")
    ).to_be_visible()
    page.wait_for_function(CHART_DRAWN, arg="stages-chart")
    legend = page.evaluate(
        "Chart.getChart(document.getElementById('stages-chart')).data.datasets.map(d => d.label)"
    )
    assert legend == ["Your consignments: mean", "All consignments: mean"]
    summary = page.locator("#stages tbody tr", has_text="acceptance → release")
    expect(summary).to_contain_text("24.0")  # own mean of 20 h and 28 h
    expect(summary).to_contain_text("33.6")  # everyone's: (20 + 28 + 30 + 40 + 50) / 5
