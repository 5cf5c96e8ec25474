"""Safe repairs before validation, driven by the catalogue: white space trimmed, codes in their
canonical case, the common spellings each code list names (KG for KGM, RMB for CNY) replaced by
their code, decimals as exact strings. A value still wrong after these repairs is refused with its
path."""

from decimal import Decimal
from functools import cache

from hub.catalogue.fields import FIELDS, FieldType

PARTY_ROLES = ("seller", "shipper", "carrier", "forwarder", "manufacturer")


def _text(value):
    return value.strip() if isinstance(value, str) else value


def _decimal(value):
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        # JSON numbers arrive as Decimal (see DecimalJSONParser); keep every digit sent.
        return format(Decimal(str(value)), "f")
    return value


# Codes repeat across a batch's lines; each list keeps up to this many of them repaired.
REPAIRED_CODES = 10_000


def _code(code_list):
    aliases = code_list.aliases if code_list is not None else {}
    repaired: dict[str, str] = {}

    def repair(value: str) -> str:
        value = value.strip().upper()
        if value in aliases and not code_list.is_valid(value):
            value = aliases[value]
        return value

    def normalize(value):
        if type(value) is str:
            code = repaired.get(value)
            if code is None:
                code = repair(value)
                if len(repaired) < REPAIRED_CODES:
                    repaired[value] = code
            return code
        if isinstance(value, str):
            return repair(value)
        return value

    return normalize


def _normalizer(spec):
    if spec.type == FieldType.CODE:
        return _code(spec.code_list)
    if spec.type == FieldType.DECIMAL:
        return _decimal
    return _text


@cache
def _normalizers_under(prefix: str) -> dict:
    """name -> how to repair its value, for the fields directly under `prefix` ("lines.",
    "seller.", or "" for the consignment's own): worked out once, not for each of a batch's
    million values."""
    return {
        key[len(prefix) :]: _normalizer(spec)
        for spec in FIELDS
        if (key := spec.key).startswith(prefix) and "." not in key[len(prefix) :]
    }


@cache
def _trimmed_under(prefix: str) -> frozenset:
    """The names under `prefix` whose text is only trimmed (text and decimal fields), which is
    done in place rather than through their normalizer: a batch has a million such values."""
    return frozenset(
        name
        for name, normalize in _normalizers_under(prefix).items()
        if normalize is _text or normalize is _decimal
    )


def _object(prefix: str, document: dict) -> dict:
    # A name outside the catalogue is left as it is, for validation to name.
    normalizers = _normalizers_under(prefix)
    trimmed = _trimmed_under(prefix)
    return {
        name: value.strip()
        if type(value) is str and name in trimmed
        else value
        if (normalize := normalizers.get(name)) is None
        else normalize(value)
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
