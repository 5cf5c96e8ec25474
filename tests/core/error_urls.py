"""The hub's URLs plus one endpoint with a nested body, to exercise the error shape end to end."""

from django.urls import path
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


class LineSerializer(serializers.Serializer):
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3, min_value=0)
    unit = serializers.CharField(max_length=3)


class DocumentSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=35)
    lines = LineSerializer(many=True, allow_empty=False)

    def validate(self, attrs):
        if attrs["reference"].startswith("x"):
            raise serializers.ValidationError("References may not start with x.")
        return attrs


class EchoDocument(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    def post(self, request):
        serializer = DocumentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response({"reference": serializer.validated_data["reference"]}, status=201)


urlpatterns = [path("api/v1/test-documents", EchoDocument.as_view()), *urlpatterns]
