"""`Idempotency-Key` for writes: a repeat of the same request gets the first response back, with
the same status; the same key with a different body is refused with 422."""

import hashlib
import json
from functools import wraps

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from hub.enterprises.authentication import principal_id
from hub.submissions.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


class IdempotencyKeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = _(
        "This Idempotency-Key was used before with a different request. Use a new key for a "
        "new request; repeat a request only with exactly the same body."
    )


def idempotent(view_method):
    @wraps(view_method)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if not key:
            return view_method(view, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH or not key.isprintable():
            raise ValidationError({HEADER: [_("Use a key of at most 200 printable characters.")]})
        digest = hashlib.sha256(
            request.method.encode() + b" " + request.path.encode() + b"\n" + request.body
        ).hexdigest()
        principal = principal_id(request.user)
        record = IdempotencyRecord.objects.filter(principal=principal, key=key).first()
        if record is None:
            response = view_method(view, request, *args, **kwargs)
            if response.status_code >= 500:
                return response
            try:
                with transaction.atomic():
                    IdempotencyRecord.objects.create(
                        principal=principal,
                        key=key,
                        request_sha256=digest,
                        status_code=response.status_code,
                        # Stored as rendered, so that a replay is byte for byte the same JSON.
                        response=json.loads(JSONRenderer().render(response.data)),
                    )
                return response
            except IntegrityError:  # the same key raced in; answer as the first did
                record = IdempotencyRecord.objects.get(principal=principal, key=key)
        if record.request_sha256 != digest:
            raise IdempotencyKeyReused()
        return Response(
            record.response, status=record.status_code, headers={"Idempotent-Replayed": "true"}
        )

    return wrapper
