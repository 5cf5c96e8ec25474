import pytest

from hub.enterprises.identifiers import InvalidIdentifier
from hub.partners.identifiers import identifier_normalize, tax_id_blind_indexes


@pytest.mark.parametrize(
    ("scheme", "value", "country", "canonical"),
    [
        ("vat", "DE 136 695 976", "DE", "DE136695976"),
        ("vat", "136.695.976", "DE", "DE136695976"),
        ("vat", "094259216", "GR", "EL094259216"),
        ("vat", "CHE-116.281.710 TVA", "CH", "CHE116281710"),
        ("vat", "CHE-116.281.710 MWST", "CH", "CHE116281710"),
        ("vat", "XI 980 7806 84", "GB", "GB980780684"),
        ("vat", "91310115MA1K3PQ2XL", "CN", "CN91310115MA1K3PQ2XL"),
        ("vat", "12-3456789", "US", "US123456789"),
        ("eori", "de 1234567890123", "DE", "DE1234567890123"),
        ("lei", "5493 001K JTII GC8Y 1R12", "DE", "5493001KJTIIGC8Y1R12"),
        ("duns", "15-048-3782", "US", "150483782"),
        ("gln", "40 12345 00000 9", "DE", "4012345000009"),
    ],
)
def test_identifiers_are_kept_in_one_canonical_form(scheme, value, country, canonical):
    assert identifier_normalize(scheme, value, country=country) == canonical


@pytest.mark.parametrize(
    ("scheme", "value", "country", "hint"),
    [
        ("vat", "DE136695977", "DE", "checksum"),
        ("vat", "FR 40 303", "FR", "length"),
        ("lei", "5493001KJTIIGC8Y1R13", "DE", "check digits"),
        ("duns", "1234", "US", "9 digits"),
        ("gln", "4012345000008", "DE", "check digit"),
        ("eori", "1234", "DE", "country code"),
        ("duns", "١٢٣٤٥٦٧٨٩", "US", "Latin letters and digits"),
    ],
)
def test_an_invalid_identifier_is_refused_with_how_to_fix_it(scheme, value, country, hint):
    with pytest.raises(InvalidIdentifier) as invalid:
        identifier_normalize(scheme, value, country=country)

    assert hint in invalid.value.message


def test_a_tax_id_of_unknown_scheme_is_looked_up_under_every_scheme_it_is_valid_in(settings):
    assert len(tax_id_blind_indexes("DE 136695976", country="DE")) == 2  # a VAT and an EORI form
    assert tax_id_blind_indexes("n/a", country="DE") == set()
