"""Set-based reads of both sides for a chunk of declarations: one query per kind of row, whatever
the chunk's size, straight into the plain objects `comparison` works on (no model instances: a
chunk reads tens of thousands of lines)."""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import F, Lookup, Q

from hub.crosschecks.comparison import (
    DeclarationFacts,
    DeclaredItem,
    Payment,
    RateBook,
    SharedConsignment,
    SharedGoods,
    SharedLine,
)
from hub.crosschecks.models import Match
from hub.declarations.models import BankPayment, Declaration, DeclarationItem, ExchangeRate
from hub.partners import matching as names
from hub.partners.models import Partner
from hub.submissions.models import Consignment, ConsignmentLine, ConsignmentParty


class _AnyOf(Lookup):
    """PostgreSQL's `field = ANY(array)`: the values are one parameter."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, self.rhs]


def among(field: str, values):
    """A filter: `field` is one of `values`. On PostgreSQL the values travel as one array
    parameter: a chunk's IN list of hundreds of placeholders costs the driver more to prepare
    than the query takes to run."""
    values = list(values)
    if connection.vendor == "postgresql":
        return _AnyOf(F(field), values)
    return Q(**{f"{field}__in": values})


FACT_FIELDS = (
    "id",
    "number",
    "revision",
    "consignee_id",
    "consignee_code",
    "declared_at",
    "transport_document_number",
    "invoice_number",
    "containers",
    "consignor_name",
    "consignor_country",
    "trade_terms",
    "currency",
    "freight",
    "insurance",
)


def declaration_facts(ids, *, lock: bool = False) -> dict[int, DeclarationFacts]:
    """The declarations' facts by id; `lock` takes their row locks, in id order, so that two
    runs over one declaration follow each other (inside the caller's transaction)."""
    declarations = Declaration.objects.filter(among("id", ids)).order_by("pk")
    if lock:
        declarations = declarations.select_for_update(of=("self",))
    return {row[0]: DeclarationFacts(*row) for row in declarations.values_list(*FACT_FIELDS)}


def declared_items(declaration_ids, *, detailed: bool = False) -> list[DeclaredItem]:
    """The declarations' items; `detailed` adds their descriptions, for a page."""
    columns = [
        "declaration_id",
        "item_number",
        "hs_code",
        "quantity",
        "unit",
        "net_weight_kg",
        "value",
        "origin_country",
    ]
    return [
        DeclaredItem(*row)
        for row in DeclarationItem.objects.filter(among("declaration_id", declaration_ids))
        .order_by("declaration_id", "item_number")
        .values_list(*columns, *(["description"] if detailed else []))
    ]


def _decimal(number):
    """A number column as a Decimal (SQLite hands back ints and floats)."""
    return number if number is None or isinstance(number, Decimal) else Decimal(str(number))


def shared_consignments(consignment_ids, *, detailed: bool = False) -> dict[int, SharedConsignment]:
    """The consignments with the lines of their current revision summed by HS subheading,
    origin and unit; `detailed` keeps each line too, for a page."""
    consignments = {
        row[0]: SharedConsignment(*row)
        for row in Consignment.objects.filter(
            among("id", consignment_ids), current_revision__isnull=False
        ).values_list(
            "id",
            "reference",
            "enterprise_id",
            "current_revision_id",
            "current_revision__number",
            "current_revision__currency",
            "current_revision__incoterms",
            "estimated_arrival",
            "created_at",
        )
    }
    by_revision = {consignment.revision_id: consignment for consignment in consignments.values()}
    if not by_revision:
        return consignments
    for revision_id, name, country in ConsignmentParty.objects.filter(
        among("revision_id", by_revision),
        role__in=[ConsignmentParty.Role.SELLER, ConsignmentParty.Role.SHIPPER],
    ).values_list("revision_id", "name", "country"):
        by_revision[revision_id].consignors.append((name, country))
    columns = [
        "revision_id",
        "hs_code",
        "origin_country",
        "quantity",
        "unit",
        "net_weight_kg",
        "line_value",
    ]
    if detailed:
        columns += ["line_number", "material_number", "description"]
    lines = ConsignmentLine.objects.filter(among("revision_id", by_revision)).values_list(*columns)
    if detailed:
        lines = lines.order_by("revision_id", "line_number")
    # Rows straight from the cursor: a chunk reads tens of thousands of lines, and Django's
    # conversions of each row cost more than the query.
    sql, params = lines.query.sql_with_params()
    value_field = ConsignmentLine._meta.get_field("line_value")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    goods_of: dict[tuple, SharedGoods] = {}
    for revision_id, hs_code, origin, quantity, unit, weight, value, *detail in rows:
        key = (revision_id, hs_code[:6], origin, unit)
        goods = goods_of.get(key)
        if goods is None:
            consignment = by_revision[revision_id]
            goods = goods_of[key] = SharedGoods(consignment.id, key[1], origin, unit)
            consignment.goods.append(goods)
        quantity = _decimal(quantity)
        value = Decimal(value_field.from_db_value(value, None, connection))
        goods.add(quantity, _decimal(weight), value)
        if detailed:
            goods.lines.append(SharedLine(*detail, quantity, unit, value, origin, hs_code))
    return consignments


def rate_book(currencies, days, *, max_age_days: int) -> RateBook:
    """The daily rates of `currencies` that conversions on `days` may use."""
    if not days:
        return RateBook([], max_age_days=max_age_days)
    rows = ExchangeRate.objects.filter(
        currency__in=set(currencies),
        day__gte=min(days) - timedelta(days=max_age_days),
        day__lte=max(days),
    ).values_list("currency", "day", "rate")
    return RateBook(rows, max_age_days=max_age_days)


def paid_by_consignee(payer_id, payer_code, facts) -> bool:
    """Whether a payment's payer is the declaration's consignee: the enterprise, or the code
    it declared."""
    return (payer_id is not None and payer_id == facts.consignee_id) or bool(
        payer_code and payer_code == facts.consignee_code
    )


def payments_by_declaration(declarations) -> dict[int, list[Payment]]:
    """Bank payments of each declaration's invoice made by its consignee (the enterprise, or
    the code it declared)."""
    invoices = {facts.invoice_number for facts in declarations if facts.invoice_number}
    if not invoices:
        return {}
    by_invoice = defaultdict(list)
    for invoice, payer_id, payer_code, *payment in BankPayment.objects.filter(
        invoice_reference__in=invoices
    ).values_list(
        "invoice_reference", "payer_id", "payer_code", "reference", "amount", "currency", "paid_on"
    ):
        by_invoice[invoice].append((payer_id, payer_code, Payment(*payment)))
    return {
        facts.id: [
            payment
            for payer_id, payer_code, payment in by_invoice.get(facts.invoice_number, [])
            if paid_by_consignee(payer_id, payer_code, facts)
        ]
        for facts in declarations
    }


class RegisteredPartners:
    """The partners the consignees registered, to tell whether a declared consignor is one."""

    def __init__(self, declarations, *, threshold):
        self.threshold = float(threshold)
        self.names = defaultdict(list)
        pairs = {(facts.consignee_id, facts.consignor_country) for facts in declarations}
        query = Q()
        for enterprise_id, country in pairs:
            query |= Q(enterprise_id=enterprise_id, country=country)
        if pairs:
            for enterprise_id, country, name in Partner.objects.filter(query).values_list(
                "enterprise_id", "country", "legal_name"
            ):
                self.names[(enterprise_id, country)].append(name)
        self.known: dict[tuple, bool] = {}

    def registered(self, facts: DeclarationFacts) -> bool:
        key = (facts.consignee_id, facts.consignor_country, facts.consignor_name)
        if key not in self.known:
            self.known[key] = any(
                names.name_score(facts.consignor_name, name) >= self.threshold
                for name in self.names[key[:2]]
            )
        return self.known[key]


# How far a match group is followed from a declaration: declaration, consignment, other
# declaration, its other consignment... Real groups end after a step or two.
MATCH_GROUP_ROUNDS = 4


def match_group(declaration_ids, consignments_of: dict[int, set]) -> dict[int, set]:
    """Every declaration's match group closed over shared consignments: `consignments_of`
    (declaration → consignment ids, as just matched) gains the other declarations matched to
    those consignments and their consignments, until nothing is added. Returns, for each other
    declaration reached, its consignments."""
    others: dict[int, set] = {}
    frontier = set().union(*consignments_of.values()) if consignments_of else set()
    seen_consignments = set(frontier)
    for _round in range(MATCH_GROUP_ROUNDS):
        if not frontier:
            break
        found = defaultdict(set)
        for declaration_id, consignment_id in (
            Match.objects.filter(among("consignment_id", frontier))
            .exclude(declaration_id__in=declaration_ids)
            .exclude(declaration_id__in=list(others))
            .values_list("declaration_id", "consignment_id")
        ):
            found[declaration_id].add(consignment_id)
        if not found:
            break
        for declaration_id, consignment_id in Match.objects.filter(
            declaration_id__in=list(found)
        ).values_list("declaration_id", "consignment_id"):
            found[declaration_id].add(consignment_id)
        others.update(found)
        frontier = set().union(*found.values()) - seen_consignments
        seen_consignments |= frontier
    return others
