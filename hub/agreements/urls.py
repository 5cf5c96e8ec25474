from django.urls import path

from hub.agreements import apis, views

LIFECYCLE_ACTIONS = ["sign", "countersign", "suspend", "resume", "terminate"]

urlpatterns = [
    path("agreements/", views.agreement_list_view, name="agreement-list"),
    path(
        "enterprises/<int:enterprise_pk>/agreements/new",
        views.agreement_draft_view,
        name="agreement-draft",
    ),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement-detail"),
    path("agreements/<int:pk>/verify", views.agreement_verify_view, name="agreement-verify"),
    *[
        path(
            f"agreements/<int:pk>/{action}",
            views.agreement_action_view,
            {"action": action},
            name=f"agreement-{action}",
        )
        for action in LIFECYCLE_ACTIONS
    ],
    path("agreement-texts/", views.agreement_text_list_view, name="agreement-text-list"),
]

api_urlpatterns = [
    path("agreements", apis.AgreementListApi.as_view(), name="api-agreement-list"),
    path("agreements/<int:pk>", apis.AgreementDetailApi.as_view(), name="api-agreement-detail"),
    path(
        "agreements/<int:pk>/verification",
        apis.AgreementVerificationApi.as_view(),
        name="api-agreement-verification",
    ),
    path("signing-key", apis.SigningKeyApi.as_view(), name="api-signing-key"),
]
