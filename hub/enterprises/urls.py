from django.urls import path

from hub.enterprises import apis, views

urlpatterns = [
    path("register/", views.register, name="enterprise-register"),
    path("enterprises/", views.enterprise_list_view, name="enterprise-list"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise-detail"),
    path("enterprises/<int:pk>/decision", views.enterprise_decide_view, name="enterprise-decide"),
    path("enterprises/<int:pk>/rating", views.enterprise_rating_view, name="enterprise-rating"),
    path(
        "enterprises/<int:pk>/invitations", views.invitation_create_view, name="invitation-create"
    ),
    path(
        "enterprises/<int:pk>/members/<int:membership_pk>",
        views.membership_update_view,
        name="membership-update",
    ),
    path("enterprises/<int:pk>/api-keys", views.api_key_create_view, name="api-key-create"),
    path(
        "enterprises/<int:pk>/api-keys/<int:key_pk>/revoke",
        views.api_key_revoke_view,
        name="api-key-revoke",
    ),
    path("invitations/<str:token>/", views.invitation_accept_view, name="invitation-accept"),
]

api_urlpatterns = [
    path("enterprises", apis.EnterpriseListApi.as_view(), name="api-enterprise-list"),
    path("enterprises/<int:pk>", apis.EnterpriseDetailApi.as_view(), name="api-enterprise-detail"),
    path(
        "enterprises/<int:pk>/decision",
        apis.EnterpriseDecisionApi.as_view(),
        name="api-enterprise-decide",
    ),
    path(
        "enterprises/<int:pk>/rating",
        apis.EnterpriseRatingApi.as_view(),
        name="api-enterprise-rating",
    ),
]
