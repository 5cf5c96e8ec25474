from django.urls import path

from hub.tracking import apis, views, whatif_views

urlpatterns = [
    path(
        "enterprises/<int:pk>/consignments/",
        views.consignment_list_view,
        name="consignment-list",
    ),
    path("consignments/<int:pk>/", views.consignment_detail_view, name="consignment-detail"),
    path(
        "enterprises/<int:pk>/internal-control/",
        views.internal_control_view,
        name="internal-control",
    ),
    path(
        "enterprises/<int:pk>/internal-control/export",
        views.internal_control_export_view,
        name="internal-control-export",
    ),
    path("tracking/what-if/", whatif_views.whatif_view, name="tracking-whatif"),
]

api_urlpatterns = [
    path("events", apis.CargoEventsApi.as_view(), name="api-events"),
]
