"""Rule conditions: a small expression language that senior officers write, parsed and checked
here and stored as a structured condition. Nothing is ever evaluated as code.

    crosscheck.high_types in ["value", "payment"] and credit.aeo != "certified"
    declaration.hs_codes starts with ["2402", "2403"] or (route.transshipped = true)

Stored form: a comparison `{"field", "op", "value"}`, or `{"all": [...]}`, `{"any": [...]}`,
`{"not": condition}`. On a list field (the items' HS codes, the finding types...) a comparison holds
when some element meets it, and `!=` / `not in` hold when no element is excluded by them. A
missing value (no shared data, never cross-checked) meets no comparison, whatever the operator.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from operator import eq, ge, gt, le, lt

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hub.crosschecks.models import CrossCheck, Finding
from hub.enterprises.models import AeoStatus, CreditRating

NUMBER, TEXT, BOOL, TEXT_LIST = "number", "text", "bool", "text list"
MAX_LENGTH = 2000
MAX_DEPTH = 8

CROSSCHECK_OUTCOMES = ("none", *CrossCheck.Outcome.values)
AGREEMENT_STATES = ("active", "suspended", "none")
CHANNELS = ("api", "excel", "none")


@dataclass(frozen=True)
class FieldSpec:
    type: str
    label: str
    choices: tuple[str, ...] = ()


FIELDS = {
    "declaration.office": FieldSpec(TEXT, gettext_lazy("Customs office code")),
    "declaration.consignor_country": FieldSpec(TEXT, gettext_lazy("Consignor's country")),
    "declaration.port_of_entry": FieldSpec(TEXT, gettext_lazy("Port of entry (UN/LOCODE)")),
    "declaration.transport_mode": FieldSpec(TEXT, gettext_lazy("Mode of transport (Rec. 19)")),
    "declaration.trade_terms": FieldSpec(TEXT, gettext_lazy("Incoterms rule")),
    "declaration.hs_codes": FieldSpec(TEXT_LIST, gettext_lazy("HS codes of the items")),
    "declaration.origin_countries": FieldSpec(
        TEXT_LIST, gettext_lazy("Countries of origin of the items")
    ),
    "declaration.items": FieldSpec(NUMBER, gettext_lazy("Number of items")),
    "route.ports_of_loading": FieldSpec(
        TEXT_LIST, gettext_lazy("Ports of loading in the shared data")
    ),
    "route.transshipped": FieldSpec(
        BOOL, gettext_lazy("Consigned from a country none of the goods originate in")
    ),
    "participation.agreement": FieldSpec(
        TEXT, gettext_lazy("Agreement: active, suspended or none"), AGREEMENT_STATES
    ),
    "participation.months": FieldSpec(NUMBER, gettext_lazy("Months of participation")),
    "participation.channel": FieldSpec(
        TEXT, gettext_lazy("Channel of the shared data: api, excel or none"), CHANNELS
    ),
    "credit.rating": FieldSpec(TEXT, gettext_lazy("Credit rating"), tuple(CreditRating.values)),
    "credit.aeo": FieldSpec(TEXT, gettext_lazy("AEO status"), tuple(AeoStatus.values)),
    "completeness.share": FieldSpec(
        NUMBER, gettext_lazy("Share of the optional fields shared (0 to 1)")
    ),
    "timeliness.hours": FieldSpec(
        NUMBER, gettext_lazy("Hours before arrival the data was shared (negative: after)")
    ),
    "coverage.share": FieldSpec(
        NUMBER, gettext_lazy("Share of the enterprise's declarations with shared data (0 to 1)")
    ),
    "coverage.declarations": FieldSpec(
        NUMBER, gettext_lazy("The enterprise's declarations in the last 12 months")
    ),
    "crosscheck.outcome": FieldSpec(
        TEXT,
        gettext_lazy("Cross-check: none, no_shared_data, consistent or findings"),
        CROSSCHECK_OUTCOMES,
    ),
    "crosscheck.high": FieldSpec(NUMBER, gettext_lazy("High-severity findings")),
    "crosscheck.medium": FieldSpec(NUMBER, gettext_lazy("Medium-severity findings")),
    "crosscheck.low": FieldSpec(NUMBER, gettext_lazy("Low-severity findings")),
    "crosscheck.types": FieldSpec(
        TEXT_LIST, gettext_lazy("Types of the findings"), tuple(Finding.Type.values)
    ),
    "crosscheck.high_types": FieldSpec(
        TEXT_LIST, gettext_lazy("Types of the high-severity findings"), tuple(Finding.Type.values)
    ),
    "crosscheck.medium_types": FieldSpec(
        TEXT_LIST,
        gettext_lazy("Types of the medium-severity findings"),
        tuple(Finding.Type.values),
    ),
    "consistency.rate": FieldSpec(
        NUMBER, gettext_lazy("The enterprise's severity-weighted findings per checked declaration")
    ),
    "consistency.checked": FieldSpec(
        NUMBER, gettext_lazy("The enterprise's declarations checked against shared data")
    ),
    "partners.parties": FieldSpec(NUMBER, gettext_lazy("Parties named in the shared data")),
    "partners.registered_share": FieldSpec(
        NUMBER, gettext_lazy("Share of those parties that are registered partners")
    ),
    "partners.identified_share": FieldSpec(
        NUMBER, gettext_lazy("Share of those parties registered with an identifier")
    ),
    "partners.entity_issues": FieldSpec(
        NUMBER,
        gettext_lazy("Other declarations with these partners (any importer) that went wrong"),
    ),
    "partners.entity_seizures": FieldSpec(
        NUMBER, gettext_lazy("Other declarations with these partners that ended in a seizure")
    ),
    "inspections.count": FieldSpec(
        NUMBER, gettext_lazy("The enterprise's inspections in the last 24 months")
    ),
    "inspections.discrepancies": FieldSpec(NUMBER, gettext_lazy("Of which found a discrepancy")),
    "inspections.seizures": FieldSpec(NUMBER, gettext_lazy("Of which ended in a seizure")),
    "inspections.hit_rate": FieldSpec(
        NUMBER, gettext_lazy("Share of those inspections that found something")
    ),
}

OPERATORS = {
    NUMBER: ("=", "!=", "<", "<=", ">", ">=", "in", "not in"),
    TEXT: ("=", "!=", "in", "not in", "starts with"),
    BOOL: ("=", "!="),
    TEXT_LIST: ("=", "!=", "in", "not in", "starts with"),
}
NEGATIVE = {"!=", "not in"}


class ConditionError(ValueError):
    """A condition that cannot be stored; the message says what to write instead."""


# --- Parsing ---------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op><=|>=|!=|=|<|>)
      | (?P<punct>[()\[\],])
      | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)


def _tokens(text: str) -> list[tuple[str, object]]:
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        found = _TOKEN.match(text, position)
        if found is None or found.end() == position:
            raise ConditionError(
                _("Cannot read the condition from “%(rest)s”.") % {"rest": text[position:][:30]}
            )
        position = found.end()
        kind = found.lastgroup
        raw = found.group(kind)
        if kind == "string":
            tokens.append(("value", re.sub(r"\\(.)", r"\1", raw[1:-1])))
        elif kind == "number":
            tokens.append(("value", Decimal(raw)))
        elif kind == "word" and raw.lower() in ("true", "false"):
            tokens.append(("value", raw.lower() == "true"))
        elif kind == "word" and raw.lower() in ("and", "or", "not", "in", "starts", "with"):
            tokens.append(("keyword", raw.lower()))
        else:
            tokens.append((kind, raw))
    return tokens


class _Parser:
    def __init__(self, text: str):
        if len(text) > MAX_LENGTH:
            raise ConditionError(
                _("A condition has at most %(max)d characters.") % {"max": MAX_LENGTH}
            )
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self, offset=0):
        index = self.at + offset
        return self.tokens[index] if index < len(self.tokens) else (None, None)

    def take(self):
        token = self.peek()
        self.at += 1
        return token

    def expect(self, kind, value=None):
        token = self.take()
        if token[0] != kind or (value is not None and token[1] != value):
            raise ConditionError(self._expected(value or kind, token))
        return token[1]

    @staticmethod
    def _expected(what, token) -> str:
        found = _("the end") if token[0] is None else f"“{token[1]}”"
        return _("Expected %(what)s but found %(found)s.") % {"what": what, "found": found}

    def parse(self) -> dict:
        if not self.tokens:
            raise ConditionError(_('Write a condition, e.g. credit.rating = "dishonest".'))
        condition = self.either(0)
        if self.peek()[0] is not None:
            raise ConditionError(
                _("Unexpected “%(token)s”: join comparisons with and / or.")
                % {"token": self.peek()[1]}
            )
        return condition

    def _depth(self, depth):
        if depth > MAX_DEPTH:
            raise ConditionError(
                _("A condition nests at most %(max)d levels.") % {"max": MAX_DEPTH}
            )

    def either(self, depth) -> dict:
        parts = [self.both(depth)]
        while self.peek() == ("keyword", "or"):
            self.take()
            parts.append(self.both(depth))
        return parts[0] if len(parts) == 1 else {"any": parts}

    def both(self, depth) -> dict:
        parts = [self.negated(depth)]
        while self.peek() == ("keyword", "and"):
            self.take()
            parts.append(self.negated(depth))
        return parts[0] if len(parts) == 1 else {"all": parts}

    def negated(self, depth) -> dict:
        if self.peek() == ("keyword", "not"):
            self.take()
            self._depth(depth + 1)
            return {"not": self.negated(depth + 1)}
        if self.peek() == ("punct", "("):
            self.take()
            self._depth(depth + 1)
            inner = self.either(depth + 1)
            self.expect("punct", ")")
            return inner
        return self.comparison()

    def comparison(self) -> dict:
        kind, field = self.take()
        if kind != "word":
            raise ConditionError(self._expected(_("a field name"), (kind, field)))
        token = self.take()
        if token[0] == "op":
            op = token[1]
        elif token == ("keyword", "in"):
            op = "in"
        elif token == ("keyword", "not") and self.peek() == ("keyword", "in"):
            self.take()
            op = "not in"
        elif token == ("keyword", "starts") and self.peek() == ("keyword", "with"):
            self.take()
            op = "starts with"
        else:
            raise ConditionError(
                self._expected(_("an operator after %(field)s") % {"field": field}, token)
            )
        return {"field": field, "op": op, "value": self.value()}

    def value(self):
        kind, value = self.take()
        if kind == "value":
            return value
        if (kind, value) == ("punct", "["):
            values = [self.expect("value")]
            while self.peek() == ("punct", ","):
                self.take()
                values.append(self.expect("value"))
            self.expect("punct", "]")
            return values
        raise ConditionError(self._expected(_("a value"), (kind, value)))


def condition_parse(text: str) -> dict:
    """The structured condition of `text`, checked; ConditionError says what is wrong."""
    return condition_check(_Parser(text).parse())


# --- Checking --------------------------------------------------------------------------------


def _as_number(value, field):
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise ConditionError(_("%(field)s takes numbers.") % {"field": field})
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ConditionError(_("%(field)s takes numbers.") % {"field": field}) from None
    if not number.is_finite():
        raise ConditionError(_("%(field)s takes numbers.") % {"field": field})
    return str(number)


def _as_text(value, spec, field):
    if not isinstance(value, str):
        raise ConditionError(_("%(field)s takes text in quotes.") % {"field": field})
    if spec.choices and value not in spec.choices:
        raise ConditionError(
            _("%(field)s is one of %(choices)s, not “%(value)s”.")
            % {"field": field, "choices": ", ".join(spec.choices), "value": value}
        )
    return value


def _comparison_check(condition: dict) -> dict:
    field, op, value = condition.get("field"), condition.get("op"), condition.get("value")
    spec = FIELDS.get(field) if isinstance(field, str) else None
    if spec is None:
        raise ConditionError(
            _("There is no field “%(field)s”; the fields are listed beside the form.")
            % {"field": field}
        )
    if op not in OPERATORS[spec.type]:
        raise ConditionError(
            _("%(field)s takes the operators %(ops)s.")
            % {"field": field, "ops": ", ".join(OPERATORS[spec.type])}
        )
    element_type = TEXT if spec.type == TEXT_LIST else spec.type
    many = op in ("in", "not in") or (op == "starts with" and isinstance(value, list))
    if op in ("in", "not in") and not (isinstance(value, list) and value):
        raise ConditionError(
            _('%(field)s %(op)s takes a list in brackets, e.g. ["CN", "DE"].')
            % {"field": field, "op": op}
        )
    if not many and isinstance(value, list):
        raise ConditionError(
            _("%(field)s %(op)s takes one value, not a list.") % {"field": field, "op": op}
        )
    values = value if many else [value]
    if element_type == NUMBER:
        checked = [_as_number(item, field) for item in values]
    elif element_type == BOOL:
        if not all(isinstance(item, bool) for item in values):
            raise ConditionError(_("%(field)s is true or false.") % {"field": field})
        checked = values
    elif op == "starts with":
        checked = [item for item in values if isinstance(item, str) and item]
        if len(checked) != len(values):
            raise ConditionError(
                _("%(field)s starts with takes text in quotes.") % {"field": field}
            )
    else:
        checked = [_as_text(item, spec, field) for item in values]
    return {"field": field, "op": op, "value": checked if many else checked[0]}


def condition_check(condition, depth=0) -> dict:
    """The condition with its values in their stored form, or ConditionError."""
    if depth > MAX_DEPTH:
        raise ConditionError(_("A condition nests at most %(max)d levels.") % {"max": MAX_DEPTH})
    if not isinstance(condition, dict):
        raise ConditionError(_("A condition is a comparison or a group of them."))
    if set(condition) == {"all"} or set(condition) == {"any"}:
        ((group, parts),) = condition.items()
        if not isinstance(parts, list) or not parts:
            raise ConditionError(_("A group holds at least one comparison."))
        return {group: [condition_check(part, depth + 1) for part in parts]}
    if set(condition) == {"not"}:
        return {"not": condition_check(condition["not"], depth + 1)}
    if set(condition) == {"field", "op", "value"}:
        return _comparison_check(condition)
    raise ConditionError(_("A condition is a comparison or a group of them."))


# --- Evaluating ------------------------------------------------------------------------------


def _test(op: str, expected):
    """The comparison of one value with the expected one, for a positive operator."""
    if op == "in":
        members = frozenset(expected)
        return members.__contains__
    if op == "starts with":
        prefixes = tuple(expected) if isinstance(expected, list) else (expected,)
        return lambda actual: str(actual).startswith(prefixes)
    compare = {"=": eq, "<": lt, "<=": le, ">": gt, ">=": ge}[op]
    return lambda actual: compare(actual, expected)


_POSITIVE = {"!=": "=", "not in": "in"}


def condition_compile(condition: dict):
    """A function of the flat values (field → value) that says whether the condition holds.
    Numbers compare as floats: the factors are measured as floats. Rules run for every profile
    of every refresh, so each comparison is made into the fewest steps once, here."""
    if "all" in condition:
        parts = [condition_compile(part) for part in condition["all"]]
        return lambda values: all(part(values) for part in parts)
    if "any" in condition:
        parts = [condition_compile(part) for part in condition["any"]]
        return lambda values: any(part(values) for part in parts)
    if "not" in condition:
        inner = condition_compile(condition["not"])
        return lambda values: not inner(values)
    field, op, expected = condition["field"], condition["op"], condition["value"]
    if FIELDS[field].type == NUMBER:
        expected = (
            [float(item) for item in expected] if isinstance(expected, list) else float(expected)
        )
    test = _test(_POSITIVE.get(op, op), expected)
    negative = op in NEGATIVE
    if FIELDS[field].type == TEXT_LIST:

        def holds(values) -> bool:
            actual = values.get(field)
            if actual is None:
                return False
            found = any(map(test, actual))
            return not found if negative else found

    else:

        def holds(values) -> bool:
            actual = values.get(field)
            if actual is None:
                return False
            return not test(actual) if negative else test(actual)

    return holds


def condition_fields(condition: dict) -> set[str]:
    """The fields a condition reads."""
    for group in ("all", "any"):
        if group in condition:
            return set().union(*(condition_fields(part) for part in condition[group]))
    if "not" in condition:
        return condition_fields(condition["not"])
    return {condition["field"]}


# --- Writing back ----------------------------------------------------------------------------


def _literal(value, numeric: bool) -> str:
    """Numbers are stored as strings of digits, text as it was quoted: the field's type says
    which a string is."""
    if isinstance(value, list):
        return "[" + ", ".join(_literal(item, numeric) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if numeric:
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def condition_text(condition: dict, nested=False) -> str:
    """The condition written in the expression language; parsing it gives it back."""
    for group, joiner in (("all", " and "), ("any", " or ")):
        if group in condition:
            text = joiner.join(condition_text(part, nested=True) for part in condition[group])
            return f"({text})" if nested and len(condition[group]) > 1 else text
    if "not" in condition:
        return "not " + condition_text(condition["not"], nested=True)
    literal = _literal(condition["value"], FIELDS[condition["field"]].type == NUMBER)
    return f"{condition['field']} {condition['op']} {literal}"
