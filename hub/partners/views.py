from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hub.enterprises.selectors import enterprise_get
from hub.partners import forms, services
from hub.partners.models import MatchCandidate
from hub.partners.permissions import (
    decides_resolution,
    may_register_partners,
    sees_partner_entities,
)
from hub.partners.selectors import (
    candidate_get,
    candidate_list,
    entity_candidate_list,
    entity_consignment_links,
    entity_declaration_list,
    entity_get,
    entity_list,
    entity_registration_list,
    partner_get,
    partner_identifiers,
    partner_list,
    partner_registration_refusal,
    partner_version_list,
    supply_chain_get,
    unregistered_party_list,
)

ENTITIES_PER_PAGE = 50
# The entity page shows the latest declarations; the declaration list has the rest.
DECLARATIONS_SHOWN = 50
CANDIDATES_PER_PAGE = 20


# --- Enterprise side: its own registrations -------------------------------------------------


def _registering(request, pk):
    """The enterprise, if the viewer may register its partners (404 when it may not see it,
    403 when its role may not)."""
    enterprise = enterprise_get(visible_to=request.user, pk=pk)
    if not may_register_partners(request.user, enterprise):
        raise PermissionDenied(
            _("Your role in this enterprise does not allow registering partners.")
        )
    return enterprise


@login_required
def partner_list_view(request, pk):
    enterprise = enterprise_get(visible_to=request.user, pk=pk)
    return render(
        request,
        "partners/partner_list.html",
        {
            "enterprise": enterprise,
            "partners": partner_list(visible_to=request.user, enterprise=enterprise),
            "unregistered": unregistered_party_list(visible_to=request.user, enterprise=enterprise),
            "can_register": may_register_partners(request.user, enterprise),
            "refusal": partner_registration_refusal(enterprise=enterprise),
        },
    )


@login_required
def partner_create_view(request, pk):
    enterprise = _registering(request, pk)
    if refusal := partner_registration_refusal(enterprise=enterprise):
        messages.error(request, refusal)
        return redirect("partner-list", pk=pk)
    # "Register it" on a party the consignments name fills in what they said of it.
    initial = {
        "legal_name": request.GET.get("name", ""),
        "country": request.GET.get("country", ""),
        "roles": request.GET.getlist("role"),
    }
    form = forms.PartnerForm(request.POST or None, enterprise=enterprise, initial=initial)
    if request.method == "POST" and form.is_valid():
        partner = services.partner_register(
            enterprise=enterprise, actor=request.user, **form.registration()
        )
        messages.success(request, _("Partner registered."))
        return redirect("partner-detail", pk=pk, partner_pk=partner.pk)
    return render(request, "partners/partner_form.html", {"enterprise": enterprise, "form": form})


@login_required
def partner_detail_view(request, pk, partner_pk):
    enterprise = enterprise_get(visible_to=request.user, pk=pk)
    partner = partner_get(visible_to=request.user, pk=partner_pk, enterprise=enterprise)
    return render(
        request,
        "partners/partner_detail.html",
        {
            "enterprise": enterprise,
            "partner": partner,
            "identifiers": partner_identifiers(partner=partner),
            "versions": partner_version_list(partner=partner),
            "can_edit": may_register_partners(request.user, enterprise),
            # The entity it resolved to concerns other enterprises too: customs only.
            "shows_entity": sees_partner_entities(request.user),
        },
    )


@login_required
def partner_edit_view(request, pk, partner_pk):
    enterprise = _registering(request, pk)
    partner = partner_get(visible_to=request.user, pk=partner_pk, enterprise=enterprise)
    if refusal := partner_registration_refusal(enterprise=enterprise):
        messages.error(request, refusal)
        return redirect("partner-detail", pk=pk, partner_pk=partner_pk)
    form = forms.PartnerForm(
        request.POST or None,
        enterprise=enterprise,
        partner=partner,
        initial=forms.PartnerForm.initial_for(partner, partner_identifiers(partner=partner)),
    )
    if request.method == "POST" and form.is_valid():
        updated = services.partner_update(
            partner=partner, actor=request.user, **form.registration()
        )
        if updated.version == partner.version:
            messages.info(request, _("Nothing changed."))
        else:
            messages.success(
                request, _("Saved as version %(version)d.") % {"version": updated.version}
            )
        return redirect("partner-detail", pk=pk, partner_pk=partner_pk)
    return render(
        request,
        "partners/partner_form.html",
        {"enterprise": enterprise, "partner": partner, "form": form},
    )


# --- Customs side: partner entities across enterprises --------------------------------------


def _require_customs(request):
    if not sees_partner_entities(request.user):
        raise PermissionDenied(_("Partner entities are for customs staff."))


def _require_decider(request):
    if not decides_resolution(request.user):
        raise PermissionDenied(
            _("Merging and splitting partner entities needs the risk officer or analyst role.")
        )


@login_required
def entity_list_view(request):
    _require_customs(request)
    search = request.GET.get("q", "").strip()
    country = request.GET.get("country", "").strip().upper()
    entities = entity_list(visible_to=request.user, search=search, country=country)
    page = Paginator(entities, ENTITIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "partners/entity_list.html",
        {
            "page": page,
            "search": search,
            "country": country,
            "countries": forms.COUNTRY_CHOICES,
            "open_candidates": candidate_list(visible_to=request.user).count(),
        },
    )


@login_required
def entity_detail_view(request, pk):
    _require_customs(request)
    entity = entity_get(visible_to=request.user, pk=pk)
    registrations = list(entity_registration_list(entity=entity))
    return render(
        request,
        "partners/entity_detail.html",
        {
            "entity": entity,
            "registrations": [
                (partner, partner_identifiers(partner=partner)) for partner in registrations
            ],
            "links": entity_consignment_links(entity=entity),
            "declarations": entity_declaration_list(entity=entity)[:DECLARATIONS_SHOWN],
            "candidates": entity_candidate_list(entity=entity, status=MatchCandidate.Status.OPEN),
            "decisions": entity_candidate_list(entity=entity).exclude(
                status=MatchCandidate.Status.OPEN
            ),
            "decides": decides_resolution(request.user),
            "merge_form": forms.EntityMergeForm(),
        },
    )


@login_required
@require_POST
def entity_merge_view(request, pk):
    _require_decider(request)
    entity = entity_get(visible_to=request.user, pk=pk)
    form = forms.EntityMergeForm(request.POST)
    other = None
    if form.is_valid():
        other = entity_list(visible_to=request.user).filter(pk=form.cleaned_data["other"]).first()
    if other is None or other.pk == entity.pk:
        messages.error(request, _("Give the number of another partner entity."))
        return redirect("partner-entity-detail", pk=pk)
    number = other.pk
    services.entity_merge(source=other, target=entity, actor=request.user)
    messages.success(request, _("Entity %(number)d merged into this one.") % {"number": number})
    return redirect("partner-entity-detail", pk=pk)


@login_required
@require_POST
def partner_split_view(request, pk):
    _require_decider(request)
    partner = partner_get(visible_to=request.user, pk=pk)
    entity = partner.entity
    if entity is None or entity.partners.count() < 2:
        messages.error(request, _("This registration is the only one of its entity already."))
        return redirect("partner-entity-list")
    services.partner_split(partner=partner, actor=request.user)
    messages.success(
        request,
        _("%(name)s is now an entity of its own, kept apart from this one.")
        % {"name": partner.legal_name},
    )
    return redirect("partner-entity-detail", pk=entity.pk)


@login_required
def candidate_list_view(request):
    _require_customs(request)
    page = Paginator(candidate_list(visible_to=request.user), CANDIDATES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "partners/candidate_list.html",
        {
            "page": page,
            "candidates": [
                (
                    candidate,
                    partner_identifiers(partner=candidate.partner),
                    list(entity_registration_list(entity=candidate.entity)),
                )
                for candidate in page
            ],
            "decides": decides_resolution(request.user),
        },
    )


@login_required
@require_POST
def candidate_decide_view(request, pk):
    _require_decider(request)
    candidate = candidate_get(visible_to=request.user, pk=pk)
    decision = request.POST.get("decision")
    if decision == "merge":
        services.candidate_confirm(candidate=candidate, actor=request.user)
        messages.success(
            request,
            _("Merged: %(name)s joined the entity.") % {"name": candidate.partner.legal_name},
        )
    elif decision == "apart":
        services.candidate_keep_apart(candidate=candidate, actor=request.user)
        messages.success(request, _("Kept apart."))
    else:
        messages.error(request, _("Choose to merge or to keep apart."))
    return redirect("partner-candidate-list")


@login_required
def supply_chain_view(request, pk):
    _require_customs(request)
    return render(
        request,
        "partners/supply_chain.html",
        {"chain": supply_chain_get(visible_to=request.user, consignment_pk=pk)},
    )
