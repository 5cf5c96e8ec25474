# ruff: noqa: RUF001  (Chinese texts use full-width punctuation, which is correct in Chinese)
"""The data dictionary: every field an enterprise can share, as data.

Keys are dotted paths into the canonical consignment (`seller.name`, `lines.hs_code`); a list's
members are keyed without an index. A field's `required` says whether it must be present whenever
its parent is: the required minimum is the fields required all the way up (`lines.unit`), the
optional keys are the fields an agreement can opt into (`shipper`, `shipper.address`), and the
members required inside an optional field come with it (`shipper.name`).

JSON Schemas, Excel columns and docs/data-dictionary.md are all built from these definitions, so a
change here is a change of the data contract: raise CATALOGUE_VERSION with it.
"""

from dataclasses import dataclass, replace
from enum import StrEnum
from types import MappingProxyType

from hub.catalogue.codelists import (
    CONTAINERS,
    COUNTRIES,
    CURRENCIES,
    HS_CODES,
    INCOTERMS,
    PORTS,
    TRANSPORT_MODES,
    UNITS,
    CodeList,
)

CATALOGUE_VERSION = "1.0"


class FieldType(StrEnum):
    STRING = "string"
    DECIMAL = "decimal"
    INTEGER = "integer"
    DATE = "date"
    DATETIME = "datetime"
    CODE = "code"
    PARTY = "party"
    LIST = "list"


class Group(StrEnum):
    HEADER = "header"
    TRANSPORT = "transport"
    PARTIES = "parties"
    LINES = "lines"


GROUP_TITLES = MappingProxyType(
    {
        Group.HEADER: ("Header: reference, invoice and contract", "表头：参考号、发票与合同"),
        Group.TRANSPORT: ("Transport", "运输"),
        Group.PARTIES: ("Parties", "参与方"),
        Group.LINES: ("Goods lines", "商品明细"),
    }
)


def is_chinese(language: str) -> bool:
    """Whether a language code ("en", "zh-hans", "zh_Hans", "zh") asks for Simplified Chinese."""
    if language.lower().startswith("zh"):
        return True
    if language.lower().startswith("en"):
        return False
    raise ValueError(f"The catalogue has English and Simplified Chinese texts, not {language!r}.")


@dataclass(frozen=True)
class Field:
    key: str
    group: Group
    type: FieldType
    label_en: str
    label_zh: str
    help_en: str
    help_zh: str
    required: bool = False
    """Present whenever its parent is; see the module docstring."""
    dataset: str = ""
    """For an optional key, the dataset that groups it."""
    confidential: bool = False
    """Encrypted at rest."""
    code_list: CodeList | None = None
    """For a code, its list; for a list of codes, the list of its items."""
    max_length: int | None = None
    pattern: str = ""
    """For a string whose characters are restricted; help_en says which."""
    unit: str = ""
    """The UN/ECE Rec. 20 unit of a measure whose unit is fixed by the catalogue."""
    wco_ref: str = ""
    """The WCO Data Model class or element the field corresponds to, where one does."""

    @property
    def parent_key(self) -> str:
        return self.key.rpartition(".")[0]

    @property
    def name(self) -> str:
        """The property name in the JSON document."""
        return self.key.rpartition(".")[2]

    def label_for(self, language: str) -> str:
        return self.label_zh if is_chinese(language) else self.label_en

    def help_for(self, language: str) -> str:
        return self.help_zh if is_chinese(language) else self.help_en


@dataclass(frozen=True)
class Dataset:
    name: str
    label_en: str
    label_zh: str
    description_en: str
    description_zh: str
    keys: tuple[str, ...] = ()

    def label_for(self, language: str) -> str:
        return self.label_zh if is_chinese(language) else self.label_en


_PARTIES = "supply_chain_parties"


def _party(
    key: str,
    *,
    noun: str,
    label_en: str,
    label_zh: str,
    help_en: str,
    help_zh: str,
    required: bool,
    wco_class: str,
) -> tuple[Field, ...]:
    """A party and its members: name and country come with it; tax id and address are opted into
    on their own, because a tax id is confidential and not every enterprise keeps addresses."""

    def wco(element: str) -> str:
        return f"{wco_class}.{element}" if wco_class else ""

    return (
        Field(
            key=key,
            group=Group.PARTIES,
            type=FieldType.PARTY,
            label_en=label_en,
            label_zh=label_zh,
            help_en=help_en,
            help_zh=help_zh,
            required=required,
            dataset="" if required else _PARTIES,
            wco_ref=wco_class,
        ),
        Field(
            key=f"{key}.name",
            group=Group.PARTIES,
            type=FieldType.STRING,
            label_en=f"{label_en} name",
            label_zh=f"{label_zh}名称",
            help_en=f"Registered legal name of the {noun}, as on its trade documents.",
            help_zh=f"{label_zh}的注册名称，与其贸易单证上的一致。",
            required=True,
            max_length=256,
            wco_ref=wco("Name"),
        ),
        Field(
            key=f"{key}.country",
            group=Group.PARTIES,
            type=FieldType.CODE,
            label_en=f"{label_en} country",
            label_zh=f"{label_zh}国别（地区）",
            help_en=f"Country where the {noun} is established, as an ISO 3166-1 alpha-2 code, "
            "e.g. DE.",
            help_zh=f"{label_zh}所在国家（地区）的ISO 3166-1二字母代码，如DE。",
            required=True,
            code_list=COUNTRIES,
            wco_ref=wco("Address.CountryCode"),
        ),
        Field(
            key=f"{key}.tax_id",
            group=Group.PARTIES,
            type=FieldType.STRING,
            label_en=f"{label_en} tax ID",
            label_zh=f"{label_zh}税号",
            help_en=f"The {noun}'s tax or business registration number in its own country "
            "(VAT number, EORI number, unified social credit code...).",
            help_zh=f"{label_zh}在所在国的税号或企业登记号（增值税号、EORI号、统一社会信用代码等）。",
            dataset=_PARTIES,
            confidential=True,
            max_length=64,
            wco_ref=wco("ID"),
        ),
        Field(
            key=f"{key}.address",
            group=Group.PARTIES,
            type=FieldType.STRING,
            label_en=f"{label_en} address",
            label_zh=f"{label_zh}地址",
            help_en=f"Postal address of the {noun}: street, city, postcode, in one text.",
            help_zh=f"{label_zh}的邮寄地址：街道、城市、邮编，写在一段文字中。",
            dataset=_PARTIES,
            max_length=512,
            wco_ref=wco("Address"),
        ),
    )


FIELDS: tuple[Field, ...] = (
    # --- Header -----------------------------------------------------------------------------
    Field(
        key="reference",
        group=Group.HEADER,
        type=FieldType.STRING,
        label_en="Consignment reference",
        label_zh="企业业务参考号",
        help_en="Your own unique reference for this consignment, e.g. the shipment number in "
        "your ERP; an amendment repeats it. Up to 64 letters, digits, '.', '_' or '-', "
        "starting with a letter or digit.",
        help_zh="企业为本批货物设定的唯一编号，如ERP中的发运单号；修改时须使用同一编号。"
        "最多64个字符，可用字母、数字及“.”“_”“-”，须以字母或数字开头。",
        required=True,
        max_length=64,
        pattern="^[A-Za-z0-9][A-Za-z0-9._-]*$",
    ),
    Field(
        key="invoice_number",
        group=Group.HEADER,
        type=FieldType.STRING,
        label_en="Invoice number",
        label_zh="发票号",
        help_en="Number of the commercial invoice for the goods.",
        help_zh="本批货物商业发票的编号。",
        required=True,
        max_length=64,
        wco_ref="Invoice.ID",
    ),
    Field(
        key="invoice_date",
        group=Group.HEADER,
        type=FieldType.DATE,
        label_en="Invoice date",
        label_zh="发票日期",
        help_en="Date the commercial invoice was issued, YYYY-MM-DD.",
        help_zh="商业发票的开具日期，格式YYYY-MM-DD。",
        required=True,
        wco_ref="Invoice.IssueDateTime",
    ),
    Field(
        key="currency",
        group=Group.HEADER,
        type=FieldType.CODE,
        label_en="Invoice currency",
        label_zh="币制",
        help_en="ISO 4217 code of the currency of every amount in the consignment (line values, "
        "unit prices, invoice total), e.g. CNY, USD, EUR.",
        help_zh="本批货物所有金额（总价、单价、发票总金额）所用币种的ISO 4217代码，"
        "如CNY、USD、EUR。",
        required=True,
        code_list=CURRENCIES,
    ),
    Field(
        key="invoice_total",
        group=Group.HEADER,
        type=FieldType.DECIMAL,
        label_en="Invoice total",
        label_zh="发票总金额",
        help_en="Total amount of the commercial invoice, in the invoice currency.",
        help_zh="商业发票的总金额，以发票币制计。",
        dataset="invoice_values",
        confidential=True,
    ),
    Field(
        key="contract_number",
        group=Group.HEADER,
        type=FieldType.STRING,
        label_en="Contract number",
        label_zh="合同号",
        help_en="Number of the sales contract or purchase order the invoice is issued under.",
        help_zh="发票所依据的销售合同或采购订单的编号。",
        dataset="contract",
        max_length=64,
    ),
    Field(
        key="contract_date",
        group=Group.HEADER,
        type=FieldType.DATE,
        label_en="Contract date",
        label_zh="合同日期",
        help_en="Date the contract was signed, YYYY-MM-DD.",
        help_zh="合同签订日期，格式YYYY-MM-DD。",
        dataset="contract",
    ),
    Field(
        key="incoterms",
        group=Group.HEADER,
        type=FieldType.CODE,
        label_en="Incoterms® 2020 rule",
        label_zh="贸易术语",
        help_en="The Incoterms 2020 rule of the contract, three letters without the named "
        "place, e.g. FOB.",
        help_zh="合同采用的2020年国际贸易术语（即报关单“成交方式”），仅填三个字母，不含地点，如FOB。",
        dataset="contract",
        code_list=INCOTERMS,
        wco_ref="TradeTerms.ConditionCode",
    ),
    # --- Transport --------------------------------------------------------------------------
    Field(
        key="transport_document_number",
        group=Group.TRANSPORT,
        type=FieldType.STRING,
        label_en="Transport document number",
        label_zh="提单号",
        help_en="Number of the bill of lading, air waybill, or rail or road consignment note "
        "covering the goods (the master document where there is a house one).",
        help_zh="承运本批货物的海运提单、空运单或铁路、公路运单的编号（即报关单“提运单号”；"
        "有分提单时填主提单号）。",
        required=True,
        max_length=64,
        wco_ref="TransportContractDocument.ID",
    ),
    Field(
        key="transport_mode",
        group=Group.TRANSPORT,
        type=FieldType.CODE,
        label_en="Mode of transport",
        label_zh="运输方式",
        help_en="How the goods arrive at the border, as a UN/ECE Rec. 19 code sent as a string: "
        '"1" sea, "2" rail, "3" road, "4" air, "5" mail, "7" fixed installation, '
        '"8" inland waterway.',
        help_zh="货物抵达国境时的运输方式，填UN/ECE第19号建议书代码（字符串）："
        "“1”海运、“2”铁路、“3”公路、“4”航空、“5”邮递、“7”固定设施、“8”内河。",
        required=True,
        code_list=TRANSPORT_MODES,
        wco_ref="BorderTransportMeans.ModeCode",
    ),
    Field(
        key="port_of_loading",
        group=Group.TRANSPORT,
        type=FieldType.CODE,
        label_en="Port of loading",
        label_zh="装货港",
        help_en="UN/LOCODE of the port or airport where the goods were loaded onto the means "
        "of transport that brings them in, e.g. DEHAM.",
        help_zh="货物装上入境运输工具的港口或机场的联合国贸易地点代码（UN/LOCODE），如DEHAM。",
        required=True,
        code_list=PORTS,
        wco_ref="LoadingLocation.ID",
    ),
    Field(
        key="port_of_discharge",
        group=Group.TRANSPORT,
        type=FieldType.CODE,
        label_en="Port of discharge",
        label_zh="卸货港",
        help_en="UN/LOCODE of the port or airport where the goods are unloaded, e.g. CNSHA.",
        help_zh="货物卸下的港口或机场的联合国贸易地点代码（UN/LOCODE），如CNSHA。",
        required=True,
        code_list=PORTS,
        wco_ref="UnloadingLocation.ID",
    ),
    Field(
        key="estimated_arrival",
        group=Group.TRANSPORT,
        type=FieldType.DATETIME,
        label_en="Estimated time of arrival",
        label_zh="预计到达时间",
        help_en="When the means of transport is expected at the port of discharge: ISO 8601 "
        "date and time with the time zone offset, e.g. 2025-03-01T08:00:00+08:00.",
        help_zh="运输工具预计抵达卸货港的时间：ISO 8601日期时间，须带时区偏移，"
        "如2025-03-01T08:00:00+08:00。",
        required=True,
    ),
    Field(
        key="departure_date",
        group=Group.TRANSPORT,
        type=FieldType.DATE,
        label_en="Departure date",
        label_zh="启运日期",
        help_en="Date the means of transport left the port of loading, YYYY-MM-DD.",
        help_zh="运输工具离开装货港的日期，格式YYYY-MM-DD。",
        dataset="transport_details",
    ),
    Field(
        key="vessel_or_flight",
        group=Group.TRANSPORT,
        type=FieldType.STRING,
        label_en="Vessel name or flight number",
        label_zh="运输工具名称（船名或航班号）",
        help_en="Name of the vessel, or the flight, train or truck number, that brings the "
        "goods in.",
        help_zh="载运货物入境的船舶名称，或航班号、车次、车牌号。",
        dataset="transport_details",
        max_length=128,
    ),
    Field(
        key="voyage_number",
        group=Group.TRANSPORT,
        type=FieldType.STRING,
        label_en="Voyage number",
        label_zh="航次号",
        help_en="The carrier's voyage number of the vessel, as on the bill of lading.",
        help_zh="承运人编排的船舶航次号，与提单上的一致。",
        dataset="transport_details",
        max_length=32,
        wco_ref="BorderTransportMeans.JourneyID",
    ),
    Field(
        key="containers",
        group=Group.TRANSPORT,
        type=FieldType.LIST,
        label_en="Container numbers",
        label_zh="集装箱号",
        help_en="ISO 6346 numbers of the containers the goods travel in, e.g. CSQU3054383: four "
        "letters (the fourth U, J or Z) and seven digits, the last a check digit.",
        help_zh="装载货物的集装箱的ISO 6346箱号，如CSQU3054383：四个字母（第四个为U、J或Z）"
        "加七位数字，最后一位为校验码。",
        dataset="transport_details",
        code_list=CONTAINERS,
        wco_ref="TransportEquipment.ID",
    ),
    # --- Parties ----------------------------------------------------------------------------
    *_party(
        "seller",
        noun="seller",
        label_en="Seller",
        label_zh="卖方",
        help_en="The party that sold the goods to the importer, as on the invoice.",
        help_zh="向进口企业出售货物的一方，与发票上的一致。",
        required=True,
        wco_class="Seller",
    ),
    *_party(
        "shipper",
        noun="shipper",
        label_en="Shipper",
        label_zh="发货人",
        help_en="The party that shipped the goods: the consignor on the transport document.",
        help_zh="发运货物的一方，即运输单证上的发货人。",
        required=False,
        wco_class="Consignor",
    ),
    *_party(
        "carrier",
        noun="carrier",
        label_en="Carrier",
        label_zh="承运人",
        help_en="The shipping line, airline or haulier that carries the goods.",
        help_zh="承运货物的船公司、航空公司或运输公司。",
        required=False,
        wco_class="Carrier",
    ),
    *_party(
        "forwarder",
        noun="freight forwarder",
        label_en="Freight forwarder",
        label_zh="货运代理人",
        help_en="The freight forwarder that arranged the transport.",
        help_zh="安排本次运输的货运代理企业。",
        required=False,
        wco_class="",
    ),
    *_party(
        "manufacturer",
        noun="manufacturer",
        label_en="Manufacturer",
        label_zh="生产商",
        help_en="The party that made the goods.",
        help_zh="生产货物的企业。",
        required=False,
        wco_class="Manufacturer",
    ),
    # --- Lines ------------------------------------------------------------------------------
    Field(
        key="lines",
        group=Group.LINES,
        type=FieldType.LIST,
        label_en="Goods lines",
        label_zh="商品明细",
        help_en="One entry per invoice line, at material-number level; at least one.",
        help_zh="按物料号逐行填写的发票明细，至少一行。",
        required=True,
    ),
    Field(
        key="lines.line_number",
        group=Group.LINES,
        type=FieldType.INTEGER,
        label_en="Line number",
        label_zh="行号",
        help_en="Number of the line on the invoice, from 1, unique within the consignment.",
        help_zh="该行在发票上的序号，从1开始，同一批货物内不得重复。",
        required=True,
    ),
    Field(
        key="lines.material_number",
        group=Group.LINES,
        type=FieldType.STRING,
        label_en="Material number",
        label_zh="物料号",
        help_en="Your ERP's material or article number of the goods, the same on every "
        "shipment of the same goods.",
        help_zh="货物在企业ERP中的物料号或商品编号，同一货物每次申报保持一致。",
        required=True,
        max_length=64,
    ),
    Field(
        key="lines.description",
        group=Group.LINES,
        type=FieldType.STRING,
        label_en="Goods description",
        label_zh="商品描述",
        help_en="Plain-language description of the goods, precise enough to classify them.",
        help_zh="用通俗语言描述货物，具体到足以归类。",
        required=True,
        max_length=512,
        wco_ref="Commodity.Description",
    ),
    Field(
        key="lines.quantity",
        group=Group.LINES,
        type=FieldType.DECIMAL,
        label_en="Quantity",
        label_zh="数量",
        help_en="Quantity invoiced, in the line's unit of measure.",
        help_zh="发票数量，以该行的计量单位计。",
        required=True,
    ),
    Field(
        key="lines.unit",
        group=Group.LINES,
        type=FieldType.CODE,
        label_en="Unit of measure",
        label_zh="计量单位",
        help_en="UN/ECE Rec. 20 code of the quantity's unit, e.g. KGM kilogram, PCE piece, "
        "MTR metre, LTR litre.",
        help_zh="数量所用计量单位的UN/ECE第20号建议书代码，如KGM千克、PCE件、MTR米、LTR升。",
        required=True,
        code_list=UNITS,
    ),
    Field(
        key="lines.line_value",
        group=Group.LINES,
        type=FieldType.DECIMAL,
        label_en="Line value",
        label_zh="总价",
        help_en="Invoiced amount of the line, in the invoice currency.",
        help_zh="该行的发票金额，以发票币制计。",
        required=True,
        confidential=True,
    ),
    Field(
        key="lines.origin_country",
        group=Group.LINES,
        type=FieldType.CODE,
        label_en="Country of origin",
        label_zh="原产国（地区）",
        help_en="Country where the goods were wholly obtained or last substantially "
        "transformed, as an ISO 3166-1 alpha-2 code, e.g. JP.",
        help_zh="货物完全获得或最后实质性改变的国家（地区）的ISO 3166-1二字母代码，如JP。",
        required=True,
        code_list=COUNTRIES,
        wco_ref="Origin.CountryCode",
    ),
    Field(
        key="lines.hs_code",
        group=Group.LINES,
        type=FieldType.CODE,
        label_en="HS code",
        label_zh="商品编码",
        help_en="Harmonized System code of the goods as a string of 6, 8 or 10 digits, "
        'with its leading zero, e.g. "0101210000".',
        help_zh="货物的协调制度（HS）编码，6位、8位或10位数字，以字符串填写并保留开头的0，"
        "如“0101210000”。",
        dataset="line_weights_and_classification",
        code_list=HS_CODES,
        wco_ref="Classification.ID",
    ),
    Field(
        key="lines.net_weight_kg",
        group=Group.LINES,
        type=FieldType.DECIMAL,
        label_en="Net weight (kg)",
        label_zh="净重（千克）",
        help_en="Weight of the goods of the line without any packaging, in kilograms.",
        help_zh="该行货物不含任何包装的重量，单位千克。",
        dataset="line_weights_and_classification",
        unit="KGM",
        wco_ref="GoodsMeasure.NetNetWeightMeasure",
    ),
    Field(
        key="lines.gross_weight_kg",
        group=Group.LINES,
        type=FieldType.DECIMAL,
        label_en="Gross weight (kg)",
        label_zh="毛重（千克）",
        help_en="Weight of the goods of the line with their packaging, without the container, "
        "in kilograms.",
        help_zh="该行货物连同包装的重量（不含集装箱），单位千克。",
        dataset="line_weights_and_classification",
        unit="KGM",
        wco_ref="GoodsMeasure.GrossMassMeasure",
    ),
    Field(
        key="lines.unit_price",
        group=Group.LINES,
        type=FieldType.DECIMAL,
        label_en="Unit price",
        label_zh="单价",
        help_en="Invoiced price of one unit of measure, in the invoice currency.",
        help_zh="每一计量单位的发票价格，以发票币制计。",
        dataset="invoice_values",
        confidential=True,
    ),
    Field(
        key="lines.packages",
        group=Group.LINES,
        type=FieldType.INTEGER,
        label_en="Number of packages",
        label_zh="件数",
        help_en="Number of packages the goods of the line are packed in; leave out for bulk cargo.",
        help_zh="该行货物的包装件数；散装货物不填。",
        dataset="line_weights_and_classification",
        wco_ref="Packaging.QuantityQuantity",
    ),
)

_FIELDS_BY_KEY = MappingProxyType({f.key: f for f in FIELDS})

DATASETS: MappingProxyType[str, Dataset] = MappingProxyType(
    {
        dataset.name: replace(
            dataset, keys=tuple(f.key for f in FIELDS if f.dataset == dataset.name)
        )
        for dataset in (
            Dataset(
                name="contract",
                label_en="Contract",
                label_zh="合同信息",
                description_en="The contract behind the invoice and its Incoterms rule, for "
                "checks of valuation and terms of delivery.",
                description_zh="发票所依据的合同及贸易术语，用于核对成交价格和交货条件。",
            ),
            Dataset(
                name="invoice_values",
                label_en="Invoice values",
                label_zh="发票金额",
                description_en="Unit prices and the invoice total, for valuation cross-checks.",
                description_zh="单价与发票总金额，用于价格比对。",
            ),
            Dataset(
                name="transport_details",
                label_en="Transport details",
                label_zh="运输信息",
                description_en="Vessel or flight, voyage, departure date and containers, to "
                "match the consignment with the manifest and cargo events.",
                description_zh="船名或航班号、航次、启运日期和集装箱号，用于与舱单及货物动态匹配。",
            ),
            Dataset(
                name=_PARTIES,
                label_en="Supply-chain parties",
                label_zh="供应链参与方",
                description_en="The seller's tax ID and address, and the shipper, carrier, "
                "freight forwarder and manufacturer: the overseas supply chain behind the goods.",
                description_zh="卖方税号和地址，以及发货人、承运人、货运代理人和生产商：货物背后的境外供应链。",
            ),
            Dataset(
                name="line_weights_and_classification",
                label_en="Line weights and classification",
                label_zh="商品重量与归类",
                description_en="HS code, net and gross weight and packages of each line, to "
                "cross-check the declaration line by line.",
                description_zh="每行的商品编码、净重、毛重和件数，用于逐项比对报关单。",
            ),
        )
    }
)


def field(key: str) -> Field:
    try:
        return _FIELDS_BY_KEY[key]
    except KeyError:
        raise KeyError(f"{key!r} is not a catalogue field.") from None


def children(key: str) -> tuple[Field, ...]:
    """The fields directly inside `key`; the consignment's own fields for ""."""
    return tuple(f for f in FIELDS if f.parent_key == key)


def required_keys() -> tuple[str, ...]:
    """The required minimum: in every agreement's scope, in catalogue order."""
    return _REQUIRED_KEYS


def optional_keys() -> tuple[str, ...]:
    """The keys an agreement can opt into, one by one or through DATASETS, in catalogue order."""
    return _OPTIONAL_KEYS


def _in_required_minimum(f: Field) -> bool:
    return f.required and (not f.parent_key or _in_required_minimum(_FIELDS_BY_KEY[f.parent_key]))


_REQUIRED_KEYS = tuple(f.key for f in FIELDS if _in_required_minimum(f))
_OPTIONAL_KEYS = tuple(f.key for f in FIELDS if not f.required)
