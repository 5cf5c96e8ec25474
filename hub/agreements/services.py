import json
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from hub.agreements import signing
from hub.agreements.models import Agreement, AgreementText, Party, Signature
from hub.core.audit import audit_record
from hub.enterprises.models import Enterprise


@transaction.atomic
def agreement_text_publish(*, actor, **content) -> AgreementText:
    text = AgreementText(published_by=actor, **content)
    text.text_hash = text.compute_hash()
    text.save()
    audit_record(
        action="agreements.text.published",
        actor=actor,
        obj=text,
        data={"version": text.version, "sha256": text.text_hash},
    )
    return text


@transaction.atomic
def agreement_draft(
    *, enterprise: Enterprise, text: AgreementText, scope: list[str], channels: list[str], actor
) -> Agreement:
    """A new version of the enterprise's agreement. While it is signed and countersigned the
    version in force, if any, stays in force; it is superseded when this one becomes active."""
    in_force = enterprise.agreements.filter(status__in=Agreement.IN_FORCE).first()
    latest = enterprise.agreements.aggregate(latest=Max("version"))["latest"] or 0
    agreement = Agreement.objects.create(
        enterprise=enterprise,
        text=text,
        version=latest + 1,
        supersedes=in_force,
        scope=sorted(scope),
        channels=sorted(channels),
        created_by=actor,
    )
    audit_record(
        action="agreements.agreement.drafted",
        actor=actor,
        obj=agreement,
        enterprise_id=enterprise.pk,
        data={
            "version": agreement.version,
            "scope": agreement.scope,
            "channels": agreement.channels,
            "text_version": text.version,
        },
    )
    return agreement


def agreement_terms(agreement: Agreement, party: str) -> dict:
    """What a party's signature covers: every stored field that defines the agreement."""
    terms = {
        "agreement_id": agreement.pk,
        "version": agreement.version,
        "supersedes_id": agreement.supersedes_id,
        "enterprise_id": agreement.enterprise_id,
        "text_version": agreement.text.version,
        "text_sha256": agreement.text.text_hash,
        "scope": agreement.scope,
        "channels": agreement.channels,
        "signed_by": agreement.signed_by.get_username() if agreement.signed_by else None,
        "signed_at": agreement.signed_at.isoformat() if agreement.signed_at else None,
    }
    if party == Party.CUSTOMS:
        terms["countersigned_by"] = agreement.countersigned_by.get_username()
        terms["countersigned_at"] = agreement.countersigned_at.isoformat()
    return terms


def _signature_add(*, agreement: Agreement, party: str, signer, signed_at) -> Signature:
    enterprise = agreement.enterprise
    record = {
        "terms": agreement_terms(agreement, party),
        "party": party,
        # Who the enterprise was when it signed; it may change its details later.
        "enterprise": {
            "legal_name": enterprise.legal_name,
            "country": enterprise.country,
            "identifiers": dict(enterprise.identifiers.values_list("scheme", "value")),
        },
    }
    payload = signing.canonical_json(record)
    return Signature.objects.create(
        agreement=agreement,
        party=party,
        signer=signer,
        signed_at=signed_at,
        payload=payload,
        signature=signing.sign(payload),
        key_id=signing.key_id(),
    )


@transaction.atomic
def agreement_sign(*, agreement: Agreement, actor) -> Agreement:
    agreement.status = Agreement.Status.SIGNED
    agreement.signed_by = actor
    agreement.signed_at = timezone.now()
    agreement.save(update_fields=["status", "signed_by", "signed_at", "updated_at"])
    _signature_add(
        agreement=agreement, party=Party.ENTERPRISE, signer=actor, signed_at=agreement.signed_at
    )
    audit_record(
        action="agreements.agreement.signed",
        actor=actor,
        obj=agreement,
        enterprise_id=agreement.enterprise_id,
        data={"version": agreement.version},
    )
    return agreement


@transaction.atomic
def agreement_countersign(*, agreement: Agreement, actor) -> Agreement:
    now = timezone.now()
    previous = agreement.enterprise.agreements.filter(status__in=Agreement.IN_FORCE).first()
    if previous is not None:
        previous.status = Agreement.Status.SUPERSEDED
        previous.ended_at = now
        previous.ended_by = actor.get_username()
        previous.ended_by_party = Party.CUSTOMS
        previous.end_reason = f"superseded by version {agreement.version}"
        previous.save(
            update_fields=[
                "status",
                "ended_at",
                "ended_by",
                "ended_by_party",
                "end_reason",
                "updated_at",
            ]
        )
        audit_record(
            action="agreements.agreement.superseded",
            actor=actor,
            obj=previous,
            enterprise_id=previous.enterprise_id,
            data={"version": previous.version, "by_version": agreement.version},
        )
    agreement.status = Agreement.Status.ACTIVE
    agreement.countersigned_by = actor
    agreement.countersigned_at = now
    agreement.activated_at = now
    agreement.save(
        update_fields=[
            "status",
            "countersigned_by",
            "countersigned_at",
            "activated_at",
            "updated_at",
        ]
    )
    _signature_add(agreement=agreement, party=Party.CUSTOMS, signer=actor, signed_at=now)
    audit_record(
        action="agreements.agreement.countersigned",
        actor=actor,
        obj=agreement,
        enterprise_id=agreement.enterprise_id,
        data={"version": agreement.version},
    )
    return agreement


@transaction.atomic
def agreement_suspend(*, agreement: Agreement, party: str, reason: str, actor) -> Agreement:
    agreement.status = Agreement.Status.SUSPENDED
    agreement.suspended_at = timezone.now()
    agreement.suspended_by = actor.get_username()
    agreement.suspended_by_party = party
    agreement.suspension_reason = reason
    agreement.save(
        update_fields=[
            "status",
            "suspended_at",
            "suspended_by",
            "suspended_by_party",
            "suspension_reason",
            "updated_at",
        ]
    )
    audit_record(
        action="agreements.agreement.suspended",
        actor=actor,
        obj=agreement,
        enterprise_id=agreement.enterprise_id,
        data={"party": party, "reason": reason},
    )
    return agreement


@transaction.atomic
def agreement_resume(*, agreement: Agreement, actor) -> Agreement:
    agreement.status = Agreement.Status.ACTIVE
    agreement.save(update_fields=["status", "updated_at"])
    audit_record(
        action="agreements.agreement.resumed",
        actor=actor,
        obj=agreement,
        enterprise_id=agreement.enterprise_id,
        data={"suspended_since": agreement.suspended_at.isoformat()},
    )
    return agreement


@transaction.atomic
def agreement_terminate(*, agreement: Agreement, party: str, reason: str, actor) -> Agreement:
    """End the agreement now. Ingestion reads the agreement in force on every submission, so
    nothing more is accepted under it from this commit on."""
    previous_status = agreement.status
    agreement.status = Agreement.Status.TERMINATED
    agreement.ended_at = timezone.now()
    agreement.ended_by = actor.get_username()
    agreement.ended_by_party = party
    agreement.end_reason = reason
    agreement.save(
        update_fields=[
            "status",
            "ended_at",
            "ended_by",
            "ended_by_party",
            "end_reason",
            "updated_at",
        ]
    )
    audit_record(
        action="agreements.agreement.terminated",
        actor=actor,
        obj=agreement,
        enterprise_id=agreement.enterprise_id,
        data={"party": party, "reason": reason, "previous_status": previous_status},
    )
    return agreement


@dataclass
class Verification:
    problems: list[str] = field(default_factory=list)
    signatures: list[dict] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems


def agreement_verify(*, agreement: Agreement) -> Verification:
    """Check the text, every signature and that the stored agreement still says what was signed."""
    result = Verification()
    if agreement.text.compute_hash() != agreement.text.text_hash:
        result.problems.append(f"The agreement text {agreement.text.version} was altered.")
    signatures = {signature.party: signature for signature in agreement.signatures.all()}
    expected = []
    if agreement.signed_at:
        expected.append(Party.ENTERPRISE)
    if agreement.countersigned_at:
        expected.append(Party.CUSTOMS)
    for party in expected:
        signature = signatures.get(party)
        if signature is None:
            result.problems.append(f"The signature of {Party(party).label} is missing.")
            continue
        cryptographically_valid = signing.signature_valid(signature.payload, signature.signature)
        try:
            signed_terms = json.loads(signature.payload)["terms"]
        except (ValueError, KeyError):
            signed_terms = None
        terms_match = signed_terms == agreement_terms(agreement, party)
        if not cryptographically_valid:
            result.problems.append(
                f"The signature of {Party(party).label} does not match its record."
            )
        if not terms_match:
            changed = sorted(
                key
                for key, value in agreement_terms(agreement, party).items()
                if not signed_terms or signed_terms.get(key) != value
            )
            result.problems.append(
                f"The agreement no longer says what {Party(party).label} signed: "
                f"{', '.join(changed)} changed."
            )
        result.signatures.append(
            {
                "party": party,
                "signer": signature.signer.get_username(),
                "signed_at": signature.signed_at.isoformat(),
                "key_id": signature.key_id,
                "record": signature.payload,
                "signature": signature.signature,
                "valid": cryptographically_valid and terms_match,
            }
        )
    return result
