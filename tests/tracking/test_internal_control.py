import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from hub.crosschecks.models import Finding
from hub.submissions.services import consignment_ingest
from tests.factories import EnterpriseFactory, MembershipFactory, consignment_document
from tests.tracking.conftest import session_client, share
from tests.tracking.factories import declaration_for, finding

pytestmark = pytest.mark.django_db


def ago(hours):
    return timezone.now() - timedelta(hours=hours)


@pytest.fixture
def shared_history(importer):
    """PO-IC-1 shared by API and amended by Excel upload; PO-IC-2 shared once; a declaration of
    PO-IC-1 with one finding shared back and one kept by customs."""
    first = share(importer, "PO-IC-1", received_at=ago(50))
    consignment_ingest(
        enterprise_id=importer.pk,
        documents=[consignment_document("PO-IC-1", lines=2, transport_document_number="X1")],
        channel="excel",
        source_format="xlsx",
        actor=importer.viewer,
        received_at=ago(40),
    )
    share(importer, "PO-IC-2", received_at=ago(30))
    declaration = declaration_for(first, declared_at=ago(20))
    finding(
        declaration,
        shared_back=True,
        explanation='=HYPERLINK("http://x") Net weight 18% above the declared.',
        type=Finding.Type.NET_WEIGHT,
        item_number=2,
        declared="36.5",
        shared="43.1",
    )
    finding(declaration, shared_back=False, explanation="Kept by customs for the risk file.")
    return declaration


def read_csv(response):
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_members_trace_every_revision_with_who_sent_it_by_which_channel_and_when(
    importer, shared_history
):
    member = session_client(importer.viewer)
    url = f"/enterprises/{importer.pk}/internal-control/"

    everything = member.get(url).content.decode()
    by_reference = member.get(url, {"q": "PO-IC-1"}).content.decode()
    by_excel = member.get(url, {"channel": "excel"}).content.decode()

    assert everything.count("<td>r1</td>") == 2
    assert "Excel upload" in everything
    assert importer.viewer.username in everything
    assert "PO-IC-2" not in by_reference
    assert (by_reference.count("<td>r1</td>"), by_reference.count("<td>r2</td>")) == (1, 1)
    assert (by_excel.count("<td>r1</td>"), by_excel.count("<td>r2</td>")) == (0, 1)


def test_only_the_findings_customs_chose_to_share_are_shown(importer, shared_history):
    body = (
        session_client(importer.viewer)
        .get(f"/enterprises/{importer.pk}/internal-control/")
        .content.decode()
    )

    assert "Net weight 18% above the declared." in body
    assert shared_history.number in body
    assert "Kept by customs" not in body


def test_the_csv_export_has_each_revision_with_its_provenance(importer, shared_history):
    response = session_client(importer.viewer).get(
        f"/enterprises/{importer.pk}/internal-control/export", {"q": "PO-IC-1"}
    )

    rows = read_csv(response)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert [(row["Reference"], row["Revision"], row["Channel"]) for row in rows] == [
        ("PO-IC-1", "2", "Excel upload"),
        ("PO-IC-1", "1", "API"),
    ]
    assert rows[0]["Format"] == "xlsx"
    assert rows[0]["Sent by"] == importer.viewer.username
    assert len(rows[0]["Payload SHA-256"]) == 64
    assert rows[0]["Hours before arrival"]


def test_the_findings_export_holds_the_shared_ones_and_text_never_runs_as_a_formula(
    importer, shared_history
):
    response = session_client(importer.viewer).get(
        f"/enterprises/{importer.pk}/internal-control/export", {"table": "findings"}
    )

    [row] = read_csv(response)
    assert row["Declaration"] == shared_history.number
    assert row["Consignments"] == "PO-IC-1"
    assert (row["Declared"], row["Shared"]) == ("36.5", "43.1")
    assert row["Explanation"].startswith("'=HYPERLINK")


def test_the_excel_export_has_a_sheet_of_revisions_and_one_of_findings(importer, shared_history):
    response = session_client(importer.viewer).get(
        f"/enterprises/{importer.pk}/internal-control/export", {"format": "xlsx"}
    )

    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    revisions, findings = (list(sheet.values) for sheet in workbook.worksheets)
    assert workbook.sheetnames == ["Revisions", "Findings"]
    assert len(revisions) == 1 + 3
    assert len(findings) == 1 + 1
    assert revisions[0][0] == "Reference"


def test_an_export_asked_for_in_an_unknown_format_is_a_400_saying_what_exists(importer):
    response = session_client(importer.viewer).get(
        f"/enterprises/{importer.pk}/internal-control/export", {"format": "pdf"}
    )

    assert response.status_code == 400
    assert "format=csv or xlsx" in response.content.decode()


def test_internal_control_is_the_enterprises_own(importer, shared_history, customs):
    other = MembershipFactory(enterprise=EnterpriseFactory(), role="admin").user
    paths = [
        f"/enterprises/{importer.pk}/internal-control/",
        f"/enterprises/{importer.pk}/internal-control/export?table=findings",
    ]

    for path in paths:
        assert session_client(other).get(path).status_code == 404
        assert session_client(customs).get(path).status_code == 403
