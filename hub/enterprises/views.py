from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hub.core.models import User
from hub.core.roles import CustomsRole, EnterpriseRole, has_customs_role, is_customs_staff
from hub.enterprises import forms, services
from hub.enterprises.models import Enterprise, RatingChange
from hub.enterprises.permissions import MANAGE_AGREEMENTS, MANAGE_API_KEYS, MANAGE_MEMBERS
from hub.enterprises.selectors import (
    api_key_list,
    enterprise_get,
    enterprise_list,
    invitation_get_by_token,
    invitation_list,
    membership_list,
)


def _enterprise_for(request, pk, permission=None) -> Enterprise:
    """The enterprise if the viewer may see it (404 otherwise) and, when asked, act on it (403)."""
    enterprise = enterprise_get(visible_to=request.user, pk=pk)
    if permission and not request.user.has_perm(permission, enterprise):
        raise PermissionDenied(_("Your role in this enterprise does not allow this."))
    return enterprise


def _require_onboarding_officer(request):
    if not has_customs_role(request.user, CustomsRole.ONBOARDING_OFFICER):
        raise PermissionDenied(_("This needs the customs onboarding officer role."))


def register(request):
    if request.user.is_authenticated and membership_list(visible_to=request.user).exists():
        messages.info(request, _("Your account already belongs to an enterprise."))
        return redirect("home")
    form = forms.EnterpriseRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            person = User.objects.create_user(
                username=data["username"],
                password=data["password1"],
                email=data["contact_email"],
                display_name=data["contact_name"],
            )
            enterprise = services.enterprise_register(
                legal_name=data["legal_name"],
                country=data["country"],
                address=data["address"],
                identifiers=data["identifiers"],
                trade_roles=data["trade_roles"],
                contact_name=data["contact_name"],
                contact_email=data["contact_email"],
                contact_phone=data["contact_phone"],
                registrant=person,
            )
        login(request, person, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request,
            _("Registered. Customs will review the registration; this page shows its status."),
        )
        return redirect("enterprise-detail", pk=enterprise.pk)
    return render(request, "enterprises/register.html", {"form": form})


@login_required
def enterprise_list_view(request):
    if not is_customs_staff(request.user):
        raise PermissionDenied(_("The list of enterprises is for customs staff."))
    status = request.GET.get("status", "")
    enterprises = enterprise_list(visible_to=request.user).prefetch_related("identifiers")
    if status in Enterprise.Status.values:
        enterprises = enterprises.filter(status=status)
    return render(
        request,
        "enterprises/enterprise_list.html",
        {
            "enterprises": enterprises,
            "status": status,
            "statuses": Enterprise.Status.choices,
        },
    )


@login_required
def enterprise_detail(request, pk):
    enterprise = _enterprise_for(request, pk)
    user = request.user
    context = {
        "enterprise": enterprise,
        "identifiers": enterprise.identifiers.all(),
        "members": membership_list(visible_to=user, enterprise=enterprise),
        "rating_changes": enterprise.rating_changes.all()[:20],
        "can_manage_members": user.has_perm(MANAGE_MEMBERS, enterprise),
        "can_manage_api_keys": user.has_perm(MANAGE_API_KEYS, enterprise),
        "can_manage_agreements": user.has_perm(MANAGE_AGREEMENTS, enterprise),
        "is_onboarding_officer": has_customs_role(user, CustomsRole.ONBOARDING_OFFICER),
        "agreements": enterprise.agreements.select_related("text").order_by("-version"),
    }
    if context["can_manage_members"]:
        context["invitations"] = invitation_list(visible_to=user, enterprise=enterprise)
        context["invitation_form"] = forms.InvitationForm()
        context["roles"] = EnterpriseRole.choices
    if context["can_manage_api_keys"]:
        context["api_keys"] = api_key_list(visible_to=user, enterprise=enterprise)
        context["api_key_form"] = forms.ApiKeyForm()
    if context["is_onboarding_officer"]:
        context["decision_form"] = forms.DecisionForm()
        context["rating_form"] = forms.RatingForm(
            initial={
                "credit_rating": enterprise.credit_rating,
                "aeo_status": enterprise.aeo_status,
            }
        )
    return render(request, "enterprises/enterprise_detail.html", context)


def _invalid(request, form, enterprise):
    for field, errors in form.errors.items():
        for error in errors:
            messages.error(
                request, f"{form.fields[field].label}: {error}" if field in form.fields else error
            )
    return redirect("enterprise-detail", pk=enterprise.pk)


@login_required
@require_POST
def enterprise_decide_view(request, pk):
    _require_onboarding_officer(request)
    enterprise = _enterprise_for(request, pk)
    form = forms.DecisionForm(request.POST)
    if not form.is_valid():
        return _invalid(request, form, enterprise)
    if enterprise.status != Enterprise.Status.PENDING:
        messages.error(request, _("This registration was already decided."))
        return redirect("enterprise-detail", pk=pk)
    services.enterprise_decide(
        enterprise=enterprise,
        approve=form.cleaned_data["approve"],
        reason=form.cleaned_data["reason"],
        actor=request.user,
    )
    messages.success(request, _("Decision recorded."))
    return redirect("enterprise-detail", pk=pk)


@login_required
@require_POST
def enterprise_rating_view(request, pk):
    _require_onboarding_officer(request)
    enterprise = _enterprise_for(request, pk)
    form = forms.RatingForm(request.POST)
    if not form.is_valid():
        return _invalid(request, form, enterprise)
    services.enterprise_rating_set(
        enterprise=enterprise,
        source=RatingChange.Source.OFFICER,
        actor=request.user,
        **form.cleaned_data,
    )
    messages.success(request, _("Credit rating and AEO status updated."))
    return redirect("enterprise-detail", pk=pk)


@login_required
@require_POST
def invitation_create_view(request, pk):
    enterprise = _enterprise_for(request, pk, MANAGE_MEMBERS)
    form = forms.InvitationForm(request.POST)
    if not form.is_valid():
        return _invalid(request, form, enterprise)
    invitation, token = services.invitation_create(
        enterprise=enterprise, actor=request.user, **form.cleaned_data
    )
    link = request.build_absolute_uri(reverse("invitation-accept", args=[token]))
    messages.success(
        request,
        _(
            "Invitation created. Send this link to %(email)s; it is shown only now and works for "
            "14 days: %(link)s"
        )
        % {"email": invitation.email, "link": link},
    )
    return redirect("enterprise-detail", pk=pk)


def invitation_accept_view(request, token):
    invitation = invitation_get_by_token(token=token)
    if (
        invitation is None
        or invitation.accepted_at
        or invitation.cancelled_at
        or invitation.expires_at < timezone.now()
    ):
        return render(request, "enterprises/invitation_invalid.html", status=404)
    account_form = None
    if request.method == "POST":
        if request.user.is_authenticated:
            person = request.user
        else:
            account_form = forms.AccountForm(request.POST)
            person = account_form.save() if account_form.is_valid() else None
        if person is not None:
            if invitation.enterprise.memberships.filter(user=person).exists():
                messages.error(request, _("You are already a member of this enterprise."))
                return redirect("home")
            with transaction.atomic():
                services.invitation_accept(invitation=invitation, user=person)
            if not request.user.is_authenticated:
                login(request, person, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, _("You joined %(name)s.") % {"name": invitation.enterprise.legal_name}
            )
            return redirect("enterprise-detail", pk=invitation.enterprise_id)
    elif not request.user.is_authenticated:
        account_form = forms.AccountForm()
    return render(
        request,
        "enterprises/invitation_accept.html",
        {"invitation": invitation, "account_form": account_form},
    )


@login_required
@require_POST
def membership_update_view(request, pk, membership_pk):
    enterprise = _enterprise_for(request, pk, MANAGE_MEMBERS)
    membership = get_object_or_404(enterprise.memberships, pk=membership_pk)
    form = forms.MembershipForm(request.POST)
    if not form.is_valid():
        return _invalid(request, form, enterprise)
    leaves_admin_role = form.cleaned_data["remove"] or form.cleaned_data["role"] != "admin"
    if (
        membership.role == EnterpriseRole.ADMIN
        and leaves_admin_role
        and enterprise.memberships.filter(role=EnterpriseRole.ADMIN).count() == 1
    ):
        messages.error(
            request, _("An enterprise needs at least one admin: make someone else admin first.")
        )
        return redirect("enterprise-detail", pk=pk)
    if form.cleaned_data["remove"]:
        services.membership_remove(membership=membership, actor=request.user)
        messages.success(request, _("Member removed."))
    elif form.cleaned_data["role"]:
        services.membership_change_role(
            membership=membership, role=form.cleaned_data["role"], actor=request.user
        )
        messages.success(request, _("Role changed."))
    return redirect("enterprise-detail", pk=pk)


@login_required
@require_POST
def api_key_create_view(request, pk):
    enterprise = _enterprise_for(request, pk, MANAGE_API_KEYS)
    if enterprise.status != Enterprise.Status.APPROVED:
        messages.error(request, _("API keys can be created once customs approves the enterprise."))
        return redirect("enterprise-detail", pk=pk)
    form = forms.ApiKeyForm(request.POST)
    if not form.is_valid():
        return _invalid(request, form, enterprise)
    api_key, plaintext = services.api_key_create(
        name=form.cleaned_data["name"], enterprise=enterprise, actor=request.user
    )
    return render(
        request,
        "enterprises/api_key_created.html",
        {"enterprise": enterprise, "api_key": api_key, "plaintext": plaintext},
    )


@login_required
@require_POST
def api_key_revoke_view(request, pk, key_pk):
    enterprise = _enterprise_for(request, pk, MANAGE_API_KEYS)
    api_key = get_object_or_404(enterprise.api_keys, pk=key_pk, revoked_at__isnull=True)
    services.api_key_revoke(api_key=api_key, actor=request.user)
    messages.success(
        request, _("Key %(prefix)s revoked: it stops working now.") % {"prefix": api_key.prefix}
    )
    return redirect("enterprise-detail", pk=pk)
