# ruff: noqa: RUF001  (Chinese texts use full-width punctuation, which is correct in Chinese)
"""The partners sheet of the Excel template: its columns, and its rows checked as the partner
pages check a registration and matched to the enterprise's registrations, so that a file uploaded
again updates its partners instead of registering them twice.

A row names a registered partner by the same legal name and country (letter case and spacing
aside) or by an identifier in common; a row naming two registrations, or two rows naming one
partner, is an error on the cell that shows it."""

from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from connectors.excel_template import Column, Kind, RecordRow, SheetContents
from hub.catalogue.codelists import COUNTRIES
from hub.catalogue.validation import invalid_code_message
from hub.partners.forms import MAX_ADDRESS_LENGTH, legal_name_problem
from hub.partners.identifiers import PartnerScheme, identifier_blind_index, identifiers_normalize
from hub.partners.models import Partner, PartnerRole
from hub.partners.selectors import partner_list

# Each role's code, as the sheet takes it, and what it means in English and Chinese.
ROLE_NAMES = {
    PartnerRole.MANUFACTURER: ("manufacturer", "生产商"),
    PartnerRole.SELLER: ("seller or supplier", "卖方/供应商"),
    PartnerRole.SHIPPER: ("shipper", "发货人"),
    PartnerRole.FORWARDER: ("freight forwarder", "货运代理"),
    PartnerRole.CARRIER: ("carrier", "承运人"),
    PartnerRole.LOGISTICS_PROVIDER: ("logistics provider", "物流服务商"),
    PartnerRole.CUSTOMS_BROKER: ("customs broker", "报关行"),
}
OPTIONAL_TEXTS = ("address", "contact_name", "contact_email", "contact_phone")
MAX_LENGTHS = {
    "address": MAX_ADDRESS_LENGTH,
    **{
        name: Partner._meta.get_field(name).max_length
        for name in ("legal_name", "contact_name", "contact_email", "contact_phone")
    },
}


def _text(key, label_en, label_zh, help_en, help_zh, *, required=False) -> Column:
    return Column(key, Kind.TEXT, required, label_en, label_zh, help_en, help_zh)


def _identifier(scheme: str, label_en, label_zh, help_en, help_zh) -> Column:
    return _text(f"identifiers.{scheme}", label_en, label_zh, help_en, help_zh)


PARTNER_COLUMNS = [
    _text(
        "legal_name",
        "Legal name",
        "法定名称",
        "The partner's legal name, as on its invoices or transport documents. A partner you "
        "registered before under the same legal name and country is updated, not registered "
        "again.",
        "合作伙伴的法定名称，与其发票或运输单据一致。法定名称和国家（地区）与已登记合作伙伴相同时，"
        "更新该合作伙伴，不重复登记。",
        required=True,
    ),
    Column(
        "country",
        Kind.CODE,
        True,
        "Country",
        "国家（地区）",
        "The country of the partner's registered office: its ISO 3166-1 alpha-2 code, e.g. DE.",
        "合作伙伴注册地所在的国家（地区）：ISO 3166-1两字母代码，如DE。",
        codes=tuple(COUNTRIES.values),
        closed=True,
        code_list=COUNTRIES.name,
    ),
    Column(
        "roles",
        Kind.CODES,
        True,
        "Roles in your supply chain",
        "供应链角色",
        "What the partner does in your supply chain, as codes: "
        + ", ".join(
            role.value if english == role.value else f"{role.value} ({english})"
            for role, (english, _c) in ROLE_NAMES.items()
        )
        + ".",
        "合作伙伴在供应链中的角色，填写代码："
        + "、".join(f"{role.value}（{chinese}）" for role, (_e, chinese) in ROLE_NAMES.items())
        + "。",
        codes=tuple(PartnerRole.values),
        closed=True,
        code_list="partner_role",
    ),
    _text(
        "address",
        "Address",
        "地址",
        "Street, postcode and city, as on the partner's documents.",
        "街道、邮编和城市，与合作伙伴的单据一致。",
    ),
    _identifier(
        PartnerScheme.VAT,
        "VAT or tax number",
        "增值税号或税号",
        "With or without its country prefix, e.g. DE136695976; checked with the rules of the "
        "partner's country. A partner you registered with the same number is updated.",
        "可带或不带国家前缀，如DE136695976；按合作伙伴所在国家的规则校验。"
        "已有相同号码的合作伙伴将被更新。",
    ),
    _identifier(
        PartnerScheme.EORI,
        "EORI number",
        "EORI编号",
        "The 2-letter country code and up to 15 letters or digits, e.g. DE1234567890123.",
        "两位国家代码加最多15位字母或数字，如DE1234567890123。",
    ),
    _identifier(
        PartnerScheme.LEI,
        "Legal Entity Identifier (LEI)",
        "法人机构识别编码（LEI）",
        "20 characters, the last two check digits, e.g. 529900RHEINPRAEZ0080.",
        "20位字符，最后两位为校验码，如529900RHEINPRAEZ0080。",
    ),
    _identifier(
        PartnerScheme.DUNS,
        "D-U-N-S number",
        "邓白氏编码（D-U-N-S）",
        "9 digits, e.g. 15-048-3782.",
        "9位数字，如15-048-3782。",
    ),
    _identifier(
        PartnerScheme.GLN,
        "Global Location Number (GLN)",
        "全球位置码（GLN）",
        "13 digits, the last a GS1 check digit.",
        "13位数字，最后一位为GS1校验码。",
    ),
    _text(
        "contact_name",
        "Contact person",
        "联系人",
        "Who to ask about the partner's shipments.",
        "负责该合作伙伴货物事宜的联系人。",
    ),
    _text(
        "contact_email",
        "Contact e-mail",
        "联系人电子邮箱",
        "One e-mail address.",
        "一个电子邮箱地址。",
    ),
    _text(
        "contact_phone",
        "Contact phone",
        "联系电话",
        "With the country calling code, e.g. +49 40 3012 4400.",
        "含国际区号，如+49 40 3012 4400。",
    ),
]


@dataclass
class SheetPartner:
    """A partner row without errors: what it registers (the values filled in), and the
    enterprise's registration of the same partner it updates (None for a new partner)."""

    row: int
    registration: dict
    partner: Partner | None


def _name_key(legal_name: str) -> str:
    return " ".join(legal_name.casefold().split())


def _scheme_label(scheme: str) -> str:
    return str(PartnerScheme(scheme).label)


class _Registered:
    """The enterprise's registrations, by legal name and country and by identifier."""

    def __init__(self, partners):
        self.by_name: dict[tuple[str, str], list[Partner]] = defaultdict(list)
        self.by_identifier: dict[str, Partner] = {}
        for partner in partners:
            self.by_name[(_name_key(partner.legal_name), partner.country)].append(partner)
            for identifier in partner.identifiers.all():
                self.by_identifier[identifier.blind_index] = partner


def partner_sheet_check(*, contents: SheetContents, enterprise, viewer) -> list[SheetPartner]:
    """Check every partner row of an upload and find the registration each one updates; every
    error goes into `contents` at its cell. Returns the rows without errors."""
    if not contents.partners:
        return []
    registered = _Registered(partner_list(visible_to=viewer, enterprise=enterprise))
    unreadable = {error.row for error in contents.errors if error.sheet == contents.partners_sheet}
    claimed: dict[tuple, int] = {}
    checked = []
    for record in contents.partners:
        found = _Row(contents, record)
        registration, indexes = found.registration()
        if registration is None or record.row in unreadable:
            continue
        partner = found.registered_partner(registration, indexes, registered)
        if found.ok and found.unclaimed(registration, indexes, partner, claimed):
            checked.append(SheetPartner(record.row, registration, partner))
    return checked


class _Row:
    """The checks of one partner row; each problem is an error at its cell."""

    def __init__(self, contents: SheetContents, record: RecordRow):
        self.contents, self.record, self.values = contents, record, record.values
        self.ok = True

    def problem(self, key: str, code: str, message: str) -> None:
        self.ok = False
        self.contents.add_partner_error(self.record, key, code, message)

    def registration(self) -> tuple[dict | None, dict[str, str]]:
        """The registration the row gives, with only the optional values filled in, and the
        blind index of each identifier by scheme; None when a cell is wrong."""
        values = self.values
        for key, limit in MAX_LENGTHS.items():
            if len(values.get(key, "")) > limit:
                self.problem(
                    key,
                    "too_long",
                    _(
                        "This text has %(length)d characters; the column takes %(limit)d. "
                        "Shorten it."
                    )
                    % {"length": len(values[key]), "limit": limit},
                )
        if "legal_name" in values and (problem := legal_name_problem(values["legal_name"])):
            self.problem("legal_name", "blank", problem)
        country = values.get("country")
        if country is not None and not COUNTRIES.is_valid(country):
            self.problem("country", "invalid_code", invalid_code_message(COUNTRIES, country))
            country = None
        roles = self._roles()
        self._email()
        identifiers: dict[str, str] = {}
        if country is not None:
            identifiers, problems = identifiers_normalize(
                {
                    scheme: values.get(f"identifiers.{scheme}", "")
                    for scheme in PartnerScheme.values
                },
                country=country,
            )
            for scheme, message in problems.items():
                self.problem(f"identifiers.{scheme}", "invalid_identifier", message)
        if not (self.ok and {"legal_name", "country", "roles"} <= values.keys()):
            return None, {}
        registration = {
            "legal_name": values["legal_name"],
            "country": country,
            "roles": roles,
            "identifiers": identifiers,
            **{name: values[name] for name in OPTIONAL_TEXTS if name in values},
        }
        indexes = {
            scheme: identifier_blind_index(scheme, value) for scheme, value in identifiers.items()
        }
        return registration, indexes

    def _roles(self) -> list[str]:
        roles = []
        for code in self.values.get("roles", []):
            role = code.lower()
            if role not in PartnerRole.values:
                self.problem(
                    "roles",
                    "invalid_code",
                    _(
                        "'%(value)s' is not a role in the supply chain. Choose from the dropdown "
                        "or type these codes, several separated by commas: %(codes)s."
                    )
                    % {"value": role, "codes": ", ".join(PartnerRole.values)},
                )
            elif role not in roles:
                roles.append(role)
        return roles

    def _email(self) -> None:
        email = self.values.get("contact_email")
        if email is None or len(email) > MAX_LENGTHS["contact_email"]:
            return
        try:
            validate_email(email)
        except ValidationError:
            self.problem(
                "contact_email",
                "invalid_email",
                _(
                    "'%(value)s' is not an e-mail address. Give one address, e.g. "
                    "export@example.com."
                )
                % {"value": email},
            )

    def registered_partner(self, registration, indexes, registered: _Registered):
        """The registration the row updates: the one holding its identifiers, else the one of
        its legal name and country; None for a partner not registered yet."""
        holders: dict[int, tuple[Partner, str]] = {}
        for scheme, index in indexes.items():
            if index in registered.by_identifier:
                holder = registered.by_identifier[index]
                holders.setdefault(holder.pk, (holder, scheme))
        named = registered.by_name.get(
            (_name_key(registration["legal_name"]), registration["country"]), []
        )
        if len(holders) > 1:
            (first, first_scheme), (other, scheme) = list(holders.values())[:2]
            self.problem(
                f"identifiers.{scheme}",
                "ambiguous",
                _(
                    "This %(scheme)s is that of %(other)s, but the %(first_scheme)s on this row "
                    "is that of %(first)s; both are partners you registered. A row describes one "
                    "company: correct the identifiers."
                )
                % {
                    "scheme": _scheme_label(scheme),
                    "other": other.legal_name,
                    "first_scheme": _scheme_label(first_scheme),
                    "first": first.legal_name,
                },
            )
            return None
        if holders:
            [(holder, scheme)] = holders.values()
            if named and holder not in named:
                self.problem(
                    f"identifiers.{scheme}",
                    "ambiguous",
                    _(
                        "This %(scheme)s is that of %(other)s, but the legal name and country "
                        "are those of %(named)s; both are partners you registered. A row "
                        "describes one company: correct the name or the identifier."
                    )
                    % {
                        "scheme": _scheme_label(scheme),
                        "other": holder.legal_name,
                        "named": named[0].legal_name,
                    },
                )
                return None
            return holder
        if len(named) > 1:
            self.problem(
                "legal_name",
                "ambiguous",
                _(
                    "You registered %(count)d partners named %(name)s in %(country)s, so the hub "
                    "cannot tell which one this row updates. Give an identifier of that one."
                )
                % {
                    "count": len(named),
                    "name": registration["legal_name"],
                    "country": registration["country"],
                },
            )
            return None
        return named[0] if named else None

    def unclaimed(self, registration, indexes, partner, claimed: dict[tuple, int]) -> bool:
        """Whether no earlier row describes the same partner; records what this row claims."""
        claims = [
            (
                ("name", _name_key(registration["legal_name"]), registration["country"]),
                "legal_name",
            ),
            *(
                (("identifier", index), f"identifiers.{scheme}")
                for scheme, index in indexes.items()
            ),
        ]
        if partner is not None:
            claims.append((("partner", partner.pk), "legal_name"))
        for claim, key in claims:
            if claim in claimed:
                self.problem(
                    key,
                    "duplicate",
                    _(
                        "Row %(row)d describes the same partner (%(same)s). Give each partner "
                        "one row, with all its roles in one cell."
                    )
                    % {"row": claimed[claim], "same": self._sameness(claim, key, partner)},
                )
                return False
        for claim, _key in claims:
            claimed[claim] = self.record.row
        return True

    @staticmethod
    def _sameness(claim: tuple, key: str, partner) -> str:
        if claim[0] == "name":
            return _("the same legal name and country")
        if claim[0] == "identifier":
            return _("the same %(scheme)s") % {"scheme": _scheme_label(key.split(".", 1)[1])}
        return _("your registration %(name)s") % {"name": partner.legal_name}
