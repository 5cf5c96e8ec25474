import hashlib
import json

from django.db import migrations

FIRST_TEXT = {
    "version": "2026.1",
    "title": "Agreement on the voluntary sharing of trade data with customs",
    "purposes": (
        "Customs uses the data the enterprise shares to cross-validate its customs declarations "
        "against the underlying contract, invoice, loading and arrival data; to analyse the risk "
        "of a consignment before it arrives; and to understand which companies take part in the "
        "enterprise's supply chain, from the overseas seller to the domestic consignee. The data "
        "is used for no other purpose."
    ),
    "enterprise_obligations": (
        "The enterprise shares the data in the scope of this agreement for each consignment, "
        "preferably before the consignment arrives. The enterprise is responsible for the "
        "authenticity and accuracy of the data it shares, and corrects data it finds to be wrong "
        "by sharing an amendment. It keeps its API keys secret and revokes a key it believes "
        "exposed."
    ),
    "customs_obligations": (
        "Customs uses the shared data only for the purposes above, keeps it in controlled "
        "facilities, gives access only to officers who need it for those purposes, and records "
        "every access and change in a tamper-evident audit trail. Sharing data is voluntary: an "
        "enterprise that shares nothing, or ends this agreement, is treated as it would have "
        "been without it."
    ),
    "security_commitments": (
        "Data is encrypted in transit. Confidential financial fields are encrypted at rest with "
        "keys held by customs. Identifiers used for matching are kept as keyed fingerprints. "
        "Agreements are signed records that either party can verify."
    ),
    "benefits": (
        "The enterprise sees the status of each consignment during transport and clearance, the "
        "duty owed and its deadline, and the time each clearance stage takes compared with the "
        "overall figures. Consignments from a transparent, consistent supply chain can be "
        "profiled as low risk, which typically means fewer inspections and a faster release."
    ),
    "retention_months": 60,
}


def publish_first_text(apps, schema_editor):
    AgreementText = apps.get_model("agreements", "AgreementText")
    canonical = json.dumps(FIRST_TEXT, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    AgreementText.objects.get_or_create(
        version=FIRST_TEXT["version"],
        defaults={**FIRST_TEXT, "text_hash": hashlib.sha256(canonical.encode()).hexdigest()},
    )


class Migration(migrations.Migration):
    dependencies = [("agreements", "0001_initial")]

    operations = [migrations.RunPython(publish_first_text, migrations.RunPython.noop)]
