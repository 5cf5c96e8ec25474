"""The demo enterprise's shared consignments: the connector samples, converted by their
connectors and ingested as an ERP push would be, so that the demo declarations have shared data
to be matched and cross-checked against. Loading them again changes nothing."""

from django.conf import settings

import connectors
from hub.submissions.services import consignment_ingest

SAMPLES = [
    ("sap-idoc", "invoic02__basic.xml"),
    ("sap-idoc", "invoic02__multiple_idocs.xml"),
    ("sap-idoc", "desadv01__containers.xml"),
    ("edifact", "edifact_invoic_d96a__multiple_messages.edi"),
    ("edifact", "edifact_invoic_d01b__una_release_chars.edi"),
]


def consignments_demo_load(*, enterprise, actor) -> None:
    for format_name, file_name in SAMPLES:
        path = settings.BASE_DIR / "fixtures" / "connectors" / file_name
        documents = connectors.get(format_name).parse(path.read_bytes())
        results = consignment_ingest(
            enterprise_id=enterprise.pk,
            documents=documents,
            channel="api",
            actor=actor,
            source_format=format_name,
        )
        refused = [result.errors for result in results if result.status == "refused"]
        if refused:
            raise ValueError(f"The demo sample {file_name} was refused: {refused}")
