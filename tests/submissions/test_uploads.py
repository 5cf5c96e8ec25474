"""Uploading the Excel template, by the API and on the web page: all of a file is stored through
the ingest service, or nothing is."""

import gc
import io
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from hub.catalogue.fields import DATASETS, field
from hub.core.models import AuditEvent
from hub.submissions.models import Consignment, ConsignmentRevision, Upload
from tests.factories import (
    ApiKeyFactory,
    MembershipFactory,
    active_agreement,
    consignment_document,
)
from tests.workbooks import (
    column_letter,
    consignment_rows,
    damaged_sheet,
    encrypted_workbook,
    entity_bomb,
    filled_template,
    million_rows,
    pdf,
    renamed_csv,
    with_identity,
    with_macros,
    zip_bomb,
)

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "excel"


@pytest.fixture
def agreement(enterprise, enterprise_admin):
    return active_agreement(enterprise, enterprise_admin)


@pytest.fixture
def erp(api_client, erp_key):
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {erp_key.plaintext}")
    return api_client


def upload(client, data: bytes, name="consignments.xlsx", **fields):
    return client.post(
        "/api/v1/uploads",
        {"file": SimpleUploadedFile(name, data), "authenticity_confirmed": "true", **fields},
        format="multipart",
    )


def nothing_stored():
    return not Consignment.objects.exists() and not ConsignmentRevision.objects.exists()


def test_an_erp_key_uploads_a_filled_template_and_every_consignment_goes_through_ingest(
    erp, agreement
):
    rows = consignment_rows("PO-1", lines=2) + consignment_rows("PO-2", lines=3)

    response = upload(erp, filled_template(agreement, rows))

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["upload"]["result"] == "accepted"
    assert body["upload"]["rows"] == 5
    assert body["consignments"] == [
        {"reference": "PO-1", "status": "new", "revision": 1, "lines": 2},
        {"reference": "PO-2", "status": "new", "revision": 1, "lines": 3},
    ]
    revision = Consignment.objects.get(reference="PO-2").current_revision
    assert (revision.channel, revision.source_format) == ("excel", "xlsx")
    assert json.loads(revision.document) == consignment_document("PO-2", lines=3)
    assert revision.lines.count() == 3
    assert AuditEvent.objects.filter(action="submissions.consignment.received").count() == 2
    assert AuditEvent.objects.filter(action="submissions.upload.accepted").count() == 1
    stored = Upload.objects.get()
    assert "that the data in this file is authentic and accurate" in stored.declaration
    assert stored.workbook == ""  # an accepted file is not kept: its data is in the consignments


def test_an_upload_with_errors_stores_nothing_and_lists_each_error_by_sheet_row_and_column(
    erp, agreement
):
    rows = consignment_rows("PO-1", lines=2) + consignment_rows("PO-2", lines=1)
    rows[1]["lines.unit"] = "BOXES"
    rows[2]["invoice_date"] = "03/11/2026"

    response = upload(erp, filled_template(agreement, rows))

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"].startswith("The file has 2 error(s) in its cells, so nothing was stored")
    assert [(e["sheet"], e["row"], e["column"], e["field"]) for e in body["errors"]] == [
        ("Consignments", 3, column_letter(agreement, "lines.unit"), "lines.unit"),
        ("Consignments", 4, column_letter(agreement, "invoice_date"), "invoice_date"),
    ]
    assert body["upload"]["annotated_workbook"].endswith(
        f"/api/v1/uploads/{body['upload']['id']}/annotated.xlsx"
    )
    assert nothing_stored()


@pytest.mark.parametrize("valid", [True, False], ids=["accepted", "refused"])
def test_the_cycle_collector_runs_again_once_an_upload_is_done(erp, agreement, valid):
    rows = consignment_rows("PO-1", lines=2)
    if not valid:
        rows[1]["lines.unit"] = "BOXES"

    response = upload(erp, filled_template(agreement, rows))

    assert response.status_code == (201 if valid else 400)
    assert gc.isenabled()


def test_the_annotated_workbook_marks_the_bad_cells_for_download(erp, agreement):
    rows = consignment_rows("PO-1", lines=2)
    rows[1]["lines.unit"] = "BOXES"
    refused = upload(erp, filled_template(agreement, rows)).json()

    response = erp.get(refused["upload"]["annotated_workbook"])

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == 'attachment; filename="consignments-annotated.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content))["Consignments"]
    cell = sheet[f"{column_letter(agreement, 'lines.unit')}3"]
    assert cell.value == "BOXES"
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert "is not a UN/ECE Rec. 20 unit code" in cell.comment.text


def test_an_accepted_upload_has_no_annotated_copy(erp, agreement):
    accepted = upload(erp, filled_template(agreement, consignment_rows("PO-1"))).json()

    response = erp.get(f"/api/v1/uploads/{accepted['upload']['id']}/annotated.xlsx")

    assert response.status_code == 404
    assert "only a file refused for errors in its cells has one" in response.json()["message"]


def test_rows_of_one_consignment_that_disagree_on_header_values_are_refused(erp, agreement):
    rows = consignment_rows("PO-1", lines=2)
    rows[1]["transport_document_number"] = "MSKU0000000"

    response = upload(erp, filled_template(agreement, rows))

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["row"], error["code"]) == (3, "disagrees")
    assert "the first row of consignment PO-1" in error["message"]
    assert nothing_stored()


def test_the_same_file_uploaded_twice_is_recognised_and_not_stored_twice(erp, agreement):
    data = filled_template(agreement, consignment_rows("PO-1"))
    first = upload(erp, data, name="march.xlsx")

    again = upload(erp, data, name="march (copy).xlsx")

    assert (first.status_code, again.status_code) == (201, 200)
    body = again.json()
    assert body["upload"]["result"] == "duplicate"
    assert body["duplicate_of"] == first.json()["upload"]["id"]
    assert "was already uploaded on" in body["message"]
    assert ConsignmentRevision.objects.count() == 1
    assert list(Upload.objects.values_list("result", flat=True)) == ["duplicate", "accepted"]


def test_an_amended_file_adds_a_revision_and_unchanged_consignments_keep_theirs(erp, agreement):
    upload(erp, filled_template(agreement, consignment_rows("PO-1") + consignment_rows("PO-2")))

    rows = consignment_rows("PO-1", lines=3) + consignment_rows("PO-2")
    response = upload(erp, filled_template(agreement, rows))

    assert [
        (c["reference"], c["status"], c["revision"]) for c in response.json()["consignments"]
    ] == [
        ("PO-1", "amended", 2),
        ("PO-2", "unchanged", 1),
    ]


def test_nothing_is_stored_without_the_authenticity_declaration(erp, agreement):
    response = erp.post(
        "/api/v1/uploads",
        {
            "file": SimpleUploadedFile("a.xlsx", filled_template(agreement, consignment_rows("P"))),
            "authenticity_confirmed": "false",
        },
        format="multipart",
    )

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["path"] == "/authenticity_confirmed"
    assert "Confirm that the data is authentic and accurate" in error["message"]
    assert nothing_stored()
    assert not Upload.objects.exists()


HOSTILE_FILES = {
    "renamed csv": (lambda agreement: renamed_csv(), 415, "not_xlsx"),
    "pdf": (lambda agreement: pdf(), 415, "not_xlsx"),
    "xlsm with macros": (
        lambda agreement: with_macros(filled_template(agreement, consignment_rows("PO-1"))),
        415,
        "macros",
    ),
    "encrypted": (lambda agreement: encrypted_workbook(), 400, "encrypted"),
    "zip bomb": (
        lambda agreement: zip_bomb(filled_template(agreement, consignment_rows("PO-1"))),
        400,
        "suspicious_archive",
    ),
    "xml entity bomb": (
        lambda agreement: entity_bomb(filled_template(agreement, consignment_rows("PO-1"))),
        400,
        "xml_dtd",
    ),
    "a million rows": (
        lambda agreement: million_rows(filled_template(agreement, [])),
        413,
        "too_many_rows",
    ),
    "another template version": (
        lambda agreement: with_identity(
            filled_template(agreement, consignment_rows("PO-1")), template_version="0"
        ),
        400,
        "template_version",
    ),
    "another scope": (
        lambda agreement: with_identity(
            filled_template(agreement, consignment_rows("PO-1")), scope_digest="0123456789ab"
        ),
        400,
        "wrong_scope",
    ),
    "empty sheet": (lambda agreement: filled_template(agreement, []), 400, "empty"),
    "a damaged sheet": (
        lambda agreement: damaged_sheet(filled_template(agreement, consignment_rows("PO-1"))),
        400,
        "damaged",
    ),
    "formula without a value": (
        lambda agreement: filled_template(
            agreement,
            consignment_rows("PO-1"),
            edit=lambda sheet: sheet.cell(2, 1, '=CONCAT("PO-", 1)'),
        ),
        400,
        "formula_without_value",
    ),
}


@pytest.mark.parametrize("name", HOSTILE_FILES)
def test_every_hostile_or_broken_file_gets_a_clear_4xx_and_nothing_is_stored(erp, agreement, name):
    make, status, code = HOSTILE_FILES[name]

    response = upload(erp, make(agreement))

    assert response.status_code == status
    body = response.json()
    assert body["code"] == code
    assert len(body["message"]) > 40  # says what is wrong and what to do
    assert nothing_stored()
    refused = Upload.objects.get()
    assert (refused.result, refused.code) == ("refused", code)
    assert refused.workbook == ""  # a file refused unread is not kept
    assert body["upload"]["annotated_workbook"] is None


def test_a_file_over_the_size_limit_is_a_413_that_says_the_limit(erp, agreement, settings):
    settings.UPLOAD_MAX_BYTES = 1000

    response = upload(erp, filled_template(agreement, consignment_rows("PO-1")))

    assert response.status_code == 413
    assert "the hub takes up to 1,000" in response.json()["message"]
    assert nothing_stored()


def test_the_row_limit_is_configurable(erp, agreement, settings):
    settings.UPLOAD_MAX_ROWS = 2

    response = upload(erp, filled_template(agreement, consignment_rows("PO-1", lines=3)))

    assert response.status_code == 413
    assert response.json()["message"].startswith("The workbook has more than 2 rows")


def test_a_body_that_is_not_multipart_is_a_415_that_says_how_to_send_it(erp, agreement):
    response = erp.post("/api/v1/uploads", {"file": "x"}, format="json")

    assert response.status_code == 415
    assert "multipart/form-data" in response.json()["message"]


def test_an_enterprise_without_the_excel_channel_in_its_agreement_cannot_upload(
    erp, enterprise, enterprise_admin
):
    agreement = active_agreement(enterprise, enterprise_admin, channels=("api",))

    response = upload(erp, filled_template(agreement, consignment_rows("PO-1")))

    assert response.status_code == 403
    assert response.json()["code"] == "channel_not_agreed"
    assert nothing_stored()


@pytest.mark.parametrize("variant", ["openpyxl", "libreoffice"])
def test_files_saved_by_libreoffice_and_by_excel_style_openpyxl_are_accepted(
    erp, enterprise, enterprise_admin, variant
):
    active_agreement(enterprise, enterprise_admin, scope=DATASETS)
    fixture = FIXTURES / f"consignments__{variant}"

    response = upload(erp, fixture.with_suffix(".xlsx").read_bytes())

    assert response.status_code == 201, response.json()
    expected = json.loads(fixture.with_suffix(".expected.json").read_text())
    stored = [
        json.loads(
            Consignment.objects.get(reference=document["reference"]).current_revision.document
        )
        for document in expected
    ]
    assert stored == expected


def test_the_template_follows_the_agreement_scope_and_the_language_asked_for(erp, enterprise):
    admin = MembershipFactory(enterprise=enterprise, role="admin").user
    active_agreement(enterprise, admin, scope=["transport_details"])

    response = erp.get("/api/v1/templates/consignments.xlsx", {"language": "zh-hans"})

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('-zh-hans.xlsx"')
    book = load_workbook(io.BytesIO(response.content))
    headers = [cell.value for cell in book.worksheets[0][1]]
    assert field("vessel_or_flight").label_zh in headers
    assert field("incoterms").label_zh not in headers


# --- People on the web page --------------------------------------------------------------------


@pytest.fixture
def submitter(enterprise, agreement):
    return MembershipFactory(enterprise=enterprise, role="submitter").user


def test_a_submitter_uploads_on_the_page_and_htmx_gets_the_report_in_place(
    client, enterprise, agreement, submitter
):
    client.force_login(submitter)
    page = client.get(f"/enterprises/{enterprise.pk}/uploads/")
    assert page.status_code == 200
    assert "that the data in this file is authentic" in page.content.decode()
    assert (
        f"/api/v1/templates/consignments.xlsx?enterprise={enterprise.pk}" in page.content.decode()
    )

    rows = consignment_rows("PO-1")
    rows[0]["lines.unit"] = "BOXES"
    response = client.post(
        f"/enterprises/{enterprise.pk}/uploads/",
        {
            "file": SimpleUploadedFile("march.xlsx", filled_template(agreement, rows)),
            "authenticity_confirmed": "on",
        },
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "<html" not in html  # the fragment only
    assert "&#x27;BOXES&#x27; is not a UN/ECE Rec. 20 unit code" in html
    assert f"/api/v1/uploads/{Upload.objects.get().pk}/annotated.xlsx" in html
    assert nothing_stored()


def test_the_page_refuses_an_upload_without_the_declaration(
    client, enterprise, agreement, submitter
):
    client.force_login(submitter)

    response = client.post(
        f"/enterprises/{enterprise.pk}/uploads/",
        {"file": SimpleUploadedFile("a.xlsx", filled_template(agreement, consignment_rows("P")))},
    )

    assert response.status_code == 400
    assert "Confirm the declaration: nothing is stored without it." in response.content.decode()
    assert not Upload.objects.exists()


def test_a_session_member_may_upload_through_the_api_and_a_viewer_may_not(
    api_client, enterprise, agreement, submitter
):
    viewer = MembershipFactory(enterprise=enterprise, role="viewer").user
    data = filled_template(agreement, consignment_rows("PO-1"))

    api_client.force_login(viewer)
    refused = upload(api_client, data)
    api_client.force_login(submitter)
    accepted = upload(api_client, data)

    assert refused.status_code == 403
    assert accepted.status_code == 201
    assert Upload.objects.get().uploaded_by == submitter


def test_the_upload_history_shows_each_file_who_when_and_result(
    client, erp, enterprise, agreement, submitter
):
    upload(erp, filled_template(agreement, consignment_rows("PO-1")), name="march.xlsx")
    upload(erp, pdf(), name="scan.pdf")
    client.force_login(submitter)

    response = client.get(f"/enterprises/{enterprise.pk}/uploads/history/")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("scan.pdf") < html.index("march.xlsx")  # newest first
    assert html.count("api-key:") == 2
    assert "accepted" in html
    assert "refused" in html
    detail = client.get(f"/uploads/{Upload.objects.get(file_name='march.xlsx').pk}/")
    assert "PO-1" in detail.content.decode()


def test_the_navigation_leads_people_who_may_upload_to_the_page(
    client, enterprise, agreement, submitter
):
    viewer = MembershipFactory(enterprise=enterprise, role="viewer").user

    client.force_login(submitter)
    submitter_home = client.get("/").content.decode()
    client.force_login(viewer)
    viewer_home = client.get("/").content.decode()

    assert f'href="/enterprises/{enterprise.pk}/uploads/"' in submitter_home
    assert "/uploads/" not in viewer_home


@pytest.mark.django_db(transaction=True)
def test_the_answers_of_the_excel_channel_match_its_openapi_schema(enterprise, enterprise_admin):
    import schemathesis

    from hub.wsgi import application

    agreement = active_agreement(enterprise, enterprise_admin)
    key = {"Authorization": f"Api-Key {ApiKeyFactory(enterprise=enterprise).plaintext}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    bad_rows = consignment_rows("PO-2")
    bad_rows[0]["lines.unit"] = "BOXES"

    def posted(data: bytes):
        case = schema["/api/v1/uploads"]["POST"].Case(
            body={"file": data, "authenticity_confirmed": True},
            media_type="multipart/form-data",
        )
        return case.call_and_validate(headers=key)

    accepted = posted(
        filled_template(
            agreement,
            consignment_rows("PO-1"),
            partners=[{"legal_name": "Mainz Optics AG", "country": "DE", "roles": "seller"}],
        )
    )
    refused = posted(filled_template(agreement, bad_rows))
    annotated = (
        schema["/api/v1/uploads/{id}/annotated.xlsx"]["GET"]
        .Case(path_parameters={"id": refused.json()["upload"]["id"]})
        .call_and_validate(headers=key)
    )
    template = (
        schema["/api/v1/templates/consignments.xlsx"]["GET"]
        .Case(query={"language": "en"})
        .call_and_validate(headers=key)
    )

    assert (accepted.status_code, refused.status_code) == (201, 400)
    assert accepted.json()["partners"][0]["status"] == "registered"
    assert (annotated.status_code, template.status_code) == (200, 200)


def test_a_repeated_request_with_its_idempotency_key_gets_the_first_answer(erp, agreement):
    data = filled_template(agreement, consignment_rows("PO-1"))

    first = erp.post(
        "/api/v1/uploads",
        {"file": SimpleUploadedFile("a.xlsx", data), "authenticity_confirmed": "true"},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="upload-1",
    )
    replay = erp.post(
        "/api/v1/uploads",
        {"file": SimpleUploadedFile("a.xlsx", data), "authenticity_confirmed": "true"},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="upload-1",
    )

    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert Upload.objects.count() == 1


def test_a_person_sharing_for_several_enterprises_names_the_one_the_file_is_for(
    api_client, enterprise, agreement, submitter
):
    other = MembershipFactory(user=submitter, role="submitter").enterprise
    api_client.force_login(submitter)
    data = filled_template(agreement, consignment_rows("PO-1"))

    unnamed = upload(api_client, data)
    named = upload(api_client, data, enterprise=enterprise.pk)

    assert unnamed.status_code == 400
    assert unnamed.json()["errors"][0]["path"] == "/enterprise"
    assert named.status_code == 201
    assert not Upload.objects.filter(enterprise=other).exists()
