"""The customs officers' pages of declarations: the list, with its cross-check outcomes, and a
declaration beside the shared data matched to it."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from hub.core.roles import is_customs_staff
from hub.crosschecks.forms import DeclarationFilterForm
from hub.crosschecks.selectors import (
    crosscheck_comparison_get,
    crosscheck_get,
    declaration_crosscheck_list,
    finding_list,
    match_list,
)
from hub.declarations.selectors import declaration_get, declaration_status_change_list
from hub.declarations.validation import NUMBER_PATTERN

DECLARATIONS_PER_PAGE = 50


def _require_customs(request):
    if not is_customs_staff(request.user):
        raise PermissionDenied(_("Declarations and their cross-checks are for customs staff."))


@login_required
def declaration_list_view(request):
    _require_customs(request)
    form = DeclarationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    declarations = declaration_crosscheck_list(
        visible_to=request.user,
        search=filters.get("q", ""),
        outcome=filters.get("outcome", ""),
        finding_type=filters.get("finding_type", ""),
        severity=filters.get("severity", ""),
        status=filters.get("status", ""),
        declared_from=filters.get("declared_from"),
        declared_to=filters.get("declared_to"),
    )
    page = Paginator(declarations, DECLARATIONS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "declarations/declaration_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@login_required
def declaration_detail_view(request, number):
    _require_customs(request)
    if not NUMBER_PATTERN.fullmatch(number):
        raise Http404(_("A declaration number is up to 30 upper-case letters, digits or '-'."))
    declaration = declaration_get(number=number, visible_to=request.user)
    matches = list(match_list(visible_to=request.user, declaration=declaration))
    findings = list(finding_list(visible_to=request.user, declaration=declaration))
    comparison = crosscheck_comparison_get(visible_to=request.user, declaration=declaration)
    references = {match.consignment_id: match.consignment.reference for match in matches}
    flagged = {(finding.item_number, finding.type) for finding in findings}
    groups = []
    for group in comparison.groups if comparison else []:
        own = [item for item in group.items if item.declaration_id == declaration.pk]
        number_of = own[0].item_number if own else None
        groups.append(
            {
                "group": group,
                "references": sorted(
                    {references.get(goods.consignment_id, "") for goods in group.goods} - {""}
                ),
                "own": own,
                "flagged": {kind for item, kind in flagged if item == number_of and own},
            }
        )
    return render(
        request,
        "declarations/declaration_detail.html",
        {
            "declaration": declaration,
            "crosscheck": crosscheck_get(visible_to=request.user, declaration=declaration),
            "matches": matches,
            "findings": findings,
            "groups": groups,
            "items": declaration.items.all(),
            "status_changes": declaration_status_change_list(declaration=declaration),
        },
    )
