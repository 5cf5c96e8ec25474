"""The Excel channel's API: the template of the caller's agreement, uploads of its consignments and
supply-chain partners, and the annotated copy of a refused upload. The web page calls the same
endpoints for its downloads."""

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import (
    APIException,
    NotFound,
    ParseError,
    PermissionDenied,
    ValidationError,
)
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from connectors.excel_template import XLSX_MEDIA_TYPE
from hub.core.errors import ErrorSerializer, error_body, error_responses
from hub.enterprises.selectors import enterprise_get
from hub.submissions.apis import IDEMPOTENCY_PARAMETER, ApiKeyRateThrottle
from hub.submissions.idempotency import idempotent
from hub.submissions.models import Channel, Upload
from hub.submissions.permissions import MaySubmitData
from hub.submissions.selectors import submission_enterprise_list, upload_get
from hub.submissions.services import IngestRefused, agreement_for_submission
from hub.submissions.uploads import (
    template_workbook,
    upload_annotated_workbook,
    upload_receive,
    upload_status,
)

LARGEST_ID = 2**63 - 1
LANGUAGES = ("en", "zh-hans")


class XlsxRenderer(BaseRenderer):
    """Lets a client ask for a workbook by its media type. Workbooks are sent as they are;
    errors are answered in JSON whatever the client asked for."""

    media_type = XLSX_MEDIA_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class NotMultipart(APIException):
    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    default_code = "unsupported_media_type"
    default_detail = gettext_lazy(
        "Send the workbook as multipart/form-data, with the file in the field 'file'."
    )


class MalformedUpload(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "malformed_body"


def _json_errors(*status_codes: int) -> dict:
    """The error responses, in JSON even where the success answer is a workbook."""
    return {
        (code, "application/json"): response
        for code, response in error_responses(*status_codes).items()
    }


WORKBOOK_RESPONSE = OpenApiResponse(
    OpenApiTypes.BINARY, description="The workbook (.xlsx), as an attachment."
)
# Workbooks are not offered in other formats: DRF's `format` query parameter stays undocumented.
NO_FORMAT_PARAMETER = OpenApiParameter("format", exclude=True)
UPLOAD_REFUSALS = {
    403: OpenApiResponse(
        ErrorSerializer,
        description="The caller may not share data for this enterprise, or the enterprise has "
        "no agreement in force that covers Excel uploads (`code` says which).",
    ),
    413: OpenApiResponse(
        ErrorSerializer,
        description="The file is larger than UPLOAD_MAX_BYTES, has more rows than "
        "UPLOAD_MAX_ROWS, or unpacks to more data than a workbook of that many rows holds.",
    ),
    415: OpenApiResponse(
        ErrorSerializer,
        description="The body is not multipart/form-data, or the file is not an xlsx workbook "
        "(a CSV, PDF, .xls, .ods, .xlsb) or holds macros.",
    ),
}


class WorkbookApi(APIView):
    throttle_classes = [ApiKeyRateThrottle]
    renderer_classes = [JSONRenderer, XlsxRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response):
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = "application/json"
        return response


def _workbook_response(data: bytes, file_name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_MEDIA_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


def _language(requested: str | None) -> str:
    language = requested or get_language() or "en"
    return "zh-hans" if language.lower().startswith("zh") else "en"


def _enterprise_for(request, enterprise_id: int | None):
    """The enterprise the caller shares data for: an ERP key's own; for a person, the one named,
    or else the only one they may share data for."""
    may_submit = submission_enterprise_list(visible_to=request.user)
    if enterprise_id is not None:
        enterprise = enterprise_get(visible_to=request.user, pk=enterprise_id)
        if not may_submit.filter(pk=enterprise.pk).exists():
            raise PermissionDenied(MaySubmitData.message)
        return enterprise
    candidates = list(may_submit[:2])
    if len(candidates) > 1:
        raise ValidationError(
            {
                "enterprise": [
                    _("You share data for several enterprises: name one with 'enterprise'.")
                ]
            }
        )
    if not candidates:
        raise PermissionDenied(MaySubmitData.message)
    return candidates[0]


ENTERPRISE_FIELD_HELP = (
    "For a person who shares data for several enterprises: the enterprise's id. An ERP key "
    "always acts for its own enterprise."
)


class TemplateQuery(serializers.Serializer):
    language = serializers.ChoiceField(
        LANGUAGES,
        required=False,
        allow_blank=True,
        help_text="The template's language; without one, the request's (Accept-Language).",
    )
    enterprise = serializers.IntegerField(
        required=False, min_value=1, max_value=LARGEST_ID, help_text=ENTERPRISE_FIELD_HELP
    )


class TemplateApi(WorkbookApi):
    """The Excel template for the scope of the enterprise's agreement in force."""

    permission_classes = [MaySubmitData]

    @extend_schema(
        operation_id="template_get",
        parameters=[TemplateQuery, NO_FORMAT_PARAMETER],
        responses={
            (200, XLSX_MEDIA_TYPE): WORKBOOK_RESPONSE,
            **_json_errors(400, 401, 403, 404, 429),
        },
    )
    def get(self, request):
        query = TemplateQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        enterprise = _enterprise_for(request, query.validated_data.get("enterprise"))
        try:
            agreement = agreement_for_submission(enterprise_id=enterprise.pk, channel=Channel.EXCEL)
        except IngestRefused as refused:
            raise PermissionDenied(refused.message, code=refused.code) from None
        language = _language(query.validated_data.get("language"))
        return _workbook_response(
            template_workbook(agreement=agreement, language=language),
            f"consignments-template-v{agreement.version}-{language}.xlsx",
        )


class UploadInput(serializers.Serializer):
    file = serializers.FileField(help_text="The filled-in template (.xlsx).")
    authenticity_confirmed = serializers.BooleanField(
        help_text="Must be true: the uploader confirms that the data in the file is authentic "
        "and accurate and comes from the enterprise's records, for which its data-sharing "
        "agreement makes the enterprise responsible. Nothing is stored without it."
    )
    enterprise = serializers.IntegerField(
        required=False, min_value=1, max_value=LARGEST_ID, help_text=ENTERPRISE_FIELD_HELP
    )

    def validate_authenticity_confirmed(self, value):
        if not value:
            raise serializers.ValidationError(
                _(
                    "Confirm that the data is authentic and accurate (true): the enterprise is "
                    "responsible for the data it shares, and nothing is stored without it."
                )
            )
        return value


class SpreadsheetErrorSerializer(serializers.Serializer):
    sheet = serializers.CharField(required=False, help_text="The sheet of a cell error.")
    row = serializers.IntegerField(required=False, help_text="The row, from 1 as Excel counts.")
    column = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="The column letter; empty for a required column that is missing.",
    )
    header = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="The column's header, in the request's language.",
    )
    field = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="The catalogue key of the column; on the partners sheet, the field of "
        "POST /api/v1/partners it fills (`legal_name`, `identifiers.vat`...).",
    )
    path = serializers.CharField(
        required=False, help_text="For an invalid form field: its name, as a JSON pointer."
    )
    code = serializers.CharField()
    message = serializers.CharField(help_text="What is wrong and what to do.")


class UploadSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    file_name = serializers.CharField()
    sha256 = serializers.CharField()
    result = serializers.ChoiceField(Upload.Result.values)
    rows = serializers.IntegerField(help_text="Rows of goods lines read.")
    uploaded_at = serializers.DateTimeField()
    uploaded_by = serializers.CharField()
    error_count = serializers.IntegerField(help_text="Every error; `errors` lists the first 1,000.")
    annotated_workbook = serializers.CharField(
        allow_null=True,
        help_text="Where to download the file with its bad cells highlighted and commented.",
    )


UPLOAD_REFUSED = inline_serializer(
    "UploadRefused",
    {
        "code": serializers.CharField(),
        "message": serializers.CharField(),
        "errors": SpreadsheetErrorSerializer(many=True),
        "upload": UploadSummarySerializer(required=False),
    },
)

UPLOAD_RESULT = inline_serializer(
    "UploadResult",
    {
        "upload": UploadSummarySerializer(),
        "message": serializers.CharField(),
        "duplicate_of": serializers.IntegerField(
            allow_null=True, help_text="For a file uploaded before: that upload's id."
        ),
        "consignments": inline_serializer(
            "UploadedConsignment",
            {
                "reference": serializers.CharField(),
                "status": serializers.ChoiceField(["new", "amended", "unchanged"]),
                "revision": serializers.IntegerField(),
                "lines": serializers.IntegerField(),
            },
            many=True,
        ),
        "partners": inline_serializer(
            "UploadedPartner",
            {
                "row": serializers.IntegerField(help_text="The row of the partners sheet."),
                "id": serializers.IntegerField(help_text="The registration, as in GET partners."),
                "legal_name": serializers.CharField(),
                "country": serializers.CharField(),
                "status": serializers.ChoiceField(
                    ["registered", "updated", "unchanged"],
                    help_text="A partner the enterprise had registered (same legal name and "
                    "country, or an identifier in common) is updated, not registered again.",
                ),
                "version": serializers.IntegerField(),
            },
            many=True,
        ),
    },
)


def _summary(request, upload: Upload) -> dict:
    annotated = (
        request.build_absolute_uri(reverse("api-upload-annotated", args=[upload.pk]))
        if upload.workbook
        else None
    )
    return {
        "id": upload.pk,
        "file_name": upload.file_name,
        "sha256": upload.sha256,
        "result": upload.result,
        "rows": upload.rows,
        "uploaded_at": upload.created_at,
        "uploaded_by": upload.uploaded_by_label,
        "error_count": upload.error_count,
        "annotated_workbook": annotated,
    }


class UploadCreateApi(APIView):
    """Share the consignments and supply-chain partners of a filled-in template: every cell is
    checked, and only a file without errors is stored, all of it; its partners are registered,
    or update the registrations of the same partners. The same file (by sha256) is stored
    once."""

    parser_classes = [MultiPartParser]
    permission_classes = [MaySubmitData]
    throttle_classes = [ApiKeyRateThrottle]

    @extend_schema(
        operation_id="uploads_create",
        request={"multipart/form-data": UploadInput},
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: OpenApiResponse(
                UPLOAD_RESULT, description="Every consignment and every partner was stored."
            ),
            200: OpenApiResponse(
                UPLOAD_RESULT, description="This file was stored before; nothing was stored again."
            ),
            400: OpenApiResponse(
                UPLOAD_REFUSED,
                description="The form or the file is invalid: `errors` lists each cell with its "
                "sheet, row and column, and `upload.annotated_workbook` is the file with them "
                "marked. Nothing was stored.",
            ),
            **error_responses(401, 404, 422, 429),
            **UPLOAD_REFUSALS,
        },
    )
    @idempotent
    def post(self, request):
        if not request.content_type.startswith("multipart/form-data"):
            raise NotMultipart()
        try:
            form = UploadInput(data=request.data)
        except ParseError as error:
            raise MalformedUpload(
                _("The multipart body could not be read (%(detail)s).") % {"detail": error.detail}
            ) from None
        form.is_valid(raise_exception=True)
        enterprise = _enterprise_for(request, form.validated_data.get("enterprise"))
        file = form.validated_data["file"]
        upload = upload_receive(
            enterprise=enterprise, file_name=file.name, data=file.read(), actor=request.user
        )
        status_code = upload_status(upload)
        if upload.result == Upload.Result.REFUSED:
            body = error_body(upload.code, upload.message, upload.errors)
            return Response({**body, "upload": _summary(request, upload)}, status=status_code)
        return Response(
            {
                "upload": _summary(request, upload),
                "message": upload.message,
                "duplicate_of": upload.duplicate_of_id,
                "consignments": upload.consignments,
                "partners": upload.partners,
            },
            status=status_code,
        )


class UploadAnnotatedApi(WorkbookApi):
    """A refused upload with each bad cell highlighted in red and commented, and a sheet listing
    every error. Only the enterprise's ERP key and the members who may share its data get it."""

    permission_classes = [MaySubmitData]

    @extend_schema(
        operation_id="uploads_annotated_get",
        parameters=[NO_FORMAT_PARAMETER],
        responses={(200, XLSX_MEDIA_TYPE): WORKBOOK_RESPONSE, **_json_errors(401, 403, 404, 429)},
    )
    def get(self, request, pk):
        upload = upload_get(visible_to=request.user, pk=pk)
        if (
            not submission_enterprise_list(visible_to=request.user)
            .filter(pk=upload.enterprise_id)
            .exists()
        ):
            raise PermissionDenied(MaySubmitData.message)
        if not upload.workbook:
            raise NotFound(
                _(
                    "This upload has no annotated copy: only a file refused for errors in its "
                    "cells has one."
                )
            )
        stem = upload.file_name.rsplit(".", 1)[0]
        return _workbook_response(
            upload_annotated_workbook(upload, viewer=request.user),
            f"{_ascii(stem)}-annotated.xlsx",
        )


def _ascii(text: str) -> str:
    """A file name any browser takes in a Content-Disposition header."""
    kept = "".join(
        char if char.isascii() and (char.isalnum() or char in "-_.") else "_" for char in text
    )
    return kept.strip("._") or "upload"
