from django.urls import path

from hub.urls import urlpatterns as hub_urlpatterns
from tests.bench.floor import AcceptWithoutStoring
from tests.bench.naive import NaiveConsignmentCreate

urlpatterns = [
    path("bench/naive-consignments", NaiveConsignmentCreate.as_view()),
    path("bench/accept-without-storing", AcceptWithoutStoring.as_view()),
    *hub_urlpatterns,
]
