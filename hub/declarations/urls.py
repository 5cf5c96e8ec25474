from django.urls import path

from hub.declarations import apis

api_urlpatterns = [
    path("declarations", apis.DeclarationListApi.as_view(), name="api-declaration-list"),
    # Before the detail route: no declaration number is lower case.
    path(
        "declarations/statuses",
        apis.DeclarationStatusApi.as_view(),
        name="api-declaration-statuses",
    ),
    path(
        "declarations/<str:number>",
        apis.DeclarationDetailApi.as_view(),
        name="api-declaration-detail",
    ),
    path("bank-payments", apis.BankPaymentApi.as_view(), name="api-bank-payments"),
    path("exchange-rates", apis.ExchangeRateApi.as_view(), name="api-exchange-rates"),
    path("inspections", apis.InspectionCreateApi.as_view(), name="api-inspections"),
]
