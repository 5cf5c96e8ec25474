"""Reads of matches, cross-checks and findings. Customs staff and the customs system see them
all; an enterprise sees, of its own declarations, only the findings customs shared with it."""

from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from hub.core.roles import is_customs_staff
from hub.crosschecks import loading
from hub.crosschecks.comparison import Comparison, declaration_compare
from hub.crosschecks.models import CrossCheck, Finding, Match
from hub.crosschecks.tolerances import TOLERANCES, tolerance_display, tolerances
from hub.declarations.models import Declaration
from hub.declarations.selectors import declaration_list
from hub.enterprises.selectors import sees_every_enterprise

SEVERITY_RANK = Case(
    When(severity=Finding.Severity.HIGH, then=Value(0)),
    When(severity=Finding.Severity.MEDIUM, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)
NOT_CHECKED = "not_checked"


def declaration_crosscheck_list(
    *,
    visible_to,
    outcome: str = "",
    finding_type: str = "",
    severity: str = "",
    search: str = "",
    status: str = "",
    consignee=None,
    declared_from=None,
    declared_to=None,
) -> QuerySet[Declaration]:
    """Declarations with their cross-check outcome and how many findings of each severity,
    newest first, narrowed by the filters given. For customs staff (others see none)."""
    if not sees_every_enterprise(visible_to):
        return Declaration.objects.none()
    declarations = declaration_list(visible_to=visible_to).select_related("consignee", "crosscheck")
    if outcome == NOT_CHECKED:
        declarations = declarations.filter(crosscheck__isnull=True)
    elif outcome:
        declarations = declarations.filter(crosscheck__outcome=outcome)
    if finding_type or severity:
        findings = Finding.objects.all()
        if finding_type:
            findings = findings.filter(type=finding_type)
        if severity:
            findings = findings.filter(severity=severity)
        declarations = declarations.filter(pk__in=findings.values("declaration_id"))
    if search:
        declarations = declarations.filter(
            Q(number__icontains=search)
            | Q(consignee_name__icontains=search)
            | Q(consignor_name__icontains=search)
            | Q(transport_document_number__icontains=search)
        )
    if status:
        declarations = declarations.filter(status=status)
    if consignee is not None:
        declarations = declarations.filter(consignee=consignee)
    if declared_from is not None:
        declarations = declarations.filter(declared_at__date__gte=declared_from)
    if declared_to is not None:
        declarations = declarations.filter(declared_at__date__lte=declared_to)
    return declarations.annotate(
        high_findings=Count("findings", filter=Q(findings__severity=Finding.Severity.HIGH)),
        other_findings=Count("findings", filter=~Q(findings__severity=Finding.Severity.HIGH)),
    ).order_by("-declared_at", "-id")


def crosscheck_get(*, visible_to, declaration: Declaration) -> CrossCheck | None:
    """The declaration's cross-check, None before the first run. Only customs see it whole;
    an enterprise reads the findings shared with it (finding_list)."""
    if not sees_every_enterprise(visible_to):
        return None
    return CrossCheck.objects.filter(declaration=declaration).first()


def finding_list(*, visible_to, declaration: Declaration) -> QuerySet[Finding]:
    """The declaration's findings, the most severe first. The consignee's members and keys
    see those customs shared with the enterprise; anyone else none."""
    findings = Finding.objects.filter(declaration=declaration)
    if not sees_every_enterprise(visible_to):
        if not declaration_list(visible_to=visible_to).filter(pk=declaration.pk).exists():
            return Finding.objects.none()
        findings = findings.filter(shared_with_enterprise=True)
    return findings.annotate(rank=SEVERITY_RANK).order_by("rank", "item_number", "type", "id")


def match_list(*, visible_to, declaration: Declaration) -> QuerySet[Match]:
    """The consignments matched to the declaration, the most certain first: customs only."""
    if not sees_every_enterprise(visible_to):
        return Match.objects.none()
    return Match.objects.filter(declaration=declaration).select_related(
        "consignment__enterprise", "revision"
    )


def crosscheck_comparison_get(*, visible_to, declaration: Declaration) -> Comparison | None:
    """The declaration beside the shared lines of its current matches, item by item, as the
    cross-check compares them now; None without matches. Customs staff only: it shows the
    shared values, which are confidential."""
    if not is_customs_staff(visible_to):
        return None
    own = set(
        Match.objects.filter(declaration=declaration).values_list("consignment_id", flat=True)
    )
    if not own:
        return None
    tol = tolerances()
    facts = loading.declaration_facts([declaration.pk])[declaration.pk]
    others = loading.match_group([declaration.pk], {declaration.pk: own})
    facts_of = {facts.id: facts, **loading.declaration_facts(list(others))}
    consignments = loading.shared_consignments(own.union(*others.values()), detailed=True)
    payments = loading.payments_by_declaration([facts])
    rates = loading.rate_book(
        {other.currency for other in facts_of.values()}
        | {consignment.currency for consignment in consignments.values()}
        | {payment.currency for payment in payments.get(facts.id, [])},
        {facts.day},
        max_age_days=int(tol["exchange_rate_max_age_days"]),
    )
    partners = loading.RegisteredPartners([facts], threshold=tol["consignor_similarity"])
    return declaration_compare(
        declaration=facts,
        facts_of=facts_of,
        items=loading.declared_items(list(facts_of), detailed=True),
        consignments=list(consignments.values()),
        own_consignment_ids=own & set(consignments),
        payments=payments.get(facts.id, []),
        consignor_registered=partners.registered(facts),
        enterprise_name=declaration.consignee.legal_name if declaration.consignee else "",
        rates=rates,
        tolerances=tol,
    )


@dataclass
class ToleranceRow:
    key: str
    label: str
    meaning: str
    value: str


def tolerance_list() -> list[ToleranceRow]:
    """The tolerances in force, as officers read them."""
    values = tolerances()
    return [
        ToleranceRow(
            tolerance.key,
            str(tolerance.label),
            str(tolerance.meaning),
            tolerance_display(tolerance.key, values[tolerance.key]),
        )
        for tolerance in TOLERANCES
    ]
