from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from hub.agreements import urls as agreements_urls
from hub.core import views as core_views
from hub.core.urls import api_urlpatterns as core_api
from hub.crosschecks import urls as crosschecks_urls
from hub.declarations import urls as declarations_urls
from hub.enterprises import urls as enterprises_urls
from hub.partners import urls as partners_urls
from hub.risk import urls as risk_urls
from hub.submissions import urls as submissions_urls
from hub.tracking import statistics_urls as release_time_urls
from hub.tracking import urls as tracking_urls

api_v1 = [
    *core_api,
    *enterprises_urls.api_urlpatterns,
    *agreements_urls.api_urlpatterns,
    *submissions_urls.api_urlpatterns,
    *partners_urls.api_urlpatterns,
    *risk_urls.api_urlpatterns,
    *declarations_urls.api_urlpatterns,
    *crosschecks_urls.api_urlpatterns,
    *tracking_urls.api_urlpatterns,
]

urlpatterns = [
    # First: the API carries the traffic, and every request tries the patterns in order.
    path("api/v1/", include(api_v1)),
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("audit/", core_views.audit_event_list_view, name="audit-event-list"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="core/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include(enterprises_urls.urlpatterns)),
    path("", include(agreements_urls.urlpatterns)),
    path("", include(submissions_urls.urlpatterns)),
    path("", include(partners_urls.urlpatterns)),
    path("", include(risk_urls.urlpatterns)),
    path("", include(crosschecks_urls.urlpatterns)),
    path("", include(release_time_urls.urlpatterns)),
    path("", include(tracking_urls.urlpatterns)),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

handler400 = core_views.bad_request
handler403 = core_views.permission_denied
handler404 = core_views.page_not_found
handler500 = core_views.server_error

if settings.DEBUG:
    admin.site.site_header = "Customs data-sharing hub (development)"
