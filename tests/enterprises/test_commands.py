import re

import pytest
from django.core.management import call_command

from hub.enterprises.models import ApiKey

pytestmark = pytest.mark.django_db


def test_the_g2g_key_command_prints_a_key_that_authenticates_as_the_customs_system(
    api_client, capsys
):
    call_command("g2g_key_create", name="Declaration system, production")

    plaintext = re.search(r"hub_[0-9a-f]{8}_[A-Za-z0-9-]+", capsys.readouterr().out).group(0)
    api_key = ApiKey.objects.get()
    assert api_key.kind == "g2g"
    assert api_key.enterprise is None
    whoami = api_client.get("/api/v1/whoami", HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    assert whoami.json()["kind"] == "g2g"
