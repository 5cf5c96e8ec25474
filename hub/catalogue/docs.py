"""docs/data-dictionary.md, rendered from the catalogue so that it cannot drift from the code."""

from django.conf import settings

from hub.catalogue.codelists import (
    CODE_LISTS,
    COUNTRIES,
    CURRENCIES,
    PORT_KINDS,
    PORTS,
    UNITS,
    CodeList,
)
from hub.catalogue.fields import (
    CATALOGUE_VERSION,
    DATASETS,
    FIELDS,
    GROUP_TITLES,
    Field,
    FieldType,
    required_keys,
)
from hub.catalogue.schemas import DECIMAL_LIMIT
from hub.catalogue.validation import ERROR_CODES

DATA_DICTIONARY_PATH = settings.BASE_DIR / "docs" / "data-dictionary.md"

_INTRODUCTION = f"""\
# Data dictionary

Generated from `hub/catalogue/` by `python manage.py catalogue_docs`: change the catalogue, not
this file. Catalogue version **{CATALOGUE_VERSION}**.

Every field an enterprise can share with customs under a data-sharing agreement. Keys are dotted
paths into the consignment document (`seller.name`, `lines.hs_code`).

- **required**: in the required minimum, which every agreement includes.
- **optional**: shared only when the agreement's scope names the key or its dataset; a field
  outside the scope is refused.
- **with `shipper`**: required whenever its optional parent is given.
- **confidential**: encrypted at rest.

On the wire, decimals are JSON numbers or strings (`"1250.50"`: digits and an optional point, no
sign, exponent or separators, below {DECIMAL_LIMIT:,} and at most 6 decimals); dates are
`YYYY-MM-DD`; datetimes are RFC 3339 with seconds and a time zone offset
(`2025-03-01T08:00:00+08:00`); integers are JSON integers; codes are strings in their canonical
case (`"CN"`, `"CNY"`, `"KGM"`, `"CNSHA"`, `"1"`). HS codes are strings, so that they keep their
leading zero.
"""


def render_data_dictionary() -> str:
    sections = [_INTRODUCTION, _datasets()]
    for group, (title_en, title_zh) in GROUP_TITLES.items():
        sections.append(
            _table(
                f"{title_en} · {title_zh}",
                [
                    "key",
                    "English label",
                    "中文 label",
                    "type / format",
                    "required or optional",
                    "confidential",
                    "code list",
                    "WCO DM ref",
                    "help",
                ],
                [_field_row(f) for f in FIELDS if f.group == group],
            )
        )
    sections.append(
        _table(
            "Validation errors",
            ["code", "meaning"],
            [[f"`{code}`", meaning] for code, meaning in ERROR_CODES.items()],
            "Each error of a document is reported as `{path, code, message}`, the path a JSON "
            "pointer into the document.",
        )
    )
    sections.append(_code_lists())
    return "\n".join(sections)


def _datasets() -> str:
    return _table(
        "Datasets",
        ["dataset", "English", "中文", "what it is for", "keys"],
        [
            [
                f"`{dataset.name}`",
                dataset.label_en,
                dataset.label_zh,
                f"{dataset.description_en}<br>{dataset.description_zh}",
                ", ".join(f"`{key}`" for key in dataset.keys),
            ]
            for dataset in DATASETS.values()
        ],
        "An agreement's scope can name a whole dataset, or any of its optional keys one by one.",
    )


def _field_row(f: Field) -> list[str]:
    if f.key in required_keys():
        presence = "required"
    elif f.required:
        presence = f"with `{f.parent_key}`"
    else:
        presence = f"optional (`{f.dataset}`)"
    return [
        f"`{f.key}`",
        f.label_en,
        f.label_zh,
        _type_text(f),
        presence,
        "confidential" if f.confidential else "",
        _code_list_name(f.code_list) if f.code_list else "",
        f"`{f.wco_ref}`" if f.wco_ref else "",
        f"{f.help_en}<br>{f.help_zh}",
    ]


def _type_text(f: Field) -> str:
    match f.type:
        case FieldType.STRING if f.pattern:
            return f"string, up to {f.max_length} of `A-Z a-z 0-9 . _ -`"
        case FieldType.STRING:
            return f"string, up to {f.max_length} characters"
        case FieldType.DECIMAL:
            return f"decimal ≥ 0, in {f.unit} ({UNITS.values[f.unit]})" if f.unit else "decimal ≥ 0"
        case FieldType.INTEGER:
            return "integer ≥ 1"
        case FieldType.DATE:
            return "date `YYYY-MM-DD`"
        case FieldType.DATETIME:
            return "datetime with offset"
        case FieldType.LIST if f.code_list:
            return "list of codes, at least one, no repeats"
        case FieldType.LIST:
            return "list of objects, at least one"
        case FieldType.PARTY:
            return "object"
    return "code"  # which code list is a column of its own


def _code_list_name(code_list: CodeList) -> str:
    return code_list.title.split(" ", 1)[1]


def _code_lists() -> str:
    sections = ["## Code lists\n"]
    for code_list in CODE_LISTS.values():
        title, intro = _code_list_name(code_list), f"{code_list.source}."
        if code_list in (COUNTRIES, CURRENCIES) or not code_list.values:
            # Too long to list, or a scheme rather than a list.
            sections.append(f"### {title}\n\n{intro}\n")
        elif code_list is PORTS:
            rows = [[f"`{code}`", name, PORT_KINDS[code]] for code, name in PORTS.values.items()]
            sections.append(_table(title, ["code", "name", "kind"], rows, intro, level=3))
        else:
            rows = [[f"`{code}`", name] for code, name in code_list.values.items()]
            sections.append(_table(title, ["code", "name"], rows, intro, level=3))
    return "\n".join(sections)


def _table(
    title: str, header: list[str], rows: list[list[str]], intro: str = "", level: int = 2
) -> str:
    lines = [f"{'#' * level} {title}", ""]
    if intro:
        lines += [intro, ""]
    lines.append(_row(header))
    lines.append(_row(["---"] * len(header)))
    lines += [_row(row) for row in rows]
    return "\n".join(lines) + "\n"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"
