"""Hypothesis strategies that generate valid consignments of any scope from the catalogue itself."""

from datetime import timedelta, timezone
from decimal import Decimal

from hypothesis import strategies as st

from hub.catalogue.codelists import (
    CONTAINERS,
    COUNTRIES,
    HS_CODES,
    PORTS,
    CodeList,
    container_check_digit,
)
from hub.catalogue.fields import DATASETS, Field, FieldType, field, optional_keys
from hub.catalogue.schemas import scope_fields

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"

time_zones = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)

decimal_strings = (
    st.integers(min_value=0, max_value=6)
    .flatmap(
        lambda places: st.decimals(
            min_value=0,
            max_value=Decimal("999999999999999.999999"),
            places=places,
            allow_nan=False,
            allow_infinity=False,
        )
    )
    .map(lambda value: format(abs(value), "f"))
)

decimal_numbers = st.integers(min_value=0, max_value=10**15 - 1) | st.floats(
    min_value=0, max_value=1e14, allow_nan=False, allow_infinity=False
)

hs_codes = st.sampled_from([6, 8, 10]).flatmap(
    lambda length: st.text(DIGITS, min_size=length, max_size=length)
)


@st.composite
def container_numbers(draw) -> str:
    owner = draw(st.text(LETTERS, min_size=3, max_size=3))
    category = draw(st.sampled_from("UJZ"))
    serial = draw(st.text(DIGITS, min_size=6, max_size=6))
    number = owner + category + serial
    return number + str(container_check_digit(number))


def port_codes() -> st.SearchStrategy[str]:
    location = st.text(LETTERS + "23456789", min_size=3, max_size=3)
    any_port = st.builds(str.__add__, st.sampled_from(sorted(COUNTRIES.values)), location)
    return st.sampled_from(sorted(PORTS.values)) | any_port


def codes(code_list: CodeList) -> st.SearchStrategy[str]:
    if code_list is PORTS:
        return port_codes()
    if code_list is HS_CODES:
        return hs_codes
    if code_list is CONTAINERS:
        return container_numbers()
    return st.sampled_from(sorted(code_list.values))


def text_of(f: Field) -> st.SearchStrategy[str]:
    if f.pattern:
        matching = st.from_regex(f.pattern, fullmatch=True)
        return matching.filter(lambda value: len(value) <= f.max_length)
    return st.text(min_size=1, max_size=f.max_length).filter(lambda value: value.strip())


def values_of(f: Field, members: dict[str, list[Field]]) -> st.SearchStrategy:
    match f.type:
        case FieldType.STRING:
            return text_of(f)
        case FieldType.DECIMAL:
            return decimal_strings | decimal_numbers
        case FieldType.INTEGER:
            return st.integers(min_value=1, max_value=2**31 - 1)
        case FieldType.DATE:
            return st.dates().map(lambda value: value.isoformat())
        case FieldType.DATETIME:
            return st.datetimes(timezones=time_zones).map(lambda value: value.isoformat())
        case FieldType.CODE:
            return codes(f.code_list)
        case FieldType.PARTY:
            return objects(f.key, members)
        case FieldType.LIST if f.code_list is not None:
            return st.lists(codes(f.code_list), min_size=1, max_size=3, unique=True)
        case FieldType.LIST:
            return st.lists(objects(f.key, members), min_size=1, max_size=3)
    raise AssertionError(f.type)


def objects(key: str, members: dict[str, list[Field]]) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {f.name: values_of(f, members) for f in members[key] if f.required},
        optional={f.name: values_of(f, members) for f in members[key] if not f.required},
    )


def documents(scope) -> st.SearchStrategy[dict]:
    members: dict[str, list[Field]] = {}
    for f in scope_fields(scope):
        members.setdefault(f.parent_key, []).append(f)
    return objects("", members)


def _stands_alone(key: str) -> bool:
    """An optional key whose parent is in every scope, so that it can be opted into alone."""
    parent = field(key).parent_key
    return not parent or field(parent).required


STAND_ALONE_KEYS = [key for key in optional_keys() if _stands_alone(key)]

scopes = st.sets(st.sampled_from([*DATASETS, *STAND_ALONE_KEYS]))
