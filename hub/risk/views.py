from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hub.declarations.services import inspection_record
from hub.risk import forms, services
from hub.risk.conditions import FIELDS, OPERATORS, condition_text
from hub.risk.models import Lane
from hub.risk.permissions import decides_risk, edits_rules, sees_risk
from hub.risk.scoring import factor_label, factor_sentence, lane_explanation
from hub.risk.selectors import (
    calibration_report,
    enterprise_choices,
    office_choices,
    profile_current_of,
    profile_findings,
    profile_get,
    profile_history,
    profile_list,
    profile_parties,
    ruleset_current,
    ruleset_get,
    ruleset_list,
    supply_chain_get,
)

PROFILES_PER_PAGE = 50


def _require_risk(request):
    if not sees_risk(request.user):
        raise PermissionDenied(_("Risk profiles are for customs risk officers and analysts."))


def _require_officer(request):
    if not decides_risk(request.user):
        raise PermissionDenied(_("Deciding and recording inspections needs the risk officer role."))


def _require_senior(request):
    if not edits_rules(request.user):
        raise PermissionDenied(
            _("Rule sets are edited by senior risk officers (the edit rule sets permission).")
        )


def factor_rows(factors, *, of_declaration=True) -> list[dict]:
    """Each factor as the pages show it: what it measured, what it added, and the evidence."""
    return [
        {
            "key": factor["key"],
            "label": factor_label(factor["key"]),
            "contribution": factor["contribution"],
            "sentence": factor_sentence(factor, of_declaration=of_declaration),
            "ids": factor["evidence"]["ids"],
        }
        for factor in factors
    ]


def fired_rule_rows(fired_rules) -> list[dict]:
    return [
        {**rule, "floor_label": Lane(rule["floor"]).label if rule["floor"] else ""}
        for rule in fired_rules
    ]


# --- The queue and the profiles ----------------------------------------------------------------


@login_required
def queue_view(request):
    _require_risk(request)
    form = forms.QueueFilterForm(
        request.GET or None, offices=office_choices(), enterprises=enterprise_choices()
    )
    filters = form.filters()
    page = Paginator(profile_list(visible_to=request.user, **filters), PROFILES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "now": timezone.now()}
    template = "risk/_queue_table.html" if request.htmx else "risk/queue.html"
    return render(request, template, context)


@login_required
def declaration_profile_view(request, pk):
    """The current profile of a declaration, for links from wherever a declaration is named."""
    _require_risk(request)
    profile = profile_list(visible_to=request.user, status="all").filter(declaration_id=pk).first()
    if profile is None:
        raise Http404
    return redirect("risk-profile-detail", pk=profile.pk)


def _profile_context(request, profile, *, decision_form=None, inspection_form=None):
    rule_set = profile.rule_set
    officer = decides_risk(request.user)
    return {
        "profile": profile,
        "current": profile_current_of(profile=profile),
        "factors": factor_rows(profile.factors),
        "explanation": lane_explanation(
            score=profile.score,
            lane=profile.lane,
            fired_rules=profile.fired_rules,
            green_below=rule_set.green_below,
            red_from=rule_set.red_from,
        ),
        "random_rate": rule_set.random_rates[profile.lane],
        "fired_rules": fired_rule_rows(profile.fired_rules),
        "findings": profile_findings(profile=profile),
        "parties": profile_parties(profile=profile),
        "history": profile_history(profile=profile),
        "decides": officer,
        "decision_form": decision_form
        or (forms.DecisionForm(profile=profile) if officer and profile.is_current else None),
        "inspection_form": inspection_form
        or (forms.InspectionForm(declaration=profile.declaration) if officer else None),
    }


@login_required
def profile_detail_view(request, pk):
    _require_risk(request)
    profile = profile_get(visible_to=request.user, pk=pk)
    return render(request, "risk/profile_detail.html", _profile_context(request, profile))


@login_required
@require_POST
def profile_decide_view(request, pk):
    _require_officer(request)
    profile = profile_get(visible_to=request.user, pk=pk)
    form = forms.DecisionForm(request.POST, profile=profile)
    if not form.is_valid():
        return render(
            request,
            "risk/profile_detail.html",
            _profile_context(request, profile, decision_form=form),
            status=400,
        )
    try:
        decision = services.profile_decide(
            profile=profile,
            lane=form.cleaned_data["lane"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )
    except services.ProfileNotCurrent:
        messages.error(request, _("The profile was refreshed meanwhile: decide on the new one."))
        return redirect("risk-declaration-profile", pk=profile.declaration_id)
    messages.success(
        request,
        _("Decision recorded: %(lane)s.") % {"lane": decision.get_lane_to_display()},
    )
    return redirect("risk-profile-detail", pk=pk)


@login_required
@require_POST
def inspection_record_view(request, pk):
    _require_officer(request)
    profile = profile_get(visible_to=request.user, pk=pk)
    form = forms.InspectionForm(request.POST, declaration=profile.declaration)
    if not form.is_valid():
        return render(
            request,
            "risk/profile_detail.html",
            _profile_context(request, profile, inspection_form=form),
            status=400,
        )
    outcome = inspection_record(
        declaration=profile.declaration, actor=request.user, **form.cleaned_data
    )
    messages.success(
        request,
        _("Inspection outcome recorded: %(result)s.") % {"result": outcome.get_result_display()},
    )
    return redirect("risk-profile-detail", pk=pk)


@login_required
def supply_chain_view(request, pk):
    _require_risk(request)
    chain = supply_chain_get(visible_to=request.user, enterprise_pk=pk)
    return render(
        request,
        "risk/supply_chain.html",
        {
            "chain": chain,
            "factors": factor_rows(chain.profile.factors, of_declaration=False)
            if chain.profile
            else [],
        },
    )


@login_required
def calibration_view(request):
    _require_risk(request)
    form = forms.CalibrationForm(request.GET or None)
    until = timezone.now()
    since = until - timedelta(days=form.days_back())
    return render(
        request,
        "risk/calibration.html",
        {
            "form": form,
            "rows": calibration_report(since=since, until=until),
            "since": since,
            "until": until,
            "rule_set": ruleset_current(),
        },
    )


# --- Rule sets -------------------------------------------------------------------------------


def _rules_context(rule_set):
    return [(rule, condition_text(rule.condition)) for rule in rule_set.rules.all()]


@login_required
def ruleset_list_view(request):
    _require_risk(request)
    current = ruleset_current()
    return render(
        request,
        "risk/ruleset_list.html",
        {
            "rule_set": current,
            "rules": _rules_context(current),
            "versions": ruleset_list(),
            "edits": edits_rules(request.user),
        },
    )


@login_required
def ruleset_detail_view(request, version):
    _require_risk(request)
    rule_set = ruleset_get(version=version)
    return render(
        request,
        "risk/ruleset_detail.html",
        {"rule_set": rule_set, "rules": _rules_context(rule_set), "latest": ruleset_current()},
    )


def _save_new_version(request, save):
    """Run a rule-set edit; an edit based on a version that is no longer the latest is refused."""
    try:
        rule_set = save()
    except services.RuleSetConflict:
        messages.error(
            request,
            _(
                "Someone saved a newer version meanwhile; your change was not saved. Make it "
                "again on the latest version."
            ),
        )
        return redirect("risk-ruleset-list")
    messages.success(
        request,
        _("Saved as version %(version)d; the next refresh uses it.")
        % {"version": rule_set.version},
    )
    return redirect("risk-ruleset-list")


def _base_version(request, rule_set):
    """The version the form was opened on (posted back), so that a concurrent save is caught."""
    posted = request.POST.get("base_version")
    if posted and posted != str(rule_set.version):
        return ruleset_get(version=posted)
    return rule_set


def _rule_form_page(request, form, rule_set, rule=None):
    return render(
        request,
        "risk/rule_form.html",
        {
            "form": form,
            "rule_set": rule_set,
            "rule": rule,
            "fields": [(name, spec, OPERATORS[spec.type]) for name, spec in FIELDS.items()],
        },
        status=400 if form.is_bound else 200,
    )


@login_required
def rule_create_view(request):
    _require_senior(request)
    rule_set = ruleset_current()
    form = forms.RuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        base = _base_version(request, rule_set)
        return _save_new_version(
            request,
            lambda: services.rule_save(
                base=base,
                key="",
                rule=form.rule(),
                note=form.cleaned_data["note"],
                actor=request.user,
            ),
        )
    return _rule_form_page(request, form, rule_set)


def _rule_of(rule_set, key):
    rule = rule_set.rules.filter(key=key).first()
    if rule is None:
        raise Http404
    return rule


@login_required
def rule_edit_view(request, key):
    _require_senior(request)
    rule_set = ruleset_current()
    rule = _rule_of(rule_set, key)
    form = forms.RuleForm(request.POST or None, initial=forms.RuleForm.initial_for(rule))
    if request.method == "POST" and form.is_valid():
        base = _base_version(request, rule_set)
        return _save_new_version(
            request,
            lambda: services.rule_save(
                base=base,
                key=key,
                rule=form.rule(),
                note=form.cleaned_data["note"],
                actor=request.user,
            ),
        )
    return _rule_form_page(request, form, rule_set, rule)


@login_required
@require_POST
def rule_delete_view(request, key):
    _require_senior(request)
    rule_set = ruleset_current()
    rule = _rule_of(rule_set, key)
    form = forms.RuleDeleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the rule is removed."))
        return redirect("risk-rule-edit", key=key)
    base = _base_version(request, rule_set)
    return _save_new_version(
        request,
        lambda: services.rule_delete(
            base=base, key=rule.key, note=form.cleaned_data["note"], actor=request.user
        ),
    )


@login_required
def ruleset_settings_view(request):
    _require_senior(request)
    rule_set = ruleset_current()
    form = forms.RuleSetSettingsForm(
        request.POST or None, initial=forms.RuleSetSettingsForm.initial_for(rule_set)
    )
    if request.method == "POST" and form.is_valid():
        base = _base_version(request, rule_set)
        return _save_new_version(
            request,
            lambda: services.ruleset_settings_save(
                base=base, values=form.values(), note=form.cleaned_data["note"], actor=request.user
            ),
        )
    return render(
        request,
        "risk/ruleset_settings.html",
        {"form": form, "rule_set": rule_set},
        status=400 if form.is_bound else 200,
    )
