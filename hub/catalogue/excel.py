"""The columns of the Excel template for a scope: one row per goods line, the header, transport
and party fields repeated on every row of the same consignment, each party member a column of its
own (`seller.name`)."""

from collections.abc import Iterable
from dataclasses import dataclass

from hub.catalogue.fields import required_keys
from hub.catalogue.schemas import scope_fields


@dataclass(frozen=True)
class ExcelColumn:
    key: str
    header: str
    required: bool
    """Must be filled on every row."""
    help: str
    code_values: tuple[str, ...] | None
    """The codes for a dropdown: all of a closed list, the reference subset of an open one."""
    is_code_column: bool
    """Holds codes, to be read as text: a spreadsheet turns HS code 0101210000 into a number."""


def excel_columns(scope: Iterable[str], language: str) -> list[ExcelColumn]:
    fields = scope_fields(scope)
    parents = {f.parent_key for f in fields}
    required = set(required_keys())
    return [
        ExcelColumn(
            key=f.key,
            header=f.label_for(language),
            required=f.key in required,
            help=f.help_for(language),
            code_values=(tuple(f.code_list.values) or None) if f.code_list else None,
            is_code_column=f.code_list is not None,
        )
        for f in fields
        # A party and the list of lines are spread over their members' columns.
        if f.key not in parents
    ]
