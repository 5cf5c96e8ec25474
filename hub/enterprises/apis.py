from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.core.errors import error_responses
from hub.core.roles import CustomsRole
from hub.enterprises import services
from hub.enterprises.forms import identifiers_clean
from hub.enterprises.identifiers import Scheme
from hub.enterprises.models import AeoStatus, CreditRating, Enterprise, RatingChange, TradeRole
from hub.enterprises.permissions import customs_role_permission, is_customs_system
from hub.enterprises.selectors import enterprise_get, enterprise_list


class EnterpriseOutput(serializers.ModelSerializer):
    identifiers = serializers.SerializerMethodField()

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "legal_name",
            "country",
            "address",
            "trade_roles",
            "identifiers",
            "contact_name",
            "contact_email",
            "contact_phone",
            "status",
            "decision_reason",
            "decided_at",
            "credit_rating",
            "aeo_status",
            "created_at",
        ]

    def get_identifiers(self, enterprise) -> dict[str, str]:
        return {identifier.scheme: identifier.value for identifier in enterprise.identifiers.all()}


class IdentifiersInput(serializers.Serializer):
    uscc = serializers.CharField(required=False, allow_blank=True, max_length=30)
    vat = serializers.CharField(required=False, allow_blank=True, max_length=30)
    eori = serializers.CharField(required=False, allow_blank=True, max_length=30)
    lei = serializers.CharField(required=False, allow_blank=True, max_length=30)
    customs_code = serializers.CharField(required=False, allow_blank=True, max_length=20)


class EnterpriseInput(serializers.Serializer):
    legal_name = serializers.CharField(max_length=300)
    country = serializers.RegexField(r"^[A-Z]{2}$", help_text="ISO 3166-1 alpha-2, e.g. CN")
    address = serializers.CharField(required=False, allow_blank=True, default="")
    trade_roles = serializers.ListField(
        child=serializers.ChoiceField(TradeRole.choices), allow_empty=False
    )
    identifiers = IdentifiersInput()
    contact_name = serializers.CharField(max_length=150, required=False, default="")
    contact_email = serializers.EmailField(required=False, default="")
    contact_phone = serializers.CharField(max_length=40, required=False, default="")

    def validate(self, attrs):
        normalized, errors = identifiers_clean(
            {scheme: attrs["identifiers"].get(scheme, "") for scheme in Scheme.values}
        )
        if errors:
            raise ValidationError(
                {
                    "identifiers": {
                        (scheme if scheme != "__all__" else "non_field_errors"): [message]
                        for scheme, message in errors.items()
                    }
                }
            )
        attrs["identifiers"] = normalized
        return attrs


class DecisionInput(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if not attrs["approve"] and not attrs["reason"]:
            raise ValidationError({"reason": ["Say why the registration is rejected."]})
        return attrs


class RatingInput(serializers.Serializer):
    credit_rating = serializers.ChoiceField(CreditRating.choices)
    aeo_status = serializers.ChoiceField(AeoStatus.choices)
    reason = serializers.CharField(allow_blank=True, default="")


CustomsReadOrSystem = customs_role_permission(*CustomsRole, allow_customs_system=True)
OnboardingOrSystem = customs_role_permission(
    CustomsRole.ONBOARDING_OFFICER, allow_customs_system=True
)
Onboarding = customs_role_permission(CustomsRole.ONBOARDING_OFFICER)


class EnterpriseListApi(APIView):
    """Enterprises the caller may see; customs registers enterprises here too."""

    def get_permissions(self):
        return (
            [OnboardingOrSystem()] if self.request.method == "POST" else super().get_permissions()
        )

    @extend_schema(
        operation_id="enterprises_list",
        responses={200: EnterpriseOutput(many=True), **error_responses(401)},
    )
    def get(self, request):
        enterprises = enterprise_list(visible_to=request.user).prefetch_related("identifiers")
        return Response(EnterpriseOutput(enterprises, many=True).data)

    @extend_schema(
        operation_id="enterprises_register",
        request=EnterpriseInput,
        responses={201: EnterpriseOutput, **error_responses(400, 401, 403, 413, 415)},
    )
    def post(self, request):
        serializer = EnterpriseInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            enterprise = services.enterprise_register(
                actor=request.user, **serializer.validated_data
            )
        return Response(EnterpriseOutput(enterprise).data, status=status.HTTP_201_CREATED)


class EnterpriseDetailApi(APIView):
    @extend_schema(
        operation_id="enterprises_get",
        responses={200: EnterpriseOutput, **error_responses(401, 404)},
    )
    def get(self, request, pk):
        return Response(EnterpriseOutput(enterprise_get(visible_to=request.user, pk=pk)).data)


class EnterpriseDecisionApi(APIView):
    permission_classes = [Onboarding]

    @extend_schema(
        operation_id="enterprises_decide",
        request=DecisionInput,
        responses={200: EnterpriseOutput, **error_responses(400, 401, 403, 404, 413, 415)},
    )
    def post(self, request, pk):
        enterprise = enterprise_get(visible_to=request.user, pk=pk)
        serializer = DecisionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        if enterprise.status != Enterprise.Status.PENDING:
            raise ValidationError(
                {"approve": [f"The registration was already decided ({enterprise.status})."]}
            )
        enterprise = services.enterprise_decide(
            enterprise=enterprise, actor=request.user, **serializer.validated_data
        )
        return Response(EnterpriseOutput(enterprise).data)


class EnterpriseRatingApi(APIView):
    """Credit rating and AEO status, set by customs officers or by the customs system."""

    permission_classes = [OnboardingOrSystem]

    @extend_schema(
        operation_id="enterprises_rating_set",
        request=RatingInput,
        responses={200: EnterpriseOutput, **error_responses(400, 401, 403, 404, 413, 415)},
    )
    def post(self, request, pk):
        enterprise = enterprise_get(visible_to=request.user, pk=pk)
        serializer = RatingInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        source = (
            RatingChange.Source.CUSTOMS_SYSTEM
            if is_customs_system(request.user)
            else RatingChange.Source.OFFICER
        )
        services.enterprise_rating_set(
            enterprise=enterprise, source=source, actor=request.user, **serializer.validated_data
        )
        enterprise.refresh_from_db()
        return Response(EnterpriseOutput(enterprise).data)
