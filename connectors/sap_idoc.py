"""SAP IDoc XML: INVOIC02 invoices and DESADV01 despatch advices, one consignment per IDOC element.

The basic types have no field for the ports, the mode of transport or (INVOIC02) the arrival, and
DESADV01 none for the invoice, the line values and the origin; those come from the hub's extension
segments Z1HUBSHP, Z1HUBCTR and Z1HUBITM, described in README.md. The mapping tables at the end of
this module are the whole mapping.
"""

from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from connectors import canonical
from connectors.base import Connector, ConnectorError
from connectors.registry import register

# SAP's internal unit keys, as an IDoc carries them when the partner profile skips ISO conversion.
SAP_UNITS = {
    "ST": "PCE",
    "PC": "PCE",
    "STK": "PCE",
    "KG": "KGM",
    "G": "GRM",
    "TO": "TNE",
    "LB": "LBR",
    "M": "MTR",
    "KM": "KMT",
    "M2": "MTK",
    "M3": "MTQ",
    "L": "LTR",
    "PAA": "PR",
    "KAR": "CT",
    "ROL": "RO",
}


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class Segment:
    """An IDoc segment together with the XML path that locates it in error messages."""

    def __init__(self, element: Element, path: str):
        self.element = element
        self.path = path

    @property
    def tag(self) -> str:
        return _local_name(self.element.tag)

    def segments(self, tag: str) -> list["Segment"]:
        matches = [child for child in self.element if _local_name(child.tag) == tag]
        if len(matches) == 1:
            return [Segment(matches[0], f"{self.path}/{tag}")]
        return [
            Segment(child, f"{self.path}/{tag}[{index}]")
            for index, child in enumerate(matches, start=1)
        ]

    def segment(self, tag: str, qualifier: tuple[str, str] | None = None) -> "Segment | None":
        for candidate in self.segments(tag):
            if qualifier is None or candidate.field(qualifier[0]) == qualifier[1]:
                return candidate
        return None

    def field(self, name: str) -> str | None:
        for child in self.element:
            if _local_name(child.tag) == name:
                return (child.text or "").strip() or None
        return None


@dataclass(frozen=True)
class Source:
    """A field of the segment itself (`tag` None) or of its first child segment `tag`, optionally
    the child whose qualifier field has a given value, such as E1EDK02 with QUALF 009."""

    tag: str | None
    field: str
    qualifier: tuple[str, str] | None = None

    def read(self, parent: Segment) -> tuple[str | None, str]:
        """The value (None when absent) and the XML path where it is or should be."""
        segment = parent if self.tag is None else parent.segment(self.tag, self.qualifier)
        if segment is not None:
            return segment.field(self.field), f"{segment.path}/{self.field}"
        predicate = f"[{self.qualifier[0]}='{self.qualifier[1]}']" if self.qualifier else ""
        return None, f"{parent.path}/{self.tag}{predicate}/{self.field}"

    def required(self, parent: Segment, what: str) -> tuple[str, str]:
        value, location = self.read(parent)
        where = f"segment {self.tag or parent.tag}"
        if self.qualifier:
            where += f" with {self.qualifier[0]} {self.qualifier[1]}"
        if (self.tag or "").startswith("Z1"):
            where += " (the hub's extension segment, see connectors/README.md)"
        message = f"{what} is missing: fill {self.field} of {where}."
        return canonical.required(value, location, message), location


@dataclass(frozen=True)
class Partners:
    tag: str
    role_field: str
    name: str
    name_continued: str
    street: str
    postcode: str
    city: str
    country: str
    roles: dict[str, tuple[str, ...]]  # canonical party -> partner roles, the first present wins


@dataclass(frozen=True)
class LineMapping:
    tag: str
    line_number: Source
    material_numbers: tuple[Source, ...]  # the first present wins
    descriptions: tuple[Source, ...]
    quantity: Source
    unit: Source
    line_value: Source
    origin_country: Source
    hs_code: Source
    weight_unit: Source
    net_weight: Source
    gross_weight: Source
    unit_price: Source | None = None
    price_unit: Source | None = None


@dataclass(frozen=True)
class Mapping:
    document: str | None  # the segment holding the header, None for the IDOC element itself
    reference: Source
    invoice_number: Source
    invoice_date: Source
    currency: Source
    transport_document_number: Source
    vessel_or_flight: Source
    transport_mode: Source
    port_of_loading: Source
    port_of_discharge: Source
    voyage_number: Source
    departure_date: Source
    arrival: tuple[Source, Source, Source]  # date, time, time zone
    incoterms: Source
    containers: Source
    only_container_numbers: bool  # True where other handling units share the segment
    partners: Partners
    lines: LineMapping
    seller_tax_id: Source | None = None
    contract_number: Source | None = None
    contract_date: Source | None = None
    invoice_total: Source | None = None


def _optional(source: Source | None, parent: Segment) -> tuple[str | None, str]:
    return (None, "") if source is None else source.read(parent)


def _decimal(value: str, location: str, what: str) -> str:
    # SAP writes negative numbers with a trailing minus sign.
    if value.endswith("-"):
        value = "-" + value[:-1]
    return canonical.decimal_text(value, location, what)


def _optional_decimal(source: Source | None, parent: Segment, what: str) -> str | None:
    value, location = _optional(source, parent)
    return None if value is None else _decimal(value, location, what)


def _optional_date(source: Source | None, parent: Segment, what: str) -> str | None:
    value, location = _optional(source, parent)
    return None if value is None else canonical.iso_date(value, location, what)


def _rec20(sap_unit: str) -> str:
    return SAP_UNITS.get(sap_unit.upper(), sap_unit)


def _first(sources: tuple[Source, ...], parent: Segment, what: str) -> str:
    for source in sources:
        value, _ = source.read(parent)
        if value is not None:
            return value
    return sources[0].required(parent, what)[0]


def _line(item: Segment, mapping: LineMapping) -> dict:
    number, number_at = mapping.line_number.required(item, "The item number")
    if not number.isdigit():
        raise ConnectorError(f"The item number must be digits, not {number!r}.", number_at)
    quantity, quantity_at = mapping.quantity.required(item, "The quantity")
    unit, unit_at = mapping.unit.required(item, "The unit of the quantity")
    value, value_at = mapping.line_value.required(item, "The line value")
    origin, origin_at = mapping.origin_country.required(item, "The country of origin")
    hs_code, hs_code_at = mapping.hs_code.read(item)
    weight_unit, weight_unit_at = mapping.weight_unit.read(item)
    price = _optional_decimal(mapping.unit_price, item, "The unit price")
    price_unit = _optional_decimal(mapping.price_unit, item, "The price unit")
    weights = {}
    for key, source in (("net", mapping.net_weight), ("gross", mapping.gross_weight)):
        weight = _optional_decimal(source, item, f"The {key} weight")
        if weight is not None:
            weights[key] = canonical.weight_kg(weight, _rec20(weight_unit or ""), weight_unit_at)
    return canonical.line(
        line_number=int(number),
        material_number=_first(mapping.material_numbers, item, "The material number"),
        description=_first(mapping.descriptions, item, "The description"),
        quantity=_decimal(quantity, quantity_at, "The quantity"),
        unit=canonical.unit(_rec20(unit), unit_at),
        line_value=_decimal(value, value_at, "The line value"),
        origin_country=canonical.country(origin, origin_at),
        hs_code=hs_code and canonical.hs_code(hs_code, hs_code_at),
        net_weight_kg=weights.get("net"),
        gross_weight_kg=weights.get("gross"),
        unit_price=price and canonical.unit_price(price, price_unit),
    )


def _party(segment: Segment | None, partners: Partners, tax_id: str | None = None) -> dict | None:
    if segment is None:
        return None
    role = segment.field(partners.role_field)
    name, _ = Source(None, partners.name).required(segment, f"The name of partner {role}")
    country, country_at = Source(None, partners.country).required(
        segment, f"The country of partner {role}"
    )
    return canonical.party(
        name=canonical.joined(name, segment.field(partners.name_continued)),
        country=canonical.country(country, country_at),
        tax_id=tax_id,
        address=canonical.address(
            segment.field(partners.street),
            segment.field(partners.postcode),
            segment.field(partners.city),
        ),
    )


def _partner(header: Segment, partners: Partners, party: str) -> Segment | None:
    for role in partners.roles.get(party, ()):
        segment = header.segment(partners.tag, (partners.role_field, role))
        if segment is not None:
            return segment
    return None


def _arrival(header: Segment, mapping: Mapping, port_of_discharge: str) -> str:
    date_source, time_source, zone_source = mapping.arrival
    date, date_at = date_source.required(header, "The estimated arrival date")
    time, _ = time_source.read(header)
    zone, zone_at = zone_source.read(header)
    moment = canonical.timestamp(date + (time or ""), date_at, "The estimated arrival")
    moment = moment.replace(tzinfo=canonical.time_zone(zone or "", zone_at))
    hint = f"Fill {zone_source.field} with the zone, e.g. UTC+8."
    return canonical.estimated_arrival(moment, port_of_discharge, zone_at, hint)


def _containers(header: Segment, mapping: Mapping) -> list[str]:
    numbers = []
    for segment in header.segments(mapping.containers.tag):
        number, location = Source(None, mapping.containers.field).read(segment)
        if number is None:
            continue
        if mapping.only_container_numbers and not canonical.looks_like_container_number(number):
            continue
        numbers.append(canonical.container_number(number, location))
    return numbers


def _consignment(idoc: Segment, mapping: Mapping) -> dict:
    header = idoc
    if mapping.document is not None:
        header = idoc.segment(mapping.document)
        canonical.required(
            header, f"{idoc.path}/{mapping.document}", f"Add the {mapping.document} segment."
        )
    reference, _ = mapping.reference.required(header, "The document number")
    invoice_number, _ = mapping.invoice_number.required(header, "The invoice number")
    invoice_date, invoice_date_at = mapping.invoice_date.required(header, "The invoice date")
    currency, currency_at = mapping.currency.required(header, "The currency")
    document, _ = mapping.transport_document_number.required(
        header, "The bill of lading or air waybill number"
    )
    mode, mode_at = mapping.transport_mode.required(header, "The mode of transport")
    loading, loading_at = mapping.port_of_loading.required(header, "The port of loading")
    discharge, discharge_at = mapping.port_of_discharge.required(header, "The port of discharge")
    port_of_discharge = canonical.locode(discharge, discharge_at)
    incoterms, incoterms_at = mapping.incoterms.read(header)
    seller = _partner(header, mapping.partners, "seller")
    if seller is None:
        partners, roles = mapping.partners, mapping.partners.roles["seller"]
        raise ConnectorError(
            f"The seller is missing: add {partners.tag} with {partners.role_field} "
            f"{' or '.join(roles)}.",
            f"{header.path}/{partners.tag}[{partners.role_field}='{roles[0]}']",
        )
    items = header.segments(mapping.lines.tag)
    canonical.required(
        items, f"{header.path}/{mapping.lines.tag}", f"Add the items as {mapping.lines.tag}."
    )
    return canonical.consignment(
        reference=reference,
        transport_document_number=document,
        transport_mode=canonical.transport_mode(mode, mode_at),
        port_of_loading=canonical.locode(loading, loading_at),
        port_of_discharge=port_of_discharge,
        estimated_arrival=_arrival(header, mapping, port_of_discharge),
        invoice_number=invoice_number,
        invoice_date=canonical.iso_date(invoice_date, invoice_date_at, "The invoice date"),
        currency=canonical.currency(currency, currency_at),
        seller=_party(seller, mapping.partners, _optional(mapping.seller_tax_id, header)[0]),
        lines=[_line(item, mapping.lines) for item in items],
        containers=_containers(header, mapping),
        vessel_or_flight=mapping.vessel_or_flight.read(header)[0],
        voyage_number=mapping.voyage_number.read(header)[0],
        departure_date=_optional_date(mapping.departure_date, header, "The departure date"),
        incoterms=incoterms and canonical.incoterms(incoterms, incoterms_at),
        contract_number=_optional(mapping.contract_number, header)[0],
        contract_date=_optional_date(mapping.contract_date, header, "The contract date"),
        invoice_total=_optional_decimal(mapping.invoice_total, header, "The invoice total"),
        shipper=_party(_partner(header, mapping.partners, "shipper"), mapping.partners),
        forwarder=_party(_partner(header, mapping.partners, "forwarder"), mapping.partners),
    )


def _parse_xml(data: bytes) -> Element:
    try:
        return fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        line = data[: max(data.find(b"<!DOCTYPE"), 0)].count(b"\n") + 1
        raise ConnectorError(
            "The file declares a DTD (<!DOCTYPE ...>). DTDs and entities are refused because they "
            "can expand to gigabytes or read other files; export the IDoc without a DOCTYPE.",
            f"line {line} (<!DOCTYPE>)",
        ) from None
    except ParseError as error:
        line, column = error.position
        reason = str(error).split(":")[0]
        raise ConnectorError(
            f"The file is not well-formed XML ({reason}); check that it is complete and export the "
            "IDoc again as XML.",
            f"line {line}, column {column}",
        ) from None


INVOIC02 = Mapping(
    document=None,
    reference=Source("E1EDK02", "BELNR", ("QUALF", "009")),
    invoice_number=Source("E1EDK02", "BELNR", ("QUALF", "009")),
    invoice_date=Source("E1EDK02", "DATUM", ("QUALF", "009")),
    currency=Source("E1EDK01", "CURCY"),
    seller_tax_id=Source("E1EDK01", "EIGENUINR"),
    contract_number=Source("E1EDK02", "BELNR", ("QUALF", "005")),
    contract_date=Source("E1EDK02", "DATUM", ("QUALF", "005")),
    incoterms=Source("E1EDK17", "LKOND", ("QUALF", "001")),
    invoice_total=Source("E1EDS01", "SUMME", ("SUMID", "011")),
    transport_document_number=Source("Z1HUBSHP", "BOLNR"),
    vessel_or_flight=Source("Z1HUBSHP", "TRAID"),
    transport_mode=Source("Z1HUBSHP", "EXPVZ"),
    port_of_loading=Source("Z1HUBSHP", "LOADING_PORT"),
    port_of_discharge=Source("Z1HUBSHP", "DISCHARGE_PORT"),
    voyage_number=Source("Z1HUBSHP", "VOYAGE"),
    departure_date=Source("Z1HUBSHP", "DEPARTURE_DATE"),
    arrival=(
        Source("Z1HUBSHP", "ARRIVAL_DATE"),
        Source("Z1HUBSHP", "ARRIVAL_TIME"),
        Source("Z1HUBSHP", "ARRIVAL_TZONE"),
    ),
    containers=Source("Z1HUBCTR", "CONTAINER"),
    only_container_numbers=False,
    partners=Partners(
        tag="E1EDKA1",
        role_field="PARVW",
        name="NAME1",
        name_continued="NAME2",
        street="STRAS",
        postcode="PSTLZ",
        city="ORT01",
        country="LAND1",
        roles={"seller": ("RS", "LF"), "shipper": ("WL",), "forwarder": ("SP",)},
    ),
    lines=LineMapping(
        tag="E1EDP01",
        line_number=Source(None, "POSEX"),
        material_numbers=(
            Source("E1EDP19", "IDTNR", ("QUALF", "002")),
            Source("E1EDP19", "IDTNR", ("QUALF", "001")),
        ),
        descriptions=(
            Source("E1EDP19", "KTEXT", ("QUALF", "002")),
            Source("E1EDP19", "KTEXT", ("QUALF", "001")),
        ),
        quantity=Source(None, "MENGE"),
        unit=Source(None, "MENEE"),
        line_value=Source("E1EDP26", "BETRG", ("QUALF", "003")),
        origin_country=Source("E1EDP28", "HERKL"),
        hs_code=Source("E1EDP28", "STAWN"),
        weight_unit=Source(None, "GEWEI"),
        net_weight=Source(None, "NTGEW"),
        gross_weight=Source(None, "BRGEW"),
        unit_price=Source(None, "VPREI"),
        price_unit=Source(None, "PEINH"),
    ),
)

DESADV01 = Mapping(
    document="E1EDL20",
    reference=Source(None, "VBELN"),
    invoice_number=Source("Z1HUBSHP", "VBELN_VF"),
    invoice_date=Source("Z1HUBSHP", "FKDAT"),
    currency=Source("Z1HUBSHP", "WAERK"),
    incoterms=Source(None, "INCO1"),
    transport_document_number=Source(None, "BOLNR"),
    vessel_or_flight=Source(None, "TRAID"),
    transport_mode=Source("Z1HUBSHP", "EXPVZ"),
    port_of_loading=Source("Z1HUBSHP", "LOADING_PORT"),
    port_of_discharge=Source("Z1HUBSHP", "DISCHARGE_PORT"),
    voyage_number=Source("Z1HUBSHP", "VOYAGE"),
    departure_date=Source("E1EDT13", "NTANF", ("QUALF", "006")),
    arrival=(
        Source("E1EDT13", "NTEND", ("QUALF", "007")),
        Source("E1EDT13", "NTENZ", ("QUALF", "007")),
        Source("E1EDT13", "TZONE_END", ("QUALF", "007")),
    ),
    containers=Source("E1EDL37", "EXIDV"),
    only_container_numbers=True,
    partners=Partners(
        tag="E1ADRM1",
        role_field="PARTNER_Q",
        name="NAME1",
        name_continued="NAME2",
        street="STREET1",
        postcode="POSTL_COD1",
        city="CITY1",
        country="COUNTRY1",
        roles={"seller": ("LF",), "shipper": ("WL",), "forwarder": ("SP",)},
    ),
    lines=LineMapping(
        tag="E1EDL24",
        line_number=Source(None, "POSNR"),
        material_numbers=(Source(None, "MATNR"), Source(None, "KDMAT")),
        descriptions=(Source(None, "ARKTX"),),
        quantity=Source(None, "LFIMG"),
        unit=Source(None, "VRKME"),
        line_value=Source("Z1HUBITM", "NETWR"),
        origin_country=Source("Z1HUBITM", "HERKL"),
        hs_code=Source("Z1HUBITM", "STAWN"),
        weight_unit=Source(None, "GEWEI"),
        net_weight=Source(None, "NTGEW"),
        gross_weight=Source(None, "BRGEW"),
    ),
)

MAPPINGS = {"INVOIC02": INVOIC02, "DESADV01": DESADV01}


@register
class SapIdocConnector(Connector):
    name = "sap-idoc"
    description = (
        "SAP IDoc XML: INVOIC02 invoices and DESADV01 despatch advices (type from EDI_DC40)"
    )
    file_extensions = (".xml",)

    def parse(self, data: bytes) -> list[dict]:
        root = _parse_xml(data)
        document = Segment(root, f"/{_local_name(root.tag)}")
        idocs = document.segments("IDOC")
        canonical.required(
            idocs,
            f"{document.path}/IDOC",
            "The file holds no IDOC element; send the IDocs as an SAP XML file port writes them.",
        )
        return [_consignment(idoc, self._mapping(idoc, document)) for idoc in idocs]

    @staticmethod
    def _mapping(idoc: Segment, document: Segment) -> Mapping:
        # With an extension the root element may carry the extension's name; EDI_DC40 keeps the
        # basic type.
        idoc_type, location = Source("EDI_DC40", "IDOCTYP").read(idoc)
        idoc_type = idoc_type or document.tag
        if idoc_type not in MAPPINGS:
            raise ConnectorError(
                f"IDoc type {idoc_type} is not supported; send {' or '.join(MAPPINGS)}.", location
            )
        return MAPPINGS[idoc_type]
