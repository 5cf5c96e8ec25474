import base64

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.agreements import signing
from hub.agreements.models import Agreement
from hub.agreements.selectors import agreement_get, agreement_list
from hub.agreements.services import agreement_verify
from hub.core.errors import error_responses


class AgreementOutput(serializers.ModelSerializer):
    enterprise = serializers.CharField(source="enterprise.legal_name")
    enterprise_id = serializers.IntegerField()
    text_version = serializers.CharField(source="text.version")
    supersedes = serializers.IntegerField(source="supersedes_id", allow_null=True)

    class Meta:
        model = Agreement
        fields = [
            "id",
            "enterprise_id",
            "enterprise",
            "version",
            "supersedes",
            "text_version",
            "status",
            "scope",
            "channels",
            "signed_at",
            "countersigned_at",
            "activated_at",
            "suspended_at",
            "suspended_by_party",
            "suspension_reason",
            "ended_at",
            "ended_by_party",
            "end_reason",
        ]


class SignatureOutput(serializers.Serializer):
    party = serializers.CharField()
    signer = serializers.CharField()
    signed_at = serializers.DateTimeField()
    key_id = serializers.CharField()
    record = serializers.CharField(help_text="The canonical JSON that was signed.")
    signature = serializers.CharField(help_text="Ed25519 signature of the record, base64.")
    valid = serializers.BooleanField()


class VerificationOutput(serializers.Serializer):
    valid = serializers.BooleanField()
    problems = serializers.ListField(child=serializers.CharField())
    signatures = SignatureOutput(many=True)


class AgreementListApi(APIView):
    @extend_schema(
        operation_id="agreements_list",
        responses={200: AgreementOutput(many=True), **error_responses(401)},
    )
    def get(self, request):
        return Response(AgreementOutput(agreement_list(visible_to=request.user), many=True).data)


class AgreementDetailApi(APIView):
    @extend_schema(
        operation_id="agreements_get",
        responses={200: AgreementOutput, **error_responses(401, 404)},
    )
    def get(self, request, pk):
        return Response(AgreementOutput(agreement_get(visible_to=request.user, pk=pk)).data)


class AgreementVerificationApi(APIView):
    """Whether the agreement's signatures hold and it still says what was signed."""

    @extend_schema(
        operation_id="agreements_verify",
        responses={200: VerificationOutput, **error_responses(401, 404)},
    )
    def get(self, request, pk):
        result = agreement_verify(agreement=agreement_get(visible_to=request.user, pk=pk))
        return Response(
            VerificationOutput(
                {
                    "valid": result.valid,
                    "problems": result.problems,
                    "signatures": result.signatures,
                }
            ).data
        )


class SigningKeyApi(APIView):
    """The hub's public Ed25519 key: anyone can check a signed agreement record with it."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        operation_id="signing_key",
        responses=inline_serializer(
            "SigningKey",
            {
                "algorithm": serializers.CharField(),
                "key_id": serializers.CharField(),
                "public_key": serializers.CharField(help_text="Raw 32-byte public key, base64."),
            },
        ),
    )
    def get(self, request):
        return Response(
            {
                "algorithm": "Ed25519",
                "key_id": signing.key_id(),
                "public_key": base64.b64encode(signing.public_key_bytes()).decode(),
            }
        )
