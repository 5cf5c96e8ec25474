"""The G2G feeds (declarations, their status changes, bank payments, exchange rates), inspection
outcomes, and reading declarations."""

from datetime import datetime

from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.core.errors import DocumentInvalid, ErrorItemSerializer, error_responses
from hub.core.roles import CustomsRole
from hub.declarations.models import Declaration, DeclarationStatus
from hub.declarations.permissions import SeesEveryDeclaration
from hub.declarations.selectors import (
    declaration_get,
    declaration_item_list,
    declaration_list,
    declaration_status_change_list,
)
from hub.declarations.services import (
    MAX_BATCH,
    bank_payment_receive,
    declaration_receive,
    declaration_status_record,
    exchange_rate_record,
    inspection_record,
)
from hub.declarations.validation import (
    BANK_PAYMENT_RULES,
    DECLARATION_RULES,
    EXCHANGE_RATE_RULES,
    INSPECTION_RULES,
    NUMBER_PATTERN,
    STATUS_CHANGE_RULES,
    inspection_validate,
    openapi_schema,
)
from hub.enterprises.permissions import IsCustomsSystem, customs_role_permission
from hub.submissions.apis import IDEMPOTENCY_PARAMETER, ApiKeyRateThrottle
from hub.submissions.idempotency import idempotent
from hub.submissions.parsers import DecimalJSONParser

WRITE_ERRORS = error_responses(400, 401, 403, 413, 415, 422, 429)

NUMBER_PARAMETER = OpenApiParameter(
    "number",
    {"type": "string", "pattern": f"^{NUMBER_PATTERN.pattern}$"},
    OpenApiParameter.PATH,
    description="The declaration number: up to 30 upper-case letters, digits or '-'.",
)


def _batch_schema(key: str, rules, noun: str) -> dict:
    """A batch envelope. Its items are left open in the schema: each is validated on its own and
    refused in `results`, so a bad item never makes the whole request invalid."""
    fields = ", ".join(
        f"`{name}`" + ("" if rule.required else " (optional)") for name, rule in rules.items()
    )
    return {
        "type": "object",
        "properties": {
            key: {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_BATCH,
                "items": {"description": f"One {noun}: {fields}. See docs/api.md."},
            }
        },
        "required": [key],
        "additionalProperties": False,
    }


def _batch_items(request, key: str) -> list:
    """The items of a batch envelope {key: [...]}, or a 400 saying how to send them."""
    body = request.data
    if not isinstance(body, dict) or key not in body:
        raise ValidationError(
            {key: [_('Send {"%(key)s": [...]} with 1 to 1,000 items.') % {"key": key}]}
        )
    others = sorted(set(body) - {key})
    if others:
        raise ValidationError(
            {
                name: [_("Not a field of this request: send only '%(key)s'.") % {"key": key}]
                for name in others
            }
        )
    items = body[key]
    if not isinstance(items, list) or not items:
        raise ValidationError({key: [_("Send a list of 1 to 1,000 items.")]})
    if len(items) > MAX_BATCH:
        raise ValidationError(
            {
                key: [
                    _("A batch takes at most 1,000 items; this one has %(count)d. Split it.")
                    % {"count": len(items)}
                ]
            }
        )
    return items


def _record_results(results, states: tuple[str, ...]) -> dict:
    items = []
    for result in results:
        item = {"index": result.index, **result.key, "status": result.status}
        if result.errors:
            item["errors"] = result.errors
        items.append(item)
    counts = {state: sum(1 for r in results if r.status == state) for state in states}
    return {**counts, "results": items}


def _record_batch_result(name: str, key_fields: dict, states: tuple[str, ...]):
    return inline_serializer(
        name,
        {
            **{state: serializers.IntegerField() for state in states},
            "results": inline_serializer(
                f"{name}Item",
                {
                    "index": serializers.IntegerField(),
                    **key_fields,
                    "status": serializers.ChoiceField(states),
                    "errors": ErrorItemSerializer(many=True, required=False),
                },
                many=True,
            ),
        },
    )


class FeedApi(APIView):
    parser_classes = [DecimalJSONParser]
    permission_classes = [IsCustomsSystem]
    throttle_classes = [ApiKeyRateThrottle]


# --- Declarations ------------------------------------------------------------------------------


class DeclarationReceived(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.ChoiceField(["created", "amended", "unchanged"])
    revision = serializers.IntegerField()
    received_at = serializers.DateTimeField()
    payload_sha256 = serializers.CharField()
    consignee_enterprise = serializers.IntegerField(
        allow_null=True, help_text="The hub's enterprise the consignee code belongs to, if any."
    )


DECLARATION_STATES = ("created", "amended", "unchanged", "refused")
DECLARATION_BATCH_RESULT = inline_serializer(
    "DeclarationBatchResult",
    {
        **{state: serializers.IntegerField() for state in DECLARATION_STATES},
        "results": inline_serializer(
            "DeclarationBatchItem",
            {
                "index": serializers.IntegerField(),
                "number": serializers.CharField(allow_null=True),
                "status": serializers.ChoiceField(DECLARATION_STATES),
                "revision": serializers.IntegerField(required=False),
                "errors": ErrorItemSerializer(many=True, required=False),
            },
            many=True,
        ),
    },
)


class DeclarantOutput(serializers.Serializer):
    name = serializers.CharField(source="declarant_name")
    code = serializers.CharField(source="declarant_code")


class ConsigneeOutput(serializers.Serializer):
    name = serializers.CharField(source="consignee_name")
    code = serializers.CharField(source="consignee_code")
    enterprise = serializers.IntegerField(source="consignee_id", allow_null=True)


class ConsignorOutput(serializers.Serializer):
    name = serializers.CharField(source="consignor_name")
    country = serializers.CharField(source="consignor_country")


class DeclarationSummary(serializers.Serializer):
    number = serializers.CharField()
    revision = serializers.IntegerField()
    customs_office = serializers.CharField()
    declared_at = serializers.DateTimeField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    consignee = ConsigneeOutput(source="*")
    consignor = ConsignorOutput(source="*")
    transport_document_number = serializers.CharField()
    invoice_number = serializers.CharField()
    currency = serializers.CharField()
    status = serializers.ChoiceField(DeclarationStatus.choices)
    status_at = serializers.DateTimeField(allow_null=True)
    released_at = serializers.DateTimeField(allow_null=True)
    received_at = serializers.DateTimeField()


class ItemOutput(serializers.Serializer):
    item_number = serializers.IntegerField()
    hs_code = serializers.CharField()
    description = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=21, decimal_places=6)
    unit = serializers.CharField()
    net_weight_kg = serializers.DecimalField(max_digits=21, decimal_places=6, allow_null=True)
    value = serializers.DecimalField(max_digits=18, decimal_places=2)
    origin_country = serializers.CharField()


class StatusChangeOutput(serializers.Serializer):
    status = serializers.ChoiceField(DeclarationStatus.choices)
    occurred_at = serializers.DateTimeField()
    duty_amount = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    duty_currency = serializers.CharField()
    duty_due_date = serializers.DateField(allow_null=True)
    note = serializers.CharField()


class DeclarationDetail(DeclarationSummary):
    declarant = DeclarantOutput(source="*")
    containers = serializers.ListField(child=serializers.CharField())
    transport_mode = serializers.CharField()
    port_of_entry = serializers.CharField()
    carrier_name = serializers.CharField()
    trade_terms = serializers.CharField()
    freight = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    insurance = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    duty_amount = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    duty_currency = serializers.CharField()
    duty_due_date = serializers.DateField(allow_null=True)
    items = serializers.SerializerMethodField()
    status_changes = serializers.SerializerMethodField()

    @extend_schema_field(ItemOutput(many=True))
    def get_items(self, declaration) -> list:
        return ItemOutput(declaration_item_list(declaration=declaration), many=True).data

    @extend_schema_field(StatusChangeOutput(many=True))
    def get_status_changes(self, declaration) -> list:
        return StatusChangeOutput(
            declaration_status_change_list(declaration=declaration), many=True
        ).data


class DeclarationQuery(serializers.Serializer):
    page = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=500, help_text="Declarations a page (100)."
    )
    status = serializers.ChoiceField(DeclarationStatus.choices, required=False)
    enterprise = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,  # the largest id the database holds
        help_text="Only the declarations whose consignee is this enterprise.",
    )


class DeclarationPagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


class DeclarationListApi(FeedApi):
    """The declarations, newest first (GET, customs); the customs system's feed (POST)."""

    def get_permissions(self):
        if self.request.method == "GET":
            return [SeesEveryDeclaration()]
        return super().get_permissions()

    @extend_schema(
        operation_id="declarations_list",
        parameters=[DeclarationQuery],
        responses={
            200: inline_serializer(
                "DeclarationPage",
                {
                    "count": serializers.IntegerField(),
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": DeclarationSummary(many=True),
                },
            ),
            **error_responses(400, 401, 403, 404, 429),
        },
    )
    def get(self, request):
        query = DeclarationQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        declarations = declaration_list(visible_to=request.user)
        if "status" in query.validated_data:
            declarations = declarations.filter(status=query.validated_data["status"])
        if "enterprise" in query.validated_data:
            declarations = declarations.filter(consignee_id=query.validated_data["enterprise"])
        paginator = DeclarationPagination()
        page = paginator.paginate_queryset(declarations, request, view=self)
        return paginator.get_paginated_response(DeclarationSummary(page, many=True).data)

    @extend_schema(
        operation_id="declarations_receive",
        description="One declaration, answered 201 when it is new or amended and 200 when it "
        'is unchanged; or {"declarations": [...]} with 1 to 1,000, answered 200 with a result '
        "per declaration: the valid ones are stored even when others are refused.",
        request={
            "application/json": {
                "oneOf": [
                    openapi_schema(DECLARATION_RULES),
                    _batch_schema("declarations", DECLARATION_RULES, "declaration"),
                ]
            }
        },
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: DeclarationReceived,
            200: PolymorphicProxySerializer(
                component_name="DeclarationsReceived",
                serializers=[DeclarationReceived, DECLARATION_BATCH_RESULT],
                resource_type_field_name=None,
            ),
            **WRITE_ERRORS,
        },
    )
    @idempotent
    def post(self, request):
        if isinstance(request.data, dict) and "declarations" in request.data:
            return self._batch(request, _batch_items(request, "declarations"))
        if not isinstance(request.data, dict):
            raise ValidationError(
                [_('Send one declaration as a JSON object, or {"declarations": [...]}.')]
            )
        [result] = declaration_receive(documents=[request.data], actor=request.user)
        if result.status == "refused":
            raise DocumentInvalid(result.errors)
        declaration = Declaration.objects.get(pk=result.declaration_id)
        return Response(
            {
                "number": declaration.number,
                "status": result.status,
                "revision": declaration.revision,
                "received_at": declaration.received_at,
                "payload_sha256": declaration.payload_sha256,
                "consignee_enterprise": declaration.consignee_id,
            },
            status=status.HTTP_200_OK if result.status == "unchanged" else status.HTTP_201_CREATED,
        )

    def _batch(self, request, documents):
        results = declaration_receive(documents=documents, actor=request.user)
        items = []
        for result in results:
            item = {"index": result.index, "number": result.number, "status": result.status}
            if result.revision is not None:
                item["revision"] = result.revision
            if result.errors:
                item["errors"] = result.errors
            items.append(item)
        counts = {
            state: sum(1 for r in results if r.status == state) for state in DECLARATION_STATES
        }
        return Response({**counts, "results": items})


class DeclarationDetailApi(APIView):
    """One declaration with its items and status history: customs, and the consignee."""

    throttle_classes = [ApiKeyRateThrottle]

    @extend_schema(
        operation_id="declarations_get",
        parameters=[NUMBER_PARAMETER],
        responses={200: DeclarationDetail, **error_responses(401, 404, 429)},
    )
    def get(self, request, number):
        if not NUMBER_PATTERN.fullmatch(number):
            raise NotFound(
                _(
                    "No declaration has this number: a number is up to 30 upper-case letters, "
                    "digits or '-'."
                )
            )
        return Response(
            DeclarationDetail(declaration_get(number=number, visible_to=request.user)).data
        )


# --- Status changes, bank payments, exchange rates ---------------------------------------------


STATUS_STATES = ("recorded", "unchanged", "refused")
RATE_STATES = ("recorded", "updated", "unchanged", "refused")


class DeclarationStatusApi(FeedApi):
    @extend_schema(
        operation_id="declarations_statuses_record",
        description="Status changes of declarations already sent, 1 to 1,000. The same change "
        "(declaration, status and time) sent again is unchanged; a declaration takes the "
        "status of its latest change by the time it happened.",
        request={
            "application/json": _batch_schema("changes", STATUS_CHANGE_RULES, "status change")
        },
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            200: _record_batch_result(
                "StatusChangeBatchResult",
                {"number": serializers.CharField(allow_null=True)},
                STATUS_STATES,
            ),
            **WRITE_ERRORS,
        },
    )
    @idempotent
    def post(self, request):
        results = declaration_status_record(
            changes=_batch_items(request, "changes"), actor=request.user
        )
        return Response(_record_results(results, STATUS_STATES))


class BankPaymentApi(FeedApi):
    @extend_schema(
        operation_id="bank_payments_receive",
        description="Payment records of the banks, 1 to 1,000, each under a unique reference.",
        request={"application/json": _batch_schema("payments", BANK_PAYMENT_RULES, "payment")},
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            200: _record_batch_result(
                "BankPaymentBatchResult",
                {"reference": serializers.CharField(allow_null=True)},
                STATUS_STATES,
            ),
            **WRITE_ERRORS,
        },
    )
    @idempotent
    def post(self, request):
        results = bank_payment_receive(
            records=_batch_items(request, "payments"), actor=request.user
        )
        return Response(_record_results(results, STATUS_STATES))


class ExchangeRateApi(FeedApi):
    @extend_schema(
        operation_id="exchange_rates_record",
        description="Daily rates in yuan for one unit of a currency, 1 to 1,000; a rate sent "
        "again for the same currency and day replaces the earlier one.",
        request={"application/json": _batch_schema("rates", EXCHANGE_RATE_RULES, "rate")},
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            200: _record_batch_result(
                "ExchangeRateBatchResult",
                {
                    "currency": serializers.CharField(allow_null=True),
                    "day": serializers.DateField(allow_null=True),
                },
                RATE_STATES,
            ),
            **WRITE_ERRORS,
        },
    )
    @idempotent
    def post(self, request):
        results = exchange_rate_record(rates=_batch_items(request, "rates"), actor=request.user)
        return Response(_record_results(results, RATE_STATES))


# --- Inspection outcomes -----------------------------------------------------------------------


class InspectionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    declaration_number = serializers.CharField(source="declaration.number")
    kind = serializers.CharField()
    result = serializers.CharField()
    inspected_at = serializers.DateTimeField()
    note = serializers.CharField()
    recorded_by = serializers.CharField()
    created_at = serializers.DateTimeField()


class InspectionCreateApi(FeedApi):
    permission_classes = [
        customs_role_permission(CustomsRole.RISK_OFFICER, allow_customs_system=True)
    ]

    @extend_schema(
        operation_id="inspections_record",
        request={"application/json": openapi_schema(INSPECTION_RULES)},
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: InspectionOutput, **WRITE_ERRORS},
    )
    @idempotent
    def post(self, request):
        body, errors = inspection_validate(request.data)
        if errors:
            raise DocumentInvalid(errors)
        declaration = (
            declaration_list(visible_to=request.user)
            .filter(number=body["declaration_number"])
            .first()
        )
        if declaration is None:
            raise DocumentInvalid(
                [
                    {
                        "path": "/declaration_number",
                        "code": "unknown_declaration",
                        "message": _("No declaration %(number)s has been received.")
                        % {"number": body["declaration_number"]},
                    }
                ]
            )
        outcome = inspection_record(
            declaration=declaration,
            kind=body["kind"],
            result=body["result"],
            inspected_at=datetime.fromisoformat(body["inspected_at"]),
            note=body.get("note", ""),
            actor=request.user,
        )
        return Response(InspectionOutput(outcome).data, status=status.HTTP_201_CREATED)
