import base64
import os

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from hub.core.crypto import DecryptionError, blind_index, decrypt, encrypt, encrypt_many
from hub.submissions.models import ConsignmentLine, ConsignmentRevision
from hub.submissions.services import canonical_json, consignment_ingest
from tests.factories import active_agreement, consignment_document


def new_key(key_id):
    return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"


def stored_line_values():
    with connection.cursor() as cursor:
        cursor.execute("SELECT line_value FROM submissions_consignmentline ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def stored_documents():
    with connection.cursor() as cursor:
        cursor.execute("SELECT document FROM submissions_consignmentrevision ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def test_a_value_decrypts_only_in_the_column_it_was_encrypted_for(settings):
    settings.FIELD_ENCRYPTION_KEYS = new_key("k1")
    token = encrypt("1001.50", context="submissions.consignmentline.line_value")

    assert decrypt(token, context="submissions.consignmentline.line_value") == "1001.50"
    with pytest.raises(DecryptionError):
        decrypt(token, context="submissions.consignmentline.unit_price")


def test_values_encrypted_together_each_get_a_nonce_of_their_own(settings):
    settings.FIELD_ENCRYPTION_KEYS = new_key("k1")
    context = "submissions.consignmentline.line_value"

    tokens = encrypt_many(["1001.50", "1001.50", "7"], context=context)

    assert [decrypt(token, context=context) for token in tokens] == ["1001.50", "1001.50", "7"]
    nonces = {base64.b64decode(token.split(":", 2)[2])[:12] for token in tokens}
    assert len(nonces) == 3
    assert encrypt_many([], context=context) == []


def test_a_deflated_value_decrypts_to_the_text_encrypted(settings):
    settings.FIELD_ENCRYPTION_KEYS = new_key("k1")
    context = "submissions.consignmentrevision.document"
    text = '{"lines":[' + ",".join(['{"unit":"PCE","origin_country":"DE"}'] * 30) + "]}"

    token = encrypt(text, context=context, deflate=True)

    assert token.startswith("enc1z:k1:")
    assert decrypt(token, context=context) == text
    assert len(token) < len(encrypt(text, context=context)) / 4


@pytest.mark.django_db
def test_a_stored_document_takes_a_fraction_of_its_length_and_reads_back_whole(
    enterprise, enterprise_admin
):
    active_agreement(enterprise, enterprise_admin)
    document = consignment_document(lines=30)
    (result,) = consignment_ingest(
        enterprise_id=enterprise.pk, documents=[document], channel="api", actor=enterprise_admin
    )

    (stored,) = stored_documents()
    revision = ConsignmentRevision.objects.get(pk=result.revision.pk)
    assert len(stored) < len(revision.document) / 3
    assert revision.document == canonical_json(document)


@pytest.mark.django_db
def test_a_document_stored_undeflated_still_reads(settings, enterprise, enterprise_admin):
    active_agreement(enterprise, enterprise_admin)
    consignment_ingest(
        enterprise_id=enterprise.pk,
        documents=[consignment_document()],
        channel="api",
        actor=enterprise_admin,
    )
    revision = ConsignmentRevision.objects.get()
    undeflated = encrypt(revision.document, context="submissions.consignmentrevision.document")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE submissions_consignmentrevision SET document = %s WHERE id = %s",
            [undeflated, revision.pk],
        )

    assert stored_documents() == [undeflated]
    assert ConsignmentRevision.objects.get().document == revision.document


@pytest.mark.django_db
def test_rotate_keys_re_encrypts_everything_under_the_new_key(
    settings, enterprise, enterprise_admin, capsys
):
    old = new_key("2025")
    settings.FIELD_ENCRYPTION_KEYS = old
    active_agreement(enterprise, enterprise_admin)
    consignment_ingest(
        enterprise_id=enterprise.pk,
        documents=[consignment_document(lines=3)],
        channel="api",
        actor=enterprise_admin,
    )
    assert all(value.startswith("enc1:2025:") for value in stored_line_values())

    settings.FIELD_ENCRYPTION_KEYS = f"{new_key('2026')},{old}"
    call_command("rotate_keys")

    assert all(value.startswith("enc1:2026:") for value in stored_line_values())
    assert all(value.startswith("enc1z:2026:") for value in stored_documents())
    assert "re-encrypted" in capsys.readouterr().out
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS.split(",")[0]  # old key gone
    assert sorted(line.line_value for line in ConsignmentLine.objects.all()) == [
        "1001.50",
        "1002.50",
        "1003.50",
    ]


def test_a_blind_index_matches_equal_values_only_under_its_key_and_context(settings):
    settings.BLIND_INDEX_KEY = base64.b64encode(os.urandom(32)).decode()
    index = blind_index("DE136695976", context="partners.identifier")

    assert index == blind_index("DE136695976", context="partners.identifier")
    assert index != blind_index("DE136695977", context="partners.identifier")
    assert index != blind_index("DE136695976", context="another.column")
    settings.BLIND_INDEX_KEY = base64.b64encode(os.urandom(32)).decode()
    assert index != blind_index("DE136695976", context="partners.identifier")


def test_without_a_blind_index_key_matching_refuses_to_run(settings):
    settings.BLIND_INDEX_KEY = ""

    with pytest.raises(ImproperlyConfigured, match="BLIND_INDEX_KEY"):
        blind_index("DE136695976", context="partners.identifier")
