"""Enterprise identifiers: validated with python-stdnum where it has a module, and by a documented
format check where it has none. Values are stored in their compact form, so that duplicates are
found however they were typed."""

import re
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from stdnum import lei
from stdnum.cn import uscc
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.gb import vat as gb_vat


class Scheme(models.TextChoices):
    USCC = "uscc", _("Unified social credit code (China)")
    VAT = "vat", _("VAT number (EU or GB)")
    LEI = "lei", _("Legal Entity Identifier")
    EORI = "eori", _("EORI number")
    CUSTOMS_CODE = "customs_code", _("China Customs registration code")


# EORI: the ISO country code of the issuing state followed by up to 15 letters or digits
# (EU Regulation 2015/2446, Art. 1(18)); there is no check digit to verify.
EORI_PATTERN = re.compile(r"^[A-Z]{2}[A-Z0-9]{1,15}$")
# The China Customs registration code has 10 characters: the 4-digit code of the customs area
# where the enterprise registered, then 6 letters or digits (zone, enterprise type, serial).
CUSTOMS_CODE_PATTERN = re.compile(r"^\d{4}[0-9A-Z]{6}$")
EORI_HINT = _(
    "An EORI number is the 2-letter country code followed by up to 15 letters or digits, "
    "for example DE1234567890123."
)
CUSTOMS_CODE_HINT = _(
    "A China Customs registration code has 10 characters: 4 digits of the customs area, "
    "then 6 letters or digits, for example 3122440123."
)


@dataclass(frozen=True)
class InvalidIdentifier(Exception):
    scheme: str
    message: str


def identifier_normalize(scheme: str, value: str) -> str:
    """The compact, validated form of an identifier, or InvalidIdentifier saying how to fix it."""
    compact = re.sub(r"[\s.\-/]", "", value or "").upper()
    try:
        if scheme == Scheme.USCC:
            return uscc.validate(compact)
        if scheme == Scheme.LEI:
            return lei.validate(compact)
        if scheme == Scheme.VAT:
            if compact.startswith(("GB", "XI")):
                return compact[:2] + gb_vat.validate(compact[2:])
            return eu_vat.validate(compact)
    except StdnumError as error:
        raise InvalidIdentifier(scheme, _identifier_hint(scheme, str(error))) from None
    if scheme == Scheme.EORI:
        if not EORI_PATTERN.match(compact):
            raise InvalidIdentifier(scheme, str(EORI_HINT))
        return compact
    if scheme == Scheme.CUSTOMS_CODE:
        if not CUSTOMS_CODE_PATTERN.match(compact):
            raise InvalidIdentifier(scheme, str(CUSTOMS_CODE_HINT))
        return compact
    raise InvalidIdentifier(scheme, str(_("Unknown identifier scheme.")))


def _identifier_hint(scheme: str, problem: str) -> str:
    hints = {
        Scheme.USCC: _(
            "A unified social credit code has 18 characters and ends in a check character; "
            "copy it from the business licence (营业执照)."
        ),
        Scheme.LEI: _("A LEI has 20 characters and two check digits at the end."),
        Scheme.VAT: _(
            "Give the VAT number with its country prefix, for example DE136695976 or GB980780684."
        ),
    }
    return f"{problem}. {hints[scheme]}"
