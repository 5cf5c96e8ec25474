"""JSON Schemas (Draft 2020-12) of the canonical consignment, one per agreement scope.

A scope is what an enterprise opted into: optional catalogue keys and dataset names. The required
minimum is always in it. Every object refuses properties it does not list, so a field outside the
scope is an error rather than data kept without a legal basis.

The schemas use standard keywords only, so that any Draft 2020-12 validator (jsonschema-rs on the
hot path) gives the same verdict. Calendar validity and the ISO 6346 check digit are `format`
assertions a validator has to be given: see hub.catalogue.validation.FORMAT_CHECKER.
"""

import difflib
import hashlib
from collections.abc import Iterable
from functools import lru_cache

from hub.catalogue.codelists import CONTAINERS, CodeList
from hub.catalogue.fields import (
    CATALOGUE_VERSION,
    DATASETS,
    FIELDS,
    Field,
    FieldType,
    field,
    optional_keys,
    required_keys,
)

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

# Decimals travel as JSON numbers or as strings, never with a sign, exponent or separators.
DECIMAL_PATTERN = "^[0-9]{1,15}(?:\\.[0-9]{1,6})?$"
DECIMAL_LIMIT = 10**15
INTEGER_LIMIT = 2**31 - 1
DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# RFC 3339 (the profile of ISO 8601 that JSON Schema's date-time is), with the offset mandatory.
DATETIME_PATTERN = (
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]{1,9})?"
    "(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$"
)
# At least one character that is not white space.
NOT_BLANK_PATTERN = "\\S"
CONTAINER_FORMAT = "iso6346"


def scope_normalize(scope: Iterable[str]) -> frozenset[str]:
    """The optional keys a scope opts into, datasets expanded; the required minimum is left out,
    since it is in every scope. Raises ValueError naming every key it cannot take."""
    if isinstance(scope, str):
        raise ValueError(
            f"A scope is a list of keys and dataset names, not one string: pass [{scope!r}]."
        )
    items = frozenset(scope)
    if not all(isinstance(item, str) for item in items):
        raise ValueError("A scope lists keys and dataset names as strings.")
    return _normalize(items)


@lru_cache(maxsize=512)
def _normalize(items: frozenset[str]) -> frozenset[str]:
    optional = set(optional_keys())
    required = set(required_keys())
    known = {f.key for f in FIELDS}
    keys: set[str] = set()
    problems = []
    for item in sorted(items):
        if item in DATASETS:
            keys.update(DATASETS[item].keys)
        elif item in optional:
            keys.add(item)
        elif item in required:
            continue
        elif item in known:
            parent = field(item).parent_key
            problems.append(f"'{item}' comes with '{parent}': put '{parent}' in the scope instead")
        else:
            match = difflib.get_close_matches(item, [*DATASETS, *optional], n=1)
            problems.append(
                f"'{item}' is neither a dataset nor an optional catalogue key"
                + (f" (did you mean '{match[0]}'?)" if match else "")
            )
    for key in sorted(keys):
        container = _optional_ancestor(field(key))
        if container is not None and container.key not in keys:
            problems.append(
                f"'{key}' is part of '{container.key}': add '{container.key}' to the scope too"
            )
    if problems:
        raise ValueError(
            "The scope cannot be used: "
            + "; ".join(problems)
            + f". Datasets are {', '.join(DATASETS)}; the optional keys are listed in "
            "docs/data-dictionary.md."
        )
    return frozenset(keys)


def _optional_ancestor(f: Field) -> Field | None:
    parent_key = f.parent_key
    while parent_key:
        parent = field(parent_key)
        if not parent.required:
            return parent
        parent_key = parent.parent_key
    return None


def scope_fields(scope: Iterable[str]) -> tuple[Field, ...]:
    """Every field a document of this scope may carry, in catalogue order."""
    return _scope_fields(scope_normalize(scope))


@lru_cache(maxsize=512)
def _scope_fields(keys: frozenset[str]) -> tuple[Field, ...]:
    included: set[str] = set()
    for f in FIELDS:  # parents come before their members
        if (not f.parent_key or f.parent_key in included) and (f.required or f.key in keys):
            included.add(f.key)
    return tuple(f for f in FIELDS if f.key in included)


def scope_digest(scope: Iterable[str]) -> str:
    """A short hash that names a normalized scope, in schema ids and caches."""
    keys = "\n".join(sorted(scope_normalize(scope)))
    return hashlib.sha256(keys.encode()).hexdigest()[:12]


def consignment_schema(scope: Iterable[str]) -> dict:
    """The JSON Schema a consignment shared under this scope must satisfy."""
    keys = scope_normalize(scope)
    fields = _scope_fields(keys)
    members: dict[str, list[Field]] = {}
    for f in fields:
        members.setdefault(f.parent_key, []).append(f)
    code_lists = {f.code_list.name: f.code_list for f in fields if f.code_list is not None}
    return {
        "$schema": DRAFT_2020_12,
        "$id": f"urn:hub:catalogue:{CATALOGUE_VERSION}:consignment:{scope_digest(keys)}",
        "title": "Consignment",
        "description": f"A consignment shared under catalogue {CATALOGUE_VERSION}; optional keys "
        f"in scope: {', '.join(sorted(keys)) or 'none'}.",
        **_object_schema("", members),
        "$defs": {name: _code_list_schema(code_lists[name]) for name in sorted(code_lists)},
    }


def _object_schema(key: str, members: dict[str, list[Field]]) -> dict:
    return {
        "type": "object",
        "properties": {f.name: _field_schema(f, members) for f in members[key]},
        "required": [f.name for f in members[key] if f.required],
        "additionalProperties": False,
    }


def _field_schema(f: Field, members: dict[str, list[Field]]) -> dict:
    if f.type == FieldType.PARTY:
        schema = _object_schema(f.key, members)
    elif f.type == FieldType.LIST and f.code_list is not None:
        schema = {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": _code_ref(f.code_list),
        }
    elif f.type == FieldType.LIST:
        schema = {"type": "array", "minItems": 1, "items": _object_schema(f.key, members)}
    else:
        schema = _value_schema(f)
    return {**schema, "title": f.label_en, "description": f.help_en}


def _value_schema(f: Field) -> dict:
    match f.type:
        case FieldType.STRING:
            return {
                "type": "string",
                "pattern": f.pattern or NOT_BLANK_PATTERN,
                "maxLength": f.max_length,
            }
        case FieldType.DECIMAL:
            return {
                "type": ["string", "number"],
                "pattern": DECIMAL_PATTERN,
                "minimum": 0,
                "exclusiveMaximum": DECIMAL_LIMIT,
            }
        case FieldType.INTEGER:
            return {"type": "integer", "minimum": 1, "maximum": INTEGER_LIMIT}
        case FieldType.DATE:
            return {"type": "string", "pattern": DATE_PATTERN, "format": "date"}
        case FieldType.DATETIME:
            return {"type": "string", "pattern": DATETIME_PATTERN, "format": "date-time"}
        case FieldType.CODE:
            return _code_ref(f.code_list)
    raise AssertionError(f"{f.key} has no value schema for type {f.type}")


def _code_ref(code_list: CodeList) -> dict:
    return {"$ref": f"#/$defs/{code_list.name}"}


def _code_list_schema(code_list: CodeList) -> dict:
    if code_list.closed:
        return {"description": code_list.source, "enum": sorted(code_list.values)}
    schema = {"description": code_list.source, "type": "string", "pattern": code_list.pattern}
    if code_list is CONTAINERS:
        schema["format"] = CONTAINER_FORMAT
    return schema
