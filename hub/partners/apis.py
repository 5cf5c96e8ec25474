from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from guardian.shortcuts import get_objects_for_user
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.core.errors import error_responses
from hub.enterprises.models import Enterprise
from hub.enterprises.permissions import SUBMIT
from hub.partners import services
from hub.partners.forms import (
    COUNTRY_CHOICES,
    MAX_ADDRESS_LENGTH,
    legal_name_problem,
    partner_identifiers_clean,
)
from hub.partners.identifiers import PartnerScheme
from hub.partners.models import Partner, PartnerRole
from hub.partners.permissions import may_register_partners
from hub.partners.selectors import (
    partner_get,
    partner_identifiers,
    partner_list,
    partner_registration_refusal,
    partner_version_list,
)
from hub.submissions.apis import IDEMPOTENCY_PARAMETER, ApiKeyRateThrottle
from hub.submissions.idempotency import idempotent


class PartnerIdentifiers(serializers.Serializer):
    vat = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=40,
        help_text="VAT or tax number, with or without its country prefix; checked with the "
        "rules of its country where python-stdnum has them.",
    )
    eori = serializers.CharField(required=False, allow_blank=True, max_length=40)
    lei = serializers.CharField(required=False, allow_blank=True, max_length=40)
    duns = serializers.CharField(required=False, allow_blank=True, max_length=40)
    gln = serializers.CharField(required=False, allow_blank=True, max_length=40)


class PartnerInput(serializers.Serializer):
    enterprise = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="For a person who belongs to several enterprises: which one registers the "
        "partner. An ERP key registers for its own enterprise.",
    )
    legal_name = serializers.CharField(max_length=300)
    country = serializers.ChoiceField(
        [code for code, _name in COUNTRY_CHOICES], help_text="ISO 3166-1 alpha-2, e.g. DE"
    )
    address = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_ADDRESS_LENGTH, default=""
    )
    roles = serializers.ListField(
        child=serializers.ChoiceField(PartnerRole.choices),
        allow_empty=False,
        max_length=len(PartnerRole.values),
    )
    identifiers = PartnerIdentifiers(required=False, default=dict)
    contact_name = serializers.CharField(
        required=False, allow_blank=True, max_length=150, default=""
    )
    contact_email = serializers.EmailField(required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(
        required=False, allow_blank=True, max_length=40, default=""
    )

    def validate_legal_name(self, legal_name):
        if problem := legal_name_problem(legal_name):
            raise ValidationError(problem)
        return legal_name

    def validate(self, attrs):
        normalized, errors = partner_identifiers_clean(
            {scheme: attrs["identifiers"].get(scheme, "") for scheme in PartnerScheme.values},
            country=attrs["country"],
            enterprise=self.context["enterprise"],
            partner=self.context.get("partner"),
        )
        if errors:
            raise ValidationError({"identifiers": {scheme: [m] for scheme, m in errors.items()}})
        attrs["identifiers"] = normalized
        attrs["roles"] = list(dict.fromkeys(attrs["roles"]))
        attrs.pop("enterprise", None)
        return attrs


class PartnerOutput(serializers.Serializer):
    id = serializers.IntegerField()
    enterprise = serializers.IntegerField(source="enterprise_id")
    legal_name = serializers.CharField()
    country = serializers.CharField()
    address = serializers.CharField()
    roles = serializers.ListField(child=serializers.ChoiceField(PartnerRole.choices))
    identifiers = serializers.SerializerMethodField()
    contact_name = serializers.CharField()
    contact_email = serializers.CharField()
    contact_phone = serializers.CharField()
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(PartnerIdentifiers)
    def get_identifiers(self, partner) -> dict:
        return partner_identifiers(partner=partner)


class PartnerVersionOutput(serializers.Serializer):
    number = serializers.IntegerField()
    changed_at = serializers.DateTimeField()
    changed_by = serializers.CharField()
    registration = serializers.DictField(
        help_text="The registration as this version saved it, identifiers included."
    )


class PartnerDetailOutput(PartnerOutput):
    versions = serializers.SerializerMethodField()

    @extend_schema_field(PartnerVersionOutput(many=True))
    def get_versions(self, partner) -> list:
        return PartnerVersionOutput(partner_version_list(partner=partner), many=True).data


class PartnerQuery(serializers.Serializer):
    enterprise = serializers.IntegerField(
        required=False, min_value=1, help_text="Only this enterprise's partners."
    )


class MayRegisterPartners(BasePermission):
    message = _(
        "Partners are registered by an enterprise: with its ERP key, or by a member whose role "
        "may share data."
    )

    def has_permission(self, request, view):
        if request.method not in ("POST", "PUT"):
            return True
        user = request.user
        if getattr(user, "api_key", None) is not None:
            return user.enterprise_id is not None
        return bool(user.pk) and _submitting_enterprises(user).exists()


def _submitting_enterprises(user):
    return get_objects_for_user(user, SUBMIT, klass=Enterprise, accept_global_perms=False)


def _registering_enterprise(request) -> Enterprise:
    """The enterprise a POST registers for: the ERP key's, or the one a member names."""
    if getattr(request.user, "api_key", None) is not None:
        return request.user.api_key.enterprise
    enterprises = _submitting_enterprises(request.user)
    named = request.data.get("enterprise") if isinstance(request.data, dict) else None
    if named is None:
        if enterprises.count() != 1:
            raise ValidationError(
                {"enterprise": [_("You belong to several enterprises: say which one registers.")]}
            )
        return enterprises.get()
    is_number = isinstance(named, int) and not isinstance(named, bool)
    found = enterprises.filter(pk=named).first() if is_number else None
    if found is None:
        raise ValidationError(
            {"enterprise": [_("Give the number of an enterprise you may share data for.")]}
        )
    return found


def _refuse_without_agreement(enterprise) -> None:
    if refusal := partner_registration_refusal(enterprise=enterprise):
        raise PermissionDenied(refusal, code="no_active_agreement")


class PartnerApi(APIView):
    permission_classes = [IsAuthenticated, MayRegisterPartners]
    throttle_classes = [ApiKeyRateThrottle]


class PartnerListApi(PartnerApi):
    """An enterprise's supply-chain partners: those it registered, each in its latest version."""

    @extend_schema(
        operation_id="partners_list",
        parameters=[PartnerQuery],
        responses={200: PartnerOutput(many=True), **error_responses(400, 401, 429)},
    )
    def get(self, request):
        # A plain dict, so that a blank value is refused rather than read as no filter.
        query = PartnerQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        partners = partner_list(visible_to=request.user)
        if "enterprise" in query.validated_data:
            partners = partners.filter(enterprise_id=query.validated_data["enterprise"])
        return Response(PartnerOutput(partners, many=True).data)

    @extend_schema(
        operation_id="partners_register",
        request=PartnerInput,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: PartnerDetailOutput, **error_responses(400, 401, 403, 413, 415, 422, 429)},
    )
    @idempotent
    def post(self, request):
        enterprise = _registering_enterprise(request)
        _refuse_without_agreement(enterprise)
        serializer = PartnerInput(data=request.data, context={"enterprise": enterprise})
        serializer.is_valid(raise_exception=True)
        partner = services.partner_register(
            enterprise=enterprise, actor=request.user, **serializer.validated_data
        )
        return Response(PartnerDetailOutput(partner).data, status=status.HTTP_201_CREATED)


class PartnerDetailApi(PartnerApi):
    """One registration with every version of it; PUT replaces it with a new version."""

    @extend_schema(
        operation_id="partners_get",
        responses={200: PartnerDetailOutput, **error_responses(401, 404, 429)},
    )
    def get(self, request, pk):
        return Response(PartnerDetailOutput(partner_get(visible_to=request.user, pk=pk)).data)

    @extend_schema(
        operation_id="partners_update",
        request=PartnerInput,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            200: PartnerDetailOutput,
            **error_responses(400, 401, 403, 404, 413, 415, 422, 429),
        },
    )
    @idempotent
    def put(self, request, pk):
        partner: Partner = partner_get(visible_to=request.user, pk=pk)
        if not may_register_partners(request.user, partner.enterprise):
            raise PermissionDenied(MayRegisterPartners.message)
        _refuse_without_agreement(partner.enterprise)
        serializer = PartnerInput(
            data=request.data, context={"enterprise": partner.enterprise, "partner": partner}
        )
        serializer.is_valid(raise_exception=True)
        partner = services.partner_update(
            partner=partner, actor=request.user, **serializer.validated_data
        )
        return Response(PartnerDetailOutput(partner).data)
