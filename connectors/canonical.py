"""The canonical consignment and the value conversions every format shares, so that an IDoc and
an EDIFACT message with the same content give the same dict: decimals as strings, ISO dates,
UN/LOCODEs, weights in kilograms, keys in one order and no empty values."""

import re
from datetime import datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.base import ConnectorError

CONSIGNMENT_KEYS = (
    "reference",
    "transport_document_number",
    "transport_mode",
    "port_of_loading",
    "port_of_discharge",
    "estimated_arrival",
    "invoice_number",
    "invoice_date",
    "currency",
    "seller",
    "lines",
    "containers",
    "vessel_or_flight",
    "voyage_number",
    "departure_date",
    "incoterms",
    "contract_number",
    "contract_date",
    "invoice_total",
    "shipper",
    "carrier",
    "forwarder",
    "manufacturer",
)
LINE_KEYS = (
    "line_number",
    "material_number",
    "description",
    "quantity",
    "unit",
    "line_value",
    "origin_country",
    "hs_code",
    "net_weight_kg",
    "gross_weight_kg",
    "unit_price",
    "packages",
)
PARTY_KEYS = ("name", "country", "tax_id", "address")

# Arrival times that carry no time zone are local times at the port of discharge. Only countries
# with a single time zone can be resolved that way; elsewhere the document has to give the zone.
PORT_COUNTRY_TIME_ZONES = {
    "AE": "Asia/Dubai",
    "BE": "Europe/Brussels",
    "CN": "Asia/Shanghai",
    "DE": "Europe/Berlin",
    "DK": "Europe/Copenhagen",
    "ES": "Europe/Madrid",
    "FI": "Europe/Helsinki",
    "FR": "Europe/Paris",
    "GB": "Europe/London",
    "GR": "Europe/Athens",
    "HK": "Asia/Hong_Kong",
    "IN": "Asia/Kolkata",
    "IT": "Europe/Rome",
    "JP": "Asia/Tokyo",
    "KR": "Asia/Seoul",
    "LK": "Asia/Colombo",
    "MY": "Asia/Kuala_Lumpur",
    "NL": "Europe/Amsterdam",
    "NO": "Europe/Oslo",
    "PH": "Asia/Manila",
    "PK": "Asia/Karachi",
    "PL": "Europe/Warsaw",
    "SA": "Asia/Riyadh",
    "SE": "Europe/Stockholm",
    "SG": "Asia/Singapore",
    "TH": "Asia/Bangkok",
    "TR": "Europe/Istanbul",
    "TW": "Asia/Taipei",
    "VN": "Asia/Ho_Chi_Minh",
}

KILOGRAMS_PER_UNIT = {
    "KGM": Decimal("1"),
    "GRM": Decimal("0.001"),
    "TNE": Decimal("1000"),
    "LBR": Decimal("0.45359237"),
}

_COUNTRY = re.compile(r"[A-Z]{2}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_LOCODE = re.compile(r"[A-Z]{2}[A-Z2-9]{3}")
_UNIT = re.compile(r"[A-Z0-9]{2,3}")
_HS_CODE = re.compile(r"\d{6}(?:\d{2}){0,2}")
_INCOTERMS = re.compile(r"[A-Z]{3}")
_TRANSPORT_MODE = re.compile(r"[1-9]")
_CONTAINER = re.compile(r"[A-Z]{3}[UJZ]\d{7}")
_UTC_OFFSET = re.compile(r"(?:UTC|GMT|Z)?(?:([+-])(\d{1,2}):?(\d{2})?)?")
_TIMESTAMP_FORMATS = {8: "%Y%m%d", 12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}


def _ordered(values: dict, keys: tuple[str, ...]) -> dict:
    unknown = values.keys() - set(keys)
    if unknown:
        raise TypeError(f"Not canonical keys: {sorted(unknown)}")
    return {key: values[key] for key in keys if values.get(key) not in (None, "", [])}


def consignment(**values) -> dict:
    """A canonical consignment in the catalogue's key order, without the keys that have no value."""
    return _ordered(values, CONSIGNMENT_KEYS)


def line(**values) -> dict:
    return _ordered(values, LINE_KEYS)


def party(**values) -> dict:
    return _ordered(values, PARTY_KEYS)


def required(value, location: str, message: str):
    if value in (None, "", []):
        raise ConnectorError(message, location)
    return value


def joined(*parts: str | None, separator: str = " ") -> str | None:
    text = separator.join(part.strip() for part in parts if part and part.strip())
    return text or None


def address(street: str | None, postcode: str | None, city: str | None) -> str | None:
    return joined(street, joined(postcode, city), separator=", ")


def decimal_text(raw: str, location: str, what: str, *, decimal_mark: str = ".") -> str:
    text = raw.strip()
    pattern = rf"[+-]?(\d+({re.escape(decimal_mark)}\d*)?|{re.escape(decimal_mark)}\d+)"
    if not re.fullmatch(pattern, text):
        raise ConnectorError(
            f"{what} must be a number written with {decimal_mark!r} as the decimal mark and no "
            f"thousands separators, e.g. 1200{decimal_mark}5; the document has {raw!r}.",
            location,
        )
    return format(Decimal(text.replace(decimal_mark, ".")), "f")


def unit_price(price: str, price_unit: str | None) -> str:
    """A price quoted per `price_unit` units (SAP PEINH, EDIFACT unit price basis) per one unit."""
    if not price_unit or Decimal(price_unit) in (0, 1):
        return price
    return format((Decimal(price) / Decimal(price_unit)).normalize(), "f")


def weight_kg(value: str, unit_code: str | None, location: str) -> str:
    factor = KILOGRAMS_PER_UNIT.get(unit_code or "")
    if factor is None:
        known = ", ".join(KILOGRAMS_PER_UNIT)
        raise ConnectorError(
            f"Give the unit of the weight as one of {known}; the document has {unit_code!r}.",
            location,
        )
    return value if factor == 1 else format((Decimal(value) * factor).normalize(), "f")


def _coded(raw: str, pattern: re.Pattern, location: str, description: str) -> str:
    text = raw.strip().upper()
    if not pattern.fullmatch(text):
        raise ConnectorError(f"{raw!r} is not {description}.", location)
    return text


def country(raw: str, location: str) -> str:
    return _coded(raw, _COUNTRY, location, "an ISO 3166-1 alpha-2 country code such as DE or CN")


def currency(raw: str, location: str) -> str:
    return _coded(raw, _CURRENCY, location, "an ISO 4217 currency code such as EUR or USD")


def unit(raw: str, location: str) -> str:
    return _coded(raw, _UNIT, location, "a UN/ECE Recommendation 20 unit code such as PCE or KGM")


def incoterms(raw: str, location: str) -> str:
    return _coded(raw, _INCOTERMS, location, "an Incoterms 2020 code such as FOB or CIF")


def transport_mode(raw: str, location: str) -> str:
    return _coded(
        raw, _TRANSPORT_MODE, location, "a UN/ECE Recommendation 19 mode of transport (1 to 9)"
    )


def locode(raw: str, location: str) -> str:
    return _coded(raw.replace(" ", ""), _LOCODE, location, "a UN/LOCODE such as DEHAM or CNSHA")


def hs_code(raw: str, location: str) -> str:
    digits = raw.replace(".", "").replace(" ", "")
    if not _HS_CODE.fullmatch(digits):
        raise ConnectorError(
            f"{raw!r} is not an HS code: give 6, 8 or 10 digits with leading zeros, e.g. 04022100.",
            location,
        )
    return digits


def _container_text(raw: str) -> str:
    return raw.replace(" ", "").replace("-", "").upper()


def looks_like_container_number(raw: str) -> bool:
    return bool(_CONTAINER.fullmatch(_container_text(raw)))


def container_number(raw: str, location: str) -> str:
    number = _container_text(raw)
    if not _CONTAINER.fullmatch(number):
        raise ConnectorError(
            f"{raw!r} is not an ISO 6346 container number (owner code, category letter, serial "
            "number and check digit, e.g. MSKU1234565).",
            location,
        )
    if iso6346_check_digit(number[:10]) != int(number[10]):
        raise ConnectorError(
            f"The check digit of container {number} should be {iso6346_check_digit(number[:10])}; "
            "correct the container number.",
            location,
        )
    return number


def iso6346_check_digit(owner_category_serial: str) -> int:
    # Letters count from 10 upwards, skipping the multiples of 11.
    letter_values, value = {}, 10
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if value % 11 == 0:
            value += 1
        letter_values[letter] = value
        value += 1
    total = sum(
        (letter_values[char] if char.isalpha() else int(char)) * 2**position
        for position, char in enumerate(owner_category_serial)
    )
    return total % 11 % 10


def timestamp(text: str, location: str, what: str) -> datetime:
    """A naive date and time from CCYYMMDD, CCYYMMDDHHMM or CCYYMMDDHHMMSS."""
    text = text.strip()
    try:
        if text.isdigit() and len(text) in _TIMESTAMP_FORMATS:
            return datetime.strptime(text, _TIMESTAMP_FORMATS[len(text)])
    except ValueError:
        pass
    raise ConnectorError(
        f"{what} must be a date written CCYYMMDD (e.g. 20260302), optionally followed by the time "
        f"HHMM or HHMMSS; the document has {text!r}.",
        location,
    )


def iso_date(text: str, location: str, what: str) -> str:
    if len(text.strip()) != 8:
        raise ConnectorError(f"{what} must be a date written CCYYMMDD, e.g. 20260215.", location)
    return timestamp(text, location, what).date().isoformat()


def time_zone(text: str, location: str) -> tzinfo | None:
    """A zone written as a UTC offset (UTC+8, +08, +0800, -05:00), UTC itself or an IANA name."""
    text = text.strip()
    if not text:
        return None
    try:
        offset = _UTC_OFFSET.fullmatch(text.upper())
        if offset:
            sign, hours, minutes = offset.groups()
            delta = timedelta(hours=int(hours or 0), minutes=int(minutes or 0))
            return timezone(-delta if sign == "-" else delta)
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConnectorError(
            f"{text!r} is not a time zone: write it as an offset from UTC such as UTC+8 or +08.",
            location,
        ) from None


def estimated_arrival(moment: datetime, port_of_discharge: str, location: str, hint: str) -> str:
    """ISO 8601 with the zone; a time without one is local time at the port of discharge."""
    if moment.tzinfo is None:
        zone_name = PORT_COUNTRY_TIME_ZONES.get(port_of_discharge[:2])
        if zone_name is None:
            raise ConnectorError(
                f"The arrival time has no time zone, and the country of {port_of_discharge} is not "
                f"one whose single zone is known. {hint}",
                location,
            )
        moment = moment.replace(tzinfo=ZoneInfo(zone_name))
    return moment.isoformat()
