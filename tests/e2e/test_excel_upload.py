import base64
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from hub.partners.models import Partner
from hub.partners.sheet import PARTNER_COLUMNS
from hub.submissions.models import Consignment
from hub.submissions.uploads import template_columns
from tests.e2e.test_onboarding import log_in
from tests.factories import (
    EnterpriseFactory,
    MembershipFactory,
    UserFactory,
    active_agreement,
)
from tests.workbooks import column_letter, consignment_rows

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DROP_FILE = """([name, content]) => {
    const bytes = Uint8Array.from(atob(content), (char) => char.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], name));
    return transfer;
}"""


def downloaded(page, link_name: str):
    with page.expect_download() as download:
        page.get_by_role("link", name=link_name).click()
    assert download.value.suggested_filename.endswith(".xlsx")
    return load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))


def saved(book, path) -> bytes:
    book.save(path)
    return path.read_bytes()


def test_a_trader_fills_the_template_fixes_the_marked_errors_and_sees_the_consignments(
    live_server, page, tmp_path
):
    enterprise = EnterpriseFactory(legal_name="Eastern Optics Trading Co., Ltd.")
    admin = MembershipFactory(enterprise=enterprise, role="admin").user
    agreement = active_agreement(enterprise, admin)
    MembershipFactory(enterprise=enterprise, role="submitter", user=UserFactory(username="li.na"))
    unit, invoice_date = (
        column_letter(agreement, "lines.unit"),
        column_letter(agreement, "invoice_date"),
    )

    # The trader downloads the template from the upload page.
    log_in(page, live_server.url, "li.na")
    page.get_by_role("link", name="Upload data").click()
    book = downloaded(page, "Template in English")
    assert book.sheetnames[:3] == ["Consignments", "Partners", "Instructions"]

    # ... fills it in from the ERP's invoice lines, with two mistakes, and names the seller ...
    keys = [column.key for column in template_columns(agreement.scope)]
    rows = consignment_rows("PO-E2E-1", lines=2) + consignment_rows("PO-E2E-2", lines=1)
    rows[1]["lines.unit"] = "BOXES"
    rows[2]["invoice_date"] = "03/11/2026"
    for row in rows:
        book["Consignments"].append([row.get(key) for key in keys])
    seller = {"legal_name": "Rhein Präzisionstechnik GmbH", "country": "DE", "roles": "seller"}
    book["Partners"].append([seller.get(column.key) for column in PARTNER_COLUMNS])
    filled = saved(book, tmp_path / "march.xlsx")

    # ... drops the file on the page, confirms the declaration and uploads it.
    transfer = page.evaluate_handle(DROP_FILE, ["march.xlsx", base64.b64encode(filled).decode()])
    page.dispatch_event("[data-drop-zone]", "drop", {"dataTransfer": transfer})
    expect(page.locator("[data-file-name]")).to_have_text("march.xlsx")
    page.get_by_label(re.compile("that the data in this file is authentic")).check()
    page.get_by_role("button", name="Upload and check").click()

    # Nothing is stored; each error is listed with its row and column.
    expect(page.get_by_role("alert")).to_contain_text("The file has 2 error(s) in its cells")
    errors = page.locator("table.upload-errors tbody tr")
    expect(errors).to_have_count(2)
    expect(errors.nth(0).get_by_role("cell")).to_have_text(
        [
            "Consignments",
            "3",
            f"{unit} (Unit of measure)",
            re.compile(r"^'BOXES' is not a UN/ECE Rec\. 20 unit code"),
        ]
    )
    expect(errors.nth(1).get_by_role("cell")).to_have_text(
        [
            "Consignments",
            "4",
            f"{invoice_date} (Invoice date)",
            re.compile("^'03/11/2026' is a date typed as text"),
        ]
    )
    assert not Consignment.objects.exists()
    assert not Partner.objects.exists()

    # The annotated copy marks the two cells; the trader corrects them there.
    annotated = downloaded(page, "Download the file with its errors marked")
    sheet = annotated["Consignments"]
    for cell in (f"{unit}3", f"{invoice_date}4"):
        assert sheet[cell].fill.fgColor.rgb.endswith("FFC7CE")
        assert sheet[cell].comment is not None
    sheet[f"{unit}3"] = "PCE"
    sheet[f"{invoice_date}4"] = "2026-11-03"
    fixed = tmp_path / "march-fixed.xlsx"
    annotated.save(fixed)

    page.get_by_label("The filled-in template (.xlsx)").set_input_files(fixed)
    page.get_by_label(re.compile("that the data in this file is authentic")).check()
    page.get_by_role("button", name="Upload and check").click()

    expect(
        page.get_by_text(
            "2 consignment(s) with 3 line(s) were shared with customs. "
            "Supply-chain partners: 1 registered, 0 updated, 0 unchanged."
        )
    ).to_be_visible()
    partners = page.locator("table.upload-partners tbody tr")
    expect(partners.get_by_role("cell")).to_have_text(
        ["2", "Rhein Präzisionstechnik GmbH", "DE", "v1", "registered"]
    )
    consignments = page.locator("table.upload-consignments tbody tr")
    expect(consignments.nth(0).get_by_role("cell")).to_have_text(["PO-E2E-1", "2", "1", "new"])
    expect(consignments.nth(1).get_by_role("cell")).to_have_text(["PO-E2E-2", "1", "1", "new"])
    assert sorted(Consignment.objects.values_list("reference", flat=True)) == [
        "PO-E2E-1",
        "PO-E2E-2",
    ]

    # The history shows both uploads.
    page.get_by_role("link", name="Upload history").click()
    expect(page.get_by_role("link", name="march-fixed.xlsx")).to_be_visible()
    expect(page.get_by_role("link", name="march.xlsx", exact=True)).to_be_visible()
