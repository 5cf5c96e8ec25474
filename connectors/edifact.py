"""UN/EDIFACT INVOIC and DESADV, directories D.96A and D.01B: one consignment per UNH message.

Segments are numbered from the start of the file, counting UNA when present, so that with one
segment per line "segment 14" is line 14.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from connectors import canonical
from connectors.base import Connector, ConnectorError
from connectors.registry import register

MESSAGE_TYPES = ("INVOIC", "DESADV")
DIRECTORIES = ("D.96A", "D.01B")
SYNTAX_ENCODINGS = {
    "UNOA": "ascii",
    "UNOB": "ascii",
    "UNOC": "latin-1",
    "UNOD": "iso8859-2",
    "UNOE": "iso8859-5",
    "UNOF": "iso8859-7",
    "UNOW": "utf-8",
    "UNOY": "utf-8",
}
# Segments of a NAD group: a VAT number in one of them belongs to the party of that NAD.
PARTY_GROUP_TAGS = {"NAD", "LOC", "FII", "RFF", "DTM", "DOC", "CTA", "COM"}
PARTY_ROLES = {
    "seller": ("SE", "SU"),
    "shipper": ("CZ",),
    "carrier": ("CA",),
    "forwarder": ("FW",),
    "manufacturer": ("MF",),
}
# Supplier's article number first, as SAP's vendor material number (E1EDP19 QUALF 002) is.
MATERIAL_NUMBER_TYPES = ("SA", "BP", "IN")
QUANTITY_QUALIFIERS = {"INVOIC": "47", "DESADV": "12"}
TRANSPORT_DOCUMENT_QUALIFIERS = ("BM", "AWB", "MB")
INVOICE_TOTAL_QUALIFIERS = ("77", "39", "86")
_SEGMENT_TAG = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class ServiceCharacters:
    component: str = ":"
    element: str = "+"
    decimal: str = "."
    release: str | None = "?"
    terminator: str = "'"


@dataclass(frozen=True)
class Segment:
    tag: str
    elements: tuple[tuple[str, ...], ...]
    position: int

    def value(self, element: int, component: int = 1) -> str:
        try:
            return self.elements[element - 1][component - 1]
        except IndexError:
            return ""

    @property
    def qualifier(self) -> str:
        return self.value(1)

    def text(self, element: int) -> str | None:
        """All components of a free-text element (a name over several lines) as one string."""
        if len(self.elements) < element:
            return None
        return canonical.joined(*self.elements[element - 1])

    def where(self, element: int | None = None, component: int | None = None) -> str:
        location = f"segment {self.position} ({self.tag})"
        if element is not None:
            location += f", element {element}"
        if component is not None:
            location += f", component {component}"
        return location


def _service_characters(text: str) -> tuple[ServiceCharacters, int]:
    if not text.startswith("UNA"):
        return ServiceCharacters(), 0
    advice = text[3:9]
    if len(advice) < 6:
        raise ConnectorError("UNA must give six service characters, e.g. UNA:+.? '", "segment 1")
    return ServiceCharacters(
        component=advice[0],
        element=advice[1],
        decimal=advice[2],
        release=None if advice[3] == " " else advice[3],
        terminator=advice[5],
    ), 9


def _segment(elements: list[tuple[str, ...]], position: int) -> Segment:
    tag = elements[0][0]
    if not _SEGMENT_TAG.fullmatch(tag):
        raise ConnectorError(
            f"{tag[:20]!r} is not a segment tag; check that every segment ends with the segment "
            "terminator declared in UNA (an apostrophe by default).",
            f"segment {position}",
        )
    return Segment(tag, tuple(elements[1:]), position)


def tokenize(text: str) -> tuple[list[Segment], ServiceCharacters]:
    """Segments split at unreleased separators; line breaks between segments are ignored."""
    text = text.lstrip("\ufeff\r\n ")
    service, index = _service_characters(text)
    position = 2 if index else 1
    segments: list[Segment] = []
    elements: list[tuple[str, ...]] = []
    components: list[str] = []
    chars: list[str] = []
    while index < len(text):
        char = text[index]
        index += 1
        if char == service.release and index < len(text):
            chars.append(text[index])
            index += 1
        elif char in "\r\n" and not (elements or components or chars):
            continue
        elif char == service.component:
            components.append("".join(chars))
            chars = []
        elif char in (service.element, service.terminator):
            elements.append((*components, "".join(chars)))
            components, chars = [], []
            if char == service.terminator:
                segments.append(_segment(elements, position))
                elements, position = [], position + 1
        else:
            chars.append(char)
    if elements or components or "".join(chars).strip():
        tag = elements[0][0] if elements else components[0] if components else "".join(chars)
        raise ConnectorError(
            f"The file ends inside this segment, without the segment terminator "
            f"{service.terminator!r}: it was cut off. Send the complete interchange.",
            f"segment {position} ({tag[:3]})",
        )
    return segments, service


def _decode(data: bytes) -> tuple[list[Segment], ServiceCharacters]:
    # The service characters and UNB are plain ASCII in every syntax level, so a first reading as
    # Latin-1 finds the declared character set without failing.
    segments, service = tokenize(data.decode("latin-1"))
    if not segments or segments[0].tag != "UNB":
        raise ConnectorError(
            "An interchange starts with UNB (after UNA, when present); this file does not.",
            segments[0].where() if segments else "segment 1",
        )
    unb = segments[0]
    syntax = unb.value(1, 1)
    encoding = SYNTAX_ENCODINGS.get(syntax)
    if encoding is None:
        known = ", ".join(SYNTAX_ENCODINGS)
        raise ConnectorError(
            f"Syntax identifier {syntax!r} is not one of {known}.", unb.where(1, 1)
        )
    if encoding == "latin-1":
        return segments, service
    try:
        return tokenize(data.decode(encoding))
    except UnicodeDecodeError as error:
        raise ConnectorError(
            f"UNB declares {syntax} ({encoding}), but byte {error.start} of the file is not "
            f"{encoding}; declare the character set the file is written in (UNOC for Latin-1, "
            "UNOW for UTF-8).",
            unb.where(1, 1),
        ) from None


def _messages(segments: list[Segment]) -> list[list[Segment]]:
    """The UNH...UNT messages, with the trailers' counts checked so that a cut file is refused."""
    messages: list[list[Segment]] = []
    current: list[Segment] | None = None
    groups = 0
    for index, segment in enumerate(segments[1:], start=2):
        if segment.tag == "UNH":
            if current is not None:
                raise ConnectorError(
                    f"Message {current[0].value(1)} has no UNT before the next UNH; "
                    "send complete messages.",
                    segment.where(),
                )
            current = [segment]
        elif current is not None:
            current.append(segment)
            if segment.tag == "UNT":
                _check_message_trailer(current)
                messages.append(current)
                current = None
        elif segment.tag == "UNG":
            groups += 1
        elif segment.tag == "UNZ":
            _check_interchange_trailer(segments[0], segment, groups or len(messages))
            if index < len(segments):
                raise ConnectorError(
                    "Segments follow UNZ; send one interchange per file.", segments[index].where()
                )
            return messages
        elif segment.tag != "UNE":
            raise ConnectorError(
                "This segment stands outside a UNH...UNT message.", segment.where()
            )
    last = current[0] if current else segments[-1]
    raise ConnectorError(
        "The interchange ends without UNT and UNZ: it was cut off. Send the complete interchange.",
        last.where(),
    )


def _check_message_trailer(message: list[Segment]) -> None:
    unh, unt = message[0], message[-1]
    if unt.value(1) != str(len(message)):
        raise ConnectorError(
            f"UNT counts {unt.value(1)} segments, but message {unh.value(1)} has {len(message)} "
            "from UNH to UNT; segments were lost or added. Export the message again.",
            unt.where(1),
        )
    if unt.value(2) != unh.value(1):
        raise ConnectorError(
            f"UNT refers to message {unt.value(2)!r}, but UNH opened {unh.value(1)!r}.",
            unt.where(2),
        )


def _check_interchange_trailer(unb: Segment, unz: Segment, count: int) -> None:
    if unz.value(1) != str(count):
        raise ConnectorError(
            f"UNZ counts {unz.value(1)} messages, but the interchange has {count}; messages were "
            "lost or added. Export the interchange again.",
            unz.where(1),
        )
    if unz.value(2) != unb.value(5):
        raise ConnectorError(
            f"UNZ refers to interchange {unz.value(2)!r}, but UNB opened {unb.value(5)!r}.",
            unz.where(2),
        )


def _first(segments: list[Segment], tag: str, qualifiers: tuple[str, ...] = ()) -> Segment | None:
    for qualifier in qualifiers or (None,):
        for segment in segments:
            if segment.tag == tag and qualifier in (None, segment.qualifier):
                return segment
    return None


def _sections(message: list[Segment]) -> tuple[list[Segment], list[list[Segment]], list[Segment]]:
    """Header, one group per LIN, and the summary after UNS."""
    header: list[Segment] = []
    lines: list[list[Segment]] = []
    summary: list[Segment] = []
    target = header
    for segment in message[1:-1]:
        if segment.tag == "LIN":
            lines.append([segment])
            target = lines[-1]
        elif segment.tag == "UNS":
            target = summary
        elif segment.tag == "CPS":
            # The packing hierarchy of a despatch advice (CPS, PAC, ...) up to the next LIN.
            target = []
        else:
            target.append(segment)
    return header, lines, summary


class Message:
    def __init__(self, segments: list[Segment], service: ServiceCharacters):
        self.unh = segments[0]
        self.type = self.unh.value(2, 1)
        self.header, self.lines, self.summary = _sections(segments)
        self.segments = segments
        self.decimal_mark = service.decimal

    def where(self) -> str:
        return f"message {self.unh.value(1)}, {self.unh.where()}"

    def missing(self, what: str, fix: str) -> ConnectorError:
        return ConnectorError(f"{what} is missing: {fix}", self.where())

    def number(self, segment: Segment, element: int, component: int, what: str) -> str:
        return canonical.decimal_text(
            segment.value(element, component),
            segment.where(element, component),
            what,
            decimal_mark=self.decimal_mark,
        )


def _moment(dtm: Segment, what: str) -> datetime:
    text, format_code = dtm.value(1, 2), dtm.value(1, 3) or "102"
    location = dtm.where(1, 2)
    if format_code in ("102", "203", "204"):
        return canonical.timestamp(text, location, what)
    if format_code in ("303", "304"):
        digits = 12 if format_code == "303" else 14
        moment = canonical.timestamp(text[:digits], location, what)
        return moment.replace(tzinfo=canonical.time_zone(text[digits:], location))
    raise ConnectorError(
        f"Date format {format_code} is not supported; use 102 (CCYYMMDD), 203 (CCYYMMDDHHMM), "
        "204 (CCYYMMDDHHMMSS) or 303 (CCYYMMDDHHMM with the time zone, e.g. +08).",
        dtm.where(1, 3),
    )


def _date(dtm: Segment | None, what: str) -> str | None:
    return None if dtm is None else _moment(dtm, what).date().isoformat()


def _reference(header: list[Segment], qualifier: str) -> tuple[Segment | None, Segment | None]:
    """An RFF and the DTM+171 (reference date) right after it."""
    rff = _first(header, "RFF", (qualifier,))
    if rff is None:
        return None, None
    index = header.index(rff)
    following = header[index + 1] if index + 1 < len(header) else None
    if following is not None and following.tag == "DTM" and following.qualifier == "171":
        return rff, following
    return rff, None


def _parties(header: list[Segment]) -> dict[str, tuple[Segment, str | None]]:
    parties: dict[str, tuple[Segment, str | None]] = {}
    current = None
    for segment in header:
        if segment.tag == "NAD":
            current = segment.qualifier
            parties.setdefault(current, (segment, None))
        elif current and segment.tag == "RFF" and segment.qualifier == "VA":
            parties[current] = (parties[current][0], segment.value(1, 2) or None)
        elif segment.tag not in PARTY_GROUP_TAGS:
            current = None
    return parties


def _party(parties: dict, role: str) -> dict | None:
    for qualifier in PARTY_ROLES[role]:
        if qualifier in parties:
            nad, tax_id = parties[qualifier]
            break
    else:
        return None
    name = nad.text(4) or nad.text(3)
    canonical.required(
        name, nad.where(4), f"Give the name of party {nad.qualifier} in NAD element 4."
    )
    country = canonical.required(
        nad.value(9),
        nad.where(9),
        f"Give the country of party {nad.qualifier} in NAD element 9 (e.g. DE).",
    )
    return canonical.party(
        name=name,
        country=canonical.country(country, nad.where(9)),
        tax_id=tax_id,
        address=canonical.address(
            nad.text(5),
            nad.value(8),
            nad.value(6),
        ),
    )


def _origin(group: list[Segment]) -> tuple[str, str] | None:
    ali = _first(group, "ALI")
    if ali is not None and ali.value(1):
        return ali.value(1), ali.where(1)
    loc = _first(group, "LOC", ("27",))
    return None if loc is None else (loc.value(2, 1), loc.where(2, 1))


def _currency(message: Message) -> tuple[str, str]:
    """CUX, or else the currency of the first amount that names one (a DESADV has no CUX)."""
    cux = _first(message.header, "CUX")
    if cux is not None and cux.value(1, 2):
        return cux.value(1, 2), cux.where(1, 2)
    moa = next((moa for moa in message.segments if moa.tag == "MOA" and moa.value(1, 3)), None)
    if moa is None:
        raise message.missing("The currency", "add CUX+2:<ISO 4217 code>:4.")
    return moa.value(1, 3), moa.where(1, 3)


def _item_numbers(group: list[Segment]) -> dict[str, tuple[str, str]]:
    """Item numbers by type code (SA, BP, HS ...) from LIN element 3 and the PIA composites, each
    with its location; the first of a type wins."""
    numbers: dict[str, tuple[str, str]] = {}
    for segment in group:
        elements = (3,) if segment.tag == "LIN" else range(2, 7) if segment.tag == "PIA" else ()
        for element in elements:
            number, code = segment.value(element, 1), segment.value(element, 2)
            if number:
                numbers.setdefault(code, (number, segment.where(element, 1)))
    return numbers


def _weights(message: Message, group: list[Segment]) -> dict[str, str]:
    weights = {}
    for mea in group:
        kind = {"N": "net", "G": "gross"}.get(mea.value(2, 1)) if mea.tag == "MEA" else None
        if kind:
            weight = message.number(mea, 3, 2, f"The {kind} weight")
            weights[kind] = canonical.weight_kg(weight, mea.value(3, 1), mea.where(3, 1))
    return weights


def _unit_price(message: Message, group: list[Segment]) -> str | None:
    price = _first(group, "PRI", ("AAA",))
    if price is None:
        return None
    basis = price.value(1, 5) and message.number(price, 1, 5, "The unit price basis")
    return canonical.unit_price(message.number(price, 1, 2, "The price"), basis)


def _line(message: Message, group: list[Segment]) -> dict:
    lin = group[0]
    number = lin.value(1)
    if not number.isdigit():
        raise ConnectorError(f"The line number must be digits, not {number!r}.", lin.where(1))
    item_numbers = _item_numbers(group)
    material = next(
        (item_numbers[code][0] for code in MATERIAL_NUMBER_TYPES if code in item_numbers), None
    )
    canonical.required(
        material,
        lin.where(3),
        f"Line {number} has no material number: give it in LIN element 3 or in PIA, typed "
        f"{' or '.join(MATERIAL_NUMBER_TYPES)} (e.g. PIA+5+4711-200:SA).",
    )
    descriptions = (
        canonical.joined(imd.value(3, 4), imd.value(3, 5)) for imd in group if imd.tag == "IMD"
    )
    description = canonical.required(
        next((text for text in descriptions if text), None),
        lin.where(),
        f"Line {number} has no description: add IMD+F++:::<text>.",
    )
    quantity_qualifier = QUANTITY_QUALIFIERS[message.type]
    qty = canonical.required(
        _first(group, "QTY", (quantity_qualifier,)),
        lin.where(),
        f"Line {number} has no quantity: add QTY+{quantity_qualifier}:<quantity>:<unit>.",
    )
    canonical.required(
        qty.value(1, 3),
        qty.where(1, 3),
        "Give the unit of the quantity as a UN/ECE Recommendation 20 code, e.g. PCE or KGM.",
    )
    moa = canonical.required(
        _first(group, "MOA", ("203",)),
        lin.where(),
        f"Line {number} has no line amount: add MOA+203:<amount>.",
    )
    origin, origin_at = canonical.required(
        _origin(group),
        lin.where(),
        f"Line {number} has no country of origin: add ALI+<country> or LOC+27+<country>.",
    )
    pac = _first(group, "PAC")
    if pac is not None and not pac.value(1).isdigit():
        raise ConnectorError("Give the number of packages as digits.", pac.where(1))
    weights = _weights(message, group)
    return canonical.line(
        line_number=int(number),
        material_number=material,
        description=description,
        quantity=message.number(qty, 1, 2, "The quantity"),
        unit=canonical.unit(qty.value(1, 3), qty.where(1, 3)),
        line_value=message.number(moa, 1, 2, "The line amount"),
        origin_country=canonical.country(origin, origin_at),
        hs_code=canonical.hs_code(*item_numbers["HS"]) if "HS" in item_numbers else None,
        net_weight_kg=weights.get("net"),
        gross_weight_kg=weights.get("gross"),
        unit_price=_unit_price(message, group),
        packages=pac and int(pac.value(1)),
    )


def _invoice(message: Message, bgm: Segment) -> tuple[str, str]:
    """The invoice number and date: the message itself for INVOIC, RFF+IV for DESADV."""
    if message.type == "INVOIC":
        dtm = _first(message.header, "DTM", ("3", "137"))
        if dtm is None:
            raise message.missing("The invoice date", "add DTM+137:<CCYYMMDD>:102.")
        return bgm.value(2, 1), _date(dtm, "The invoice date")
    rff, dtm = _reference(message.header, "IV")
    if rff is None or not rff.value(1, 2):
        raise message.missing(
            "The invoice reference", "add RFF+IV:<invoice number> and DTM+171:<CCYYMMDD>:102."
        )
    if dtm is None:
        raise ConnectorError(
            "The invoice date is missing: add DTM+171:<CCYYMMDD>:102 right after RFF+IV.",
            rff.where(),
        )
    return rff.value(1, 2), _date(dtm, "The invoice date")


def _consignment(message: Message) -> dict:
    header = message.header
    bgm = _first(header, "BGM")
    if bgm is None or not bgm.value(2, 1):
        raise message.missing("The document number", "add BGM+<document code>+<number>+9.")
    invoice_number, invoice_date = _invoice(message, bgm)
    transport_document = _first(header, "RFF", TRANSPORT_DOCUMENT_QUALIFIERS)
    if transport_document is None or not transport_document.value(1, 2):
        raise message.missing(
            "The bill of lading or air waybill number", "add RFF+BM:<number> or RFF+AWB:<number>."
        )
    tdt = _first(header, "TDT", ("20",)) or _first(header, "TDT")
    if tdt is None or not tdt.value(3, 1):
        raise message.missing(
            "The mode of transport", "add TDT+20+<voyage>+<mode, e.g. 1 for sea>."
        )
    ports = {}
    for qualifier, what in (("9", "The port of loading"), ("11", "The port of discharge")):
        loc = _first(header, "LOC", (qualifier,))
        if loc is None:
            raise message.missing(what, f"add LOC+{qualifier}+<UN/LOCODE>.")
        ports[qualifier] = canonical.locode(loc.value(2, 1), loc.where(2, 1))
    arrival = _first(header, "DTM", ("132",))
    if arrival is None:
        raise message.missing("The estimated arrival", "add DTM+132:<CCYYMMDDHHMM>:203.")
    contract, contract_date = _reference(header, "CT")
    total = _first(message.summary, "MOA", INVOICE_TOTAL_QUALIFIERS)
    tod = _first(header, "TOD")
    parties = _parties(header)
    seller = _party(parties, "seller")
    if seller is None:
        raise message.missing("The seller", "add NAD+SE (or NAD+SU) with name and country.")
    if not message.lines:
        raise message.missing("The line items", "add a LIN group per line.")
    return canonical.consignment(
        reference=bgm.value(2, 1),
        transport_document_number=transport_document.value(1, 2),
        transport_mode=canonical.transport_mode(tdt.value(3, 1), tdt.where(3, 1)),
        port_of_loading=ports["9"],
        port_of_discharge=ports["11"],
        estimated_arrival=canonical.estimated_arrival(
            _moment(arrival, "The estimated arrival"),
            ports["11"],
            arrival.where(1, 2),
            "Give it with the zone: DTM+132:<CCYYMMDDHHMM><zone, e.g. +08>:303.",
        ),
        invoice_number=invoice_number,
        invoice_date=invoice_date,
        currency=canonical.currency(*_currency(message)),
        seller=seller,
        lines=[_line(message, group) for group in message.lines],
        containers=[
            canonical.container_number(eqd.value(2, 1), eqd.where(2, 1))
            for eqd in header
            if eqd.tag == "EQD" and eqd.qualifier == "CN"
        ],
        vessel_or_flight=tdt.value(8, 4) or tdt.value(8, 1),
        voyage_number=tdt.value(2),
        departure_date=_date(_first(header, "DTM", ("186", "133")), "The departure date"),
        incoterms=tod and tod.value(3, 1) and canonical.incoterms(tod.value(3, 1), tod.where(3, 1)),
        contract_number=contract and contract.value(1, 2),
        contract_date=_date(contract_date, "The contract date"),
        invoice_total=total and message.number(total, 1, 2, "The invoice total"),
        shipper=_party(parties, "shipper"),
        carrier=_party(parties, "carrier"),
        forwarder=_party(parties, "forwarder"),
        manufacturer=_party(parties, "manufacturer"),
    )


def _check_message_type(unh: Segment) -> None:
    directory = f"{unh.value(2, 2)}.{unh.value(2, 3)}"
    if unh.value(2, 1) not in MESSAGE_TYPES:
        raise ConnectorError(
            f"Message type {unh.value(2, 1)!r} is not supported; send "
            f"{' or '.join(MESSAGE_TYPES)}.",
            unh.where(2, 1),
        )
    if directory not in DIRECTORIES:
        raise ConnectorError(
            f"Directory {directory} is not supported; send {' or '.join(DIRECTORIES)}.",
            unh.where(2, 3),
        )


@register
class EdifactConnector(Connector):
    name = "edifact"
    description = "UN/EDIFACT INVOIC and DESADV, directories D.96A and D.01B"
    file_extensions = (".edi", ".edifact", ".txt")

    def parse(self, data: bytes) -> list[dict]:
        segments, service = _decode(data)
        consignments = []
        for segments_of_message in _messages(segments):
            _check_message_type(segments_of_message[0])
            consignments.append(_consignment(Message(segments_of_message, service)))
        return consignments
