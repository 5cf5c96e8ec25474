"""The naive way to build the push endpoint, kept only to measure the real one against it: DRF
ModelSerializers validate the document field by field and save the revision and each line."""

from django.db import transaction
from django.utils import timezone
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.agreements.selectors import agreement_in_force
from hub.submissions.models import Consignment, ConsignmentLine, ConsignmentRevision
from hub.submissions.permissions import IsErpKey


class LineSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConsignmentLine
        fields = [
            "line_number",
            "material_number",
            "description",
            "quantity",
            "unit",
            "line_value",
            "origin_country",
        ]


class RevisionSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(max_length=64)
    seller = serializers.DictField()
    lines = LineSerializer(many=True)

    class Meta:
        model = ConsignmentRevision
        fields = [
            "reference",
            "transport_document_number",
            "transport_mode",
            "port_of_loading",
            "port_of_discharge",
            "estimated_arrival",
            "invoice_number",
            "invoice_date",
            "currency",
            "seller",
            "lines",
        ]


class NaiveConsignmentCreate(APIView):
    permission_classes = [IsErpKey]

    def post(self, request):
        serializer = RevisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        agreement = agreement_in_force(enterprise_id=request.user.enterprise_id)
        with transaction.atomic():
            consignment = Consignment.objects.create(
                enterprise_id=agreement.enterprise_id,
                reference=data["reference"],
                transport_document_number=data["transport_document_number"],
                invoice_number=data["invoice_number"],
                estimated_arrival=data["estimated_arrival"],
            )
            revision = ConsignmentRevision.objects.create(
                consignment=consignment,
                number=1,
                agreement=agreement,
                channel="api",
                received_at=timezone.now(),
                hours_before_arrival=0,
                payload_sha256="",
                submitted_by="bench",
                document="{}",
                **{
                    key: value
                    for key, value in data.items()
                    if key not in ("reference", "seller", "lines")
                },
            )
            for line in data["lines"]:
                ConsignmentLine.objects.create(revision=revision, **line)
        return Response({"reference": consignment.reference}, status=201)
