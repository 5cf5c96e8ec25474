from django.urls import path

from hub.core import apis

api_urlpatterns = [
    path("whoami", apis.WhoAmIApi.as_view(), name="api-whoami"),
]
