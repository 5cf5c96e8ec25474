"""Identifiers of supply-chain partners, validated per scheme and kept in one canonical form, so
that "DE 136 695 976" and "136695976" (a German supplier) are the same number when they are
matched through their blind index.

VAT numbers are checked with python-stdnum's module for the number's country where it has one
(about eighty countries, China's unified social credit code among them); elsewhere, and for EORI
and D-U-N-S numbers, which carry no check digit, the format is checked. LEI and GLN check digits
are verified.
"""

import re

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum import ean, lei, vatin
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.util import get_cc_module

from hub.core.crypto import blind_index
from hub.enterprises.identifiers import EORI_HINT, EORI_PATTERN, InvalidIdentifier


class PartnerScheme(models.TextChoices):
    VAT = "vat", gettext_lazy("VAT or tax number")
    EORI = "eori", gettext_lazy("EORI number")
    LEI = "lei", gettext_lazy("Legal Entity Identifier (LEI)")
    DUNS = "duns", gettext_lazy("D-U-N-S number")
    GLN = "gln", gettext_lazy("Global Location Number (GLN)")


# Greece's VAT numbers carry EL, the EU's code for it; a Northern Ireland number (XI) is the
# United Kingdom's number (GB) used for trade in goods, so both read GB.
CANONICAL_VAT_PREFIX = {"GR": "EL", "XI": "GB"}
VAT_PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}
# Swiss and Norwegian VAT numbers end in a word for "VAT" in one of the national languages; the
# number is the same in each, so the canonical form leaves the word out.
VAT_SUFFIXES = {"CH": ("MWST", "TVA", "IVA", "TPV"), "NO": ("MVA",)}
# Where python-stdnum has no module: the country prefix, then 2 to 18 letters or digits.
VAT_PATTERN = re.compile(r"^[A-Z]{2}[0-9A-Z]{2,18}$")
# D-U-N-S: nine digits, often written 12-345-6789; Dun & Bradstreet publishes no check digit.
DUNS_PATTERN = re.compile(r"^\d{9}$")
SEPARATORS = re.compile(r"[\s.\-/,]")
ASCII_ALPHANUMERIC = re.compile(r"^[0-9A-Z]+$")
BLIND_INDEX_CONTEXT = "partners.identifier"


def _has_vat_module(country: str) -> bool:
    return get_cc_module(country.lower(), "vat") is not None


def _vat(compact: str, country: str) -> str:
    prefix = compact[:2]
    if not (prefix.isalpha() and (prefix in VAT_PREFIX_COUNTRY or _has_vat_module(prefix))):
        prefix = CANONICAL_VAT_PREFIX.get(country, country)
        compact = prefix + compact
    number_country = VAT_PREFIX_COUNTRY.get(prefix, prefix)
    suffixes = VAT_SUFFIXES.get(number_country, ())
    for suffix in suffixes:
        compact = compact.removesuffix(suffix)
    if not _has_vat_module(number_country):
        if not VAT_PATTERN.match(compact):
            raise InvalidIdentifier(PartnerScheme.VAT, _vat_hint())
        return compact
    try:
        validated = vatin.validate(compact + (suffixes[0] if suffixes else ""))
    except StdnumError as error:
        raise InvalidIdentifier(PartnerScheme.VAT, _problem(error, _vat_hint())) from None
    validated = validated.removesuffix(suffixes[0]) if suffixes else validated
    return CANONICAL_VAT_PREFIX.get(validated[:2], validated[:2]) + validated[2:]


def _problem(error: StdnumError, hint: str) -> str:
    return f"{str(error).rstrip('.')}. {hint}"


def _vat_hint() -> str:
    return _(
        "Give the VAT or tax number as on the partner's invoices, with or without its country "
        "prefix, for example DE136695976 or 136 695 976 for a German partner."
    )


def identifier_normalize(scheme: str, value: str, *, country: str) -> str:
    """The canonical form of a partner's identifier, or InvalidIdentifier saying how to fix it.
    `country` is the partner's, for VAT numbers given without their prefix."""
    compact = SEPARATORS.sub("", value or "").upper()
    if not ASCII_ALPHANUMERIC.match(compact):
        raise InvalidIdentifier(
            scheme, _("An identifier has Latin letters and digits only, spaces and dashes aside.")
        )
    if scheme == PartnerScheme.VAT:
        return _vat(compact, country)
    if scheme == PartnerScheme.EORI:
        if not EORI_PATTERN.match(compact):
            raise InvalidIdentifier(scheme, str(EORI_HINT))
        return compact
    if scheme == PartnerScheme.LEI:
        try:
            return lei.validate(compact)
        except StdnumError as error:
            raise InvalidIdentifier(
                scheme,
                _problem(error, _("A LEI has 20 characters and two check digits at the end.")),
            ) from None
    if scheme == PartnerScheme.DUNS:
        if not DUNS_PATTERN.match(compact):
            raise InvalidIdentifier(
                scheme, _("A D-U-N-S number has 9 digits, for example 15-048-3782.")
            )
        return compact
    if scheme == PartnerScheme.GLN:
        hint = _("A GLN has 13 digits, the last one a GS1 check digit.")
        if len(compact) != 13:
            raise InvalidIdentifier(scheme, hint)
        try:
            return ean.validate(compact)
        except StdnumError as error:
            raise InvalidIdentifier(scheme, _problem(error, hint)) from None
    raise InvalidIdentifier(scheme, _("Unknown identifier scheme."))


def identifiers_normalize(raw: dict[str, str], *, country: str) -> tuple[dict, dict]:
    """The canonical form of each identifier given (scheme → value; blank ones left out), and
    the problem of each one that is invalid, by scheme."""
    normalized, problems = {}, {}
    for scheme, value in raw.items():
        if not value:
            continue
        try:
            normalized[scheme] = identifier_normalize(scheme, value, country=country)
        except InvalidIdentifier as invalid:
            problems[scheme] = invalid.message
    return normalized, problems


def identifier_blind_index(scheme: str, canonical: str) -> str:
    return blind_index(f"{scheme}:{canonical}", context=BLIND_INDEX_CONTEXT)


def tax_id_blind_indexes(tax_id: str, *, country: str) -> set[str]:
    """A consignment party's tax ID says nothing of its scheme: the blind indexes of every scheme
    it is a valid identifier of, to find the registered partner holding any of them."""
    indexes = set()
    for scheme in PartnerScheme.values:
        try:
            canonical = identifier_normalize(scheme, tax_id, country=country)
        except InvalidIdentifier:
            continue
        indexes.add(identifier_blind_index(scheme, canonical))
    return indexes
