from django.urls import path

from hub.submissions import apis, upload_apis, views

urlpatterns = [
    path("enterprises/<int:enterprise_pk>/uploads/", views.upload_view, name="upload"),
    path(
        "enterprises/<int:enterprise_pk>/uploads/history/",
        views.upload_history_view,
        name="upload-history",
    ),
    path("uploads/<int:pk>/", views.upload_detail_view, name="upload-detail"),
]

api_urlpatterns = [
    path("scope", apis.ScopeApi.as_view(), name="api-scope"),
    path("consignments", apis.ConsignmentCreateApi.as_view(), name="api-consignment-create"),
    path("consignments/batch", apis.ConsignmentBatchApi.as_view(), name="api-consignment-batch"),
    path(
        "consignments/<str:reference>",
        apis.ConsignmentDetailApi.as_view(),
        name="api-consignment-detail",
    ),
    path("templates/consignments.xlsx", upload_apis.TemplateApi.as_view(), name="api-template"),
    path("uploads", upload_apis.UploadCreateApi.as_view(), name="api-upload-create"),
    path(
        "uploads/<int:pk>/annotated.xlsx",
        upload_apis.UploadAnnotatedApi.as_view(),
        name="api-upload-annotated",
    ),
]
