from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from hub.agreements import services
from hub.agreements.forms import AgreementDraftForm, AgreementTextForm, ReasonForm, SignForm
from hub.agreements.models import Agreement
from hub.agreements.scope import scope_describe
from hub.agreements.selectors import (
    agreement_actions,
    agreement_get,
    agreement_list,
    agreement_text_current,
    agreement_text_list,
)
from hub.core.roles import CustomsRole, has_customs_role, is_customs_staff
from hub.enterprises.models import Enterprise
from hub.enterprises.permissions import MANAGE_AGREEMENTS
from hub.enterprises.selectors import enterprise_get


@login_required
def agreement_list_view(request):
    agreements = agreement_list(visible_to=request.user).order_by(
        "enterprise__legal_name", "-version"
    )
    status = request.GET.get("status", "")
    if status in Agreement.Status.values:
        agreements = agreements.filter(status=status)
    return render(
        request,
        "agreements/agreement_list.html",
        {
            "agreements": agreements,
            "status": status,
            "statuses": Agreement.Status.choices,
            "is_customs": is_customs_staff(request.user),
            "awaiting_countersignature": agreement_list(visible_to=request.user).filter(
                status=Agreement.Status.SIGNED
            )
            if has_customs_role(request.user, CustomsRole.ONBOARDING_OFFICER)
            else [],
        },
    )


@login_required
def agreement_draft_view(request, enterprise_pk):
    enterprise = enterprise_get(visible_to=request.user, pk=enterprise_pk)
    if not request.user.has_perm(MANAGE_AGREEMENTS, enterprise):
        raise PermissionDenied(_("Only the enterprise's admins draft its agreement."))
    text = agreement_text_current()
    problem = None
    if enterprise.status != Enterprise.Status.APPROVED:
        problem = _("An agreement can be drafted once customs approves the enterprise.")
    elif text is None:
        problem = _("Customs has not published an agreement text yet.")
    elif enterprise.agreements.filter(status__in=Agreement.IN_PROGRESS).exists():
        problem = _("A draft is already in progress: sign it or withdraw it first.")
    in_force = enterprise.agreements.filter(status__in=Agreement.IN_FORCE).first()
    initial = {"scope": in_force.scope, "channels": in_force.channels} if in_force else {}
    form = AgreementDraftForm(request.POST or None, initial=initial)
    if request.method == "POST" and problem is None and form.is_valid():
        agreement = services.agreement_draft(
            enterprise=enterprise, text=text, actor=request.user, **form.cleaned_data
        )
        return redirect("agreement-detail", pk=agreement.pk)
    return render(
        request,
        "agreements/agreement_draft.html",
        {
            "enterprise": enterprise,
            "text": text,
            "form": form,
            "problem": problem,
            "in_force": in_force,
        },
        status=409 if problem and request.method == "POST" else 200,
    )


@login_required
def agreement_detail(request, pk):
    agreement = agreement_get(visible_to=request.user, pk=pk)
    return render(
        request,
        "agreements/agreement_detail.html",
        {
            "agreement": agreement,
            "shared": scope_describe(agreement.scope),
            "actions": agreement_actions(agreement=agreement, viewer=request.user),
            "sign_form": SignForm(),
            "reason_form": ReasonForm(),
        },
    )


ACTIONS_WITH_REASON = {"suspend", "terminate"}
ACTION_NAMES = {
    "sign": gettext_lazy("Sign"),
    "countersign": gettext_lazy("Countersign"),
    "suspend": gettext_lazy("Suspend"),
    "resume": gettext_lazy("Resume"),
    "terminate": gettext_lazy("End the agreement"),
}


@login_required
@require_POST
def agreement_action_view(request, pk, action):
    agreement = agreement_get(visible_to=request.user, pk=pk)
    party = agreement_actions(agreement=agreement, viewer=request.user).get(action)
    if party is None:
        raise PermissionDenied(
            _("“%(action)s” is not open to you while the agreement is %(status)s.")
            % {"action": ACTION_NAMES[action], "status": agreement.get_status_display()}
        )
    if action == "sign":
        form = SignForm(request.POST)
    elif action in ACTIONS_WITH_REASON:
        form = ReasonForm(request.POST)
    else:
        form = None
    if form is not None and not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("agreement-detail", pk=pk)
    user = request.user
    if action == "sign":
        services.agreement_sign(agreement=agreement, actor=user)
    elif action == "countersign":
        services.agreement_countersign(agreement=agreement, actor=user)
    elif action == "suspend":
        services.agreement_suspend(
            agreement=agreement, party=party, actor=user, reason=form.cleaned_data["reason"]
        )
    elif action == "resume":
        services.agreement_resume(agreement=agreement, actor=user)
    elif action == "terminate":
        services.agreement_terminate(
            agreement=agreement, party=party, actor=user, reason=form.cleaned_data["reason"]
        )
    messages.success(
        request,
        _("Done: the agreement is now %(status)s.") % {"status": agreement.get_status_display()},
    )
    return redirect("agreement-detail", pk=pk)


@login_required
def agreement_verify_view(request, pk):
    agreement = agreement_get(visible_to=request.user, pk=pk)
    return render(
        request,
        "agreements/agreement_verify.html",
        {
            "agreement": agreement,
            "verification": services.agreement_verify(agreement=agreement),
        },
    )


@login_required
def agreement_text_list_view(request):
    is_officer = has_customs_role(request.user, CustomsRole.ONBOARDING_OFFICER)
    form = AgreementTextForm(request.POST or None)
    if request.method == "POST":
        if not is_officer:
            raise PermissionDenied(_("Agreement texts are published by onboarding officers."))
        if form.is_valid():
            services.agreement_text_publish(actor=request.user, **form.cleaned_data)
            messages.success(request, _("Agreement text published."))
            return redirect("agreement-text-list")
    return render(
        request,
        "agreements/agreement_text_list.html",
        {
            "texts": agreement_text_list(),
            "form": form if is_officer else None,
        },
    )
