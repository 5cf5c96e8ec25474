import base64
import os

import pytest
from django.core.management import call_command

from hub.partners.identifiers import identifier_blind_index
from hub.partners.models import PartnerIdentifier
from tests.factories import registered_partner

pytestmark = pytest.mark.django_db


def test_after_a_new_blind_index_key_the_identifiers_are_indexed_again(
    settings, enterprise, enterprise_admin, capsys
):
    registered_partner(enterprise, enterprise_admin, identifiers={"vat": "DE136695976"})
    settings.BLIND_INDEX_KEY = base64.b64encode(os.urandom(32)).decode()

    call_command("partner_identifiers_reindex")

    assert PartnerIdentifier.objects.get().blind_index == identifier_blind_index(
        "vat", "DE136695976"
    )
    assert "1 identifiers indexed again." in capsys.readouterr().out
