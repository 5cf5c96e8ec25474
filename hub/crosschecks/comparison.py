"""Comparing one declaration with the shared lines matched to it: no database, so that the job and
the officers' page run the very same comparison.

The shared lines of every consignment in the declaration's match group (the consignments matched
to it, and the other declarations matched to those) are grouped by HS subheading (6 digits) and
origin and aligned with the declared items grouped the same way: first where both agree, then
where they differ (another origin, another subheading or heading), the likeliest pairs first.
Each aligned pair is compared in the declaration's unit, currency and trade terms.
"""

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hub.crosschecks.models import Finding
from hub.crosschecks.tolerances import tolerance_display
from hub.partners import matching as names

ZERO = Decimal(0)
DECLARED_LENGTH = Finding._meta.get_field("declared").max_length
SHARED_LENGTH = Finding._meta.get_field("shared").max_length
TOLERANCE_LENGTH = Finding._meta.get_field("tolerance").max_length
REPORTING_CURRENCY = "CNY"

# UN/ECE Rec. 20 units that convert into one another, by dimension: size in the dimension's
# base unit.
_UNIT_SIZES = {
    "mass": {
        "KGM": "1",
        "GRM": "0.001",
        "MGM": "0.000001",
        "HGM": "0.1",
        "DTN": "100",
        "TNE": "1000",
        "KTN": "1000000",
        "LBR": "0.45359237",
        "ONZ": "0.028349523125",
        "APZ": "0.0311034768",
        "STN": "907.18474",
        "LTN": "1016.0469088",
        "CTM": "0.0002",
    },
    "count": {
        "PCE": "1",
        "H87": "1",
        "C62": "1",
        "EA": "1",
        "NAR": "1",
        "DZN": "12",
        "GRO": "144",
        "CEN": "100",
        "MIL": "1000",
        "MIO": "1000000",
    },
    "pairs": {"PR": "1", "NPR": "1", "DZP": "12", "TPR": "10"},
    "length": {
        "MTR": "1",
        "MMT": "0.001",
        "CMT": "0.01",
        "DMT": "0.1",
        "KMT": "1000",
        "INH": "0.0254",
        "FOT": "0.3048",
        "YRD": "0.9144",
    },
    "area": {
        "MTK": "1",
        "MMK": "0.000001",
        "CMK": "0.0001",
        "DMK": "0.01",
        "INK": "0.00064516",
        "FTK": "0.09290304",
        "YDK": "0.83612736",
    },
    "volume": {
        "MTQ": "1",
        "LTR": "0.001",
        "DMQ": "0.001",
        "MLT": "0.000001",
        "CMQ": "0.000001",
        "CLT": "0.00001",
        "DLT": "0.0001",
        "HLT": "0.1",
        "GLL": "0.003785411784",
        "GLI": "0.00454609",
        "FTQ": "0.028316846592",
    },
}
UNITS = {
    code: (dimension, Decimal(size))
    for dimension, sizes in _UNIT_SIZES.items()
    for code, size in sizes.items()
}

# What the seller's price covers under each Incoterms 2020 rule: the main carriage, and its
# insurance. The E and F rules cover neither.
INCLUDES_FREIGHT = {"CFR", "CPT", "CIF", "CIP", "DAP", "DPU", "DDP"}
INCLUDES_INSURANCE = {"CIF", "CIP", "DAP", "DPU", "DDP"}


def unit_factor(unit: str, into: str) -> Decimal | None:
    """How many `into` one `unit` is, or None when they measure different things."""
    if unit == into:
        return Decimal(1)
    source, target = UNITS.get(unit), UNITS.get(into)
    if source is None or target is None or source[0] != target[0]:
        return None
    return source[1] / target[1]


def hs_heading(hs_code: str) -> str:
    return hs_code[:4]


def hs_display(hs_code: str) -> str:
    return f"{hs_code[:4]}.{hs_code[4:6]}" if len(hs_code) > 4 else hs_code


def money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def amount(quantity: Decimal, unit: str) -> str:
    text = f"{quantity:,.3f}".rstrip("0").rstrip(".")
    return f"{text} {unit}"


def percent(fraction: Decimal) -> str:
    return f"{abs(fraction) * 100:.1f} %"


# --- What is compared -----------------------------------------------------------------------


@dataclass(slots=True)
class DeclarationFacts:
    id: int
    number: str
    revision: int
    consignee_id: int | None
    consignee_code: str
    declared_at: datetime
    transport_document_number: str
    invoice_number: str
    containers: list
    consignor_name: str
    consignor_country: str
    trade_terms: str
    currency: str
    freight: Decimal | None
    insurance: Decimal | None

    @property
    def day(self) -> date:
        return timezone.localdate(self.declared_at)


@dataclass(slots=True)
class DeclaredItem:
    declaration_id: int
    item_number: int
    hs_code: str
    quantity: Decimal
    unit: str
    net_weight_kg: Decimal | None
    value: Decimal
    origin: str
    description: str = ""


@dataclass(slots=True)
class SharedLine:
    """A shared line as a page lists it."""

    line_number: int
    material_number: str
    description: str
    quantity: Decimal
    unit: str
    value: Decimal
    origin: str
    hs_code: str


@dataclass(slots=True)
class SharedGoods:
    """The lines of one consignment of one HS subheading, origin and unit, summed: material-level
    data has many lines of the same goods, and the comparison needs only their totals."""

    consignment_id: int
    hs_code: str  # the subheading (6 digits); "" for lines without an HS code
    origin: str
    unit: str
    quantity: Decimal = ZERO
    weight: Decimal | None = ZERO  # kg; None once a line has no net weight and no mass unit
    value: Decimal = ZERO  # in the consignment's currency
    count: int = 0
    lines: list = field(default_factory=list)  # SharedLine, for a page

    def add(self, quantity: Decimal, net_weight_kg: Decimal | None, value: Decimal) -> None:
        self.quantity += quantity
        self.value += value
        self.count += 1
        if self.weight is None:
            return
        if net_weight_kg is not None:
            self.weight += net_weight_kg
        elif UNITS.get(self.unit, ("",))[0] == "mass":
            self.weight += quantity * UNITS[self.unit][1]
        else:
            self.weight = None


@dataclass(slots=True)
class SharedConsignment:
    id: int
    reference: str
    enterprise_id: int
    revision_id: int
    revision_number: int
    currency: str
    incoterms: str
    estimated_arrival: datetime
    first_shared_at: datetime
    goods: list = field(default_factory=list)  # SharedGoods
    # (name, country) of the seller and shipper the shared data names
    consignors: list = field(default_factory=list)


@dataclass(slots=True)
class Payment:
    reference: str
    amount: Decimal
    currency: str
    paid_on: date


class RateBook:
    """Daily rates (CNY per unit) by currency; a day without a rate takes the latest earlier
    one up to `max_age_days` old."""

    def __init__(self, rows, *, max_age_days: int):
        self.max_age = timedelta(days=max_age_days)
        by_currency = defaultdict(list)
        for currency, day, rate in sorted(rows):
            by_currency[currency].append((day, rate))
        self.days = {currency: [day for day, _ in rows] for currency, rows in by_currency.items()}
        self.rates = {
            currency: [rate for _, rate in rows] for currency, rows in by_currency.items()
        }

    def rate(self, currency: str, day: date) -> Decimal | None:
        if currency == REPORTING_CURRENCY:
            return Decimal(1)
        days = self.days.get(currency)
        if not days:
            return None
        index = bisect.bisect_right(days, day) - 1
        if index < 0 or day - days[index] > self.max_age:
            return None
        return self.rates[currency][index]

    def convert(self, value: Decimal, source: str, target: str, day: date) -> Decimal | None:
        if source == target:
            return value
        source_rate, target_rate = self.rate(source, day), self.rate(target, day)
        if source_rate is None or target_rate is None:
            return None
        return value * source_rate / target_rate


# --- What comes out ---------------------------------------------------------------------------


@dataclass(slots=True)
class FindingData:
    type: str
    severity: str
    item_number: int | None
    declared: str
    shared: str
    tolerance: str
    explanation: str

    def __post_init__(self):
        # Quoted names and lists are as long as the documents make them: cut to the columns.
        self.declared = _clipped(self.declared, DECLARED_LENGTH)
        self.shared = _clipped(self.shared, SHARED_LENGTH)
        self.tolerance = _clipped(self.tolerance, TOLERANCE_LENGTH)

    @property
    def key(self) -> tuple:
        return (self.item_number, self.type)


@dataclass
class Group:
    """Declared items of one HS subheading and origin beside the shared goods aligned with them;
    items without shared goods, and shared goods without items, make groups of their own."""

    hs_code: str
    origin: str
    items: list = field(default_factory=list)
    goods: list = field(default_factory=list)  # SharedGoods
    unit: str = ""
    declared_quantity: Decimal | None = None
    shared_quantity: Decimal | None = None
    declared_weight: Decimal | None = None
    shared_weight: Decimal | None = None
    declared_value: Decimal | None = None
    shared_value: Decimal | None = None
    adjustment: Decimal = ZERO
    finding_types: set = field(default_factory=set)

    @property
    def shared_origins(self) -> list[str]:
        return sorted({goods.origin for goods in self.goods})

    @property
    def shared_hs_codes(self) -> list[str]:
        return sorted({hs_display(goods.hs_code) for goods in self.goods if goods.hs_code})

    @property
    def line_count(self) -> int:
        return sum(goods.count for goods in self.goods)

    @property
    def lines(self) -> list[SharedLine]:
        return [line for goods in self.goods for line in goods.lines]

    @property
    def item_numbers(self) -> list[int]:
        return [item.item_number for item in self.items]


@dataclass
class Comparison:
    groups: list = field(default_factory=list)
    findings: list = field(default_factory=list)
    notes: list = field(default_factory=list)


# --- The comparison -------------------------------------------------------------------------


def _relative(declared: Decimal, shared: Decimal) -> Decimal | None:
    """How far the declared figure is from the shared one, as a fraction of the shared one."""
    if shared == 0:
        return ZERO if declared == 0 else None  # None: beyond any tolerance
    return (declared - shared) / shared


def _beyond(relative: Decimal | None, tolerance: Decimal) -> bool:
    return relative is None or abs(relative) > tolerance


def _severity(relative: Decimal | None, tolerance: Decimal, factor: Decimal, *, against: bool):
    """`against`: the difference lowers what is owed (less declared than shared)."""
    large = relative is None or abs(relative) > tolerance * factor
    if against:
        return Finding.Severity.HIGH if large else Finding.Severity.MEDIUM
    return Finding.Severity.MEDIUM if large else Finding.Severity.LOW


def _items_label(numbers: list[int]) -> str:
    return ", ".join(str(number) for number in numbers)


class _Label:
    """The item numbers of a group as a finding names them, spelled out only for a finding."""

    def __init__(self, items):
        self.items = items

    def __str__(self):
        return _items_label([item.item_number for item in self.items])


def _alignment_score(line_key: tuple, item_key: tuple, line_value, item_value) -> float:
    """How likely shared goods (HS, origin) are the declared ones: the closer the code, the
    same origin and a similar value count."""
    line_hs, line_origin = line_key
    item_hs, item_origin = item_key
    if not line_hs:
        score = 2.0
    elif line_hs == item_hs:
        score = 6.0
    elif line_hs[:4] == item_hs[:4]:
        score = 4.0
    elif line_hs[:2] == item_hs[:2]:
        score = 1.0
    else:
        score = 0.0
    if line_origin == item_origin:
        score += 3.0
    if line_value and item_value:
        score += 2.0 * float(min(line_value, item_value) / max(line_value, item_value))
    return score


# Shared goods that no item names exactly are paired with an item no shared line names from this
# score (the same origin, or a code alike enough), and beyond that attached to an item already
# paired from ATTACH_SCORE (the same heading, or an unclassified line of the same origin).
PAIR_SCORE = 3.0
ATTACH_SCORE = 4.0


class _Comparer:
    def __init__(self, declaration, facts_of, items, consignments, rates, tolerances):
        self.declaration = declaration
        self.facts_of = facts_of  # declaration id → DeclarationFacts, of the whole match group
        self.items = items
        self.consignments = {consignment.id: consignment for consignment in consignments}
        self.rates = rates
        self.tol = tolerances
        self.day = declaration.day
        self.currency = declaration.currency
        self.notes: list[str] = []
        self.factors: dict[str, Decimal | None] = {}
        self.findings: list[FindingData] = []
        self.totals = self._declared_totals()
        # No other declaration shares the consignments: every item is this declaration's.
        self.alone = all(item.declaration_id == declaration.id for item in items)
        # The trade terms of every shared line, when the consignments agree on them.
        every_terms = {consignment.incoterms for consignment in consignments}
        self.terms = every_terms if len(every_terms) == 1 else None

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def tolerance_text(self, key: str, extra: Decimal = ZERO) -> str:
        """The tolerance as a finding states it (only findings need the text)."""
        text = tolerance_display(key, self.tol[key])
        if extra:
            text = _(
                "%(tolerance)s + %(margin)s (trade terms differ, freight or insurance not stated)"
            ) % {"tolerance": text, "margin": tolerance_display("freight_insurance_margin", extra)}
        return text

    def _declared_totals(self) -> dict[int, Decimal]:
        totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
        for item in self.items:
            totals[item.declaration_id] += item.value
        return totals

    # Conversions into the declaration's currency, on the declaration day.

    def convert(self, value: Decimal, currency: str) -> Decimal | None:
        """`value` in `currency` in the declaration's currency; None, with a note, when a rate
        is missing."""
        if currency == self.currency:
            return value
        if currency not in self.factors:
            source, target = (self.rates.rate(code, self.day) for code in (currency, self.currency))
            self.factors[currency] = None if source is None or target is None else source / target
            if self.factors[currency] is None:
                self.note(
                    _(
                        "Values in %(currency)s were not compared: there is no exchange rate "
                        "for %(missing)s on %(day)s or in the %(days)s days before."
                    )
                    % {
                        "currency": currency,
                        "missing": currency if source is None else self.currency,
                        "day": self.day.isoformat(),
                        "days": self.tol["exchange_rate_max_age_days"],
                    }
                )
        factor = self.factors[currency]
        return None if factor is None else value * factor

    def basis_adjustment(self, item: DeclaredItem, terms: set[str]) -> tuple[Decimal, bool]:
        """What brings the item's declared value to the shared lines' trade terms, in the item's
        currency, and whether the terms left it unknown (then a margin applies)."""
        facts = self.facts_of[item.declaration_id]
        declared_terms = facts.trade_terms
        if len(terms) != 1:
            return ZERO, bool(terms - {declared_terms})
        [shared_terms] = terms
        if shared_terms == declared_terms:
            return ZERO, False
        if not shared_terms or not declared_terms:
            return ZERO, True
        total = self.totals[item.declaration_id]
        share = item.value / total if total else ZERO
        adjustment, unknown = ZERO, False
        for included, stated in (
            (INCLUDES_FREIGHT, facts.freight),
            (INCLUDES_INSURANCE, facts.insurance),
        ):
            direction = (shared_terms in included) - (declared_terms in included)
            if direction and stated is None:
                unknown = True
            elif direction:
                adjustment += direction * stated * share
        return adjustment, unknown

    # Alignment.

    def align(self) -> list[Group]:
        item_groups: dict[tuple, Group] = {}
        for item in self.items:
            key = (item.hs_code[:6], item.origin)
            if key not in item_groups:
                item_groups[key] = Group(hs_code=key[0], origin=key[1])
            item_groups[key].items.append(item)
        line_groups: dict[tuple, list[SharedGoods]] = defaultdict(list)
        for consignment in self.consignments.values():
            for goods in consignment.goods:
                line_groups[(goods.hs_code, goods.origin)].append(goods)
        leftover = []
        for key, goods in line_groups.items():
            if key in item_groups:
                item_groups[key].goods.extend(goods)
            else:
                leftover.append(key)
        for key in [key for key in leftover if not key[0]]:
            if self._unclassified_goods_placed(key, line_groups[key], item_groups):
                leftover.remove(key)
        if not leftover:
            return list(item_groups.values())
        line_values = {key: self._goods_value(line_groups[key]) for key in leftover}
        item_values = {key: self._items_value(group.items) for key, group in item_groups.items()}
        # Pairs for items no shared line names yet, the likeliest first.
        empty = [key for key, group in item_groups.items() if not group.goods]
        pairs = sorted(
            (
                (_alignment_score(lk, ik, line_values[lk], item_values[ik]), lk, ik)
                for lk in leftover
                for ik in empty
            ),
            key=lambda pair: (-pair[0], pair[1], pair[2]),
        )
        placed = set()
        for score, line_key, item_key in pairs:
            if line_key in placed or item_groups[item_key].goods or score < PAIR_SCORE:
                continue
            item_groups[item_key].goods.extend(line_groups[line_key])
            placed.add(line_key)
        groups = list(item_groups.values())
        for line_key in leftover:
            if line_key in placed:
                continue
            best = max(
                item_groups,
                key=lambda ik: _alignment_score(
                    line_key, ik, line_values[line_key], item_values[ik]
                ),
                default=None,
            )
            if best is not None and _alignment_score(line_key, best, None, None) >= ATTACH_SCORE:
                item_groups[best].goods.extend(line_groups[line_key])
            else:
                groups.append(
                    Group(hs_code=line_key[0], origin=line_key[1], goods=line_groups[line_key])
                )
        return groups

    @staticmethod
    def _unclassified_goods_placed(key, goods, item_groups) -> bool:
        """Shared goods without an HS code can be told apart only by origin: they are compared,
        on totals, with every item of that origin that no classified goods name. Pairing them
        with one of those items would show that item far above its declaration and the others
        as missing, a difference that is only in the alignment."""
        origin = key[1]
        open_items = [
            item_key
            for item_key, group in item_groups.items()
            if item_key[1] == origin and not group.goods
        ]
        if not open_items:
            return False
        together = item_groups[open_items[0]]
        for item_key in open_items[1:]:
            together.items.extend(item_groups.pop(item_key).items)
        together.goods.extend(goods)
        return True

    def _converted_total(self, amounts) -> Decimal | None:
        """The sum of (amount, currency) pairs in the reporting currency; None when one of them
        has no rate."""
        total = ZERO
        for value, currency in amounts:
            converted = self.convert(value, currency)
            if converted is None:
                return None
            total += converted
        return total

    def _items_value(self, items) -> Decimal | None:
        return self._converted_total(
            (item.value, self.facts_of[item.declaration_id].currency) for item in items
        )

    def _goods_value(self, shared) -> Decimal | None:
        return self._converted_total(
            (goods.value, self.consignments[goods.consignment_id].currency) for goods in shared
        )

    # Figures of a group.

    def measure(self, group: Group) -> None:
        if group.items:
            group.unit = group.items[0].unit
            self._measure_declared(group)
        if group.goods:
            self._measure_shared(group)

    def _measure_declared(self, group: Group) -> None:
        if len(group.items) == 1:  # most groups: one item, in the group's unit
            [item] = group.items
            group.declared_quantity, group.declared_weight = item.quantity, item.net_weight_kg
            group.declared_value = self.convert(
                item.value, self.facts_of[item.declaration_id].currency
            )
            return
        quantity, weight, value = ZERO, ZERO, ZERO
        for item in group.items:
            factor = unit_factor(item.unit, group.unit)
            if quantity is not None and factor is None:
                quantity = None
                self.note(
                    _(
                        "Quantities of items %(items)s were not compared: they are declared in "
                        "units that do not convert into one another (%(unit)s, %(declared)s)."
                    )
                    % {
                        "items": _items_label(group.item_numbers),
                        "unit": item.unit,
                        "declared": group.unit,
                    }
                )
            elif quantity is not None:
                quantity += item.quantity * factor
            if weight is not None:
                weight = None if item.net_weight_kg is None else weight + item.net_weight_kg
            if value is not None:
                converted = self.convert(item.value, self.facts_of[item.declaration_id].currency)
                value = None if converted is None else value + converted
        group.declared_quantity, group.declared_weight, group.declared_value = (
            quantity,
            weight,
            value,
        )

    def _measure_shared(self, group: Group) -> None:
        shared = group.goods
        group.shared_quantity = self._quantity_converted(group) if group.unit else None
        weights = [goods.weight for goods in shared]
        group.shared_weight = None if None in weights else sum(weights, ZERO)
        group.shared_value = self._goods_value(shared)

    def _quantity_converted(self, group: Group) -> Decimal | None:
        """The shared quantity in the item's unit; goods counted while the item is weighed count
        by their net weight."""
        mass = UNITS.get(group.unit, ("",))[0] == "mass"
        quantity = ZERO
        for goods in group.goods:
            factor = unit_factor(goods.unit, group.unit)
            if factor is not None:
                quantity += goods.quantity * factor
            elif mass and goods.weight is not None:
                quantity += goods.weight / UNITS[group.unit][1]
            else:
                self.note(
                    _(
                        "Quantities of items %(items)s were not compared: shared lines in "
                        "%(unit)s do not convert into %(declared)s."
                    )
                    % {
                        "items": _items_label(group.item_numbers),
                        "unit": goods.unit,
                        "declared": group.unit,
                    }
                )
                return None
        return quantity

    # Findings of a group.

    def add(self, group: Group | None, finding: FindingData) -> None:
        self.findings.append(finding)
        if group is not None:
            group.finding_types.add(finding.type)

    def compare(self, group: Group) -> None:
        own = (
            group.items
            if self.alone
            else [item for item in group.items if item.declaration_id == self.declaration.id]
        )
        if group.items and not own:
            return  # another declaration's goods: its own cross-check reports them
        number = own[0].item_number if own else None
        items = _Label(own)
        if not group.goods:
            self.add(group, self._unmatched_item(group, number, items))
            return
        if not group.items:
            self.add(group, self._undeclared(group))
            return
        self._compare_classification(group, number, items)
        self._compare_quantity(group, number, items)
        self._compare_weight(group, number, items)
        self._compare_value(group, number, items)

    def _unmatched_item(self, group, number, items) -> FindingData:
        return FindingData(
            type=Finding.Type.UNMATCHED_ITEM,
            severity=Finding.Severity.MEDIUM,
            item_number=number,
            declared=f"{hs_display(group.hs_code)} {group.origin}",
            shared="",
            tolerance="",
            explanation=_(
                "No shared line matches item %(items)s (HS %(hs)s, origin %(origin)s): the "
                "matched consignments do not list these goods."
            )
            % {"items": items, "hs": hs_display(group.hs_code), "origin": group.origin},
        )

    def _undeclared(self, group) -> FindingData:
        value = group.shared_value
        worth = money(value, self.currency) if value is not None else _("an unknown value")
        return FindingData(
            type=Finding.Type.UNDECLARED_GOODS,
            severity=Finding.Severity.HIGH,
            item_number=None,
            declared="",
            shared=f"{hs_display(group.hs_code) or '—'} {group.origin}, {worth}",
            tolerance="",
            explanation=ngettext(
                "%(count)d shared line (HS %(hs)s, origin %(origin)s, worth %(worth)s) matches "
                "no declared item.",
                "%(count)d shared lines (HS %(hs)s, origin %(origin)s, worth %(worth)s) match no "
                "declared item.",
                group.line_count,
            )
            % {
                "count": group.line_count,
                "hs": hs_display(group.hs_code) or _("not given"),
                "origin": group.origin,
                "worth": worth,
            },
        )

    def _compare_classification(self, group, number, items) -> None:
        other_origins = sorted({goods.origin for goods in group.goods} - {group.origin})
        if other_origins:
            count = sum(goods.count for goods in group.goods if goods.origin != group.origin)
            self.add(
                group,
                FindingData(
                    type=Finding.Type.ORIGIN,
                    severity=Finding.Severity.HIGH,
                    item_number=number,
                    declared=group.origin,
                    shared=", ".join(other_origins),
                    tolerance=_("none: the origins must agree"),
                    explanation=ngettext(
                        "Item %(items)s declares origin %(declared)s, but %(count)d shared line "
                        "of these goods gives origin %(shared)s.",
                        "Item %(items)s declares origin %(declared)s, but %(count)d shared lines "
                        "of these goods give origin %(shared)s.",
                        count,
                    )
                    % {
                        "items": items,
                        "declared": group.origin,
                        "count": count,
                        "shared": ", ".join(other_origins),
                    },
                ),
            )
        headings = sorted(
            {hs_heading(goods.hs_code) for goods in group.goods if goods.hs_code}
            - {hs_heading(group.hs_code)}
        )
        if headings:
            self.add(
                group,
                FindingData(
                    type=Finding.Type.HS_HEADING,
                    severity=Finding.Severity.HIGH,
                    item_number=number,
                    declared=hs_heading(group.hs_code),
                    shared=", ".join(headings),
                    tolerance=_("the heading (4 digits) must agree; subheadings may differ"),
                    explanation=_(
                        "Item %(items)s is declared under heading %(declared)s, but the shared "
                        "lines of these goods are classified under heading %(shared)s."
                    )
                    % {
                        "items": items,
                        "declared": hs_heading(group.hs_code),
                        "shared": ", ".join(headings),
                    },
                ),
            )

    def _compare_quantity(self, group, number, items) -> None:
        def explanation(less: bool) -> str:
            if less:
                return _(
                    "Item %(items)s declares %(declared)s, %(percent)s less than the "
                    "%(shared)s the shared lines list; the tolerance is %(tolerance)s."
                )
            return _(
                "Item %(items)s declares %(declared)s, %(percent)s more than the "
                "%(shared)s the shared lines list; the tolerance is %(tolerance)s."
            )

        self._compare_measure(
            group,
            number,
            items,
            measured=(group.declared_quantity, group.shared_quantity, group.unit),
            tolerance_key="quantity_relative",
            finding_type=Finding.Type.QUANTITY,
            explanation=explanation,
        )

    def _compare_weight(self, group, number, items) -> None:
        self._compare_measure(
            group,
            number,
            items,
            measured=(group.declared_weight, group.shared_weight, "kg"),
            tolerance_key="net_weight_relative",
            finding_type=Finding.Type.NET_WEIGHT,
            explanation=lambda _less: _(
                "Item %(items)s declares a net weight of %(declared)s; the shared lines "
                "weigh %(shared)s, %(percent)s apart, beyond the tolerance of %(tolerance)s."
            ),
        )

    def _compare_measure(
        self, group, number, items, *, measured, tolerance_key, finding_type, explanation
    ) -> None:
        """A finding when the declared and shared amounts of `measured` (declared, shared,
        unit) are further apart than the tolerance; `explanation(less)` is its text."""
        declared, shared, unit = measured
        if declared is None or shared is None:
            return
        relative = _relative(declared, shared)
        tolerance = self.tol[tolerance_key]
        if not _beyond(relative, tolerance):
            return
        tolerance_text = self.tolerance_text(tolerance_key)
        less = relative is not None and relative < 0
        values = {
            "items": items,
            "declared": amount(declared, unit),
            "shared": amount(shared, unit),
            "percent": percent(relative) if relative is not None else "—",
            "tolerance": tolerance_text,
        }
        self.add(
            group,
            FindingData(
                type=finding_type,
                severity=_severity(
                    relative, tolerance, self.tol["high_severity_factor"], against=less
                ),
                item_number=number,
                declared=values["declared"],
                shared=values["shared"],
                tolerance=tolerance_text,
                explanation=explanation(less) % values,
            ),
        )

    def _compare_value(self, group, number, items) -> None:
        if group.declared_value is None or group.shared_value is None:
            return
        terms = self.terms or {
            self.consignments[goods.consignment_id].incoterms for goods in group.goods
        }
        adjustment, unknown = ZERO, False
        for item in group.items:
            item_adjustment, item_unknown = self.basis_adjustment(item, terms)
            unknown = unknown or item_unknown
            if item_adjustment:
                currency = self.facts_of[item.declaration_id].currency
                adjustment += self.convert(item_adjustment, currency) or ZERO
        group.adjustment = adjustment
        declared = group.declared_value + adjustment
        relative = _relative(declared, group.shared_value)
        margin = self.tol["freight_insurance_margin"] if unknown else ZERO
        tolerance = self.tol["value_relative"] + margin
        if not _beyond(relative, tolerance):
            return
        tolerance_text = self.tolerance_text("value_relative", margin)
        less = relative is not None and relative < 0
        values = {
            "items": items,
            "declared": money(group.declared_value, self.currency),
            "shared": money(group.shared_value, self.currency),
            "percent": percent(relative) if relative is not None else "—",
            "tolerance": tolerance_text,
        }
        explanation = (
            _(
                "Item %(items)s is declared at %(declared)s, %(percent)s below the %(shared)s "
                "the shared invoice lines are worth in the declaration's currency and terms; "
                "the tolerance is %(tolerance)s."
            )
            if less
            else _(
                "Item %(items)s is declared at %(declared)s, %(percent)s above the %(shared)s "
                "the shared invoice lines are worth in the declaration's currency and terms; "
                "the tolerance is %(tolerance)s."
            )
        ) % values
        if adjustment:
            explanation += " " + _(
                "The declared value was brought to the invoice's trade terms with %(adjustment)s "
                "of the stated freight and insurance."
            ) % {"adjustment": money(adjustment, self.currency)}
        self.add(
            group,
            FindingData(
                type=Finding.Type.VALUE,
                severity=_severity(
                    relative, tolerance, self.tol["high_severity_factor"], against=less
                ),
                item_number=number,
                declared=values["declared"],
                shared=values["shared"],
                tolerance=tolerance_text,
                explanation=explanation,
            ),
        )

    # Findings of the declaration as a whole.

    def compare_timeliness(self, own_consignment_ids) -> None:
        grace = timedelta(hours=float(self.tol["late_sharing_grace_hours"]))
        for consignment_id in sorted(own_consignment_ids):
            consignment = self.consignments[consignment_id]
            shared_at = consignment.first_shared_at
            after_arrival = shared_at > consignment.estimated_arrival + grace
            after_declaration = shared_at > self.declaration.declared_at + grace
            if not (after_arrival or after_declaration):
                continue
            values = {
                "reference": consignment.reference,
                "shared": _when(shared_at),
                "arrival": _when(consignment.estimated_arrival),
                "declared": _when(self.declaration.declared_at),
            }
            if after_arrival:
                explanation = _(
                    "Consignment %(reference)s was first shared on %(shared)s, after its "
                    "estimated arrival on %(arrival)s: too late for a check before arrival."
                )
                declared = _("arrival %(arrival)s") % values
            else:
                explanation = _(
                    "Consignment %(reference)s was first shared on %(shared)s, after the "
                    "declaration was lodged on %(declared)s."
                )
                declared = _("lodged %(declared)s") % values
            self.add(
                None,
                FindingData(
                    type=Finding.Type.LATE_SHARING,
                    severity=Finding.Severity.MEDIUM if after_arrival else Finding.Severity.LOW,
                    item_number=None,
                    declared=declared,
                    shared=_("%(reference)s shared %(shared)s") % values,
                    tolerance=self.tolerance_text("late_sharing_grace_hours"),
                    explanation=explanation % values,
                ),
            )

    def compare_payments(self, payments, own_consignment_ids) -> None:
        if not payments:
            return
        paid = self._converted_total((payment.amount, payment.currency) for payment in payments)
        if paid is None:
            return
        own_items = [item for item in self.items if item.declaration_id == self.declaration.id]
        terms = {self.consignments[pk].incoterms for pk in own_consignment_ids}
        declared_total = self.totals[self.declaration.id]
        adjustment, unknown = ZERO, False
        for item in own_items:
            item_adjustment, item_unknown = self.basis_adjustment(item, terms)
            adjustment += item_adjustment
            unknown = unknown or item_unknown
        declared = declared_total + adjustment
        margin = self.tol["freight_insurance_margin"] if unknown else ZERO
        tolerance = self.tol["payment_relative"] + margin
        relative = _relative(paid, declared)
        # Paying less than declared is ordinary (instalments, deposits): only more is a finding.
        if relative is not None and relative <= tolerance:
            return
        values = {
            "invoice": self.declaration.invoice_number,
            "paid": money(paid, self.currency),
            "declared": money(declared_total, self.currency),
            "percent": percent(relative) if relative is not None else "—",
            "count": len(payments),
        }
        self.add(
            None,
            FindingData(
                type=Finding.Type.PAYMENT,
                severity=_severity(
                    relative, tolerance, self.tol["high_severity_factor"], against=True
                ),
                item_number=None,
                declared=values["declared"],
                shared=values["paid"],
                tolerance=self.tolerance_text("payment_relative", margin),
                explanation=ngettext(
                    "%(count)d bank payment for invoice %(invoice)s totals %(paid)s, "
                    "%(percent)s more than the declared value of %(declared)s.",
                    "%(count)d bank payments for invoice %(invoice)s total %(paid)s, "
                    "%(percent)s more than the declared value of %(declared)s.",
                    len(payments),
                )
                % values,
            ),
        )

    def compare_consignor(
        self, registered: bool | None, enterprise_name: str, own_consignment_ids
    ) -> None:
        """An unregistered consignor that the shared data names as seller or shipper is a gap in
        the partner register (low); one the shared data does not name either is a company the
        declaration alone brings into the supply chain (medium)."""
        if registered is not False:
            return
        threshold = float(self.tol["consignor_similarity"])
        named = list(
            dict.fromkeys(
                (name, country)
                for pk in sorted(own_consignment_ids)
                for name, country in self.consignments[pk].consignors
            )
        )
        in_shared_data = any(
            country == self.declaration.consignor_country
            and names.name_score(self.declaration.consignor_name, name) >= threshold
            for name, country in named
        )
        values = {
            "name": self.declaration.consignor_name,
            "country": self.declaration.consignor_country,
            "enterprise": enterprise_name,
        }
        if in_shared_data:
            severity = Finding.Severity.LOW
            explanation = _(
                "The consignor %(name)s (%(country)s) is the seller or shipper of the shared "
                "data, but not among the supply-chain partners %(enterprise)s registered."
            )
        else:
            severity = Finding.Severity.MEDIUM
            explanation = _(
                "The consignor %(name)s (%(country)s) is neither among the supply-chain "
                "partners %(enterprise)s registered nor the seller or shipper of its shared data."
            )
        self.add(
            None,
            FindingData(
                type=Finding.Type.UNREGISTERED_CONSIGNOR,
                severity=severity,
                item_number=None,
                declared=f"{values['name']} ({values['country']})",
                shared="; ".join(f"{name} ({country})" for name, country in named),
                tolerance=self.tolerance_text("consignor_similarity"),
                explanation=explanation % values,
            ),
        )


def _clipped(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def declaration_compare(
    *,
    declaration: DeclarationFacts,
    facts_of: dict,
    items: list,
    consignments: list,
    own_consignment_ids,
    payments: list,
    consignor_registered: bool | None,
    enterprise_name: str,
    rates: RateBook,
    tolerances: dict,
) -> Comparison:
    """Compare a declaration with its match group: `items` of every declaration in the group
    (`facts_of` has each one's facts), `consignments` with their current lines, and of those
    `own_consignment_ids` matched to this declaration."""
    comparer = _Comparer(declaration, facts_of, items, consignments, rates, tolerances)
    groups = comparer.align()
    for group in groups:
        comparer.measure(group)
        comparer.compare(group)
    comparer.compare_consignor(consignor_registered, enterprise_name, own_consignment_ids)
    comparer.compare_timeliness(own_consignment_ids)
    comparer.compare_payments(payments, own_consignment_ids)
    groups.sort(
        key=lambda group: (
            not group.items,
            group.items[0].item_number if group.items else 0,
            group.hs_code,
        )
    )
    return Comparison(groups=groups, findings=comparer.findings, notes=comparer.notes)
