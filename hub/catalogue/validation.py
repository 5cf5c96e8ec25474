"""Validating a consignment against its scope's schema, with errors an ERP integrator can act on.

Every error is reported, one per value, as {"path": JSON pointer, "code", "message"}; the message
says what is wrong and how to fix it, with a hint for the usual mistakes (KG for KGM, lower-case
codes, HS codes sent as numbers, datetimes without a time zone).

Rules across fields (unique line numbers, totals adding up) are the ingest service's, not the
catalogue's.
"""

import difflib
import json
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from functools import cache, lru_cache

import jsonschema_rs
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators

from hub.catalogue.codelists import CONTAINERS, HS_CODES, PORTS, CodeList, container_check_digit
from hub.catalogue.fields import Field, FieldType, children, field
from hub.catalogue.schemas import (
    CONTAINER_FORMAT,
    DATE_PATTERN,
    DATETIME_PATTERN,
    consignment_schema,
    scope_normalize,
)
from hub.core.errors import json_pointer

ERROR_CODES = {
    "required": "a required field is missing",
    "outside_scope": "a catalogue field the agreement's scope does not include",
    "unknown_field": "a field the catalogue does not have",
    "wrong_type": "a value of the wrong JSON type (a number for a string, null...)",
    "invalid_code": "a code not in its code list, or not in the form of its scheme",
    "invalid_format": "a decimal, date, datetime or reference in the wrong form",
    "missing_time_zone": "a datetime without a time zone offset",
    "invalid_date": "a date that is not in the calendar (2025-02-30)",
    "check_digit": "a container number whose ISO 6346 check digit does not match",
    "blank": "an empty or all-blank text",
    "too_long": "a text longer than the field allows",
    "too_small": "a number below the field's minimum",
    "too_large": "a number above the field's maximum",
    "empty": "an empty list",
    "duplicate": "a list naming the same value twice",
    "invalid": "any other violation of the schema",
}

FORMAT_CHECKER = FormatChecker(formats=())


@FORMAT_CHECKER.checks("date", raises=ValueError)
def _is_calendar_date(instance: object) -> bool:
    # A value of the wrong shape fails the pattern already; one error per value is enough.
    if isinstance(instance, str) and re.fullmatch(DATE_PATTERN, instance):
        date.fromisoformat(instance)
    return True


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_calendar_datetime(instance: object) -> bool:
    if isinstance(instance, str) and re.fullmatch(DATETIME_PATTERN, instance):
        datetime.fromisoformat(instance)
    return True


@FORMAT_CHECKER.checks(CONTAINER_FORMAT)
def _has_container_check_digit(instance: object) -> bool:
    if isinstance(instance, str) and CONTAINERS.is_valid(instance):
        return container_check_digit(instance) == int(instance[10])
    return True


@cache
def _python_regex(pattern: str) -> re.Pattern:
    # The catalogue's patterns use "$" only as the end anchor.
    return re.compile(pattern.replace("$", r"\Z"))


def _ecma_pattern(validator, pattern, instance, schema):
    """JSON Schema patterns are ECMA-262 regexes, whose "$" matches only at the very end; Python's
    also matches before a final newline, which would let "CNSHA\\n" through."""
    if validator.is_type(instance, "string") and not _python_regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_Validator = validators.extend(Draft202012Validator, {"pattern": _ecma_pattern})


@lru_cache(maxsize=256)
def _validator(keys: frozenset[str]):
    return _Validator(consignment_schema(keys), format_checker=FORMAT_CHECKER)


def _format(check):
    """A FORMAT_CHECKER check as a plain predicate, for the compiled validator."""

    def predicate(instance) -> bool:
        try:
            return bool(check(instance))
        except ValueError:
            return False

    return predicate


@lru_cache(maxsize=256)
def _compiled_validator(keys: frozenset[str]):
    """The same schema and format checks, compiled by jsonschema-rs: it only says valid or not,
    about a hundred times faster, so the full validator runs only to explain a refusal."""
    return jsonschema_rs.Draft202012Validator(
        consignment_schema(keys),
        formats={
            "date": _format(_is_calendar_date),
            "date-time": _format(_is_calendar_datetime),
            CONTAINER_FORMAT: _format(_has_container_check_digit),
        },
        validate_formats=True,
    )


def validate_consignment(document: object, scope: Iterable[str]) -> list[dict]:
    """Every error of `document` under `scope`, ordered by path; an empty list when it is valid."""
    keys = scope_normalize(scope)
    try:
        if _compiled_validator(keys).is_valid(document):
            return []
    except (TypeError, ValueError):
        pass  # a Python value JSON does not have (a Decimal): the full validator says what is wrong
    found: dict[tuple, dict] = {}
    for error in _validator(keys).iter_errors(document):
        for parts, code, message in _describe(error):
            found.setdefault(parts, {"path": json_pointer(parts), "code": code, "message": message})
    return [found[parts] for parts in sorted(found, key=_document_order)]


def _document_order(parts: tuple) -> tuple:
    return tuple(
        (isinstance(part, str), part if isinstance(part, int) else 0, str(part)) for part in parts
    )


def _describe(error: ValidationError) -> Iterator[tuple[tuple, str, str]]:
    parts = tuple(error.absolute_path)
    if error.validator == "required":
        for name in error.validator_value:
            if name not in error.instance:
                yield (*parts, name), "required", _missing(parts, name)
    elif error.validator == "additionalProperties":
        for name in sorted(set(error.instance) - set(error.schema["properties"])):
            yield (*parts, name), *_unexpected(parts, name)
    else:
        yield parts, *_invalid_value(error, parts)


def _language() -> str:
    return get_language() or "en"


def _key(parts: tuple) -> str:
    return ".".join(part for part in parts if isinstance(part, str))


def _field_at(parts: tuple) -> Field | None:
    try:
        return field(_key(parts))
    except KeyError:
        return None


def _shown(value: object) -> str:
    """A value as a message quotes it: a string in single quotes, unless it holds characters
    such as a newline that only JSON shows; anything else as JSON."""
    if isinstance(value, str) and value.isprintable():
        return f"'{value}'"
    # Request bodies read fractions as Decimal, which JSON shows as the number it is.
    return json.dumps(value, ensure_ascii=False, default=str)


def _missing(parts: tuple, name: str) -> str:
    parent_key = _key(parts)
    member = field(f"{parent_key}.{name}" if parent_key else name)
    if parent_key and not field(parent_key).required:
        template = _("'%(name)s' (%(label)s) is required whenever '%(parent)s' is given.")
    elif parent_key == "lines":
        template = _("'%(name)s' (%(label)s) is required on every line.")
    else:
        template = _("'%(name)s' (%(label)s) is required.")
    return template % {"name": name, "label": member.label_for(_language()), "parent": parent_key}


def _unexpected(parts: tuple, name: str) -> tuple[str, str]:
    parent_key = _key(parts)
    known = {f.name: f for f in children(parent_key)}
    if name in known:
        f = known[name]
        template = _(
            "'%(name)s' (%(label)s) is outside your agreement's scope, so it is refused. Leave it "
            "out, or ask customs to add '%(key)s' or the dataset '%(dataset)s' to your agreement."
        )
        context = {"label": f.label_for(_language()), "key": f.key, "dataset": f.dataset}
        return "outside_scope", template % {"name": name, **context}
    if not parent_key:
        where = _("the consignment")
    elif parent_key == "lines":
        where = _("a line")
    else:
        where = _("a party")
    match = _closest(name, list(known))
    if match:
        template = _("'%(name)s' is not a field of %(where)s; did you mean '%(match)s'?")
    else:
        template = _(
            "'%(name)s' is not a field of %(where)s; the fields are listed in the data dictionary."
        )
    return "unknown_field", template % {"name": name, "where": where, "match": match}


def _closest(name: str, candidates: list[str]) -> str | None:
    """The field an ERP's own spelling most likely means: invoiceNumber and invoice_no both mean
    invoice_number."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
    spelled_out = re.sub(r"_(no|nr|nbr|num)$", "_number", snake)
    if spelled_out in candidates:
        return spelled_out
    match = difflib.get_close_matches(spelled_out, candidates, n=1)
    return match[0] if match else None


def _invalid_value(error: ValidationError, parts: tuple) -> tuple[str, str]:
    f = _field_at(parts)
    value = error.instance
    kind = error.validator
    if kind == "type":
        return "wrong_type", _wrong_type(
            f, value, is_item=bool(parts) and isinstance(parts[-1], int)
        )
    if kind == "enum" or (kind == "pattern" and f.code_list is not None):
        return "invalid_code", invalid_code_message(f.code_list, value)
    if kind == "pattern":
        return _badly_formed(f, value)
    context = {"name": f.name, "value": _shown(value), "limit": error.validator_value}
    if kind == "format" and error.validator_value == CONTAINER_FORMAT:
        context["digit"] = container_check_digit(value)
        code = "check_digit"
        template = _("%(value)s has a wrong ISO 6346 check digit (expected %(digit)d): a typo?")
    elif kind == "format":
        code, template = "invalid_date", _("%(value)s is not a date in the calendar.")
    elif kind == "maxLength":
        context["length"] = len(value)
        code, template = "too_long", _("'%(name)s' has %(length)d characters; %(limit)d at most.")
    elif kind == "minimum":
        code, template = "too_small", _("'%(name)s' must be at least %(limit)s; it is %(value)s.")
    elif kind in ("maximum", "exclusiveMaximum"):
        code, template = "too_large", _("'%(name)s' is too large: %(value)s.")
    elif kind == "minItems" and f.code_list is None:
        code, template = "empty", _("A consignment needs at least one line in '%(name)s'.")
    elif kind == "minItems":
        code, template = "empty", _("'%(name)s' is empty: leave it out, or list at least one.")
    elif kind == "uniqueItems":
        code, template = "duplicate", _("'%(name)s' lists the same value more than once.")
    else:
        return "invalid", error.message
    return code, template % context


def _wrong_type(f: Field | None, value: object, *, is_item: bool) -> str:
    context = {"got": _json_type(value), "value": _shown(value)}
    if f is None:
        return _("A consignment must be a JSON object; this is %(got)s.") % context
    context["name"] = f.name
    if value is None:
        template = _(
            "'%(name)s' is null: leave an optional field out instead of sending null, and give a "
            "required one a value."
        )
    elif f.type == FieldType.LIST and is_item and f.code_list is None:
        template = _("Each line must be a JSON object; this is %(got)s.")
    elif f.type == FieldType.LIST and not is_item:
        template = _("'%(name)s' must be a JSON array; it is %(got)s.")
    elif f.type == FieldType.PARTY:
        template = _("'%(name)s' must be a JSON object with the party's name and country.")
    elif f.type == FieldType.DECIMAL:
        template = _(
            "'%(name)s' must be a decimal, as a JSON number (1250.5) or string (\"1250.50\"); "
            "it is %(got)s."
        )
    elif f.type == FieldType.INTEGER:
        template = _("'%(name)s' must be a whole number, a JSON integer such as 3; it is %(got)s.")
    elif f.code_list is HS_CODES and isinstance(value, int | float):
        context["suggestion"] = HS_CODES.suggestion(value)
        template = (
            _(
                "Send '%(name)s' as a JSON string of digits: the number %(value)s has lost any "
                'leading zero. Send "%(suggestion)s" if that is the code.'
            )
            if context["suggestion"]
            else _(
                "Send '%(name)s' as a JSON string of 6, 8 or 10 digits, e.g. \"0101210000\"; "
                "%(value)s is a number."
            )
        )
    else:
        template = _("'%(name)s' must be a JSON string; it is %(got)s.")
    return template % context


def _json_type(value: object) -> str:
    if value is None:
        return _("null")
    if isinstance(value, bool):
        return _("a boolean")
    if isinstance(value, int | float):
        return _("the number %(value)s") % {"value": _shown(value)}
    if isinstance(value, str):
        return _("a string")
    if isinstance(value, list):
        return _("an array")
    return _("an object")


def invalid_code_message(code_list: CodeList, value: object) -> str:
    """What is wrong with a value that is not a code of the list, with the code meant if one
    can be told."""
    suggestion = code_list.suggestion(value)
    context = {"value": _shown(value), "title": code_list.title, "code": suggestion}
    if suggestion is None:
        hint = _code_rule(code_list)
    elif not isinstance(value, str):
        hint = _('send it as the string "%(code)s"') % context
    elif value.upper() == suggestion:
        hint = _("codes are upper case: use %(code)s") % context
    else:
        hint = _("use %(code)s") % context
    if suggestion in code_list.values:
        hint = f"{hint} ({code_list.values[suggestion]})"
    return _("%(value)s is not %(title)s; %(hint)s.") % {**context, "hint": hint}


def _code_rule(code_list: CodeList) -> str:
    """How a valid code looks, when no single code can be suggested."""
    if code_list is PORTS:
        return _(
            "a UN/LOCODE is the ISO 3166-1 alpha-2 code of a country followed by three letters "
            "or digits 2-9, e.g. CNSHA"
        )
    if code_list is HS_CODES:
        return _("an HS code is 6, 8 or 10 digits, e.g. 8471300000")
    if code_list is CONTAINERS:
        return _(
            "an ISO 6346 container number is three letters, U, J or Z, and seven digits, "
            "e.g. CSQU3054383"
        )
    return _("the valid codes are listed in the data dictionary, e.g. %(example)s") % {
        "example": code_list.example
    }


def _badly_formed(f: Field, value: str) -> tuple[str, str]:
    """A string that fails its field's pattern: blank text, a malformed decimal, date or
    datetime, or a reference with characters it may not have."""
    if not value.strip():
        return "blank", _("'%(name)s' is blank; give it a value.") % {"name": f.name}
    if f.type == FieldType.DECIMAL:
        return "invalid_format", _decimal_message(f, value)
    if f.type == FieldType.DATE:
        return "invalid_format", _date_message(f, value)
    if f.type == FieldType.DATETIME:
        return _datetime_problem(f, value)
    template = _("%(value)s is not a valid '%(name)s'. %(help)s")
    return "invalid_format", template % {
        "name": f.name,
        "value": _shown(value),
        "help": f.help_for(_language()),
    }


def _decimal_message(f: Field, value: str) -> str:
    text = value.strip()
    if "," in text:
        hint = _("use a point for decimals and no thousands separators, e.g. 1234.5")
    elif text.startswith("-"):
        hint = _("it must not be negative")
    elif text != value or " " in text:
        hint = _("remove the spaces")
    elif "e" in text.lower():
        hint = _("write the number out, without an exponent")
    elif re.fullmatch(r"[0-9]*\.[0-9]{7,}", text):
        hint = _("give at most 6 decimal places")
    elif re.fullmatch(r"[0-9]{16,}(\.[0-9]*)?", text):
        hint = _("give at most 15 digits before the decimal point")
    else:
        hint = _("write digits with an optional decimal point, e.g. 1250.50")
    template = _("%(value)s is not a decimal for '%(name)s': %(hint)s.")
    return template % {"name": f.name, "value": _shown(value), "hint": hint}


def _date_message(f: Field, value: str) -> str:
    context = {"name": f.name, "value": _shown(value)}
    try:
        context["date"] = datetime.fromisoformat(value).date().isoformat()
    except ValueError:
        template = _("%(value)s is not a date in the form YYYY-MM-DD, e.g. 2025-03-01.")
    else:
        template = _("%(value)s is not in the form YYYY-MM-DD; for '%(name)s' write %(date)s.")
    return template % context


def _datetime_problem(f: Field, value: str) -> tuple[str, str]:
    context = {"name": f.name, "value": _shown(value)}
    try:
        parsed = datetime.fromisoformat(value.replace(" ", "T", 1))
    except ValueError:
        template = _(
            "%(value)s is not an ISO 8601 date and time with a time zone offset, e.g. "
            "2025-03-01T08:00:00+08:00."
        )
        return "invalid_format", template % context
    context["fixed"] = parsed.isoformat(
        timespec="microseconds" if parsed.microsecond else "seconds"
    )
    if parsed.tzinfo is not None:
        return "invalid_format", _("%(value)s is not in the form expected; write %(fixed)s.") % (
            context
        )
    if re.fullmatch(DATE_PATTERN, value):
        template = _(
            "%(value)s is a date; '%(name)s' needs a date and time with a time zone offset, "
            "e.g. %(fixed)s+08:00."
        )
    else:
        template = _(
            "%(value)s has no time zone: add its offset, e.g. %(fixed)s+08:00, or Z for UTC."
        )
    return "missing_time_zone", template % context
