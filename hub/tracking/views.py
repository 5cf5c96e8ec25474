"""The enterprise's consignments with their live status, one consignment's timeline, and the
internal-control pages where an enterprise traces what it shared."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.vary import vary_on_headers

from hub.core.roles import is_customs_staff
from hub.enterprises.permissions import VIEW
from hub.enterprises.selectors import enterprise_get
from hub.tracking import exports
from hub.tracking.forms import ConsignmentFilterForm, TraceFilterForm
from hub.tracking.selectors import (
    consignment_tracking_get,
    consignment_tracking_list,
    declarations_concerning,
    estimated_arrival_history,
    revision_trace_list,
    shared_finding_list,
    timeline_list,
    tracking_of,
)

TEXT = "text/plain; charset=utf-8"
CONSIGNMENTS_PER_PAGE = 50
REVISIONS_PER_PAGE = 50
FINDINGS_SHOWN = 100


def _partial(request) -> bool:
    """An htmx request for the results only; restoring history needs the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


@login_required
@vary_on_headers("HX-Request")
def consignment_list_view(request, pk):
    """Members of the enterprise, and customs staff for any enterprise."""
    enterprise = enterprise_get(visible_to=request.user, pk=pk)
    form = ConsignmentFilterForm(request.GET or None)
    valid = form.is_valid() if form.is_bound else True
    consignments = (
        consignment_tracking_list(
            visible_to=request.user,
            enterprise=enterprise,
            **(form.filters() if form.is_bound else {}),
        )
        if valid
        else []
    )
    page = Paginator(consignments, CONSIGNMENTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "enterprise": enterprise,
        "form": form,
        "page": page,
        "rows": [(consignment, tracking_of(consignment)) for consignment in page],
        "is_customs": is_customs_staff(request.user),
    }
    template = (
        "tracking/_consignment_table.html"
        if _partial(request)
        else "tracking/consignment_list.html"
    )
    return render(request, template, context, status=200 if valid else 400)


@login_required
def consignment_detail_view(request, pk):
    consignment = consignment_tracking_get(visible_to=request.user, pk=pk)
    timeline = timeline_list(consignment=consignment)
    return render(
        request,
        "tracking/consignment_detail.html",
        {
            "consignment": consignment,
            "enterprise": consignment.enterprise,
            "tracking": tracking_of(consignment),
            "timeline": timeline,
            "arrival_history": estimated_arrival_history(timeline),
            "declarations": declarations_concerning(consignment, consignment.enterprise_id),
            "findings": shared_finding_list(
                visible_to=request.user,
                enterprise=consignment.enterprise,
                consignment=consignment,
            ),
            "is_customs": is_customs_staff(request.user),
        },
    )


def _own_enterprise(request, pk):
    """Internal control is the enterprise's own: its members use it. Others see a 404 (it is not
    theirs to know of) or, for customs staff, a 403."""
    enterprise = enterprise_get(visible_to=request.user, pk=pk)
    if not request.user.has_perm(VIEW, enterprise):
        raise PermissionDenied(
            _("Internal control is the enterprise's own tool: its members use it.")
        )
    return enterprise


@login_required
@vary_on_headers("HX-Request")
def internal_control_view(request, pk):
    enterprise = _own_enterprise(request, pk)
    form = TraceFilterForm(request.GET or None)
    valid = form.is_valid() if form.is_bound else True
    context = {"enterprise": enterprise, "form": form, "page": None, "findings": []}
    if valid:
        filters = form.revision_filters() if form.is_bound else {}
        revisions = revision_trace_list(visible_to=request.user, enterprise=enterprise, **filters)
        findings = shared_finding_list(
            visible_to=request.user, enterprise=enterprise, search=filters.get("search", "")
        )
        context.update(
            page=Paginator(revisions, REVISIONS_PER_PAGE).get_page(request.GET.get("page")),
            findings=findings[:FINDINGS_SHOWN],
            more_findings=max(0, findings.count() - FINDINGS_SHOWN),
        )
    template = (
        "tracking/_internal_control_results.html"
        if _partial(request)
        else "tracking/internal_control.html"
    )
    return render(request, template, context, status=200 if valid else 400)


@login_required
def internal_control_export_view(request, pk):
    """?table=revisions|findings&format=csv|xlsx with the page's filters; the workbook holds
    both tables."""
    enterprise = _own_enterprise(request, pk)
    table = request.GET.get("table", "revisions")
    kind = request.GET.get("format", "csv")
    form = TraceFilterForm(request.GET)
    problems = [f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()]
    if table not in exports.TABLES or kind not in ("csv", "xlsx"):
        problems.append(_("Export table=revisions or findings, format=csv or xlsx."))
    if problems:
        return HttpResponse("\n".join(problems), status=400, content_type=TEXT)
    filters = form.revision_filters()
    revisions = revision_trace_list(visible_to=request.user, enterprise=enterprise, **filters)
    findings = shared_finding_list(
        visible_to=request.user, enterprise=enterprise, search=filters["search"]
    )
    if kind == "xlsx":
        return exports.workbook_response(enterprise, revisions=revisions, findings=findings)
    rows = revisions if table == "revisions" else findings
    return exports.csv_response(enterprise, table, rows)
