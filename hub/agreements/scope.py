"""An agreement's scope in the catalogue's terms: which optional fields and datasets can be chosen,
how a choice is checked, and how a scope reads to people."""

from django import forms
from django.utils.translation import get_language

from hub.catalogue import fields as catalogue
from hub.catalogue.schemas import scope_normalize


def _label(item) -> str:
    """The label of a catalogue field or dataset in the current language."""
    return item.label_zh if catalogue.is_chinese(get_language() or "en") else item.label_en


def scope_choices() -> list[tuple[str, str]]:
    """Whole datasets first, then each optional field on its own."""
    datasets = [(name, _label(dataset)) for name, dataset in catalogue.DATASETS.items()]
    fields = [(key, _label(catalogue.field(key))) for key in catalogue.optional_keys()]
    return datasets + fields


def scope_validate(scope: list[str]) -> list[str]:
    try:
        scope_normalize(scope)
    except ValueError as error:
        raise forms.ValidationError(str(error)) from error
    return sorted(set(scope))


def scope_describe(scope: list[str]) -> dict[str, list[str]]:
    return {
        "required": [_label(catalogue.field(key)) for key in catalogue.required_keys()],
        "optional": [
            _label(catalogue.field(key))
            for key in catalogue.optional_keys()
            if key in scope_normalize(scope)
        ],
    }
