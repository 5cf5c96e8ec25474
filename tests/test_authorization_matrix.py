"""Every URL of the hub against every persona: the status each gets, and nothing of enterprise A
ever shown to enterprise B. A URL without an entry here fails, so a new endpoint cannot ship
without deciding who may use it."""

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from hub.declarations.models import Declaration
from hub.declarations.services import declaration_receive
from hub.enterprises.services import invitation_create
from hub.partners.models import MatchCandidate
from hub.partners.services import partner_resolve
from hub.risk.models import RiskProfile
from hub.risk.services import profiles_refresh
from hub.submissions.models import Consignment
from hub.submissions.services import consignment_ingest
from hub.submissions.uploads import upload_receive
from tests.factories import (
    ApiKeyFactory,
    EnterpriseFactory,
    MembershipFactory,
    UserFactory,
    active_agreement,
    consignment_document,
    declaration_document,
    officer,
    registered_partner,
)
from tests.workbooks import consignment_rows, filled_template

PERSONAS = [
    "anonymous",
    "a_admin",
    "a_submitter",
    "a_viewer",
    "b_admin",
    "onboarding",
    "risk",
    "analyst",
    "auditor",
    "a_erp_key",
    "g2g_key",
]
A_MEMBERS = {"a_admin", "a_submitter", "a_viewer"}
CUSTOMS = {"onboarding", "risk", "analyst", "auditor"}
PEOPLE = A_MEMBERS | CUSTOMS | {"b_admin"}
KEYS = {"a_erp_key", "g2g_key"}
A_USCC = "91310115MA1K3PQ2XL"
A_DECLARATION = "220120261000000777"


def expect(default, **overrides):
    """Statuses per persona: `default` for everyone, with overrides by persona or by group
    (`members`, `customs`, `people`, `keys`)."""
    groups = {"members": A_MEMBERS, "customs": CUSTOMS, "people": PEOPLE, "keys": KEYS}
    statuses = dict.fromkeys(PERSONAS, default)
    for name in ("people", "members", "customs", "keys"):  # broad groups first
        if name in overrides:
            statuses.update(dict.fromkeys(groups[name], overrides.pop(name)))
    statuses.update(overrides)
    return statuses


# A page behind login: anonymous visitors and machine keys (no session) are sent to log in.
def page(**overrides):
    return expect(302, **overrides)


# An API endpoint: no credentials is 401.
def api(**overrides):
    return expect(401, **overrides)


A_PAGE = page(members=200, customs=200, b_admin=404)
A_ADMIN_ACTION = page(a_admin=302, a_submitter=403, a_viewer=403, b_admin=404, customs=403)
ONBOARDING_ACTION = page(people=403, onboarding=302)
A_SUBMIT_PAGE = page(a_admin=200, a_submitter=200, a_viewer=403, b_admin=404, customs=403)
CUSTOMS_PAGE = page(people=403, customs=200)
RESOLUTION_ACTION = page(people=403, risk=302, analyst=302)
RISK_PAGE = page(people=403, risk=200, analyst=200)
# Rule sets are edited by senior risk officers only, which no persona here is.
SENIOR_ONLY = page(people=403)

MATRIX = {
    # url name: (kwargs from the world, {method: statuses})
    "home": (None, {"get": page(people=200)}),
    "healthz": (None, {"get": expect(200)}),
    "login": (None, {"get": expect(200, people=302)}),
    "logout": (None, {"post": expect(302)}),
    "set_language": (None, {"post": expect(302)}),
    "admin:index": (None, {"get": expect(302)}),
    "api-schema": (None, {"get": expect(200)}),
    "api-docs": (None, {"get": expect(200)}),
    "audit-event-list": (None, {"get": page(people=403, auditor=200)}),
    "enterprise-register": (None, {"get": expect(200, members=302, b_admin=302)}),
    "enterprise-list": (None, {"get": page(people=403, customs=200)}),
    "enterprise-detail": ("enterprise", {"get": A_PAGE}),
    "enterprise-decide": ("enterprise", {"post": ONBOARDING_ACTION}),
    "enterprise-rating": ("enterprise", {"post": ONBOARDING_ACTION}),
    "invitation-create": ("enterprise", {"post": A_ADMIN_ACTION}),
    "membership-update": ("membership", {"post": A_ADMIN_ACTION}),
    "api-key-create": ("enterprise", {"post": A_ADMIN_ACTION}),
    "api-key-revoke": ("api_key", {"post": A_ADMIN_ACTION}),
    "invitation-accept": ("invitation", {"get": expect(200)}),
    "agreement-list": (None, {"get": page(people=200)}),
    "agreement-text-list": (
        None,
        {"get": page(people=200), "post": page(people=403, onboarding=200)},
    ),
    "agreement-draft": (
        "enterprise_pk",
        {"get": page(a_admin=200, a_submitter=403, a_viewer=403, b_admin=404, customs=403)},
    ),
    "agreement-detail": ("agreement", {"get": A_PAGE}),
    "agreement-verify": ("agreement", {"get": A_PAGE}),
    # The agreement is active: it can be suspended or ended, not signed again.
    "agreement-sign": ("agreement", {"post": page(people=403, b_admin=404)}),
    "agreement-countersign": ("agreement", {"post": page(people=403, b_admin=404)}),
    "agreement-resume": ("agreement", {"post": page(people=403, b_admin=404)}),
    "agreement-suspend": (
        "agreement",
        {"post": page(people=403, b_admin=404, a_admin=302, onboarding=302)},
    ),
    "agreement-terminate": (
        "agreement",
        {"post": page(people=403, b_admin=404, a_admin=302, onboarding=302)},
    ),
    "api-whoami": (None, {"get": api(people=200, keys=200)}),
    "api-enterprise-list": (
        None,
        {
            "get": api(people=200, keys=200),
            "post": api(people=403, keys=403, onboarding=400, g2g_key=400),
        },
    ),
    "api-enterprise-detail": (
        "enterprise",
        {"get": api(members=200, customs=200, keys=200, b_admin=404)},
    ),
    "api-enterprise-decide": ("enterprise", {"post": api(people=403, keys=403, onboarding=400)}),
    "api-enterprise-rating": (
        "enterprise",
        {"post": api(people=403, keys=403, onboarding=400, g2g_key=400)},
    ),
    "api-agreement-list": (None, {"get": api(people=200, keys=200)}),
    "api-agreement-detail": (
        "agreement",
        {"get": api(members=200, customs=200, keys=200, b_admin=404)},
    ),
    "api-agreement-verification": (
        "agreement",
        {"get": api(members=200, customs=200, keys=200, b_admin=404)},
    ),
    "api-signing-key": (None, {"get": expect(200)}),
    "api-scope": (None, {"get": api(people=403, g2g_key=403, a_erp_key=200)}),
    "api-consignment-create": (None, {"post": api(people=403, g2g_key=403, a_erp_key=400)}),
    "api-consignment-batch": (None, {"post": api(people=403, g2g_key=403, a_erp_key=400)}),
    "partner-list": ("enterprise", {"get": A_PAGE}),
    "partner-create": ("enterprise", {"get": A_SUBMIT_PAGE, "post": A_SUBMIT_PAGE}),
    "partner-detail": ("partner", {"get": A_PAGE}),
    "partner-edit": ("partner", {"get": A_SUBMIT_PAGE, "post": A_SUBMIT_PAGE}),
    "partner-entity-list": (None, {"get": CUSTOMS_PAGE}),
    "partner-entity-detail": ("partner_entity", {"get": CUSTOMS_PAGE}),
    "partner-entity-merge": ("partner_entity", {"post": RESOLUTION_ACTION}),
    "partner-split": ("partner_registration", {"post": RESOLUTION_ACTION}),
    "partner-candidate-list": (None, {"get": CUSTOMS_PAGE}),
    "partner-candidate-decide": ("partner_candidate", {"post": RESOLUTION_ACTION}),
    "consignment-supply-chain": ("consignment_pk", {"get": CUSTOMS_PAGE}),
    # Release times: an enterprise's own beside pooled figures; every enterprise's for customs.
    "release-times": ("enterprise", {"get": A_PAGE}),
    "release-times-export": ("enterprise", {"get": A_PAGE}),
    "release-times-overview": (None, {"get": CUSTOMS_PAGE}),
    "release-times-overview-export": (None, {"get": CUSTOMS_PAGE}),
    "release-forecasts": ("enterprise", {"get": A_PAGE}),
    # An empty form clears the targets: admins and submitters of A may.
    "release-targets": (
        "enterprise",
        {
            "get": A_PAGE,
            "post": page(a_admin=302, a_submitter=302, a_viewer=403, b_admin=404, customs=403),
        },
    ),
    "consignment-list": ("enterprise", {"get": A_PAGE}),
    "consignment-detail": ("consignment_pk", {"get": A_PAGE}),
    # Internal control is the enterprise's own: customs have their own pages for what it shared.
    "internal-control": ("enterprise", {"get": page(members=200, b_admin=404, customs=403)}),
    "internal-control-export": (
        "enterprise",
        {"get": page(members=200, b_admin=404, customs=403)},
    ),
    # Cargo events come from carriers' and ports' keys; enterprise A is neither.
    "api-events": (None, {"post": api(people=403, keys=403)}),
    # Anyone signed in runs the what-if on entered figures; the stage times it starts from are
    # aggregates of what the viewer may see (tests/tracking/test_whatif_views.py).
    "tracking-whatif": (None, {"get": page(people=200)}),
    "api-partner-list": (
        None,
        {
            "get": api(people=200, keys=200),
            # B may register partners, but has no agreement in force.
            "post": api(people=403, a_admin=400, a_submitter=400, a_erp_key=400, g2g_key=403),
        },
    ),
    "api-partner-detail": (
        "partner_registration",
        {
            "get": api(members=200, customs=200, keys=200, b_admin=404),
            "put": api(
                people=403, a_admin=400, a_submitter=400, b_admin=404, a_erp_key=400, g2g_key=403
            ),
        },
    ),
    "api-consignment-detail": (
        "consignment",
        {
            "get": api(members=200, customs=200, keys=200, b_admin=404),
            "put": api(people=403, g2g_key=403, a_erp_key=400),
        },
    ),
    # The customs system's feeds; an enterprise reads its own declarations one by one.
    "api-declaration-list": (
        None,
        {
            "get": api(people=403, customs=200, keys=403, g2g_key=200),
            "post": api(people=403, keys=403, g2g_key=400),
        },
    ),
    "api-declaration-statuses": (None, {"post": api(people=403, keys=403, g2g_key=400)}),
    "api-declaration-detail": (
        "declaration",
        {"get": api(members=200, customs=200, keys=200, b_admin=404)},
    ),
    "api-bank-payments": (None, {"post": api(people=403, keys=403, g2g_key=400)}),
    "api-exchange-rates": (None, {"post": api(people=403, keys=403, g2g_key=400)}),
    "api-inspections": (None, {"post": api(people=403, risk=400, keys=403, g2g_key=400)}),
    # Cross-checks: customs staff, and the customs system's key for the API.
    "declaration-list": (None, {"get": CUSTOMS_PAGE}),
    "declaration-detail": ("declaration", {"get": CUSTOMS_PAGE}),
    "crosscheck-tolerances": (None, {"get": CUSTOMS_PAGE}),
    # Risk: officers work the queue (an empty form is a 400), analysts read; the API is for
    # customs staff and the customs system.
    "risk-queue": (None, {"get": RISK_PAGE}),
    "risk-profile-detail": ("risk_profile", {"get": RISK_PAGE}),
    "risk-profile-decide": ("risk_profile", {"post": page(people=403, risk=400)}),
    "risk-inspection-record": ("risk_profile", {"post": page(people=403, risk=400)}),
    "risk-declaration-profile": (
        "risk_declaration",
        {"get": page(people=403, risk=302, analyst=302)},
    ),
    "risk-supply-chain": ("enterprise", {"get": RISK_PAGE}),
    "risk-calibration": (None, {"get": RISK_PAGE}),
    "risk-ruleset-list": (None, {"get": RISK_PAGE}),
    "risk-ruleset-detail": ("rule_set", {"get": RISK_PAGE}),
    "risk-rule-create": (None, {"get": SENIOR_ONLY, "post": SENIOR_ONLY}),
    "risk-rule-edit": ("risk_rule", {"get": SENIOR_ONLY, "post": SENIOR_ONLY}),
    "risk-rule-delete": ("risk_rule", {"post": SENIOR_ONLY}),
    "risk-ruleset-settings": (None, {"get": SENIOR_ONLY, "post": SENIOR_ONLY}),
    "api-profile-list": (None, {"get": api(people=403, customs=200, keys=403, g2g_key=200)}),
    "api-declaration-crosscheck": (
        "declaration",
        {"get": api(people=403, customs=200, keys=403, g2g_key=200)},
    ),
    # Uploads: admins and submitters of A, and A's key. B's admin may submit for B, which has no
    # agreement in force; the matrix posts JSON, which the upload refuses (it takes multipart).
    "upload": (
        "enterprise_pk",
        {
            "get": page(a_admin=200, a_submitter=200, a_viewer=403, b_admin=404, customs=403),
            "post": page(a_admin=400, a_submitter=400, a_viewer=403, b_admin=404, customs=403),
        },
    ),
    "upload-history": ("enterprise_pk", {"get": page(members=200, b_admin=404, customs=403)}),
    "upload-detail": ("upload", {"get": page(members=200, b_admin=404, customs=404)}),
    "api-template": (
        None,
        {"get": api(people=403, a_admin=200, a_submitter=200, a_erp_key=200, g2g_key=403)},
    ),
    "api-upload-create": (
        None,
        {
            "post": api(
                people=403, a_admin=415, a_submitter=415, b_admin=415, a_erp_key=415, g2g_key=403
            )
        },
    ),
    "api-upload-annotated": (
        "upload",
        {
            "get": api(
                people=403, a_admin=200, a_submitter=200, b_admin=404, a_erp_key=200, g2g_key=403
            )
        },
    ),
}


# Whoever holds an invitation link is meant to see which enterprise invites them: the token in the
# URL is the authorization, so the page may name enterprise A to anyone who has it.
BEARER_TOKEN_URLS = {"invitation-accept"}


def url_names(patterns=None, namespace=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


# The admin site is one entry: Django's own views, all behind is_staff.
ALL_URLS = sorted({"admin:index" if name.startswith("admin:") else name for name in url_names()})


def test_every_url_of_the_hub_has_an_entry_in_the_matrix():
    assert sorted(set(ALL_URLS) - set(MATRIX)) == []
    assert sorted(set(MATRIX) - set(ALL_URLS)) == []  # no entry for a URL that is gone


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Enterprise A with a member in each role, an active agreement and a key; enterprise B with
    its admin; an officer of each customs role; the customs system's key. Built once and rolled
    back at the end; each test runs in a savepoint inside it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        a = EnterpriseFactory(
            legal_name="Alpha Secret Optics Co., Ltd.", identifiers={"uscc": A_USCC}
        )
        b = EnterpriseFactory(legal_name="Beta Rival Trading Co., Ltd.")
        people = {
            "a_admin": MembershipFactory(enterprise=a, role="admin").user,
            "a_submitter": MembershipFactory(enterprise=a, role="submitter").user,
            "a_viewer": MembershipFactory(enterprise=a, role="viewer").user,
            "b_admin": MembershipFactory(enterprise=b, role="admin").user,
            "onboarding": officer("customs_onboarding_officer"),
            "risk": officer("customs_risk_officer"),
            "analyst": officer("customs_analyst"),
            "auditor": officer("customs_auditor"),
        }
        _, token = invitation_create(
            enterprise=a, email="x@example.com", role="viewer", actor=people["a_admin"]
        )
        erp_key = ApiKeyFactory(enterprise=a)
        agreement = active_agreement(a, people["a_admin"])
        consignment_ingest(
            enterprise_id=a.pk,
            documents=[consignment_document("A-SECRET-1")],
            channel="api",
            actor=people["a_admin"],
        )
        declaration_receive(
            documents=[declaration_document(A_DECLARATION, consignee_code=A_USCC)], actor=None
        )
        # Follow-ups do not run inside this transaction: the declaration's profile is made here.
        profiles_refresh(declaration_ids=[Declaration.objects.get(number=A_DECLARATION).pk])
        risk_profile = RiskProfile.objects.get(declaration__number=A_DECLARATION)
        # One supplier registered by A and by B, and a third registration alike enough for the
        # officers' confirmation queue.
        supplier = registered_partner(a, people["a_admin"])
        for name in ("Rhein Praezisionstechnik GmbH", "Rhein Prezisionstechnik"):
            partner_resolve(partner=registered_partner(b, people["b_admin"], legal_name=name))
        partner_resolve(partner=supplier)
        supplier.refresh_from_db()
        bad_rows = consignment_rows("A-SECRET-2")
        bad_rows[0]["lines.unit"] = "BOXES"
        refused_upload = upload_receive(
            enterprise=a,
            file_name="a-secret.xlsx",
            data=filled_template(agreement, bad_rows),
            actor=people["a_submitter"],
        )
        world = {
            "people": people,
            "keys": {
                "a_erp_key": erp_key.plaintext,
                "g2g_key": ApiKeyFactory(enterprise=None, kind="g2g").plaintext,
            },
            "kwargs": {
                "enterprise": {"pk": a.pk},
                "enterprise_pk": {"enterprise_pk": a.pk},
                "agreement": {"pk": agreement.pk},
                "consignment": {"reference": "A-SECRET-1"},
                "declaration": {"number": A_DECLARATION},
                "risk_profile": {"pk": risk_profile.pk},
                "risk_declaration": {"pk": risk_profile.declaration_id},
                "rule_set": {"version": risk_profile.rule_set.version},
                "risk_rule": {"key": "arms"},
                "membership": {
                    "pk": a.pk,
                    "membership_pk": a.memberships.get(user=people["a_viewer"]).pk,
                },
                "api_key": {"pk": a.pk, "key_pk": erp_key.pk},
                "invitation": {"token": token},
                "upload": {"pk": refused_upload.pk},
                "partner": {"pk": a.pk, "partner_pk": supplier.pk},
                "partner_registration": {"pk": supplier.pk},
                "partner_entity": {"pk": supplier.entity_id},
                "partner_candidate": {"pk": MatchCandidate.objects.first().pk},
                "consignment_pk": {"pk": Consignment.objects.get(reference="A-SECRET-1").pk},
            },
            "unused": UserFactory(),
        }
        yield world
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


def client_for(persona, world):
    client = Client()
    if persona in world["people"]:
        client.force_login(world["people"][persona])
    elif persona in world["keys"]:
        client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {world['keys'][persona]}"
    return client


CASES = [
    (name, method, persona)
    for name in ALL_URLS
    for method in (MATRIX[name][1] if name in MATRIX else {"get": None})
    for persona in PERSONAS
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "persona"), CASES)
def test_who_may_use_each_url(world, name, method, persona, settings):
    # Who may call /healthz is asked here; what it reports of Redis and workers, in test_health.
    settings.JOBS_IN_PROCESS = True
    from django.urls import reverse

    assert name in MATRIX, f"{name} has no entry in the authorization matrix"
    kwargs_key, methods = MATRIX[name]
    url = reverse(name, kwargs=world["kwargs"][kwargs_key] if kwargs_key else None)
    client = client_for(persona, world)

    if method == "get":
        response = client.get(url)
    elif url.startswith("/api/"):
        response = getattr(client, method)(url, data="{}", content_type="application/json")
    else:
        response = client.post(url, data={})

    assert response.status_code == methods[method][persona], (
        f"{method.upper()} {url} as {persona}: {response.status_code}"
    )
    if persona == "b_admin" and response.status_code == 200 and name not in BEARER_TOKEN_URLS:
        body = response.content.decode()
        assert "Alpha Secret Optics" not in body
        assert A_USCC not in body
        assert "A-SECRET-1" not in body
        assert A_DECLARATION not in body
