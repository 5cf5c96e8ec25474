"""Safe repairs before validation, driven by the catalogue: white space trimmed, codes in their
canonical case, the common spellings each code list names (KG for KGM, RMB for CNY) replaced by
their code, decimals as exact strings. A value still wrong after these repairs is refused with its
path."""

from decimal import Decimal
from functools import cache

from hub.catalogue.fields import FIELDS, FieldType

PARTY_ROLES = ("seller", "shipper", "carrier", "forwarder", "manufacturer")


@cache
def _fields_under(prefix: str) -> dict:
    """name -> catalogue field, for the fields directly under `prefix` ("lines.", "seller.", or
    "" for the consignment's own): looked up once, not for each of a batch's million values."""
    return {
        key[len(prefix) :]: spec
        for spec in FIELDS
        if (key := spec.key).startswith(prefix) and "." not in key[len(prefix) :]
    }


def _value(spec, value):
    if isinstance(value, str):
        value = value.strip()
        if spec.type == FieldType.CODE:
            value = value.upper()
            code_list = spec.code_list
            if (
                code_list is not None
                and value in code_list.aliases
                and not code_list.is_valid(value)
            ):
                value = code_list.aliases[value]
    elif (
        spec.type == FieldType.DECIMAL
        and isinstance(value, Decimal | int | float)
        and not isinstance(value, bool)
    ):
        # JSON numbers arrive as Decimal (see DecimalJSONParser); keep every digit sent.
        value = format(Decimal(str(value)), "f")
    return value


def _object(prefix: str, document: dict) -> dict:
    # A name outside the catalogue is left as it is, for validation to name.
    fields = _fields_under(prefix)
    return {
        name: value if (spec := fields.get(name)) is None else _value(spec, value)
        for name, value in document.items()
    }


def document_normalize(document):
    if not isinstance(document, dict):
        return document
    normalized = _object("", document)
    for role in PARTY_ROLES:
        if isinstance(normalized.get(role), dict):
            normalized[role] = _object(f"{role}.", normalized[role])
    if isinstance(normalized.get("lines"), list):
        normalized["lines"] = [
            _object("lines.", line) if isinstance(line, dict) else line
            for line in normalized["lines"]
        ]
    if isinstance(normalized.get("containers"), list):
        normalized["containers"] = [
            container.replace(" ", "").upper() if isinstance(container, str) else container
            for container in normalized["containers"]
        ]
    return normalized
