import copy

import pytest

from hub.catalogue.fields import DATASETS

EVERYTHING = tuple(DATASETS)

# A consignment with every field of the catalogue, as a German supplier's ERP would send it.
FULL_DOCUMENT = {
    "reference": "SO-2025-000417",
    "invoice_number": "INV-90017",
    "invoice_date": "2025-01-20",
    "currency": "EUR",
    "invoice_total": "1318.00",
    "contract_number": "PO-4500012345",
    "contract_date": "2024-12-02",
    "incoterms": "FOB",
    "transport_document_number": "MAEU250116442",
    "transport_mode": "1",
    "port_of_loading": "DEHAM",
    "port_of_discharge": "CNSHA",
    "estimated_arrival": "2025-03-01T08:00:00+08:00",
    "departure_date": "2025-01-25",
    "vessel_or_flight": "MAERSK EINDHOVEN",
    "voyage_number": "502E",
    "containers": ["CSQU3054383"],
    "seller": {
        "name": "Kugellager Nord GmbH",
        "country": "DE",
        "tax_id": "DE123456789",
        "address": "Hafenstrasse 1, 20457 Hamburg",
    },
    "shipper": {"name": "Kugellager Nord Logistik GmbH", "country": "DE"},
    "carrier": {"name": "Maersk A/S", "country": "DK", "tax_id": "DK53139655"},
    "forwarder": {"name": "Hanseatic Forwarding KG", "country": "DE"},
    "manufacturer": {"name": "Kugellager Werk Sachsen GmbH", "country": "DE", "address": "Leipzig"},
    "lines": [
        {
            "line_number": 1,
            "material_number": "6204-2RS",
            "description": "Deep groove ball bearings, sealed, 20 mm bore",
            "quantity": "500",
            "unit": "PCE",
            "line_value": "1068.00",
            "origin_country": "DE",
            "hs_code": "8482100000",
            "net_weight_kg": 55.5,
            "gross_weight_kg": "61.2",
            "unit_price": "2.136",
            "packages": 5,
        },
        {
            "line_number": 2,
            "material_number": "GREASE-LGMT2",
            "description": "Bearing grease, lithium soap, 1 kg tins",
            "quantity": 20,
            "unit": "KGM",
            "line_value": 250,
            "origin_country": "SE",
            "hs_code": "3403990000",
        },
    ],
}


def _required_minimum(document: dict) -> dict:
    document = copy.deepcopy(document)
    for key in [
        "invoice_total",
        "contract_number",
        "contract_date",
        "incoterms",
        "departure_date",
        "vessel_or_flight",
        "voyage_number",
        "containers",
        "shipper",
        "carrier",
        "forwarder",
        "manufacturer",
    ]:
        del document[key]
    del document["seller"]["tax_id"], document["seller"]["address"]
    for line in document["lines"]:
        for key in ["hs_code", "net_weight_kg", "gross_weight_kg", "unit_price", "packages"]:
            line.pop(key, None)
    return document


MINIMUM_DOCUMENT = _required_minimum(FULL_DOCUMENT)


@pytest.fixture
def document():
    """A fresh copy of FULL_DOCUMENT, for a test to break."""
    return copy.deepcopy(FULL_DOCUMENT)


@pytest.fixture
def minimum_document():
    """A fresh copy of MINIMUM_DOCUMENT: FULL_DOCUMENT cut down to the required minimum."""
    return copy.deepcopy(MINIMUM_DOCUMENT)
