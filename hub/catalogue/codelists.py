"""The code lists the catalogue's code fields draw on.

A closed list is exhaustive: only its codes are valid, and the schema lists them in an enum. An
open list is a scheme that a pattern decides (UN/LOCODE, HS codes, ISO 6346 container numbers); its
`values`, where it has any, are a reference subset with names, for dropdowns and documentation.

Nothing here imports Django, so that the pure-Python connectors can use the lists too.
"""

import csv
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import pycountry

REFERENCE_DIR = Path(__file__).resolve().parent.parent.parent / "fixtures" / "reference"


@dataclass(frozen=True, eq=False)
class CodeList:
    name: str
    title: str
    """Reads after "is not": "an ISO 3166-1 alpha-2 country code"."""
    source: str
    values: Mapping[str, str]
    """Code -> English name: every code of a closed list; a reference subset of an open one."""
    example: str
    pattern: str = ""
    """For an open list, the ECMA-262 regex a code must match; empty for a closed list."""
    aliases: Mapping[str, str] = field(default_factory=dict)
    """Common wrong spellings, upper-cased, mapped to the code the sender meant."""
    lookup: Callable[[str], str | None] | None = None
    """Finds the code a free-form value names (a country name, an HS code with dots...)."""

    @property
    def closed(self) -> bool:
        return not self.pattern

    def is_valid(self, code: str) -> bool:
        if self.closed:
            return code in self.values
        return re.fullmatch(self.pattern, code) is not None

    def suggestion(self, value: object) -> str | None:
        """The valid code the sender most likely meant by `value`, for an error message's hint."""
        if isinstance(value, bool) or not isinstance(value, str | int):
            return None
        text = str(value).strip()
        candidates = [text, text.upper(), self.aliases.get(text.upper())]
        if self.lookup is not None:
            candidates.append(self.lookup(text))
        for candidate in candidates:
            if candidate and candidate != value and self.is_valid(candidate):
                return candidate
        return None


def _read_reference(filename: str) -> dict[str, dict[str, str]]:
    with open(REFERENCE_DIR / filename, encoding="utf-8", newline="") as file:
        return {row["code"]: row for row in csv.DictReader(file)}


def _country_lookup(text: str) -> str | None:
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        return None


def _currency_lookup(text: str) -> str | None:
    try:
        return pycountry.currencies.lookup(text).alpha_3
    except LookupError:
        return None


COUNTRIES = CodeList(
    name="country",
    title="an ISO 3166-1 alpha-2 country code",
    source="ISO 3166-1 alpha-2, as published in pycountry",
    values=MappingProxyType({country.alpha_2: country.name for country in pycountry.countries}),
    example="CN",
    # EL is the EU's own code for Greece; UK is not the ISO code of the United Kingdom.
    aliases={"UK": "GB", "EL": "GR"},
    lookup=_country_lookup,
)

# ISO 4217 also codes testing (XTS) and "no currency" (XXX), which no invoice is stated in.
_NOT_INVOICE_CURRENCIES = {"XTS", "XXX"}

CURRENCIES = CodeList(
    name="currency",
    title="an ISO 4217 currency code",
    source="ISO 4217, as published in pycountry (without XTS and XXX)",
    values=MappingProxyType(
        {
            currency.alpha_3: currency.name
            for currency in pycountry.currencies
            if currency.alpha_3 not in _NOT_INVOICE_CURRENCIES
        }
    ),
    example="CNY",
    # RMB and CNH (the offshore market's rate) both mean renminbi invoices, which ISO codes CNY.
    aliases={"RMB": "CNY", "CNH": "CNY", "NTD": "TWD", "YEN": "JPY"},
    lookup=_currency_lookup,
)

UNITS = CodeList(
    name="unit",
    title="a UN/ECE Rec. 20 unit code",
    source="UN/ECE Recommendation 20, the units trade commonly uses "
    "(fixtures/reference/unece-rec20-units.csv)",
    values=MappingProxyType(
        {code: row["name"] for code, row in _read_reference("unece-rec20-units.csv").items()}
    ),
    example="KGM",
    aliases={
        **dict.fromkeys(["KG", "KGS", "KILO", "KILOS", "KILOGRAM", "KILOGRAMS"], "KGM"),
        **dict.fromkeys(["G", "GR", "GMS", "GRAM", "GRAMS"], "GRM"),
        **dict.fromkeys(["T", "MT", "TON", "TONS", "TONNE", "TONNES"], "TNE"),
        **dict.fromkeys(["LB", "LBS"], "LBR"),
        "OZ": "ONZ",
        **dict.fromkeys(["M", "METER", "METERS", "METRE", "METRES", "MTRS"], "MTR"),
        "CM": "CMT",
        "MM": "MMT",
        "KM": "KMT",
        **dict.fromkeys(["IN", "INCH", "INCHES"], "INH"),
        **dict.fromkeys(["FT", "FEET"], "FOT"),
        **dict.fromkeys(["YD", "YDS"], "YRD"),
        **dict.fromkeys(["M2", "SQM"], "MTK"),
        **dict.fromkeys(["M3", "CBM"], "MTQ"),
        **dict.fromkeys(["L", "LT", "LTS", "LITER", "LITERS", "LITRE", "LITRES"], "LTR"),
        "ML": "MLT",
        **dict.fromkeys(["PCS", "PC", "PIECE", "PIECES"], "PCE"),
        "EACH": "EA",
        "SETS": "SET",
        **dict.fromkeys(["PAIR", "PAIRS", "PRS"], "PR"),
        **dict.fromkeys(["DOZ", "DOZEN"], "DZN"),
        "W": "WTT",
        "KW": "KWT",
        **dict.fromkeys(["H", "HR", "HRS", "HOUR", "HOURS"], "HUR"),
    },
)

TRANSPORT_MODES = CodeList(
    name="transport_mode",
    title="a UN/ECE Rec. 19 transport mode code",
    source="UN/ECE Recommendation 19",
    values=MappingProxyType(
        {
            "1": "maritime transport",
            "2": "rail transport",
            "3": "road transport",
            "4": "air transport",
            "5": "mail",
            "7": "fixed transport installation (pipeline, power line)",
            "8": "inland water transport",
        }
    ),
    example="1",
    aliases={
        **dict.fromkeys(["SEA", "OCEAN", "VESSEL", "MARITIME"], "1"),
        **dict.fromkeys(["RAIL", "TRAIN"], "2"),
        **dict.fromkeys(["ROAD", "TRUCK"], "3"),
        "AIR": "4",
        **dict.fromkeys(["MAIL", "POST", "POSTAL"], "5"),
        "PIPELINE": "7",
        **dict.fromkeys(["BARGE", "RIVER", "INLAND WATERWAY"], "8"),
    },
)

INCOTERMS = CodeList(
    name="incoterms",
    title="an Incoterms 2020 rule",
    source="Incoterms® 2020 (International Chamber of Commerce)",
    values=MappingProxyType(
        {
            "EXW": "Ex Works",
            "FCA": "Free Carrier",
            "CPT": "Carriage Paid To",
            "CIP": "Carriage and Insurance Paid To",
            "DAP": "Delivered at Place",
            "DPU": "Delivered at Place Unloaded",
            "DDP": "Delivered Duty Paid",
            "FAS": "Free Alongside Ship",
            "FOB": "Free on Board",
            "CFR": "Cost and Freight",
            "CIF": "Cost, Insurance and Freight",
        }
    ),
    example="FOB",
    # Incoterms 2020 renamed DAT to DPU; DDU was retired in 2010 in favour of DAP.
    aliases={"DAT": "DPU", "DDU": "DAP", "C&F": "CFR", "CNF": "CFR", "C+F": "CFR"},
    # "FOB Shanghai": the named place is not part of the rule's code.
    lookup=lambda text: text.split()[0].upper() if text.split() else None,
)

_COUNTRY_ALTERNATIVES = "|".join(sorted(COUNTRIES.values))
_PORT_REFERENCE = _read_reference("unlocode-ports.csv")
_PORT_NAMES = {row["name"].upper(): code for code, row in _PORT_REFERENCE.items()}

PORTS = CodeList(
    name="port",
    title="a UN/LOCODE",
    source="UN/LOCODE: any code of a valid country and three letters or digits 2-9; the major "
    "seaports and airports are listed in fixtures/reference/unlocode-ports.csv",
    values=MappingProxyType({code: row["name"] for code, row in _PORT_REFERENCE.items()}),
    example="CNSHA",
    pattern=f"^(?:{_COUNTRY_ALTERNATIVES})[A-Z2-9]{{3}}$",
    lookup=lambda text: _PORT_NAMES.get(text.upper()) or re.sub(r"[\s-]", "", text).upper(),
)
PORT_KINDS = MappingProxyType({code: row["kind"] for code, row in _PORT_REFERENCE.items()})


def _hs_lookup(text: str) -> str | None:
    digits = re.sub(r"[\s.-]", "", text)
    if not digits.isascii() or not digits.isdigit():
        return None
    # A spreadsheet or a JSON number drops the leading zero of chapters 01 to 09.
    return "0" + digits if len(digits) in (5, 7, 9) else digits


HS_CODES = CodeList(
    name="hs_code",
    title="an HS code",
    source="Harmonized System: 6 digits, or 8 or 10 with the national subdivisions",
    values=MappingProxyType({}),
    example="8471300000",
    pattern="^[0-9]{6}(?:[0-9]{2}){0,2}$",
    lookup=_hs_lookup,
)

# ISO 6346 gives each letter a value from 10 up, skipping the multiples of 11.
_LETTER_VALUES = dict(
    zip(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        (value for value in range(10, 39) if value % 11),
        strict=False,
    )
)


def container_check_digit(number: str) -> int:
    """The ISO 6346 check digit of the first ten characters of a container number."""
    total = sum(
        (_LETTER_VALUES[char] if char.isalpha() else int(char)) * 2**position
        for position, char in enumerate(number[:10])
    )
    return total % 11 % 10


CONTAINERS = CodeList(
    name="container",
    title="an ISO 6346 container number",
    source="ISO 6346: owner code of three letters, category U, J or Z, six-digit serial number "
    "and a check digit",
    values=MappingProxyType({}),
    example="CSQU3054383",
    pattern="^[A-Z]{3}[UJZ][0-9]{7}$",
    lookup=lambda text: re.sub(r"[\s-]", "", text).upper(),
)

CODE_LISTS = MappingProxyType(
    {
        code_list.name: code_list
        for code_list in (
            COUNTRIES,
            CURRENCIES,
            UNITS,
            TRANSPORT_MODES,
            INCOTERMS,
            PORTS,
            HS_CODES,
            CONTAINERS,
        )
    }
)
