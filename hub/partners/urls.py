from django.urls import path

from hub.partners import apis, views

urlpatterns = [
    path("enterprises/<int:pk>/partners/", views.partner_list_view, name="partner-list"),
    path("enterprises/<int:pk>/partners/new", views.partner_create_view, name="partner-create"),
    path(
        "enterprises/<int:pk>/partners/<int:partner_pk>/",
        views.partner_detail_view,
        name="partner-detail",
    ),
    path(
        "enterprises/<int:pk>/partners/<int:partner_pk>/edit",
        views.partner_edit_view,
        name="partner-edit",
    ),
    path("partners/entities/", views.entity_list_view, name="partner-entity-list"),
    path("partners/entities/<int:pk>/", views.entity_detail_view, name="partner-entity-detail"),
    path("partners/entities/<int:pk>/merge", views.entity_merge_view, name="partner-entity-merge"),
    path("partners/registrations/<int:pk>/split", views.partner_split_view, name="partner-split"),
    path("partners/queue/", views.candidate_list_view, name="partner-candidate-list"),
    path("partners/queue/<int:pk>", views.candidate_decide_view, name="partner-candidate-decide"),
    path(
        "consignments/<int:pk>/supply-chain",
        views.supply_chain_view,
        name="consignment-supply-chain",
    ),
]

api_urlpatterns = [
    path("partners", apis.PartnerListApi.as_view(), name="api-partner-list"),
    path("partners/<int:pk>", apis.PartnerDetailApi.as_view(), name="api-partner-detail"),
]
