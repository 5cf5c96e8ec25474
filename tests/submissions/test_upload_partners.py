"""The partners sheet of an upload: the partners it describes are registered, or update the
enterprise's registrations of them, in the same all-or-nothing commit as the consignments."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook
from rest_framework.test import APIClient

from hub.core.models import AuditEvent
from hub.partners.models import Partner, PartyLink
from hub.submissions.models import Consignment, Upload
from hub.submissions.uploads import template_workbook
from tests.factories import (
    ApiKeyFactory,
    EnterpriseFactory,
    MembershipFactory,
    active_agreement,
    registered_partner,
)
from tests.submissions.test_uploads import upload
from tests.workbooks import (
    as_version_1,
    consignment_rows,
    filled_template,
    partner_column_letter,
    saved,
)

pytestmark = pytest.mark.django_db

RHEIN = {
    "legal_name": "Rhein Präzisionstechnik GmbH",
    "country": "DE",
    "roles": "seller, manufacturer",
    "address": "Hafenstraße 12, 20457 Hamburg",
    "identifiers.vat": "DE 811 907 980",
    "contact_email": "export@rhein.example",
}
NORDSEE = {
    "legal_name": "Nordsee Spedition GmbH",
    "country": "DE",
    "roles": "forwarder",
    "identifiers.eori": "DE9876543210987",
}
COSCO = {"legal_name": "COSCO Shipping Lines Co., Ltd.", "country": "CN", "roles": "carrier"}


@pytest.fixture
def agreement(enterprise, enterprise_admin):
    return active_agreement(enterprise, enterprise_admin, scope=["supply_chain_parties"])


@pytest.fixture
def erp(api_client, erp_key):
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {erp_key.plaintext}")
    return api_client


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def outcomes(response) -> list[tuple]:
    return [
        (partner["row"], partner["legal_name"], partner["status"], partner["version"])
        for partner in response.json()["partners"]
    ]


def test_the_partners_of_the_sheet_are_registered_and_shown_on_the_page_and_by_the_api(
    erp, enterprise, enterprise_admin, agreement
):
    data = filled_template(agreement, consignment_rows("PO-1"), partners=[RHEIN, NORDSEE])

    response = upload(erp, data)

    assert response.status_code == 201, response.json()
    assert outcomes(response) == [
        (2, "Rhein Präzisionstechnik GmbH", "registered", 1),
        (3, "Nordsee Spedition GmbH", "registered", 1),
    ]
    assert response.json()["message"] == (
        "1 consignment(s) with 2 line(s) were shared with customs. "
        "Supply-chain partners: 2 registered, 0 updated, 0 unchanged."
    )
    listed = {partner["legal_name"]: partner for partner in erp.get("/api/v1/partners").json()}
    rhein = listed["Rhein Präzisionstechnik GmbH"]
    assert rhein["identifiers"] == {"vat": "DE811907980"}
    assert rhein["roles"] == ["seller", "manufacturer"]
    assert (rhein["address"], rhein["contact_email"]) == (RHEIN["address"], RHEIN["contact_email"])
    assert listed["Nordsee Spedition GmbH"]["identifiers"] == {"eori": "DE9876543210987"}
    page = client_of(enterprise_admin).get(f"/enterprises/{enterprise.pk}/partners/")
    assert "Rhein Präzisionstechnik GmbH" in page.content.decode()
    assert "Nordsee Spedition GmbH" in page.content.decode()
    assert AuditEvent.objects.filter(action="partners.partner.registered").count() == 2
    assert Upload.objects.get().partners[0]["id"] == rhein["id"]


def test_an_invalid_vat_number_is_refused_by_sheet_row_and_column_and_nothing_is_stored(
    erp, enterprise, agreement
):
    partners = [NORDSEE, {**RHEIN, "identifiers.vat": "DE811907981"}]
    data = filled_template(agreement, consignment_rows("PO-1"), partners=partners)
    vat = partner_column_letter("identifiers.vat")

    response = upload(erp, data)

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["sheet"], error["row"], error["column"], error["header"], error["field"]) == (
        "Partners",
        3,
        vat,
        "VAT or tax number",
        "identifiers.vat",
    )
    assert error["code"] == "invalid_identifier"
    assert "Give the VAT or tax number as on the partner's invoices" in error["message"]
    assert not Partner.objects.exists()
    assert not Consignment.objects.exists()

    annotated = load_workbook(
        io.BytesIO(erp.get(response.json()["upload"]["annotated_workbook"]).content)
    )
    cell = annotated["Partners"][f"{vat}3"]
    assert cell.value == "DE811907981"
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert "Give the VAT or tax number" in cell.comment.text
    assert annotated["Partners"]["A2"].value == "Nordsee Spedition GmbH"
    listed = [row[:4] for row in annotated["Errors"].iter_rows(min_row=2, values_only=True)]
    assert listed == [("Partners", f"{vat}3", 3, vat)]
    assert annotated["Errors"]["B2"].hyperlink.location == f"'Partners'!{vat}3"

    submitter = MembershipFactory(enterprise=enterprise, role="submitter").user
    page = client_of(submitter).post(
        f"/enterprises/{enterprise.pk}/uploads/",
        {"file": SimpleUploadedFile("partners.xlsx", data), "authenticity_confirmed": "on"},
    )
    html = page.content.decode()
    assert page.status_code == 400
    assert f"<td>Partners</td><td>3</td><td>{vat} (VAT or tax number)</td>" in html
    assert "Give the VAT or tax number as on the partner&#x27;s invoices" in html


def test_a_consignment_ingest_refuses_leaves_the_partners_of_the_file_unregistered(erp, agreement):
    rows = consignment_rows("PO-1")
    rows[1]["lines.unit"] = "BOXES"  # a code the catalogue refuses, not the reading of the cell

    response = upload(erp, filled_template(agreement, rows, partners=[RHEIN, NORDSEE]))

    assert response.status_code == 400
    assert [(e["sheet"], e["field"]) for e in response.json()["errors"]] == [
        ("Consignments", "lines.unit")
    ]
    assert not Partner.objects.exists()
    assert not AuditEvent.objects.filter(action="partners.partner.registered").exists()
    assert Upload.objects.get().partners == []


def test_each_cell_of_a_partner_row_is_checked_with_what_to_do(erp, agreement):
    partners = [
        {**RHEIN, "country": "Germany", "roles": "seller, smuggler", "contact_email": "rhein"},
        {**NORDSEE, "identifiers.lei": "12345", "legal_name": "--"},
    ]

    response = upload(erp, filled_template(agreement, [], partners=partners))

    errors = {(e["row"], e["field"]): (e["code"], e["message"]) for e in response.json()["errors"]}
    assert errors[(2, "country")] == (
        "invalid_code",
        "'GERMANY' is not an ISO 3166-1 alpha-2 country code; use DE (Germany).",
    )
    assert errors[(2, "roles")][1].startswith(
        "'smuggler' is not a role in the supply chain. Choose from the dropdown or type these "
        "codes, several separated by commas: manufacturer, seller,"
    )
    assert errors[(2, "contact_email")][0] == "invalid_email"
    assert errors[(3, "legal_name")][1].startswith("Give the partner's legal name")
    assert "A LEI has 20 characters" in errors[(3, "identifiers.lei")][1]
    assert len(errors) == 5
    assert not Partner.objects.exists()


def test_the_partners_example_of_the_template_uploads_as_it_is(erp, agreement):
    book = load_workbook(io.BytesIO(template_workbook(agreement=agreement, language="en")))
    for row in book["Partners example"].iter_rows(min_row=2, values_only=True):
        book["Partners"].append(list(row))

    response = upload(erp, saved(book))

    assert outcomes(response) == [
        (2, "Rhein Präzisionstechnik GmbH", "registered", 1),
        (3, "Nordsee Spedition GmbH", "registered", 1),
        (4, "COSCO Shipping Lines Co., Ltd.", "registered", 1),
    ]


def test_a_workbook_with_only_partners_is_valid(erp, agreement):
    response = upload(erp, filled_template(agreement, [], partners=[COSCO]))

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["consignments"] == []
    assert body["upload"]["rows"] == 0
    assert body["message"] == "Supply-chain partners: 1 registered, 0 updated, 0 unchanged."
    assert Partner.objects.get().roles == ["carrier"]


def test_the_same_file_or_an_updated_one_uploaded_again_registers_no_partner_twice(erp, agreement):
    data = filled_template(agreement, [], partners=[RHEIN, NORDSEE])
    first = upload(erp, data)

    again = upload(erp, data)
    updated = upload(
        erp,
        filled_template(
            agreement,
            [],
            partners=[
                # Another letter case is the same name; a blank cell keeps what is registered.
                {
                    **RHEIN,
                    "legal_name": "RHEIN PRÄZISIONSTECHNIK GMBH",
                    "roles": "seller",
                    "address": "Kehrwieder 2, 20457 Hamburg",
                    "contact_email": None,
                },
                NORDSEE,
                COSCO,
            ],
        ),
    )

    assert (first.status_code, again.status_code, updated.status_code) == (201, 200, 201)
    assert again.json()["partners"] == []
    assert outcomes(updated) == [
        (2, "RHEIN PRÄZISIONSTECHNIK GMBH", "updated", 2),
        (3, "Nordsee Spedition GmbH", "unchanged", 1),
        (4, "COSCO Shipping Lines Co., Ltd.", "registered", 1),
    ]
    assert Partner.objects.count() == 3
    rhein = erp.get(f"/api/v1/partners/{updated.json()['partners'][0]['id']}").json()
    assert rhein["address"] == "Kehrwieder 2, 20457 Hamburg"
    assert rhein["contact_email"] == RHEIN["contact_email"]
    assert rhein["roles"] == ["seller"]
    assert [version["number"] for version in rhein["versions"]] == [2, 1]
    assert rhein["versions"][1]["registration"]["address"] == RHEIN["address"]


def test_a_row_with_the_identifier_of_a_registered_partner_updates_it_under_its_new_name(
    erp, enterprise, enterprise_admin, agreement
):
    registered = registered_partner(
        enterprise, enterprise_admin, legal_name="Rhein GmbH", identifiers={"vat": "DE811907980"}
    )

    response = upload(erp, filled_template(agreement, [], partners=[RHEIN]))

    assert outcomes(response) == [(2, "Rhein Präzisionstechnik GmbH", "updated", 2)]
    assert Partner.objects.get().pk == registered.pk


def test_two_rows_of_one_partner_and_a_row_naming_two_registered_partners_are_errors(
    erp, enterprise, enterprise_admin, agreement
):
    registered_partner(enterprise, enterprise_admin, identifiers={"vat": "DE811907980"})
    registered_partner(
        enterprise,
        enterprise_admin,
        legal_name="Nordsee Spedition GmbH",
        roles=["forwarder"],
        identifiers={"eori": "DE9876543210987"},
    )
    partners = [
        RHEIN,
        {"legal_name": "rhein präzisionstechnik gmbh", "country": "DE", "roles": "manufacturer"},
        {
            "legal_name": "Nordsee Spedition GmbH",
            "country": "DE",
            "roles": "forwarder",
            "identifiers.vat": "DE811907980",
        },
    ]

    response = upload(erp, filled_template(agreement, [], partners=partners))

    assert response.status_code == 400
    errors = [(e["row"], e["column"], e["code"]) for e in response.json()["errors"]]
    assert errors == [
        (3, partner_column_letter("legal_name"), "duplicate"),
        (4, partner_column_letter("identifiers.vat"), "ambiguous"),
    ]
    messages = [error["message"] for error in response.json()["errors"]]
    assert messages[0].startswith(
        "Row 2 describes the same partner (the same legal name and country)."
    )
    assert "is that of Rhein Präzisionstechnik GmbH, but the legal name and country" in messages[1]
    assert Partner.objects.filter(version=1).count() == 2


def test_the_consignment_parties_of_the_file_are_linked_to_the_partners_registered_from_it(
    erp, agreement, django_capture_on_commit_callbacks
):
    rows = consignment_rows(
        "PO-1",
        lines=1,
        forwarder={"name": "Nordsee Forwarding", "country": "DE", "tax_id": "DE9876543210987"},
    )

    with django_capture_on_commit_callbacks(execute=True):
        upload(erp, filled_template(agreement, rows, partners=[RHEIN, NORDSEE]))

    links = {
        link.party.role: (link.partner.legal_name, link.method)
        for link in PartyLink.objects.select_related("party", "partner")
    }
    assert links == {
        "seller": ("Rhein Präzisionstechnik GmbH", "name"),
        "forwarder": ("Nordsee Spedition GmbH", "identifier"),
    }


def test_a_file_from_the_template_without_a_partners_sheet_still_uploads(erp, agreement):
    response = upload(erp, as_version_1(filled_template(agreement, consignment_rows("PO-1"))))

    assert response.status_code == 201, response.json()
    assert response.json()["partners"] == []
    assert Consignment.objects.filter(reference="PO-1").exists()


def test_another_enterprise_never_sees_the_partners_an_upload_registered(
    erp, enterprise, agreement
):
    ours = upload(erp, filled_template(agreement, [], partners=[RHEIN])).json()["partners"][0]
    other = MembershipFactory(enterprise=EnterpriseFactory(), role="admin")
    other_agreement = active_agreement(other.enterprise, other.user)
    other_erp = APIClient()
    other_erp.credentials(
        HTTP_AUTHORIZATION=f"Api-Key {ApiKeyFactory(enterprise=other.enterprise).plaintext}"
    )

    assert other_erp.get("/api/v1/partners").json() == []
    assert other_erp.get(f"/api/v1/partners/{ours['id']}").status_code == 404
    page = client_of(other.user)
    assert "Rhein" not in page.get(f"/enterprises/{other.enterprise.pk}/partners/").content.decode()
    assert page.get(f"/enterprises/{enterprise.pk}/partners/{ours['id']}/").status_code == 404
    # The same partner in their file is a registration of their own, never an update of ours.
    theirs = upload(other_erp, filled_template(other_agreement, [], partners=[RHEIN]))
    assert outcomes(theirs) == [(2, "Rhein Präzisionstechnik GmbH", "registered", 1)]
    assert Partner.objects.get(pk=ours["id"]).enterprise == enterprise
