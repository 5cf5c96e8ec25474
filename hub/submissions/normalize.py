"""Safe repairs before validation, driven by the catalogue: white space trimmed, codes in their
canonical case, the common spellings each code list names (KG for KGM, RMB for CNY) replaced by
their code, decimals as exact strings. A value still wrong after these repairs is refused with its
path."""

from decimal import Decimal

from hub.catalogue.fields import FieldType, field

PARTY_ROLES = ("seller", "shipper", "carrier", "forwarder", "manufacturer")


def _catalogue_field(key):
    try:
        return field(key)
    except KeyError:
        return None  # not a catalogue field: left as it is, for validation to name


def _value(key: str, value):
    spec = _catalogue_field(key)
    if spec is None:
        return value
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
    return {name: _value(f"{prefix}{name}", value) for name, value in document.items()}


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
