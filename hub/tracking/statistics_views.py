"""Release-time pages: the enterprise's dashboard (its own figures beside the pooled ones), the
customs overview (everyone's, by office and stakeholder), their CSV and Excel exports, the
enterprise's targets and its forecasts."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from hub.core.roles import is_customs_staff
from hub.enterprises.selectors import enterprise_get
from hub.tracking import forecasts, reports
from hub.tracking.statistics import (
    MIN_CONSIGNEES_IN_POOL,
    OUTLIER_IQR_FACTOR,
    in_period,
    release_timing_list,
)
from hub.tracking.statistics_forms import ReleaseTargetsForm, ReleaseTimeFilterForm
from hub.tracking.targets import (
    TARGET_WINDOW_DAYS,
    may_set_targets,
    release_target_list,
    release_targets_set,
    target_alerts_for,
)

FORECASTS_PER_PAGE = 50
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _require_customs(request):
    if not is_customs_staff(request.user):
        raise PermissionDenied(
            _("The release-time overview of every enterprise is for customs staff.")
        )


def _filter_form(request, *, with_enterprises):
    """The bound form when the page was asked with choices, else the defaults."""
    return ReleaseTimeFilterForm(
        {key: value for key, value in request.GET.items() if key != "format"} or None,
        with_enterprises=with_enterprises,
    )


def _filters(form):
    if not form.is_bound:
        return reports.Filters.default()
    return form.cleaned_data["filters"] if form.is_valid() else None


def _dashboard(request, *, enterprise):
    form = _filter_form(request, with_enterprises=enterprise is None)
    filters = _filters(form)
    context = {
        "enterprise": enterprise,
        "form": form,
        "iqr_factor": OUTLIER_IQR_FACTOR,
        "min_consignees": MIN_CONSIGNEES_IN_POOL,
        "query": request.GET.urlencode(),
    }
    if filters is None:
        return render(request, "tracking/dashboard.html", context, status=400)
    report = reports.release_time_report(
        viewer=request.user, filters=filters, enterprise=enterprise
    )
    context.update(report=report, charts=reports.chart_data(report))
    if enterprise is not None:
        context["alerts"] = target_alerts_for(enterprise)
    else:
        context["accuracy"] = forecasts.forecast_backtest(
            timings=in_period(
                release_timing_list(visible_to=request.user), filters.start, filters.end
            )
        )
    return render(request, "tracking/dashboard.html", context)


@require_safe
@login_required
def release_times_view(request, pk):
    return _dashboard(request, enterprise=enterprise_get(visible_to=request.user, pk=pk))


@require_safe
@login_required
def release_times_overview_view(request):
    _require_customs(request)
    return _dashboard(request, enterprise=None)


def _export(request, *, enterprise):
    kind = request.GET.get("format", "csv")
    if kind not in EXPORT_TYPES:
        return HttpResponse(
            _("Unknown export format; use format=csv or format=xlsx."),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    form = _filter_form(request, with_enterprises=enterprise is None)
    filters = _filters(form)
    if filters is None:
        problems = "; ".join(str(error) for errors in form.errors.values() for error in errors)
        return HttpResponse(problems, status=400, content_type="text/plain; charset=utf-8")
    report = reports.release_time_report(
        viewer=request.user, filters=filters, enterprise=enterprise, every_stage_by_group=True
    )
    body = reports.export_csv(report).encode() if kind == "csv" else reports.export_xlsx(report)
    scope = f"enterprise-{enterprise.pk}" if enterprise is not None else "all"
    response = HttpResponse(body, content_type=EXPORT_TYPES[kind])
    response["Content-Disposition"] = (
        f'attachment; filename="release-times-{scope}-{filters.start}-{filters.end}.{kind}"'
    )
    return response


@require_safe
@login_required
def release_times_export_view(request, pk):
    return _export(request, enterprise=enterprise_get(visible_to=request.user, pk=pk))


@require_safe
@login_required
def release_times_overview_export_view(request):
    _require_customs(request)
    return _export(request, enterprise=None)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def release_targets_view(request, pk):
    enterprise = enterprise_get(visible_to=request.user, pk=pk)
    may_set = may_set_targets(request.user, enterprise)
    targets = release_target_list(visible_to=request.user, enterprise=enterprise)
    form = ReleaseTargetsForm(request.POST if request.method == "POST" else None, targets=targets)
    if request.method == "POST":
        if not may_set:
            raise PermissionDenied(
                _("Your role in this enterprise does not allow setting targets.")
            )
        if form.is_valid():
            release_targets_set(
                enterprise=enterprise, targets=form.cleaned_data["targets"], actor=request.user
            )
            messages.success(request, _("Targets saved."))
            return redirect("release-targets", pk=pk)
    return render(
        request,
        "tracking/targets.html",
        {
            "enterprise": enterprise,
            "form": form,
            "may_set": may_set,
            "alerts": target_alerts_for(enterprise),
            "window_days": TARGET_WINDOW_DAYS,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@require_safe
@login_required
def release_forecasts_view(request, pk):
    enterprise = enterprise_get(visible_to=request.user, pk=pk)
    form = _filter_form(request, with_enterprises=False)
    filters = _filters(form)
    now = timezone.now()
    history = forecasts.History.recent(now=now)
    page = Paginator(forecasts.open_subjects(enterprise=enterprise, now=now), FORECASTS_PER_PAGE)
    page = page.get_page(request.GET.get("page"))
    context = {
        "enterprise": enterprise,
        "form": form,
        "page": page,
        "rows": [(subject, history.forecast(subject, now=now)) for subject in page],
        "min_history": forecasts.MIN_HISTORY,
        "nominal_percent": forecasts.Accuracy().nominal_percent,
    }
    if filters is None:
        return render(request, "tracking/forecasts.html", context, status=400)
    own = release_timing_list(visible_to=request.user).filter(enterprise=enterprise)
    context["accuracy"] = forecasts.forecast_backtest(
        timings=in_period(own, filters.start, filters.end)
    )
    context["filters"] = filters
    return render(request, "tracking/forecasts.html", context)
