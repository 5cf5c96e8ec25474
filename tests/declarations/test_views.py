import re

import pytest
from django.test import Client

from hub.declarations.services import declaration_status_record
from tests.crosschecks.factories import (
    GOODS,
    changed,
    consignment,
    declaration,
    declare,
    importer,
    share,
)
from tests.factories import MembershipFactory, officer

pytestmark = pytest.mark.django_db


@pytest.fixture
def jobs(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def declared(jobs):
    """D1 with an understated quantity and a different heading, D2 consistent, D3 without
    shared data; all cross-checked."""
    enterprise, admin = importer()
    with jobs():
        share(enterprise, admin, consignment("PO-1"), consignment("PO-2"))
        declare(
            declaration(
                "D1",
                "PO-1",
                changed(changed(index=3, quantity=250), index=4, hs_code="9025192000"),
            ),
            declaration("D2", "PO-2"),
            declaration("D3", "PO-3", declared_at="2027-02-01T09:00:00+08:00"),
        )
    return enterprise


def officer_client(role="customs_risk_officer"):
    client = Client()
    client.force_login(officer(role))
    return client


def test_the_declaration_page_shows_the_findings_beside_the_items(declared):
    declaration_status_record(
        changes=[
            {"number": "D1", "status": "accepted", "occurred_at": "2026-12-04T10:00:00+08:00"}
        ],
        actor=None,
    )

    page = officer_client().get("/declarations/D1/")

    assert page.status_code == 200
    body = page.content.decode()
    assert "Quantity differs" in body
    assert "HS heading differs" in body
    assert "Item 4 declares 250 PCE, 16.7 % less than the 300 PCE the shared lines list" in body
    assert "is declared under heading 9025, but the shared lines of these goods are" in body
    # Declared beside shared, item by item, the cells of the findings highlighted.
    # The quantity of item 4 and the HS code of item 5, on both sides.
    flagged = [
        (side, re.sub(r"<[^>]+>", "", cell).strip())
        for side, cell in re.findall(r'class="(declared|shared)[a-z ]* flagged">(.*?)</td>', body)
    ]
    assert sorted(flagged) == [
        ("declared", "250 PCE"),
        ("declared", "9025192000"),
        ("shared", "300 PCE"),
        ("shared", "9026.20"),
    ]
    assert ">PO-1</a>" in body
    assert "transport document number and consignee" in body
    assert "<td>accepted</td><td>2026-12-04 02:00</td>" in body


def test_a_consistent_declaration_shows_every_item_beside_its_shared_lines(declared):
    body = officer_client().get("/declarations/D2/").content.decode()

    assert "consistent" in body
    assert "flagged" not in body
    for kind in GOODS:
        assert kind.description in body


def test_a_declaration_without_shared_data_says_so(declared):
    body = officer_client("customs_auditor").get("/declarations/D3/").content.decode()

    assert "No shared consignment of the consignee matches this declaration" in body
    assert GOODS[0].description in body  # its items, declared only


def test_the_list_filters_declarations_by_outcome_and_finding(declared):
    client = officer_client()

    everything = client.get("/declarations/").content.decode()
    with_findings = client.get("/declarations/", {"outcome": "findings"}).content.decode()
    heading = client.get("/declarations/", {"finding_type": "hs_heading"}).content.decode()
    unshared = client.get("/declarations/", {"outcome": "no_shared_data"}).content.decode()

    assert all(f"/declarations/D{n}/" in everything for n in (1, 2, 3))
    assert "/declarations/D1/" in with_findings
    assert "/declarations/D2/" not in with_findings
    assert "/declarations/D1/" in heading
    assert "/declarations/D3/" not in heading
    assert "/declarations/D3/" in unshared
    assert "/declarations/D1/" not in unshared
    assert "2 high" in everything  # D1's two findings


def test_a_date_filter_that_is_not_a_date_shows_the_error_and_the_whole_list(declared):
    page = officer_client().get("/declarations/", {"declared_from": "yesterday"})

    assert page.status_code == 200
    assert "Enter a valid date." in page.content.decode()
    assert "/declarations/D1/" in page.content.decode()


def test_enterprise_members_may_not_open_the_officers_pages(declared):
    client = Client()
    client.force_login(MembershipFactory(enterprise=declared, role="admin").user)

    assert client.get("/declarations/").status_code == 403
    assert client.get("/declarations/D1/").status_code == 403
    assert client.get("/crosschecks/tolerances").status_code == 403


def test_officers_read_the_tolerances_in_force(settings, db):
    settings.CROSSCHECK_TOLERANCES = {**settings.CROSSCHECK_TOLERANCES, "value_relative": "0.05"}

    body = officer_client("customs_analyst").get("/crosschecks/tolerances").content.decode()

    assert "value_relative" in body
    assert "5 %" in body
    assert "How far the declared value may be" in body
