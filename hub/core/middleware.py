from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _

from hub.core.errors import api_error_response, is_api_request


class ApiBodySizeLimitMiddleware:
    """Refuse an oversized body from its Content-Length, before a byte of it is read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.API_MAX_BODY_BYTES
        if length > limit:
            message = _(
                "The body is %(length)d bytes; the limit is %(limit)d. Split the data into "
                "smaller requests (a batch takes up to 1,000 consignments)."
            ) % {"length": length, "limit": limit}
            if is_api_request(request):
                return api_error_response(413, "payload_too_large", message)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
