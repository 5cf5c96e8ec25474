"""The what-if page: officers and members run the process-delay model on entered figures or on
the hub's stage times, which they see only as aggregates of what they may see."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hub.declarations.models import Declaration
from hub.tracking.models import CargoEvent
from hub.tracking.whatif_views import _latest_days_within_limit
from tests.factories import EnterpriseFactory, MembershipFactory, officer

pytestmark = pytest.mark.django_db


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def stage_figures(*stages, **arrivals):
    """Form data as the page submits it: stages as (name, teams, handling, spread, teams added,
    automation cut %)."""
    data = {"stages-TOTAL_FORMS": str(len(stages)), "stages-INITIAL_FORMS": "0"}
    keys = ("name", "teams", "handling_minutes", "spread_minutes", "extra_teams", "automation_cut")
    for index, stage in enumerate(stages):
        data.update(
            {f"stages-{index}-{key}": value for key, value in zip(keys, stage, strict=True)}
        )
    data.update(
        {
            "cargos_per_flight": "20, 20, 20",
            "minutes_between_flights": "30",
            "flights_in_order": "on",
            "items_low": "1",
            "items_high": "10",
            "delay_cost_low": "1.00",
            "delay_cost_high": "9.00",
            "storage_cost": "2.00",
            "seed": "1",
            **arrivals,
        }
    )
    return data


CHECK = ("Document check", "3", "5", "1", "0", "0")
PAYMENT = ("Duty payment", "1", "4", "0", "1", "100")


def test_an_officer_sees_the_papers_example_with_payment_as_the_bottleneck():
    response = client_of(officer("customs_risk_officer")).get(reverse("tracking-whatif"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "<strong>Duty and storage-charge payment</strong> (most waiting)" in page
    for scenario in ("More teams", "Steps automated", "Priority dispatching", "All together"):
        assert scenario in page
    assert 'value="47, 39, 37, 46, 50, 44, 43, 47, 47, 43, 44, 44, 44, 48, 47"' in page
    assert response.context["flights"][14]["cargos"] == 47


def test_an_officer_runs_a_scenario_on_entered_figures():
    response = client_of(officer("customs_analyst")).get(
        reverse("tracking-whatif"), stage_figures(CHECK, PAYMENT)
    )

    assert response.status_code == 200
    baseline, scenarios = response.context["baseline"], response.context["scenarios"]
    assert [stage["name"] for stage in baseline["stages"]] == ["Document check", "Duty payment"]
    assert baseline["bottleneck"] == "Duty payment"
    more_teams = next(s for s in scenarios if s["name"] == "More teams")
    assert more_teams["stages"][1]["teams"] == 2
    assert more_teams["inventory_saving"] > 0
    assert more_teams["total_change"].startswith("\u2212")
    page = response.content.decode()
    assert 'id="whatif-waiting-chart"' in page
    # The figures come back as entered, with blank rows to add a stage in.
    assert 'value="Duty payment"' in page
    assert 'name="stages-3-name"' in page


def test_optional_figures_left_empty_count_as_none():
    response = client_of(officer("customs_analyst")).get(
        reverse("tracking-whatif"), stage_figures(("Document check", "3", "5", "", "", ""))
    )

    assert [s["name"] for s in response.context["scenarios"]] == ["Priority dispatching"]
    assert 'name="stages-0-extra_teams" value="0"' in response.content.decode()


def test_a_stage_without_teams_is_refused_with_a_form_error_and_no_result():
    response = client_of(officer("customs_analyst")).get(
        reverse("tracking-whatif"), stage_figures(CHECK, ("Duty payment", "0", "4", "0", "0", "0"))
    )

    assert response.status_code == 200
    assert "A stage needs at least one team." in response.content.decode()
    assert "baseline" not in response.context


def test_negative_times_are_refused_with_a_form_error():
    response = client_of(officer("customs_analyst")).get(
        reverse("tracking-whatif"),
        stage_figures(("Document check", "3", "-5", "0", "0", "0"), minutes_between_flights="-1"),
    )

    page = response.content.decode()
    assert page.count("A time cannot be negative.") == 2
    assert "baseline" not in response.context


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("cargos_per_flight", "twenty", "Give whole numbers of cargos separated by commas"),
        ("cargos_per_flight", "4², 5", "Give whole numbers of cargos separated by commas"),
        ("cargos_per_flight", "0, 0", "Give between 1 and 5000 cargos in all."),
        ("items_high", "0", "Ensure this value is greater than or equal to 1."),
        ("delay_cost_high", "0.50", "The upper end cannot be below the lower end."),
    ],
)
def test_arrival_and_cost_figures_that_cannot_be_run_say_how_to_fix_them(field, value, message):
    response = client_of(officer("customs_analyst")).get(
        reverse("tracking-whatif"), stage_figures(CHECK, **{field: value})
    )

    assert message in response.content.decode()
    assert "baseline" not in response.context


def test_a_spread_without_a_handling_time_is_refused():
    response = client_of(officer("customs_analyst")).get(
        reverse("tracking-whatif"), stage_figures(("Check", "1", "0", "2", "0", "0"))
    )

    assert "A spread needs a handling time above zero." in response.content.decode()


def test_blank_stage_rows_are_left_out_and_no_stage_at_all_is_refused():
    blank = ("", "", "", "0", "0", "0")
    one = client_of(officer("customs_analyst")).get(
        reverse("tracking-whatif"), stage_figures(CHECK, blank)
    )
    none = client_of(officer("customs_analyst")).get(
        reverse("tracking-whatif"), stage_figures(blank)
    )

    assert [stage["name"] for stage in one.context["baseline"]["stages"]] == ["Document check"]
    assert "Give at least one stage." in none.content.decode()


# --- The hub's own stage times ----------------------------------------------------------------

_numbers = iter(range(10**6))


def declaration(consignee, *, arrived, declared, accepted, released, gate_out):
    """A declaration of `consignee` whose goods arrived, were declared, accepted, released and
    left the port at these times; its transport document's events as the port reports them."""
    number = next(_numbers)
    document = f"TDN{number:07d}"
    Declaration.objects.create(
        number=f"2201{number:014d}",
        customs_office="2248",
        declared_at=declared,
        accepted_at=accepted,
        released_at=released,
        declarant_name="Broker",
        consignee_name=consignee.legal_name,
        consignee_code=f"CODE{number}",
        consignee=consignee,
        transport_document_number=document,
        consignor_name="Seller",
        consignor_country="DE",
        currency="EUR",
        received_at=declared,
        payload_sha256="0" * 64,
    )
    for kind, at in (("arrival", arrived), ("gate_out", gate_out)):
        CargoEvent.objects.create(
            reporter=consignee,
            event_id=f"{document}-{kind}",
            type=kind,
            transport_document_number=document,
            occurred_at=at,
            received_at=at,
        )
    return document


@pytest.fixture
def history():
    """Enterprise A: two declarations whose acceptance took 1 and 3 hours; enterprise B: one
    that took 10 hours. Both cleared in the last days."""
    a, b = EnterpriseFactory(legal_name="Alpha Optics"), EnterpriseFactory(legal_name="Beta")
    start = timezone.now() - timedelta(days=3)
    documents = []
    for owner, hours in ((a, 1), (a, 3), (b, 10)):
        documents.append(
            declaration(
                owner,
                arrived=start,
                # Lodged an hour before the goods arrived: no time at that stage.
                declared=start - timedelta(hours=1),
                accepted=start - timedelta(hours=1) + timedelta(hours=hours),
                released=start + timedelta(hours=12),
                gate_out=start + timedelta(hours=14),
            )
        )
    return {"a": a, "b": b, "documents": documents}


def stage(response, name):
    return next(s for s in response.context["history"].stages if s.name == name)


def test_customs_starts_from_the_stage_times_of_every_declaration(history):
    response = client_of(officer("customs_analyst")).get(
        reverse("tracking-whatif"), {"source": "history"}
    )

    acceptance = stage(response, "declaration → acceptance")
    assert acceptance.count == 3
    assert acceptance.mean_minutes == pytest.approx((1 + 3 + 10) / 3 * 60)
    assert stage(response, "arrival → declaration").mean_minutes == 0
    assert stage(response, "release → gate-out").mean_minutes == pytest.approx(120)
    # 14 hours of acceptance in all over the 10 hours from the first declaration to the last
    # acceptance: 1.4 declarations in the stage at once, so 2 teams to start from.
    assert acceptance.in_stage_at_once == pytest.approx(1.4)
    assert response.context["baseline"]["stages"][1]["teams"] == 2
    page = response.content.decode()
    # The stages are the form's rows, and the run is on them.
    assert 'value="declaration → acceptance"' in page
    assert response.context["baseline"]["stages"][1]["name"] == "declaration → acceptance"
    # Aggregates only: no declaration, transport document or enterprise is named.
    for document in history["documents"]:
        assert document not in page
    assert "Alpha Optics" not in page
    assert "2201" not in page


def test_a_member_starts_from_the_stage_times_of_their_own_enterprise_only(history):
    member = MembershipFactory(enterprise=history["a"], role="viewer").user

    response = client_of(member).get(reverse("tracking-whatif"), {"source": "history"})

    acceptance = stage(response, "declaration → acceptance")
    assert acceptance.count == 2
    assert acceptance.mean_minutes == pytest.approx(120)
    assert "your enterprise" in response.content.decode()


def test_a_member_of_another_enterprise_learns_nothing_of_their_stage_times(history):
    outsider = MembershipFactory(enterprise=EnterpriseFactory(), role="admin").user

    response = client_of(outsider).get(reverse("tracking-whatif"), {"source": "history"})

    assert response.context["history"].is_empty
    assert "There are no stage times to start from yet" in response.content.decode()
    # The form falls back to the paper's example.
    assert response.context["baseline"]["stages"][3]["name"] == "Duty and storage-charge payment"


def test_the_page_is_in_the_navigation_of_people_signed_in():
    response = client_of(officer("customs_analyst")).get(reverse("home"))

    assert reverse("tracking-whatif") in [item["url"] for item in response.context["nav_items"]]


def test_more_arrivals_than_the_page_runs_on_keep_the_latest_days_that_fit():
    assert _latest_days_within_limit((3000, 2000, 1500, 1000)) == [2000, 1500, 1000]
    assert _latest_days_within_limit((0, 8000)) == [5000]
