from django.urls import path

from hub.risk import apis, views

urlpatterns = [
    path("risk/", views.queue_view, name="risk-queue"),
    path("risk/profiles/<int:pk>/", views.profile_detail_view, name="risk-profile-detail"),
    path("risk/profiles/<int:pk>/decision", views.profile_decide_view, name="risk-profile-decide"),
    path(
        "risk/profiles/<int:pk>/inspections",
        views.inspection_record_view,
        name="risk-inspection-record",
    ),
    path(
        "risk/declarations/<int:pk>/",
        views.declaration_profile_view,
        name="risk-declaration-profile",
    ),
    path("risk/enterprises/<int:pk>/", views.supply_chain_view, name="risk-supply-chain"),
    path("risk/calibration/", views.calibration_view, name="risk-calibration"),
    path("risk/rules/", views.ruleset_list_view, name="risk-ruleset-list"),
    path("risk/rules/v<int:version>/", views.ruleset_detail_view, name="risk-ruleset-detail"),
    path("risk/rules/new", views.rule_create_view, name="risk-rule-create"),
    path("risk/rules/settings", views.ruleset_settings_view, name="risk-ruleset-settings"),
    path("risk/rules/<slug:key>/edit", views.rule_edit_view, name="risk-rule-edit"),
    path("risk/rules/<slug:key>/delete", views.rule_delete_view, name="risk-rule-delete"),
]

api_urlpatterns = [
    path("profiles", apis.ProfileListApi.as_view(), name="api-profile-list"),
]
