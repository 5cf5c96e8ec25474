from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from hub.enterprises.permissions import SUBMIT, VIEW
from hub.enterprises.selectors import enterprise_get
from hub.submissions.forms import UploadForm
from hub.submissions.models import Channel
from hub.submissions.selectors import upload_get, upload_list
from hub.submissions.services import IngestRefused, agreement_for_submission
from hub.submissions.uploads import authenticity_declaration, upload_receive, upload_status

SHOWN_CONSIGNMENTS = 200
SHOWN_PARTNERS = 200


def _report_context(upload, viewer) -> dict:
    return {
        "upload": upload,
        "consignments": upload.consignments[:SHOWN_CONSIGNMENTS],
        "more_consignments": max(0, len(upload.consignments) - SHOWN_CONSIGNMENTS),
        "partners": upload.partners[:SHOWN_PARTNERS],
        "more_partners": max(0, len(upload.partners) - SHOWN_PARTNERS),
        "more_errors": upload.error_count - len(upload.errors),
        "annotated_url": reverse("api-upload-annotated", args=[upload.pk])
        if upload.workbook and viewer.has_perm(SUBMIT, upload.enterprise)
        else None,
    }


@login_required
def upload_view(request, enterprise_pk):
    enterprise = enterprise_get(visible_to=request.user, pk=enterprise_pk)
    if not request.user.has_perm(SUBMIT, enterprise):
        raise PermissionDenied(_("The enterprise's admins and submitters upload its data."))
    try:
        agreement = agreement_for_submission(enterprise_id=enterprise.pk, channel=Channel.EXCEL)
        problem = None
    except IngestRefused as refused:
        agreement, problem = None, refused.message
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        declaration=authenticity_declaration(agreement) if agreement else "",
    )
    context = {"enterprise": enterprise, "agreement": agreement, "problem": problem, "form": form}
    status = 200
    if request.method == "POST":
        if problem:
            status = 403
        elif form.is_valid():
            file = form.cleaned_data["file"]
            upload = upload_receive(
                enterprise=enterprise, file_name=file.name, data=file.read(), actor=request.user
            )
            status = upload_status(upload)
            context.update(_report_context(upload, request.user))
            # A fresh form for the next file; the report says what became of this one.
            context["form"] = UploadForm(declaration=form.fields["authenticity_confirmed"].label)
        else:
            status = 400
    template = "submissions/_upload_area.html" if request.htmx else "submissions/upload.html"
    return render(request, template, context, status=status)


@login_required
def upload_history_view(request, enterprise_pk):
    enterprise = enterprise_get(visible_to=request.user, pk=enterprise_pk)
    if not request.user.has_perm(VIEW, enterprise):
        raise PermissionDenied(_("An enterprise's uploads are open to its members."))
    uploads = upload_list(visible_to=request.user).filter(enterprise=enterprise)
    return render(
        request,
        "submissions/upload_history.html",
        {
            "enterprise": enterprise,
            "page": Paginator(uploads, 50).get_page(request.GET.get("page")),
            "may_upload": request.user.has_perm(SUBMIT, enterprise),
        },
    )


@login_required
def upload_detail_view(request, pk):
    upload = upload_get(visible_to=request.user, pk=pk)
    return render(request, "submissions/upload_detail.html", _report_context(upload, request.user))
