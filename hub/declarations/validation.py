"""Validating what the customs system and the banks send: declarations, status changes, bank
payments, exchange rates and inspection outcomes.

Each document is checked against a set of rules, and every problem is reported, one per value, as
{"path": JSON pointer, "code", "message"} with the codes of the catalogue's validation
(hub.catalogue.validation.ERROR_CODES). Safe repairs come first, as for shared consignments: text
trimmed, codes upper-cased and their common spellings replaced (KG for KGM, RMB for CNY), container
numbers without spaces. The same rules give the OpenAPI description of each body
(`openapi_schema`), loose on purpose: a value the schema lets through may still be refused here,
never the other way round.
"""

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import cache

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from hub.catalogue.codelists import (
    CONTAINERS,
    COUNTRIES,
    CURRENCIES,
    HS_CODES,
    INCOTERMS,
    PORTS,
    TRANSPORT_MODES,
    UNITS,
    CodeList,
    container_check_digit,
)
from hub.catalogue.fields import field as catalogue_field
from hub.catalogue.schemas import DATE_PATTERN, DATETIME_PATTERN, INTEGER_LIMIT
from hub.core.errors import json_pointer
from hub.declarations.models import DeclarationStatus, InspectionOutcome
from hub.enterprises.identifiers import InvalidIdentifier, Scheme, identifier_normalize

# Upper case only, so that no declaration number can be taken for a word in a URL
# (declarations/statuses).
NUMBER_PATTERN = re.compile(r"[0-9A-Z][0-9A-Z-]{0,29}")
CUSTOMS_OFFICE_PATTERN = re.compile(r"[0-9A-Z]{2,10}")
HS_CODE_PATTERN = re.compile(r"[0-9]{10}")
_DATETIME = re.compile(DATETIME_PATTERN.replace("$", r"\Z"))
_DATE = re.compile(DATE_PATTERN.replace("$", r"\Z"))
USCC_LENGTH = 18


class Kind(StrEnum):
    TEXT = "text"
    CODE = "code"
    CHOICE = "choice"
    HS_CODE = "hs_code"
    IDENTIFIER = "identifier"
    DECIMAL = "decimal"
    INTEGER = "integer"
    DATETIME = "datetime"
    DATE = "date"
    CONTAINERS = "containers"
    OBJECT = "object"
    LIST = "list"


@dataclass(frozen=True)
class Rule:
    kind: Kind
    help: str
    """English, for the OpenAPI description."""
    required: bool = True
    max_length: int = 300
    pattern: re.Pattern | None = None
    """For text: what it must match once trimmed and, with `upper`, upper-cased."""
    hint: str = ""
    """For text with a pattern: how a valid value looks, for the error message."""
    upper: bool = False
    code_list: CodeList | None = None
    choices: tuple[str, ...] = ()
    digits: int = 16
    places: int = 2
    positive: bool = False
    """A decimal that must be above zero."""
    members: Mapping[str, "Rule"] = field(default_factory=dict)


def _text(help_text, **options):
    return Rule(Kind.TEXT, help_text, **options)


def _code(code_list, help_text, **options):
    return Rule(Kind.CODE, help_text, code_list=code_list, **options)


def _money(help_text, **options):
    return Rule(Kind.DECIMAL, help_text, digits=16, places=2, **options)


def _measure(help_text, **options):
    return Rule(Kind.DECIMAL, help_text, digits=15, places=6, **options)


NUMBER = _text(
    "The declaration number: up to 30 upper-case letters, digits or '-', e.g. the 18 digits of "
    "a China Customs entry.",
    max_length=30,
    pattern=NUMBER_PATTERN,
    hint=_lazy("up to 30 letters, digits or '-', starting with a letter or digit"),
    upper=True,
)
NAME = _text("Name, up to 300 characters.")
ENTERPRISE_CODE = Rule(
    Kind.IDENTIFIER,
    "China Customs registration code (10 characters) or unified social credit code "
    "(18 characters).",
)

DECLARATION_RULES = {
    "number": NUMBER,
    "customs_office": _text(
        "Code of the customs office, 2 to 10 letters or digits, e.g. 2248.",
        max_length=10,
        pattern=CUSTOMS_OFFICE_PATTERN,
        hint=_lazy("2 to 10 letters or digits, e.g. 2248"),
        upper=True,
    ),
    "declared_at": Rule(Kind.DATETIME, "When it was lodged, ISO 8601 with a time zone offset."),
    "accepted_at": Rule(
        Kind.DATETIME, "When customs accepted it, ISO 8601 with an offset.", required=False
    ),
    "declarant": Rule(
        Kind.OBJECT,
        "The declarant (customs broker).",
        members={
            "name": NAME,
            "code": Rule(Kind.IDENTIFIER, ENTERPRISE_CODE.help, required=False),
        },
    ),
    "consignee": Rule(
        Kind.OBJECT,
        "The consignee; its code links the declaration to the enterprise registered with it.",
        members={"name": NAME, "code": ENTERPRISE_CODE},
    ),
    "transport_document_number": _text(
        "Bill of lading, air waybill or consignment note number.",
        max_length=catalogue_field("transport_document_number").max_length,
    ),
    "invoice_number": _text(
        "Commercial invoice number.",
        max_length=catalogue_field("invoice_number").max_length,
        required=False,
    ),
    "containers": Rule(
        Kind.CONTAINERS, "ISO 6346 container numbers, e.g. CSQU3054383.", required=False
    ),
    "transport_mode": _code(
        TRANSPORT_MODES, "UN/ECE Rec. 19 mode of transport at the border, e.g. 1.", required=False
    ),
    "port_of_entry": _code(PORTS, "UN/LOCODE, e.g. CNSHA.", required=False),
    "carrier_name": _text("The carrier.", required=False),
    "consignor": Rule(
        Kind.OBJECT,
        "The consignor (overseas seller or shipper).",
        members={"name": NAME, "country": _code(COUNTRIES, "ISO 3166-1 alpha-2, e.g. DE.")},
    ),
    "trade_terms": _code(INCOTERMS, "Incoterms 2020 rule, e.g. FOB.", required=False),
    "currency": _code(CURRENCIES, "ISO 4217 currency of the values, e.g. EUR."),
    "freight": _money("Freight, in the declaration's currency.", required=False),
    "insurance": _money("Insurance, in the declaration's currency.", required=False),
    "items": Rule(
        Kind.LIST,
        "The goods items, at least one.",
        members={
            "item_number": Rule(Kind.INTEGER, "Item number, unique in the declaration."),
            "hs_code": Rule(Kind.HS_CODE, "The 10-digit commodity code, e.g. 8471300000."),
            "description": _text("Description of the goods.", max_length=512),
            "quantity": _measure("Quantity, in `unit`."),
            "unit": _code(UNITS, "UN/ECE Rec. 20 unit of the quantity, e.g. KGM."),
            "net_weight_kg": _measure("Net weight in kilograms.", required=False),
            "value": _money("Value of the item, in the declaration's currency."),
            "origin_country": _code(COUNTRIES, "Country of origin, ISO 3166-1 alpha-2."),
        },
    ),
}

REPORTED_STATUSES = tuple(
    status for status in DeclarationStatus.values if status != DeclarationStatus.LODGED
)

STATUS_CHANGE_RULES = {
    "number": NUMBER,
    "status": Rule(Kind.CHOICE, "The new status.", choices=REPORTED_STATUSES),
    "occurred_at": Rule(Kind.DATETIME, "When it happened, ISO 8601 with a time zone offset."),
    "duty_amount": _money("With duty_assessed: the duty and taxes owed.", required=False),
    "duty_currency": _code(CURRENCIES, "With duty_assessed: ISO 4217, e.g. CNY.", required=False),
    "duty_due_date": Rule(Kind.DATE, "With duty_assessed: when payment is due.", required=False),
    "note": _text("A remark of the customs system.", max_length=2000, required=False),
}
DUTY_FIELDS = ("duty_amount", "duty_currency", "duty_due_date")

BANK_PAYMENT_RULES = {
    "reference": _text("The bank's reference of the payment, unique.", max_length=60),
    "payer": Rule(
        Kind.OBJECT,
        "Who paid; the code links the payment to the enterprise registered with it.",
        members={"name": NAME, "code": Rule(Kind.IDENTIFIER, ENTERPRISE_CODE.help, required=False)},
    ),
    "payee": Rule(
        Kind.OBJECT,
        "Who was paid.",
        members={
            "name": NAME,
            "country": _code(COUNTRIES, "ISO 3166-1 alpha-2, e.g. DE.", required=False),
        },
    ),
    "amount": _money("The amount paid, above zero.", positive=True),
    "currency": _code(CURRENCIES, "ISO 4217, e.g. EUR."),
    "paid_on": Rule(Kind.DATE, "Value date, YYYY-MM-DD."),
    "invoice_reference": _text(
        "The invoice number the payment names.",
        max_length=catalogue_field("invoice_number").max_length,
        required=False,
    ),
}

EXCHANGE_RATE_RULES = {
    "currency": _code(CURRENCIES, "ISO 4217 currency, not CNY (which is always 1)."),
    "day": Rule(Kind.DATE, "The day the rate applies from, YYYY-MM-DD."),
    "rate": Rule(
        Kind.DECIMAL,
        "Yuan (CNY) for one unit of the currency, above zero, up to 8 decimal places.",
        digits=10,
        places=8,
        positive=True,
    ),
}

INSPECTION_RULES = {
    "declaration_number": NUMBER,
    "kind": Rule(Kind.CHOICE, "What was inspected.", choices=tuple(InspectionOutcome.Kind.values)),
    "result": Rule(Kind.CHOICE, "What it found.", choices=tuple(InspectionOutcome.Result.values)),
    "inspected_at": Rule(Kind.DATETIME, "When, ISO 8601 with a time zone offset."),
    "note": _text("What the officer noted.", max_length=2000, required=False),
}

_INVALID = object()


class _Checker:
    """Walks a document along its rules, collecting the normalized values and every error."""

    def __init__(self):
        self.errors: list[dict] = []

    def error(self, path: tuple, code: str, message: str) -> object:
        self.errors.append({"path": json_pointer(path), "code": code, "message": message})
        return _INVALID

    def members(self, value, rules: Mapping[str, Rule], path: tuple, where: str) -> dict:
        normalized = {}
        for name in value:
            if name not in rules:
                self.error((*path, name), "unknown_field", _unknown(name, rules, where))
        for name, rule in rules.items():
            if name not in value:
                if rule.required:
                    self.error((*path, name), "required", _missing(name, path))
                continue
            checked = self.value(value[name], rule, (*path, name))
            if checked is not _INVALID:
                normalized[name] = checked
        return normalized

    def value(self, value, rule: Rule, path: tuple):
        name = str(path[-1])
        if value is None:
            return self.error(
                path,
                "wrong_type",
                _(
                    "'%(name)s' is null: leave an optional field out instead of sending null, and "
                    "give a required one a value."
                )
                % {"name": name},
            )
        return _CHECKS[rule.kind](self, value, rule, path, name)

    def wrong_type(self, path, name, value, expected: str):
        return self.error(
            path,
            "wrong_type",
            _("'%(name)s' must be %(expected)s; it is %(got)s.")
            % {"name": name, "expected": expected, "got": _json_type(value)},
        )

    def check_text(self, value, rule, path, name):
        if not isinstance(value, str):
            return self.wrong_type(path, name, value, _("a JSON string"))
        text = value.strip()
        if rule.upper:
            text = text.upper()
        if not text:
            return self.error(
                path, "blank", _("'%(name)s' is blank; give it a value.") % {"name": name}
            )
        if "\x00" in text:
            return self.error(
                path,
                "nul_character",
                _("Remove the NUL character (\\u0000): no text the hub stores may hold it."),
            )
        if len(text) > rule.max_length:
            return self.error(
                path,
                "too_long",
                _("'%(name)s' has %(length)d characters; %(limit)d at most.")
                % {"name": name, "length": len(text), "limit": rule.max_length},
            )
        if rule.pattern is not None and not rule.pattern.fullmatch(text):
            return self.error(
                path,
                "invalid_format",
                _("%(value)s is not a valid '%(name)s': %(hint)s.")
                % {"value": _shown(value), "name": name, "hint": rule.hint},
            )
        return text

    def check_code(self, value, rule, path, name):
        code_list = rule.code_list
        if isinstance(value, str):
            code = value.strip().upper()
            if not code_list.is_valid(code) and code in code_list.aliases:
                code = code_list.aliases[code]
            if code_list.is_valid(code):
                return code
        elif isinstance(value, bool) or not isinstance(value, int):
            return self.wrong_type(path, name, value, _("a JSON string"))
        suggestion = code_list.suggestion(value)
        if suggestion is None:
            hint = _("for example %(example)s") % {"example": code_list.example}
        elif not isinstance(value, str):
            hint = _('send it as the string "%(code)s"') % {"code": suggestion}
        else:
            hint = _("use %(code)s") % {"code": suggestion}
        return self.error(
            path,
            "invalid_code",
            _("%(value)s is not %(title)s; %(hint)s.")
            % {"value": _shown(value), "title": code_list.title, "hint": hint},
        )

    def check_choice(self, value, rule, path, name):
        if isinstance(value, str) and value in rule.choices:
            return value
        if not isinstance(value, str):
            return self.wrong_type(path, name, value, _("a JSON string"))
        return self.error(
            path,
            "invalid_code",
            _("%(value)s is not a valid '%(name)s'; use one of: %(choices)s.")
            % {"value": _shown(value), "name": name, "choices": ", ".join(rule.choices)},
        )

    def check_hs_code(self, value, rule, path, name):
        if isinstance(value, int) and not isinstance(value, bool):
            return self.error(
                path,
                "wrong_type",
                _(
                    "Send '%(name)s' as a JSON string of 10 digits: the number %(value)s has lost "
                    "any leading zero."
                )
                % {"name": name, "value": value},
            )
        if not isinstance(value, str):
            return self.wrong_type(path, name, value, _("a JSON string"))
        code = value.strip()
        if HS_CODE_PATTERN.fullmatch(code):
            return code
        suggestion = HS_CODES.lookup(code)
        if suggestion and HS_CODE_PATTERN.fullmatch(suggestion):
            hint = _("use %(code)s") % {"code": suggestion}
        else:
            hint = _("a declaration gives all 10 digits of the national tariff, e.g. 8471300000")
        return self.error(
            path,
            "invalid_code",
            _("%(value)s is not a 10-digit HS code; %(hint)s.")
            % {"value": _shown(value), "hint": hint},
        )

    def check_identifier(self, value, rule, path, name):
        if not isinstance(value, str):
            return self.wrong_type(path, name, value, _("a JSON string"))
        compact = re.sub(r"[\s.\-/]", "", value).upper()
        scheme = Scheme.USCC if len(compact) == USCC_LENGTH else Scheme.CUSTOMS_CODE
        try:
            return identifier_normalize(scheme, compact)
        except InvalidIdentifier as invalid:
            return self.error(
                path,
                "invalid_format",
                _(
                    "%(value)s is neither a China Customs registration code nor a unified social "
                    "credit code. %(hint)s"
                )
                % {"value": _shown(value), "hint": invalid.message},
            )

    def check_decimal(self, value, rule, path, name):
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            return self.wrong_type(
                path, name, value, _('a decimal, as a JSON number or string ("1250.50")')
            )
        text = value if isinstance(value, str) else format(Decimal(str(value)), "f")
        if not _decimal_pattern(rule.digits, rule.places).fullmatch(text):
            return self.error(
                path,
                "invalid_format",
                _(
                    "%(value)s is not a valid '%(name)s': write a number without sign, exponent "
                    "or separators, with at most %(digits)d digits before the decimal point and "
                    "%(places)d after it, e.g. 1250.50."
                )
                % {
                    "value": _shown(value),
                    "name": name,
                    "digits": rule.digits,
                    "places": rule.places,
                },
            )
        if rule.positive and not Decimal(text):
            return self.error(
                path, "too_small", _("'%(name)s' must be above zero.") % {"name": name}
            )
        return text

    def check_integer(self, value, rule, path, name):
        if isinstance(value, bool) or not isinstance(value, int):
            return self.wrong_type(path, name, value, _("a whole number such as 3"))
        if value < 1:
            return self.error(
                path,
                "too_small",
                _("'%(name)s' must be at least 1; it is %(value)s.")
                % {"name": name, "value": value},
            )
        if value > INTEGER_LIMIT:
            return self.error(
                path,
                "too_large",
                _("'%(name)s' is too large: %(value)s.") % {"name": name, "value": value},
            )
        return value

    def check_datetime(self, value, rule, path, name):
        if not isinstance(value, str):
            return self.wrong_type(path, name, value, _("a JSON string"))
        if _DATETIME.match(value):
            try:
                datetime.fromisoformat(value)
            except ValueError:
                return self.error(
                    path,
                    "invalid_date",
                    _("%(value)s is not a date in the calendar.") % {"value": _shown(value)},
                )
            return value
        try:
            parsed = datetime.fromisoformat(value.strip().replace(" ", "T", 1))
        except ValueError:
            parsed = None
        if parsed is not None and _DATE.match(value):
            return self.error(
                path,
                "missing_time_zone",
                _(
                    "%(value)s is a date; '%(name)s' needs a date and time with a time zone "
                    "offset, e.g. %(fixed)s+08:00."
                )
                % {"value": _shown(value), "name": name, "fixed": parsed.isoformat()},
            )
        if parsed is not None and parsed.tzinfo is None:
            return self.error(
                path,
                "missing_time_zone",
                _("%(value)s has no time zone: add its offset, e.g. %(fixed)s+08:00, or Z for UTC.")
                % {"value": _shown(value), "fixed": parsed.isoformat(timespec="seconds")},
            )
        return self.error(
            path,
            "invalid_format",
            _(
                "%(value)s is not an ISO 8601 date and time with a time zone offset, e.g. "
                "2026-03-01T08:00:00+08:00."
            )
            % {"value": _shown(value)},
        )

    def check_date(self, value, rule, path, name):
        if not isinstance(value, str):
            return self.wrong_type(path, name, value, _("a JSON string"))
        if _DATE.match(value):
            try:
                date.fromisoformat(value)
            except ValueError:
                return self.error(
                    path,
                    "invalid_date",
                    _("%(value)s is not a date in the calendar.") % {"value": _shown(value)},
                )
            return value
        return self.error(
            path,
            "invalid_format",
            _("%(value)s is not a date in the form YYYY-MM-DD, e.g. 2026-03-01.")
            % {"value": _shown(value)},
        )

    def check_containers(self, value, rule, path, name):
        if not isinstance(value, list):
            return self.wrong_type(path, name, value, _("a JSON array"))
        if not value:
            return self.error(
                path,
                "empty",
                _("'%(name)s' is empty: leave it out, or list at least one.") % {"name": name},
            )
        numbers = []
        for index, item in enumerate(value):
            item_path = (*path, index)
            if not isinstance(item, str):
                self.wrong_type(item_path, name, item, _("a list of JSON strings"))
                continue
            number = CONTAINERS.lookup(item)
            if not CONTAINERS.is_valid(number):
                self.error(
                    item_path,
                    "invalid_code",
                    _(
                        "%(value)s is not an ISO 6346 container number: three letters, U, J or "
                        "Z, and seven digits, e.g. CSQU3054383."
                    )
                    % {"value": _shown(item)},
                )
            elif container_check_digit(number) != int(number[10]):
                self.error(
                    item_path,
                    "check_digit",
                    _("%(value)s has a wrong ISO 6346 check digit (expected %(digit)d): a typo?")
                    % {"value": _shown(item), "digit": container_check_digit(number)},
                )
            elif number in numbers:
                self.error(
                    item_path,
                    "duplicate",
                    _("'%(name)s' lists %(value)s twice.") % {"name": name, "value": number},
                )
            else:
                numbers.append(number)
        return numbers if len(numbers) == len(value) else _INVALID

    def check_object(self, value, rule, path, name):
        if not isinstance(value, dict):
            return self.error(
                path,
                "wrong_type",
                _("'%(name)s' must be a JSON object with %(members)s; it is %(got)s.")
                % {
                    "name": name,
                    "members": ", ".join(f"'{member}'" for member in rule.members),
                    "got": _json_type(value),
                },
            )
        return self.members(value, rule.members, path, repr(name))

    def check_list(self, value, rule, path, name):
        if not isinstance(value, list):
            return self.wrong_type(path, name, value, _("a JSON array"))
        if not value:
            return self.error(
                path, "empty", _("'%(name)s' is empty: list at least one.") % {"name": name}
            )
        items = []
        for index, item in enumerate(value):
            if isinstance(item, dict):
                items.append(self.members(item, rule.members, (*path, index), AN_ITEM))
            else:
                self.error(
                    (*path, index),
                    "wrong_type",
                    _("Each item must be a JSON object; this is %(got)s.")
                    % {"got": _json_type(item)},
                )
        return items


_CHECKS = {kind: getattr(_Checker, f"check_{kind}") for kind in Kind}
# Named in error messages only, so translated only when one is written.
AN_ITEM = _lazy("an item")


@cache
def _decimal_pattern(digits: int, places: int) -> re.Pattern:
    return re.compile(rf"[0-9]{{1,{digits}}}(?:\.[0-9]{{1,{places}}})?")


def _validate(document, rules, where: str) -> tuple[dict, list[dict]]:
    checker = _Checker()
    if not isinstance(document, dict):
        checker.error(
            (),
            "wrong_type",
            _("%(what)s must be a JSON object; this is %(got)s.")
            % {"what": where, "got": _json_type(document)},
        )
        return {}, checker.errors
    return checker.members(document, rules, (), where), checker.errors


def declaration_validate(document) -> tuple[dict, list[dict]]:
    """The normalized declaration and every error in it (empty when it can be stored)."""
    normalized, errors = _validate(document, DECLARATION_RULES, _lazy("a declaration"))
    if not errors:
        errors = _item_number_errors(normalized["items"])
    return normalized, errors


def _item_number_errors(items: list[dict]) -> list[dict]:
    first_index: dict[int, int] = {}
    errors = []
    for index, item in enumerate(items):
        number = item["item_number"]
        if number in first_index:
            errors.append(
                {
                    "path": f"/items/{index}/item_number",
                    "code": "duplicate",
                    "message": _(
                        "Item number %(number)s is used twice (items %(first)s and %(second)s); "
                        "give every item its own number."
                    )
                    % {"number": number, "first": first_index[number], "second": index},
                }
            )
        first_index.setdefault(number, index)
    return errors


def status_change_validate(change) -> tuple[dict, list[dict]]:
    normalized, errors = _validate(change, STATUS_CHANGE_RULES, _lazy("a status change"))
    if errors:
        return normalized, errors
    assessed = normalized["status"] == DeclarationStatus.DUTY_ASSESSED
    for name in DUTY_FIELDS:
        if assessed and name not in normalized:
            errors.append(
                {
                    "path": f"/{name}",
                    "code": "required",
                    "message": _("'%(name)s' is required with the status duty_assessed.")
                    % {"name": name},
                }
            )
        elif not assessed and name in normalized:
            errors.append(
                {
                    "path": f"/{name}",
                    "code": "unexpected",
                    "message": _(
                        "'%(name)s' goes only with the status duty_assessed; leave it out."
                    )
                    % {"name": name},
                }
            )
    return normalized, errors


def bank_payment_validate(record) -> tuple[dict, list[dict]]:
    return _validate(record, BANK_PAYMENT_RULES, _lazy("a bank payment"))


def exchange_rate_validate(rate) -> tuple[dict, list[dict]]:
    normalized, errors = _validate(rate, EXCHANGE_RATE_RULES, _lazy("an exchange rate"))
    if normalized.get("currency") == "CNY":
        errors.append(
            {
                "path": "/currency",
                "code": "invalid_code",
                "message": _("Rates are in yuan, so CNY is always 1: leave it out."),
            }
        )
    return normalized, errors


def inspection_validate(body) -> tuple[dict, list[dict]]:
    return _validate(body, INSPECTION_RULES, _lazy("an inspection outcome"))


def _missing(name: str, path: tuple) -> str:
    if path and isinstance(path[-1], int):
        return _("'%(name)s' is required on every item.") % {"name": name}
    return _("'%(name)s' is required.") % {"name": name}


def _unknown(name: str, rules: Mapping[str, Rule], where: str) -> str:
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
    match = snake if snake in rules else next(iter(difflib.get_close_matches(snake, rules, 1)), "")
    if match:
        return _("'%(name)s' is not a field of %(where)s; did you mean '%(match)s'?") % {
            "name": name,
            "where": where,
            "match": match,
        }
    return _("'%(name)s' is not a field of %(where)s; the fields are %(fields)s.") % {
        "name": name,
        "where": where,
        "fields": ", ".join(rules),
    }


def _shown(value: object) -> str:
    if isinstance(value, str) and value.isprintable():
        return f"'{value}'"
    return json.dumps(value, ensure_ascii=False, default=str)


def _json_type(value: object) -> str:
    if value is None:
        return _("null")
    if isinstance(value, bool):
        return _("a boolean")
    if isinstance(value, int | float | Decimal):
        return _("the number %(value)s") % {"value": _shown(value)}
    if isinstance(value, str):
        return _("a string")
    if isinstance(value, list):
        return _("an array")
    return _("an object")


_OPENAPI_TYPES = {
    Kind.INTEGER: {"type": "integer", "minimum": 1, "maximum": INTEGER_LIMIT},
    Kind.DECIMAL: {"anyOf": [{"type": "string"}, {"type": "number"}]},
    Kind.DATETIME: {"type": "string", "format": "date-time"},
    Kind.DATE: {"type": "string", "format": "date"},
    Kind.CONTAINERS: {"type": "array", "items": {"type": "string"}},
}


def openapi_schema(rules: Mapping[str, Rule]) -> dict:
    """The body the rules take, for the OpenAPI description: the fields, their JSON types and
    what each means. Only what the rules refuse without exception is stated (types, required
    fields, no others), so that no value the schema calls invalid is ever accepted."""
    return {
        "type": "object",
        "properties": {name: _openapi_property(rule) for name, rule in rules.items()},
        "required": [name for name, rule in rules.items() if rule.required],
        "additionalProperties": False,
    }


def _openapi_property(rule: Rule) -> dict:
    if rule.kind == Kind.OBJECT:
        schema = openapi_schema(rule.members)
    elif rule.kind == Kind.LIST:
        schema = {"type": "array", "minItems": 1, "items": openapi_schema(rule.members)}
    elif rule.kind == Kind.CHOICE:
        schema = {"type": "string", "enum": list(rule.choices)}
    else:
        schema = dict(_OPENAPI_TYPES.get(rule.kind, {"type": "string"}))
    return {**schema, "description": rule.help}
