"""One error shape for the whole API:

    {"code": "invalid", "message": "...", "errors": [{"path": "/lines/0/quantity", "code": "...",
     "message": "..."}]}

Paths are JSON pointers into the request body; spreadsheet errors use `row` and `column` instead.
"""

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.views import exception_handler as drf_exception_handler


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = "The request body is too large."


class DocumentInvalid(exceptions.APIException):
    """A document refused with errors that already carry their paths (catalogue validation)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, errors: list[dict]):
        super().__init__(detail="invalid", code="invalid")
        self.errors = errors


def error_body(code: str, message: str, errors: list | None = None) -> dict:
    return {"code": code, "message": str(message), "errors": errors or []}


def json_pointer(parts) -> str:
    """RFC 6901: '~' and '/' inside a key are escaped."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def flatten_validation_detail(detail, path=()) -> list[dict]:
    """Turn DRF's nested validation detail into a flat list of errors with JSON-pointer paths."""
    if isinstance(detail, dict):
        errors = []
        for key, value in detail.items():
            key_path = path if key in ("non_field_errors", "__all__") else (*path, key)
            errors.extend(flatten_validation_detail(value, key_path))
        return errors
    if isinstance(detail, list):
        errors = []
        for index, item in enumerate(detail):
            if isinstance(item, dict | list):
                errors.extend(flatten_validation_detail(item, (*path, index)))
            else:
                errors.extend(flatten_validation_detail(item, path))
        return errors
    return [
        {
            "path": json_pointer(path),
            "code": getattr(detail, "code", None) or "invalid",
            "message": str(detail),
        }
    ]


def api_exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, Http404):
        # Selectors raise Django's 404 so that pages and the API share them; answer in our shape.
        exc = exceptions.NotFound(
            str(exc)
            or _(
                "There is no such object, or these credentials may not see it. Check the id or "
                "reference in the URL."
            )
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected exception: a bug, left to Django's 500 handling
    if isinstance(exc, DocumentInvalid):
        response.data = error_body(
            "invalid",
            _("The request has %(count)d invalid value(s); each is listed in errors.")
            % {"count": len(exc.errors)},
            exc.errors,
        )
    elif isinstance(exc, exceptions.ValidationError):
        errors = flatten_validation_detail(exc.detail)
        response.data = error_body(
            "invalid",
            _("The request has %(count)d invalid value(s); each is listed in errors.")
            % {"count": len(errors)},
            errors,
        )
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        code = getattr(detail, "code", None) or exc.default_code
        message = detail if not isinstance(detail, dict | list) else exc.default_detail
        errors = flatten_validation_detail(detail) if isinstance(detail, dict | list) else []
        response.data = error_body(code, message, errors)
        if isinstance(exc, exceptions.UnsupportedMediaType):
            response.data["message"] += " " + _("Send the body as application/json.")
        elif isinstance(exc, exceptions.ParseError):
            response.data["code"] = "malformed_body"
            response.data["message"] = _(
                "The body could not be parsed (%(detail)s). Send valid JSON encoded as UTF-8."
            ) % {"detail": detail}
    return response


def is_api_request(request) -> bool:
    return request.path.startswith("/api/")


def api_error_response(status_code: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status_code)


class ErrorItemSerializer(serializers.Serializer):
    path = serializers.CharField(help_text="JSON pointer into the request body ('' for all of it)")
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    errors = ErrorItemSerializer(many=True)


ERROR_DESCRIPTIONS = {
    400: "The body is malformed or invalid; `errors` lists every problem with its path.",
    401: "No credentials, or an unknown, revoked or unusable API key.",
    403: "The caller may not do this (role, or no data-sharing agreement in force).",
    404: "No such object for this caller.",
    405: "The endpoint does not take this method.",
    409: "The request conflicts with the current state.",
    413: "The body is larger than the hub accepts.",
    415: "The body is not application/json.",
    422: "The Idempotency-Key was used before with a different body.",
    429: "Too many requests for this key; retry after the seconds in Retry-After.",
}


def error_responses(*status_codes: int) -> dict:
    """OpenAPI responses in the error shape, for `extend_schema(responses=...)`."""
    from drf_spectacular.utils import OpenApiResponse

    codes = status_codes or (400, 401, 403, 404, 405, 413, 415, 429)
    return {
        code: OpenApiResponse(response=ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
        for code in codes
    }
