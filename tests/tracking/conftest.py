import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from hub.submissions.models import Consignment
from hub.submissions.services import consignment_ingest
from tests.factories import (
    EnterpriseFactory,
    MembershipFactory,
    active_agreement,
    consignment_document,
    officer,
)
from tests.tracking.factories import reporter_key

CONTAINER = "CSQU3054383"
DOCUMENT = "COSU6312458790"


def post_json(client, path, body, **headers):
    return client.post(
        path, json.dumps(body, default=str), content_type="application/json", **headers
    )


def key_client(api_key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {api_key.plaintext}")
    return client


def session_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def importer(db, settings):
    """An importer sharing by API, with an admin, a viewer and an agreement that includes the
    transport details (containers, vessel)."""
    # Its people log in with force_login: hashing their passwords the production way would take
    # most of each test's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    enterprise = EnterpriseFactory(legal_name="Alpha Precision Optics Co., Ltd.")
    admin = MembershipFactory(enterprise=enterprise, role="admin").user
    enterprise.viewer = MembershipFactory(enterprise=enterprise, role="viewer").user
    enterprise.admin = admin
    active_agreement(enterprise, admin, scope=["transport_details"])
    return enterprise


def share(
    enterprise,
    reference,
    *,
    estimated_arrival=None,
    received_at=None,
    transport_document_number=DOCUMENT,
    **fields,
) -> Consignment:
    """A consignment shared by `enterprise` under DOCUMENT; its estimated arrival defaults to two
    days ago, so that events up to now fit its voyage."""
    arrival = estimated_arrival or timezone.now() - timedelta(days=2)
    document = consignment_document(
        reference,
        transport_document_number=transport_document_number,
        estimated_arrival=arrival.isoformat(),
        **fields,
    )
    [result] = consignment_ingest(
        enterprise_id=enterprise.pk,
        documents=[document],
        channel="api",
        actor=enterprise.admin,
        received_at=received_at,
    )
    assert result.status == "accepted", result.errors
    return Consignment.objects.get(enterprise=enterprise, reference=reference)


@pytest.fixture
def carrier_key(db):
    return reporter_key("carrier", legal_name="Ocean Carrier Lines Co., Ltd.")


@pytest.fixture
def port_key(db):
    return reporter_key("port_operator", legal_name="Yangshan Terminal Operations Co., Ltd.")


@pytest.fixture
def carrier(carrier_key):
    return key_client(carrier_key)


@pytest.fixture
def port(port_key):
    return key_client(port_key)


@pytest.fixture
def customs(db):
    return officer("customs_risk_officer")
