import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from hub.core.models import AuditEvent, OutboxJob
from hub.declarations.models import DeclarationStatus
from hub.tracking.follow_ups import cargo_events_received
from hub.tracking.models import CargoEvent
from tests.factories import ApiKeyFactory, officer
from tests.tracking.conftest import (
    CONTAINER,
    DOCUMENT,
    key_client,
    post_json,
    session_client,
    share,
)
from tests.tracking.factories import declaration_for, reporter_key, status_change

pytestmark = pytest.mark.django_db

_ids = itertools.count(1)


def event(type, occurred_at, **fields):
    return {
        "event_id": f"EV-{next(_ids)}",
        "type": type,
        "transport_document_number": DOCUMENT,
        "occurred_at": occurred_at.isoformat(),
        **fields,
    }


def ago(hours):
    return timezone.now() - timedelta(hours=hours)


def test_a_consignment_moves_from_departure_to_gate_out_and_both_sides_see_each_state(
    importer, carrier, port, customs
):
    consignment = share(importer, "PO-LIFE-1", containers=[CONTAINER], received_at=ago(300))
    page_url = f"/consignments/{consignment.pk}/"
    api_url = "/api/v1/consignments/PO-LIFE-1"
    enterprise_page = session_client(importer.viewer)
    enterprise_api = key_client(ApiKeyFactory(enterprise=importer))
    customs_page = session_client(customs)
    customs_api = APIClient()
    customs_api.force_login(customs)
    seen = []

    def both_sides_see(stage, label):
        for client in (enterprise_api, customs_api):
            body = client.get(api_url).json()
            assert body["status"] == stage, (stage, body["status"])
        for client in (enterprise_page, customs_page):
            page = client.get(page_url).content.decode()
            assert f'class="stage stage-{stage}">{label}<' in page
        seen.append(stage)

    both_sides_see("shared", "shared")
    assert (
        post_json(
            carrier,
            "/api/v1/events",
            event("departure", ago(200), location="DEHAM", vessel_or_flight="COSCO SHIPPING ARIES"),
        ).status_code
        == 201
    )
    both_sides_see("departed", "departed")
    position = event("position", ago(150), latitude=1.26, longitude=103.8)
    assert post_json(carrier, "/api/v1/events", position).status_code == 201
    both_sides_see("in_transit", "in transit")
    assert (
        post_json(port, "/api/v1/events", event("arrival", ago(60), location="CNSHA")).status_code
        == 201
    )
    both_sides_see("arrived", "arrived")
    unloading = event("unloading", ago(55), location="CNSHA", container_number=CONTAINER)
    assert post_json(port, "/api/v1/events", unloading).status_code == 201
    both_sides_see("unloaded", "unloaded")

    declaration = declaration_for(consignment, declared_at=ago(50))
    both_sides_see("declared", "declared (lodged)")
    status_change(declaration, DeclarationStatus.ACCEPTED, ago(48))
    both_sides_see("accepted", "accepted")
    status_change(declaration, DeclarationStatus.SELECTED_FOR_INSPECTION, ago(40))
    both_sides_see("selected_for_inspection", "selected for inspection")
    status_change(declaration, DeclarationStatus.INSPECTED, ago(30))
    both_sides_see("inspected", "inspected")
    due = timezone.localdate() + timedelta(days=10)
    status_change(
        declaration,
        DeclarationStatus.DUTY_ASSESSED,
        ago(20),
        duty_amount=Decimal("1520.40"),
        duty_currency="CNY",
        duty_due_date=due,
    )
    both_sides_see("duty_assessed", "duty assessed")
    status_change(declaration, DeclarationStatus.DUTY_PAID, ago(10))
    both_sides_see("duty_paid", "duty paid")
    status_change(declaration, DeclarationStatus.RELEASED, ago(5))
    both_sides_see("released", "released")
    assert (
        post_json(
            port,
            "/api/v1/events",
            event("gate_out", ago(1), location="CNSHA", container_number=CONTAINER),
        ).status_code
        == 201
    )
    both_sides_see("gate_out", "gate-out")

    assert len(set(seen)) == 13
    body = enterprise_api.get(api_url).json()
    assert body["cargo_status"] == "gate_out"
    assert body["clearance"]["status"] == "released"
    assert body["clearance"]["declarations"][0]["number"] == declaration.number
    timeline = [(entry["kind"], entry["type"]) for entry in body["events"]]
    assert timeline == [
        ("shared", "shared"),
        ("cargo_event", "departure"),
        ("cargo_event", "position"),
        ("cargo_event", "arrival"),
        ("cargo_event", "unloading"),
        ("declaration", "lodged"),
        ("declaration", "accepted"),
        ("declaration", "selected_for_inspection"),
        ("declaration", "inspected"),
        ("declaration", "duty_assessed"),
        ("declaration", "duty_paid"),
        ("declaration", "released"),
        ("cargo_event", "gate_out"),
    ]
    departure = body["events"][1]
    assert (departure["location"], departure["reported_by"]) == (
        "DEHAM",
        "Ocean Carrier Lines Co., Ltd.",
    )
    assert body["events"][-1]["reported_by"] == "Yangshan Terminal Operations Co., Ltd."


def test_accepted_released_and_gate_out_are_three_states_even_when_they_follow_at_once(
    importer, port
):
    consignment = share(importer, "PO-FAST")
    declaration = declaration_for(consignment, declared_at=ago(3))
    reader = key_client(ApiKeyFactory(enterprise=importer))

    def status():
        return reader.get("/api/v1/consignments/PO-FAST").json()["status"]

    status_change(declaration, DeclarationStatus.ACCEPTED, ago(2))
    statuses = [status()]
    status_change(declaration, DeclarationStatus.RELEASED, ago(2))
    statuses.append(status())
    post_json(port, "/api/v1/events", event("gate_out", ago(2), location="CNSHA"))
    statuses.append(status())

    assert statuses == ["accepted", "released", "gate_out"]


def test_the_same_event_sent_again_is_stored_once(carrier):
    departure = event("departure", ago(5), location="DEHAM")

    first = post_json(carrier, "/api/v1/events", departure)
    again = post_json(carrier, "/api/v1/events", departure)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == {"event_id": departure["event_id"], "status": "unchanged"}
    assert CargoEvent.objects.count() == 1


def test_an_event_id_used_again_for_other_content_is_a_409_and_changes_nothing(carrier):
    departure = event("departure", ago(5), location="DEHAM")
    post_json(carrier, "/api/v1/events", departure)

    response = post_json(carrier, "/api/v1/events", {**departure, "location": "NLRTM"})

    assert response.status_code == 409
    assert response.json()["code"] == "event_id_reused"
    assert response.json()["errors"][0]["path"] == "/event_id"
    assert CargoEvent.objects.get().location == "DEHAM"


def test_two_reporters_may_use_the_same_event_id(carrier, port):
    shared_id = {"event_id": "ARR-1"}

    post_json(
        carrier, "/api/v1/events", {**event("arrival", ago(2), location="CNSHA"), **shared_id}
    )
    response = post_json(
        port, "/api/v1/events", {**event("arrival", ago(2), location="CNSHA"), **shared_id}
    )

    assert response.status_code == 201
    assert CargoEvent.objects.filter(event_id="ARR-1").count() == 2


def test_an_idempotency_key_replays_the_first_answer(carrier):
    departure = event("departure", ago(5), location="DEHAM")

    first = post_json(carrier, "/api/v1/events", departure, HTTP_IDEMPOTENCY_KEY="ev-1")
    replay = post_json(carrier, "/api/v1/events", departure, HTTP_IDEMPOTENCY_KEY="ev-1")
    other = post_json(
        carrier,
        "/api/v1/events",
        event("departure", ago(4), location="DEHAM"),
        HTTP_IDEMPOTENCY_KEY="ev-1",
    )

    assert (first.status_code, replay.status_code, other.status_code) == (201, 201, 422)
    assert replay["Idempotent-Replayed"] == "true"
    assert CargoEvent.objects.count() == 1


def test_each_stored_event_is_audited_and_one_follow_up_job_covers_the_call(
    carrier_key, carrier, django_capture_on_commit_callbacks
):
    received = []

    def remember(event_ids):
        received.extend(event_ids)

    cargo_events_received.register(remember)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = post_json(
                carrier,
                "/api/v1/events",
                {
                    "events": [
                        event("departure", ago(9), location="DEHAM"),
                        event("position", ago(8), latitude=31, longitude=122),
                    ]
                },
            )
    finally:
        cargo_events_received.unregister(remember)

    assert response.json()["accepted"] == 2
    stored = set(CargoEvent.objects.values_list("pk", flat=True))
    assert set(received) == stored
    assert OutboxJob.objects.filter(task="tracking.cargo_events_received").count() == 1
    audited = AuditEvent.objects.filter(action="tracking.cargo_event.received")
    assert {int(event.object_id) for event in audited} == stored
    assert {event.actor_label for event in audited} == {carrier_key.audit_label}


def test_a_batch_stores_the_valid_events_and_says_why_others_were_refused(carrier):
    good = event("departure", ago(9), location="DEHAM")
    body = {
        "events": [
            good,
            event("departure", ago(9)),
            "not an event",
            {**event("position", ago(8), latitude=31, longitude=122), "event_id": good["event_id"]},
            good,
        ]
    }

    response = post_json(carrier, "/api/v1/events", body)

    result = response.json()
    assert response.status_code == 200
    assert (result["accepted"], result["unchanged"], result["refused"]) == (1, 0, 4)
    assert [item["status"] for item in result["results"]] == ["accepted"] + ["refused"] * 4
    assert result["results"][1]["errors"][0]["path"] == "/location"
    assert result["results"][2]["errors"][0]["code"] == "wrong_type"
    assert result["results"][3]["errors"][0]["code"] == "duplicate"
    assert CargoEvent.objects.count() == 1


def test_a_batch_of_more_than_1000_events_is_refused_whole(carrier):
    events = [event("departure", ago(9), location="DEHAM") for _ in range(1001)]

    response = post_json(carrier, "/api/v1/events", {"events": events})

    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "/events"
    assert not CargoEvent.objects.exists()


@pytest.mark.parametrize(
    ("fields", "path", "code"),
    [
        ({"type": "teleported"}, "/type", "invalid_choice"),
        ({"occurred_at": "2026-11-01T08:00:00"}, "/occurred_at", "missing_time_zone"),
        ({"occurred_at": "yesterday"}, "/occurred_at", "invalid"),
        (
            {"occurred_at": (timezone.now() + timedelta(days=1)).isoformat()},
            "/occurred_at",
            "in_future",
        ),
        ({"location": "XXSHA"}, "/location", "invalid_code"),
        ({"location": ""}, "/location", "required"),
        ({"container_number": "CSQU3054384"}, "/container_number", "check_digit"),
        ({"container_number": "1234"}, "/container_number", "invalid_code"),
        ({"event_id": 17}, "/event_id", "wrong_type"),
        ({"transport_document_number": "B" * 65}, "/transport_document_number", "max_length"),
        ({"estimated_arrival": "2026-12-02T08:00:00+08:00"}, "/estimated_arrival", "not_allowed"),
        ({"latitude": 31.2}, "/longitude", "required"),
        ({"vesselName": "ARIES"}, "/vesselName", "unknown_field"),
        ({"event_id": None}, "/event_id", "null"),
    ],
)
def test_a_bad_field_is_a_400_naming_it_and_saying_what_is_wrong(carrier, fields, path, code):
    body = {**event("arrival", ago(2), location="CNSHA"), **fields}

    response = post_json(carrier, "/api/v1/events", body)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert (errors[0]["path"], errors[0]["code"]) == (path, code), errors
    assert errors[0]["message"]
    assert not CargoEvent.objects.exists()


def test_a_position_needs_its_coordinates_and_an_estimate_needs_its_time(carrier):
    position = post_json(carrier, "/api/v1/events", event("position", ago(2)))
    estimate = post_json(carrier, "/api/v1/events", event("estimated_arrival", ago(2)))

    assert {error["path"] for error in position.json()["errors"]} == {"/latitude", "/longitude"}
    assert [error["path"] for error in estimate.json()["errors"]] == ["/estimated_arrival"]


def test_codes_are_tidied_and_coordinates_kept_to_five_decimals(carrier):
    body = event(
        "position",
        ago(2),
        latitude=31.2304123,
        longitude=121.4737019,
        location="cnsha",
        container_number="csqu 305438-3",
    )

    assert post_json(carrier, "/api/v1/events", body).status_code == 201

    stored = CargoEvent.objects.get()
    assert (stored.location, stored.container_number) == ("CNSHA", CONTAINER)
    assert (stored.latitude, stored.longitude) == (Decimal("31.23041"), Decimal("121.47370"))


def test_a_port_may_not_report_a_departure_nor_a_carrier_a_gate_out(carrier, port):
    by_port = post_json(port, "/api/v1/events", event("departure", ago(5), location="DEHAM"))
    by_carrier = post_json(carrier, "/api/v1/events", event("gate_out", ago(1), location="CNSHA"))

    for response in (by_port, by_carrier):
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert (error["path"], error["code"]) == ("/type", "not_allowed_for_role")
    assert "arrival, unloading, gate_out" in by_port.json()["errors"][0]["message"]
    assert not CargoEvent.objects.exists()


def test_an_enterprise_that_is_both_carrier_and_port_reports_every_type(db):
    both = key_client(reporter_key("carrier", "port_operator"))

    departure = post_json(both, "/api/v1/events", event("departure", ago(5), location="DEHAM"))
    gate_out = post_json(both, "/api/v1/events", event("gate_out", ago(1), location="CNSHA"))

    assert (departure.status_code, gate_out.status_code) == (201, 201)


def test_an_importers_key_is_refused_and_told_why(importer):
    importer_api = key_client(ApiKeyFactory(enterprise=importer))

    response = post_json(importer_api, "/api/v1/events", event("arrival", ago(1), location="CNSHA"))

    assert response.status_code == 403
    assert "Only carriers and port operators report cargo events" in response.json()["message"]
    assert not CargoEvent.objects.exists()


def test_people_and_the_customs_system_are_refused_and_no_key_is_a_401(db):
    person = APIClient()
    person.force_login(officer("customs_risk_officer"))
    system = key_client(ApiKeyFactory(enterprise=None, kind="g2g"))
    body = event("arrival", ago(1), location="CNSHA")

    for client in (person, system):
        response = post_json(client, "/api/v1/events", body)
        assert response.status_code == 403
        assert "carrier's or port operator's system" in response.json()["message"]
    assert post_json(APIClient(), "/api/v1/events", body).status_code == 401


def test_events_of_a_container_concern_only_consignments_listing_it_or_none(importer, port):
    listing = share(importer, "PO-LISTS", containers=[CONTAINER])
    other = share(importer, "PO-OTHER", containers=["MSCU1234566"])
    unlisted = share(importer, "PO-NONE")
    body = event("unloading", ago(2), location="CNSHA", container_number=CONTAINER)

    post_json(port, "/api/v1/events", body)

    reader = key_client(ApiKeyFactory(enterprise=importer))
    statuses = {
        consignment.reference: reader.get(f"/api/v1/consignments/{consignment.reference}").json()[
            "status"
        ]
        for consignment in (listing, other, unlisted)
    }
    assert statuses == {"PO-LISTS": "unloaded", "PO-OTHER": "shared", "PO-NONE": "unloaded"}


def test_events_reported_before_the_consignment_was_shared_still_reach_it(importer, carrier):
    post_json(carrier, "/api/v1/events", event("departure", ago(100), location="DEHAM"))

    share(importer, "PO-LATE")

    reader = key_client(ApiKeyFactory(enterprise=importer))
    assert reader.get("/api/v1/consignments/PO-LATE").json()["status"] == "departed"
