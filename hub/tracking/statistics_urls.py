from django.urls import path

from hub.tracking import statistics_views as views

urlpatterns = [
    path("release-times/", views.release_times_overview_view, name="release-times-overview"),
    path(
        "release-times/export",
        views.release_times_overview_export_view,
        name="release-times-overview-export",
    ),
    path("enterprises/<int:pk>/release-times/", views.release_times_view, name="release-times"),
    path(
        "enterprises/<int:pk>/release-times/export",
        views.release_times_export_view,
        name="release-times-export",
    ),
    path(
        "enterprises/<int:pk>/release-times/targets",
        views.release_targets_view,
        name="release-targets",
    ),
    path(
        "enterprises/<int:pk>/release-times/forecasts",
        views.release_forecasts_view,
        name="release-forecasts",
    ),
]
