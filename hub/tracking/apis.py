"""POST events: carriers and port operators report what happened to the goods of a transport
document. One event, or {"events": [...]} with up to 1,000, each with a result of its own."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ErrorDetail, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.catalogue.codelists import CONTAINERS, PORTS, container_check_digit
from hub.core.errors import (
    DocumentInvalid,
    ErrorItemSerializer,
    error_responses,
    flatten_validation_detail,
)
from hub.submissions.apis import IDEMPOTENCY_PARAMETER, ApiKeyRateThrottle
from hub.submissions.idempotency import idempotent
from hub.submissions.parsers import DecimalJSONParser
from hub.tracking.models import CargoEvent, CargoEventType
from hub.tracking.services import EVENT_FIELDS, cargo_events_record
from hub.tracking.status import event_types_for

MAX_EVENTS = 1000
# Clocks of carriers' systems drift; an event a few minutes ahead of ours still happened.
CLOCK_SKEW = timedelta(minutes=10)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FURTHEST_ESTIMATE = timedelta(days=400)
# Where an event happened matters for these; a position is a point at sea or in the air.
NEEDS_LOCATION = {
    CargoEventType.DEPARTURE,
    CargoEventType.ARRIVAL,
    CargoEventType.UNLOADING,
    CargoEventType.GATE_OUT,
}
# Only while the goods are on their way is an estimate of their arrival news.
TAKES_ESTIMATE = {
    CargoEventType.DEPARTURE,
    CargoEventType.POSITION,
    CargoEventType.ESTIMATED_ARRIVAL,
}


class ReportsCargoEvents(BasePermission):
    def has_permission(self, request, view):
        api_key = getattr(request.user, "api_key", None)
        if api_key is None or api_key.enterprise_id is None:
            self.message = _(
                "Cargo events come from a carrier's or port operator's system, with an API key "
                "of its enterprise (Authorization: Api-Key <key>)."
            )
            return False
        enterprise = api_key.enterprise
        if not event_types_for(enterprise.trade_roles):
            self.message = _(
                "Only carriers and port operators report cargo events, and your enterprise is "
                "registered as: %(roles)s. If it is a carrier or port operator, ask customs to "
                "add that role to its registration."
            ) % {"roles": ", ".join(map(str, enterprise.get_trade_roles_display())) or "—"}
            return False
        return True


class Text(serializers.CharField):
    """A string, and only a string: a number sent for an id is an error, not an id."""

    default_error_messages = {"wrong_type": gettext_lazy("Send a string.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("wrong_type")
        return super().to_internal_value(data)


class Moment(serializers.DateTimeField):
    """An ISO 8601 date and time with its offset: a time without one could be any of 26."""

    default_error_messages = {
        "wrong_type": gettext_lazy("Send a string such as 2026-12-02T08:00:00+08:00."),
        "missing_time_zone": gettext_lazy(
            "Give the time zone offset, e.g. 2026-12-02T08:00:00+08:00 or 2026-12-02T00:00:00Z."
        ),
    }

    def to_internal_value(self, value):
        if not isinstance(value, str):
            self.fail("wrong_type")
        return super().to_internal_value(value)

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("missing_time_zone")
        return super().enforce_timezone(value)


class Coordinate(serializers.DecimalField):
    """Degrees as a JSON number, kept to five decimals (about a metre)."""

    default_error_messages = {"wrong_type": gettext_lazy("Send a number of degrees.")}

    def __init__(self, limit: int, **kwargs):
        super().__init__(
            max_digits=None,
            decimal_places=None,
            min_value=-limit,
            max_value=limit,
            coerce_to_string=False,
            **kwargs,
        )

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | Decimal):
            self.fail("wrong_type")
        return super().to_internal_value(data)

    def run_validation(self, data=serializers.empty):
        value = super().run_validation(data)
        return None if value is None else value.quantize(Decimal("0.00001"))


class CargoEventInput(serializers.Serializer):
    event_id = Text(
        max_length=100,
        help_text="Your system's own id of the event, unique among your events. Sending it again "
        "stores nothing new; a correction is a new event with a new id.",
    )
    type = serializers.ChoiceField(
        CargoEventType.choices,
        help_text="Carriers report departure, position, estimated_arrival, arrival and unloading; "
        "port operators arrival, unloading and gate_out.",
    )
    transport_document_number = Text(
        max_length=CargoEvent._meta.get_field("transport_document_number").max_length,
        help_text="The bill of lading or air waybill (the master one): the event concerns every "
        "consignment shared under it.",
    )
    container_number = Text(
        required=False,
        allow_blank=True,
        default="",
        max_length=20,
        help_text="ISO 6346, e.g. CSQU3054383: then the event concerns the consignments of the "
        "document that list this container, or list none.",
    )
    occurred_at = Moment(help_text="When it happened, with the offset; not in the future.")
    location = Text(
        required=False,
        allow_blank=True,
        default="",
        max_length=10,
        help_text="UN/LOCODE of the port or airport, e.g. CNSHA; required for departure, arrival, "
        "unloading and gate_out.",
    )
    latitude = Coordinate(90, required=False, allow_null=True, default=None)
    longitude = Coordinate(180, required=False, allow_null=True, default=None)
    vessel_or_flight = Text(required=False, allow_blank=True, default="", max_length=50)
    estimated_arrival = Moment(
        required=False,
        allow_null=True,
        default=None,
        help_text="The expected arrival at the port of discharge: required for estimated_arrival, "
        "allowed with departure and position.",
    )
    note = Text(required=False, allow_blank=True, default="", max_length=1000)

    def validate_container_number(self, value):
        number = value.replace(" ", "").replace("-", "").upper()
        if not number:
            return ""
        if not CONTAINERS.is_valid(number):
            raise ValidationError(
                _(
                    "%(value)s is not an ISO 6346 container number: three letters, U, J or Z, "
                    "and seven digits, e.g. CSQU3054383."
                )
                % {"value": value},
                code="invalid_code",
            )
        if container_check_digit(number) != int(number[10]):
            raise ValidationError(
                _("The check digit of %(value)s should be %(digit)d: check the number.")
                % {"value": value, "digit": container_check_digit(number)},
                code="check_digit",
            )
        return number

    def validate_location(self, value):
        code = value.upper()
        if not code or PORTS.is_valid(code):
            return code
        suggestion = PORTS.suggestion(value)
        raise ValidationError(
            _("%(value)s is not a UN/LOCODE; did you mean %(code)s?")
            % {"value": value, "code": suggestion}
            if suggestion
            else _(
                "%(value)s is not a UN/LOCODE: two letters of the country and three of the place, "
                "e.g. CNSHA."
            )
            % {"value": value},
            code="invalid_code",
        )

    def validate_occurred_at(self, value):
        if value > timezone.now() + CLOCK_SKEW:
            raise ValidationError(
                _(
                    "This is in the future: report an event once it happened, and an expected "
                    "arrival as estimated_arrival."
                ),
                code="in_future",
            )
        if value < EARLIEST:
            raise ValidationError(_("Give a time from the year 2000 on."), code="too_early")
        return value

    def validate_estimated_arrival(self, value):
        if value is not None and not (EARLIEST <= value <= timezone.now() + FURTHEST_ESTIMATE):
            raise ValidationError(
                _("Give an estimate from the year 2000 to 400 days from now."),
                code="out_of_range",
            )
        return value

    def to_internal_value(self, data):
        unknown = {
            name: [
                ErrorDetail(
                    _("'%(name)s' is not a field of a cargo event; the fields are: %(fields)s.")
                    % {"name": name, "fields": ", ".join(self.fields)},
                    code="unknown_field",
                )
            ]
            for name in (data if isinstance(data, dict) else ())
            if name not in self.fields
        }
        try:
            values = super().to_internal_value(data)
        except ValidationError as error:
            raise ValidationError({**error.detail, **unknown}) from None
        if unknown:
            raise ValidationError(unknown)
        return values

    def validate(self, attrs):
        errors = {}
        kind = attrs["type"]
        allowed = self.context["allowed_types"]
        if kind not in allowed:
            errors["type"] = ErrorDetail(
                _(
                    "Your enterprise does not report %(type)s events: as %(roles)s it reports "
                    "%(allowed)s."
                )
                % {"type": kind, "roles": self.context["roles"], "allowed": ", ".join(allowed)},
                code="not_allowed_for_role",
            )
        if kind in NEEDS_LOCATION and not attrs["location"]:
            errors["location"] = ErrorDetail(
                _("A %(type)s event says where: give the port's UN/LOCODE.") % {"type": kind},
                code="required",
            )
        if kind == CargoEventType.POSITION:
            for name in ("latitude", "longitude"):
                if attrs[name] is None:
                    errors[name] = ErrorDetail(
                        _("A position gives its latitude and longitude."), code="required"
                    )
        elif (attrs["latitude"] is None) != (attrs["longitude"] is None):
            missing = "latitude" if attrs["latitude"] is None else "longitude"
            errors[missing] = ErrorDetail(
                _("Give latitude and longitude together, or neither."), code="required"
            )
        if kind == CargoEventType.ESTIMATED_ARRIVAL and attrs["estimated_arrival"] is None:
            errors["estimated_arrival"] = ErrorDetail(
                _("Give the new estimated arrival."), code="required"
            )
        elif kind not in TAKES_ESTIMATE and attrs["estimated_arrival"] is not None:
            errors["estimated_arrival"] = ErrorDetail(
                _(
                    "Leave it out: a %(type)s event reports what happened. Estimates go with "
                    "departure, position and estimated_arrival events."
                )
                % {"type": kind},
                code="not_allowed",
            )
        if errors:
            raise ValidationError({name: [error] for name, error in errors.items()})
        return attrs


class CargoEventBatchInput(serializers.Serializer):
    events = serializers.ListField(
        # Any value: each is validated on its own and refused in `results` if invalid.
        child=serializers.JSONField(),
        min_length=1,
        max_length=MAX_EVENTS,
        help_text="Events, each validated on its own: a refused one does not stop the others.",
    )


EVENT_RESULT = inline_serializer(
    "CargoEventResult",
    {
        "event_id": serializers.CharField(),
        "status": serializers.ChoiceField(["accepted", "unchanged"]),
    },
)
EVENT_BATCH_RESULT = inline_serializer(
    "CargoEventBatchResult",
    {
        "accepted": serializers.IntegerField(),
        "unchanged": serializers.IntegerField(),
        "refused": serializers.IntegerField(),
        "results": inline_serializer(
            "CargoEventBatchItem",
            {
                "index": serializers.IntegerField(),
                "event_id": serializers.CharField(allow_null=True),
                "status": serializers.ChoiceField(["accepted", "unchanged", "refused"]),
                "errors": ErrorItemSerializer(many=True, required=False),
            },
            many=True,
        ),
    },
)


class EventIdReused(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "event_id_reused"
    default_detail = gettext_lazy(
        "You sent another event with this event_id before, and an event is never changed. "
        "Send a correction as a new event with an id of its own."
    )


def _reused_error() -> dict:
    return {
        "path": "/event_id",
        "code": "event_id_reused",
        "message": str(EventIdReused.default_detail),
    }


class CargoEventsApi(APIView):
    parser_classes = [DecimalJSONParser]
    permission_classes = [ReportsCargoEvents]
    throttle_classes = [ApiKeyRateThrottle]

    @extend_schema(
        operation_id="events_create",
        request=PolymorphicProxySerializer(
            component_name="CargoEvents",
            serializers=[CargoEventInput, CargoEventBatchInput],
            resource_type_field_name=None,
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: EVENT_RESULT,
            200: PolymorphicProxySerializer(
                component_name="CargoEventsOutcome",
                serializers=[EVENT_RESULT, EVENT_BATCH_RESULT],
                resource_type_field_name=None,
            ),
            **error_responses(400, 401, 403, 409, 413, 415, 422, 429),
        },
        description='One event (201 when stored, 200 when sent before) or {"events": [...]} '
        "with 1 to 1,000 (200, a result per event).",
    )
    @idempotent
    def post(self, request):
        enterprise = request.user.api_key.enterprise
        context = {
            "allowed_types": event_types_for(enterprise.trade_roles),
            "roles": ", ".join(map(str, enterprise.get_trade_roles_display())),
        }
        body = request.data
        if isinstance(body, dict) and "events" in body:
            return self._batch(request, body, context)
        if not isinstance(body, dict):
            raise ValidationError(
                [_('Send one event as a JSON object, or {"events": [...]} with 1 to 1,000.')]
            )
        values, errors = event_validate(CargoEventInput(context=context), body)
        if errors:
            raise DocumentInvalid(errors)
        [outcome] = cargo_events_record(
            reporter_id=enterprise.pk, events=[values], actor=request.user.api_key
        )
        if outcome == "conflict":
            raise EventIdReused({"event_id": [EventIdReused.default_detail]})
        return Response(
            {"event_id": values["event_id"], "status": outcome},
            status=status.HTTP_201_CREATED if outcome == "accepted" else status.HTTP_200_OK,
        )

    def _batch(self, request, body, context):
        batch = CargoEventBatchInput(data=body)
        if set(body) != {"events"}:
            raise ValidationError(
                {name: [_("A batch has only 'events'.")] for name in body if name != "events"}
            )
        batch.is_valid(raise_exception=True)
        validator = CargoEventInput(context=context)
        results, valid, seen = [], [], {}
        for index, item in enumerate(batch.validated_data["events"]):
            event_id = item.get("event_id") if isinstance(item, dict) else None
            result = {
                "index": index,
                "event_id": event_id if isinstance(event_id, str) else None,
                "status": "refused",
            }
            results.append(result)
            if not isinstance(item, dict):
                result["errors"] = [
                    {
                        "path": "",
                        "code": "wrong_type",
                        "message": _("Send each event as an object."),
                    }
                ]
                continue
            values, errors = event_validate(validator, item)
            if errors:
                result["errors"] = errors
                continue
            if values["event_id"] in seen:
                result["errors"] = [
                    {
                        "path": "/event_id",
                        "code": "duplicate",
                        "message": _("Event %(index)d of this batch has the same event_id.")
                        % {"index": seen[values["event_id"]]},
                    }
                ]
                continue
            seen[values["event_id"]] = index
            valid.append((result, values))
        if valid:
            outcomes = cargo_events_record(
                reporter_id=request.user.api_key.enterprise_id,
                events=[values for _result, values in valid],
                actor=request.user.api_key,
            )
            for (result, _stored), outcome in zip(valid, outcomes, strict=True):
                if outcome == "conflict":
                    result["errors"] = [_reused_error()]
                else:
                    result["status"] = outcome
        counts = {
            state: sum(1 for result in results if result["status"] == state)
            for state in ("accepted", "unchanged", "refused")
        }
        return Response({**counts, "results": results})


def event_validate(validator: CargoEventInput, body) -> tuple[dict | None, list[dict]]:
    """An event's values for `cargo_events_record`, or its errors with their paths. One validator
    serves a whole batch: a serializer copies every field when it is made, which for 1,000
    events took most of the request's time."""
    try:
        data = validator.run_validation(body)
    except ValidationError as error:
        return None, flatten_validation_detail(error.detail)
    return {"event_id": data["event_id"], **{name: data[name] for name in EVENT_FIELDS}}, []
