from django.urls import path

from hub.submissions import apis

api_urlpatterns = [
    path("scope", apis.ScopeApi.as_view(), name="api-scope"),
    path("consignments", apis.ConsignmentCreateApi.as_view(), name="api-consignment-create"),
    path("consignments/batch", apis.ConsignmentBatchApi.as_view(), name="api-consignment-batch"),
    path(
        "consignments/<str:reference>",
        apis.ConsignmentDetailApi.as_view(),
        name="api-consignment-detail",
    ),
]
