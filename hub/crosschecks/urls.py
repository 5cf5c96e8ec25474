from django.urls import path

from hub.crosschecks import apis, views
from hub.declarations import views as declaration_views

urlpatterns = [
    path("declarations/", declaration_views.declaration_list_view, name="declaration-list"),
    path(
        "declarations/<str:number>/",
        declaration_views.declaration_detail_view,
        name="declaration-detail",
    ),
    path("crosschecks/tolerances", views.tolerance_list_view, name="crosscheck-tolerances"),
]

api_urlpatterns = [
    path(
        "declarations/<str:number>/crosscheck",
        apis.DeclarationCrosscheckApi.as_view(),
        name="api-declaration-crosscheck",
    ),
]
