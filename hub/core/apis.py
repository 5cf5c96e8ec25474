from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.core.errors import error_responses
from hub.core.roles import customs_roles_of
from hub.enterprises.selectors import membership_list


class WhoAmIApi(APIView):
    """Who the hub takes the caller to be: lets an integrator check a key before pushing data."""

    @extend_schema(
        operation_id="whoami",
        responses={
            200: inline_serializer(
                "WhoAmI",
                {
                    "kind": serializers.ChoiceField(["person", "erp", "g2g"]),
                    "name": serializers.CharField(),
                    "enterprises": serializers.ListField(child=serializers.DictField()),
                    "customs_roles": serializers.ListField(child=serializers.CharField()),
                },
            ),
            **error_responses(401),
        },
    )
    def get(self, request):
        api_key = getattr(request.user, "api_key", None)
        if api_key is not None:
            enterprise = api_key.enterprise
            return Response(
                {
                    "kind": api_key.kind,
                    "name": api_key.name,
                    "enterprises": [{"id": enterprise.pk, "legal_name": enterprise.legal_name}]
                    if enterprise
                    else [],
                    "customs_roles": [],
                }
            )
        memberships = membership_list(visible_to=request.user).select_related("enterprise")
        return Response(
            {
                "kind": "person",
                "name": str(request.user),
                "enterprises": [
                    {"id": m.enterprise_id, "legal_name": m.enterprise.legal_name, "role": m.role}
                    for m in memberships
                ],
                "customs_roles": sorted(customs_roles_of(request.user)),
            }
        )
