from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hub.core.errors import api_error_response, is_api_request
from hub.core.forms import AuditFilterForm
from hub.core.health import health_report
from hub.core.roles import CustomsRole, has_customs_role
from hub.core.selectors import audit_event_list
from hub.enterprises.selectors import membership_list


@require_GET
@never_cache
def healthz(request):
    report = health_report()
    return JsonResponse(report, status=200 if report["ok"] else 503)


@login_required
def home(request):
    return render(
        request,
        "core/home.html",
        {"memberships": membership_list(visible_to=request.user).select_related("enterprise")},
    )


def page_not_found(request, exception=None):
    if is_api_request(request):
        return api_error_response(
            404,
            "not_found",
            _("There is no API endpoint at %(path)s. The endpoints are listed at /api/docs/.")
            % {"path": request.path},
        )
    return render(request, "404.html", status=404)


def server_error(request):
    if is_api_request(request):
        return api_error_response(
            500,
            "server_error",
            _(
                "The hub failed to handle this request. It has been logged; quote the request id "
                "from the X-Request-ID header when you report it."
            ),
        )
    return render(request, "500.html", status=500)


def permission_denied(request, exception=None):
    if is_api_request(request):
        return api_error_response(403, "permission_denied", str(exception or _("Forbidden.")))
    return render(request, "403.html", status=403)


def bad_request(request, exception=None):
    if is_api_request(request):
        return api_error_response(400, "bad_request", _("The request could not be understood."))
    return render(request, "400.html", status=400)


@login_required
def audit_event_list_view(request):
    if not has_customs_role(request.user, CustomsRole.AUDITOR):
        raise PermissionDenied(_("The audit trail is open to customs auditors."))
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_event_list(
        visible_to=request.user,
        action=filters.get("action") or "",
        enterprise_id=filters.get("enterprise_id"),
    )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    template = "core/_audit_rows.html" if request.htmx else "core/audit_event_list.html"
    return render(request, template, {"form": form, "page": page})
