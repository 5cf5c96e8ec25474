from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.core.errors import error_responses
from hub.crosschecks.models import CrossCheck, Finding, MatchMethod
from hub.crosschecks.selectors import crosscheck_get, finding_list, match_list
from hub.declarations.apis import NUMBER_PARAMETER
from hub.declarations.selectors import declaration_get
from hub.declarations.validation import NUMBER_PATTERN
from hub.enterprises.selectors import sees_every_enterprise
from hub.submissions.apis import ApiKeyRateThrottle

PENDING = "pending"


class SeesCrosschecks(BasePermission):
    message = gettext_lazy(
        "Cross-checks are for customs staff and the customs declaration system's key."
    )

    def has_permission(self, request, view):
        return sees_every_enterprise(request.user)


class MatchOutput(serializers.Serializer):
    consignment = serializers.CharField(
        source="consignment.reference", help_text="The consignment's reference."
    )
    enterprise = serializers.IntegerField(source="consignment.enterprise_id")
    revision = serializers.IntegerField(
        source="revision.number", help_text="The revision of the consignment compared."
    )
    method = serializers.ChoiceField(MatchMethod.choices)
    confidence = serializers.DecimalField(max_digits=4, decimal_places=3)
    matched_at = serializers.DateTimeField()


class FindingOutput(serializers.Serializer):
    item_number = serializers.IntegerField(
        allow_null=True, help_text="The declaration's item; null for the declaration as a whole."
    )
    type = serializers.ChoiceField(Finding.Type.choices)
    severity = serializers.ChoiceField(Finding.Severity.choices)
    declared = serializers.CharField()
    shared = serializers.CharField()
    tolerance = serializers.CharField()
    explanation = serializers.CharField()


class CrosscheckOutput(serializers.Serializer):
    declaration = serializers.CharField(help_text="The declaration number.")
    revision = serializers.IntegerField(help_text="The declaration's current revision.")
    outcome = serializers.ChoiceField(
        [*CrossCheck.Outcome.values, PENDING],
        help_text="no_shared_data, consistent or findings; pending until the first run.",
    )
    checked_revision = serializers.IntegerField(
        allow_null=True, help_text="The revision the latest run compared."
    )
    checked_at = serializers.DateTimeField(allow_null=True)
    notes = serializers.ListField(
        child=serializers.CharField(), help_text="What could not be compared, and why."
    )
    matches = MatchOutput(many=True)
    findings = FindingOutput(many=True)


class DeclarationCrosscheckApi(APIView):
    """How a declaration was matched to shared consignments and what comparing them found."""

    permission_classes = [SeesCrosschecks]
    throttle_classes = [ApiKeyRateThrottle]

    @extend_schema(
        operation_id="declarations_crosscheck_get",
        parameters=[NUMBER_PARAMETER],
        responses={200: CrosscheckOutput, **error_responses(401, 403, 404, 429)},
    )
    def get(self, request, number):
        if not NUMBER_PATTERN.fullmatch(number):
            raise NotFound(
                _(
                    "No declaration has this number: a number is up to 30 upper-case letters, "
                    "digits or '-'."
                )
            )
        declaration = declaration_get(number=number, visible_to=request.user)
        crosscheck = crosscheck_get(visible_to=request.user, declaration=declaration)
        return Response(
            CrosscheckOutput(
                {
                    "declaration": declaration.number,
                    "revision": declaration.revision,
                    "outcome": crosscheck.outcome if crosscheck else PENDING,
                    "checked_revision": crosscheck.declaration_revision if crosscheck else None,
                    "checked_at": crosscheck.checked_at if crosscheck else None,
                    "notes": crosscheck.notes if crosscheck else [],
                    "matches": match_list(visible_to=request.user, declaration=declaration),
                    "findings": finding_list(visible_to=request.user, declaration=declaration),
                }
            ).data
        )
