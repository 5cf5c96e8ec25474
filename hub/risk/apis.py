from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.views import APIView

from hub.core.errors import error_responses
from hub.risk.models import LANE_ORDER
from hub.risk.permissions import reads_profiles_api
from hub.risk.scoring import factor_label, factor_sentence
from hub.risk.selectors import ALL, DECIDED, OPEN, profile_list
from hub.submissions.apis import ApiKeyRateThrottle

LANES = [lane.value for lane in LANE_ORDER]


class ReadsProfiles(BasePermission):
    message = _("Risk profiles are for customs staff and the customs declaration system.")

    def has_permission(self, request, view):
        return reads_profiles_api(request.user)


class EvidenceOutput(serializers.Serializer):
    text = serializers.CharField(help_text="The evidence in a sentence, in the request's language.")
    ids = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField()),
        help_text="The records it rests on, by kind: findings, declarations, inspections, "
        "revisions, parties, partners, entities, agreements, enterprises, rating_changes, rules.",
    )


class FactorOutput(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.DictField(help_text="What the factor measured; docs/risk.md lists them.")
    contribution = serializers.FloatField(
        help_text="Points added to the score (negative: less risk)."
    )
    evidence = EvidenceOutput()


class FiredRuleOutput(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    rationale = serializers.CharField()
    weight = serializers.FloatField(allow_null=True)
    floor = serializers.ChoiceField(LANES, allow_blank=True)


class ProfileOutput(serializers.Serializer):
    id = serializers.IntegerField()
    declaration = serializers.CharField(source="declaration.number")
    enterprise = serializers.IntegerField(source="enterprise_id", allow_null=True)
    customs_office = serializers.CharField()
    declared_at = serializers.DateTimeField()
    lane = serializers.ChoiceField(LANES, help_text="The engine's lane.")
    decided_lane = serializers.ChoiceField(
        LANES, allow_blank=True, help_text="An officer's decision, when there is one."
    )
    score = serializers.DecimalField(max_digits=7, decimal_places=2)
    random_check = serializers.BooleanField(
        help_text="Drawn for a random physical inspection, whatever the lane."
    )
    rule_set_version = serializers.IntegerField(source="rule_set.version")
    current = serializers.BooleanField(source="is_current")
    created_at = serializers.DateTimeField()
    consignments = serializers.ListField(child=serializers.IntegerField(), source="consignment_ids")
    factors = serializers.SerializerMethodField()
    rules = FiredRuleOutput(many=True, source="fired_rules")

    @extend_schema_field(FactorOutput(many=True))
    def get_factors(self, profile) -> list:
        return [
            {
                **factor,
                "label": factor_label(factor["key"]),
                "evidence": {"text": factor_sentence(factor), "ids": factor["evidence"]["ids"]},
            }
            for factor in profile.factors
        ]


class ProfileQuery(serializers.Serializer):
    page = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=500, help_text="Profiles a page (100)."
    )
    lane = serializers.ChoiceField(
        LANES, required=False, help_text="The decided lane where there is one, else the engine's."
    )
    office = serializers.CharField(required=False, max_length=10)
    enterprise = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="The consignee's id."
    )
    declaration = serializers.CharField(
        required=False, max_length=30, help_text="A declaration number: its profiles."
    )
    status = serializers.ChoiceField(
        [OPEN, DECIDED, ALL], required=False, help_text="Decision status (default all)."
    )
    history = serializers.BooleanField(
        required=False,
        help_text="Include the earlier profiles each refresh replaced (default: current only).",
    )


class ProfilePagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


class ProfileListApi(APIView):
    """Risk profiles, the oldest declaration first: lane, score, each factor with its value,
    contribution and evidence, and the rules that fired with their rationale."""

    permission_classes = [IsAuthenticated, ReadsProfiles]
    throttle_classes = [ApiKeyRateThrottle]

    @extend_schema(
        operation_id="profiles_list",
        parameters=[ProfileQuery],
        responses={
            200: inline_serializer(
                "ProfilePage",
                {
                    "count": serializers.IntegerField(),
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": ProfileOutput(many=True),
                },
            ),
            **error_responses(400, 401, 403, 404, 429),
        },
    )
    def get(self, request):
        query = ProfileQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        data = query.validated_data
        profiles = profile_list(
            visible_to=request.user,
            lane=data.get("lane", ""),
            office=data.get("office", ""),
            enterprise_id=data.get("enterprise"),
            status=data.get("status", ALL),
            declaration_number=data.get("declaration", ""),
            current_only=not data.get("history", False),
        )
        paginator = ProfilePagination()
        page = paginator.paginate_queryset(profiles, request, view=self)
        return paginator.get_paginated_response(ProfileOutput(page, many=True).data)
