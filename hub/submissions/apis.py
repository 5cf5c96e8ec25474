import json
import math
import re
import time

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from hub.agreements.selectors import agreement_in_force
from hub.catalogue.fields import field as catalogue_field
from hub.catalogue.schemas import consignment_schema
from hub.core.errors import DocumentInvalid, ErrorItemSerializer, error_responses
from hub.core.ratelimit import window_hit
from hub.enterprises.authentication import principal_id
from hub.submissions.idempotency import HEADER as IDEMPOTENCY_HEADER
from hub.submissions.idempotency import MAX_KEY_LENGTH, idempotent
from hub.submissions.models import Channel, Consignment
from hub.submissions.parsers import DecimalJSONParser
from hub.submissions.permissions import IsErpKey, MaySeeConsignments
from hub.submissions.selectors import consignment_get, revision_list
from hub.submissions.services import MAX_BATCH, IngestRefused, consignment_ingest
from hub.tracking.serializers import ConsignmentTrackingOutput, consignment_tracking_document


class ApiKeyRateThrottle(BaseThrottle):
    """A request budget per API key (per person for sessions) in fixed windows, shared by all
    web processes through the cache. One counter increment a request: DRF's default throttle
    keeps every request's timestamp, which grows with the budget."""

    def allow_request(self, request, view):
        count_text, period_text = settings.API_RATE_LIMIT.split("/")
        self.limit = int(count_text)
        self.period = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period_text[0]]
        now = time.time()
        window = int(now // self.period)
        self.retry_after = (window + 1) * self.period - now
        key = f"throttle:{principal_id(request.user)}:{window}"
        return window_hit(key, seconds=self.period + 1) <= self.limit

    def wait(self):
        return math.ceil(self.retry_after)


IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    {"type": "string", "maxLength": MAX_KEY_LENGTH},
    OpenApiParameter.HEADER,
    required=False,
    description="Any unique string per request (at most 200 characters). A repeat with the same "
    "key and body returns the first response; the same key with another body is 422.",
)

REFERENCE_FIELD = catalogue_field("reference")

REFERENCE_PARAMETER = OpenApiParameter(
    "reference",
    {
        "type": "string",
        "pattern": REFERENCE_FIELD.pattern,
        "maxLength": REFERENCE_FIELD.max_length,
    },
    OpenApiParameter.PATH,
    description=REFERENCE_FIELD.help_en,
)

CONSIGNMENT_DOCUMENT = inline_serializer(
    "ConsignmentDocument",
    {
        "reference": serializers.CharField(),
    },
    help_text="The canonical consignment; GET scope gives its JSON Schema for your agreement.",
)


class RevisionOutput(serializers.Serializer):
    number = serializers.IntegerField()
    received_at = serializers.DateTimeField()
    channel = serializers.CharField()
    source_format = serializers.CharField()
    agreement_version = serializers.IntegerField()
    hours_before_arrival = serializers.DecimalField(max_digits=10, decimal_places=2)
    payload_sha256 = serializers.CharField()


INGEST_RESULT = inline_serializer(
    "IngestResult",
    {
        "reference": serializers.CharField(),
        "status": serializers.ChoiceField(["accepted", "unchanged"]),
        "revision": serializers.IntegerField(),
        "received_at": serializers.DateTimeField(),
        "hours_before_arrival": serializers.DecimalField(max_digits=10, decimal_places=2),
        "payload_sha256": serializers.CharField(),
    },
)

BATCH_RESULT = inline_serializer(
    "BatchResult",
    {
        "accepted": serializers.IntegerField(),
        "unchanged": serializers.IntegerField(),
        "refused": serializers.IntegerField(),
        "results": inline_serializer(
            "BatchItem",
            {
                "index": serializers.IntegerField(),
                "reference": serializers.CharField(allow_null=True),
                "status": serializers.ChoiceField(["accepted", "unchanged", "refused"]),
                "revision": serializers.IntegerField(required=False),
                "errors": ErrorItemSerializer(many=True, required=False),
            },
            many=True,
        ),
    },
)


def _revision_summary(revision) -> dict:
    return {
        "number": revision.number,
        "received_at": revision.received_at,
        "channel": revision.channel,
        "source_format": revision.source_format,
        "agreement_version": revision.agreement.version,
        "hours_before_arrival": str(revision.hours_before_arrival),
        "payload_sha256": revision.payload_sha256,
    }


def _reference_checked(reference: str) -> str:
    """A reference from the URL that no consignment can have is refused before it reaches a
    query: PostgreSQL refuses some characters, such as NUL, outright."""
    if len(reference) > REFERENCE_FIELD.max_length or not re.fullmatch(
        REFERENCE_FIELD.pattern, reference
    ):
        raise NotFound(
            _(
                "No consignment has this reference: a reference is up to 64 letters, digits, "
                "'.', '_' or '-', starting with a letter or digit."
            )
        )
    return reference


def _ingest_one(request, document):
    try:
        [result] = consignment_ingest(
            enterprise_id=request.user.enterprise_id,
            documents=[document],
            channel=Channel.API,
            actor=request.user,
        )
    except IngestRefused as refused:
        raise PermissionDenied(refused.message, code=refused.code) from None
    if result.status == "refused":
        raise DocumentInvalid(result.errors)
    revision = result.revision
    return Response(
        {
            "reference": result.reference,
            "status": result.status,
            "revision": revision.number,
            "received_at": revision.received_at,
            "hours_before_arrival": str(revision.hours_before_arrival),
            "payload_sha256": revision.payload_sha256,
        },
        status=status.HTTP_201_CREATED if result.status == "accepted" else status.HTTP_200_OK,
    )


class SubmissionApi(APIView):
    parser_classes = [DecimalJSONParser]
    permission_classes = [IsErpKey]
    throttle_classes = [ApiKeyRateThrottle]


class ScopeApi(APIView):
    """The agreement in force for the caller's enterprise: what it may share and the JSON Schema
    every consignment is validated against."""

    permission_classes = [IsErpKey]
    throttle_classes = [ApiKeyRateThrottle]

    @extend_schema(
        operation_id="scope_get",
        responses={
            200: inline_serializer(
                "Scope",
                {
                    "agreement_id": serializers.IntegerField(),
                    "agreement_version": serializers.IntegerField(),
                    "status": serializers.CharField(),
                    "text_version": serializers.CharField(),
                    "scope": serializers.ListField(child=serializers.CharField()),
                    "channels": serializers.ListField(child=serializers.CharField()),
                    "schema": serializers.DictField(),
                },
            ),
            **error_responses(401, 403, 404, 429),
        },
    )
    def get(self, request):
        agreement = agreement_in_force(enterprise_id=request.user.enterprise_id)
        if agreement is None:
            raise NotFound(_("Your enterprise has no data-sharing agreement in force."))
        return Response(
            {
                "agreement_id": agreement.pk,
                "agreement_version": agreement.version,
                "status": agreement.status,
                "text_version": agreement.text.version,
                "scope": agreement.scope,
                "channels": agreement.channels,
                "schema": consignment_schema(agreement.scope),
            }
        )


class ConsignmentCreateApi(SubmissionApi):
    @extend_schema(
        operation_id="consignments_create",
        request=CONSIGNMENT_DOCUMENT,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: INGEST_RESULT,
            200: INGEST_RESULT,
            **error_responses(400, 401, 403, 413, 415, 422, 429),
        },
    )
    @idempotent
    def post(self, request):
        return _ingest_one(request, request.data)


class ConsignmentBatchApi(SubmissionApi):
    @extend_schema(
        operation_id="consignments_batch",
        request=inline_serializer(
            "Batch",
            {
                "consignments": serializers.ListField(
                    # Any value: each is validated on its own and refused in `results` if invalid.
                    child=serializers.JSONField(),
                    min_length=1,
                    max_length=MAX_BATCH,
                    help_text="Consignments, each validated on its own: a refused one does not "
                    "stop the others.",
                )
            },
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={200: BATCH_RESULT, **error_responses(400, 401, 403, 413, 415, 422, 429)},
    )
    @idempotent
    def post(self, request):
        documents = request.data.get("consignments") if isinstance(request.data, dict) else None
        if not isinstance(documents, list) or not documents:
            raise ValidationError(
                {"consignments": [_('Send {"consignments": [...]} with 1 to 1,000 consignments.')]}
            )
        if len(documents) > MAX_BATCH:
            raise ValidationError(
                {
                    "consignments": [
                        _(
                            "A batch takes at most 1,000 consignments; this one has "
                            "%(count)d. Split it."
                        )
                        % {"count": len(documents)}
                    ]
                }
            )
        try:
            results = consignment_ingest(
                enterprise_id=request.user.enterprise_id,
                documents=documents,
                channel=Channel.API,
                actor=request.user,
            )
        except IngestRefused as refused:
            raise PermissionDenied(refused.message, code=refused.code) from None
        items = []
        for result in results:
            item = {"index": result.index, "reference": result.reference, "status": result.status}
            if result.revision is not None:
                item["revision"] = result.revision.number
            if result.errors:
                item["errors"] = result.errors
            items.append(item)
        counts = {
            state: sum(1 for r in results if r.status == state)
            for state in ("accepted", "unchanged", "refused")
        }
        return Response({**counts, "results": items})


class ConsignmentQuery(serializers.Serializer):
    revision = serializers.IntegerField(
        required=False, min_value=1, help_text="A revision number (default: the latest)."
    )
    enterprise = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,  # the largest id the database holds
        help_text="For customs: the enterprise's id, when several enterprises use the reference.",
    )


class ConsignmentDetailApi(SubmissionApi):
    def get_permissions(self):
        if self.request.method == "GET":
            return [MaySeeConsignments()]
        return super().get_permissions()

    @extend_schema(
        operation_id="consignments_get",
        parameters=[REFERENCE_PARAMETER, ConsignmentQuery],
        responses={
            200: inline_serializer(
                "Consignment",
                {
                    "reference": serializers.CharField(),
                    "enterprise_id": serializers.IntegerField(),
                    "revision": serializers.IntegerField(),
                    "revisions": RevisionOutput(many=True),
                    "document": serializers.DictField(),
                    # Status, clearance, alerts and the timeline of events.
                    **ConsignmentTrackingOutput().get_fields(),
                },
            ),
            **error_responses(400, 401, 403, 404, 429),
        },
    )
    def get(self, request, reference):
        query = ConsignmentQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        consignment = consignment_get(
            visible_to=request.user,
            reference=_reference_checked(reference),
            enterprise_id=query.validated_data.get("enterprise"),
        )
        revisions = list(revision_list(consignment=consignment))
        wanted = query.validated_data.get("revision")
        shown = revisions[-1]
        if wanted is not None:
            matching = [r for r in revisions if r.number == wanted]
            if not matching:
                raise NotFound(
                    _("This consignment has revisions 1 to %(last)d.") % {"last": len(revisions)}
                )
            shown = matching[0]
        return Response(
            {
                "reference": consignment.reference,
                "enterprise_id": consignment.enterprise_id,
                "revision": shown.number,
                "revisions": [_revision_summary(revision) for revision in revisions],
                "document": json.loads(shown.document),
                **consignment_tracking_document(visible_to=request.user, consignment=consignment),
            }
        )

    @extend_schema(
        operation_id="consignments_amend",
        request=CONSIGNMENT_DOCUMENT,
        parameters=[REFERENCE_PARAMETER, IDEMPOTENCY_PARAMETER],
        responses={
            201: INGEST_RESULT,
            200: INGEST_RESULT,
            **error_responses(400, 401, 403, 404, 413, 415, 422, 429),
        },
    )
    @idempotent
    def put(self, request, reference):
        if not Consignment.objects.filter(
            enterprise_id=request.user.enterprise_id, reference=_reference_checked(reference)
        ).exists():
            raise NotFound(
                _("No consignment %(reference)s to amend: share it first with POST consignments.")
                % {"reference": reference}
            )
        document = request.data
        if isinstance(document, dict) and document.get("reference", reference) != reference:
            raise ValidationError(
                {
                    "reference": [
                        _(
                            "The body's reference differs from the one in the URL; a "
                            "reference cannot change."
                        )
                    ]
                }
            )
        if isinstance(document, dict):
            document = {**document, "reference": reference}
        return _ingest_one(request, document)
