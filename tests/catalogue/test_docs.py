import pytest
from django.core.management import CommandError, call_command

from hub.catalogue.docs import DATA_DICTIONARY_PATH, render_data_dictionary
from hub.catalogue.fields import DATASETS, FIELDS


def test_the_committed_data_dictionary_is_the_rendering_of_the_catalogue():
    assert DATA_DICTIONARY_PATH.read_text(encoding="utf-8") == render_data_dictionary(), (
        "docs/data-dictionary.md is stale: run `python manage.py catalogue_docs` and commit it."
    )


def test_the_data_dictionary_documents_every_field_and_dataset():
    rendered = render_data_dictionary()

    for f in FIELDS:
        assert f"| `{f.key}` | {f.label_en} | {f.label_zh} |" in rendered
    for name in DATASETS:
        assert f"| `{name}` |" in rendered


def test_the_data_dictionary_shows_presence_confidentiality_and_wco_reference():
    rendered = render_data_dictionary()

    assert "| `lines.line_value` | Line value | 总价 | decimal ≥ 0 | required | confidential |" in (
        rendered
    )
    assert "| with `shipper` |" in rendered
    assert "`Classification.ID`" in rendered


@pytest.fixture
def docs_path(tmp_path, monkeypatch):
    path = tmp_path / "data-dictionary.md"
    monkeypatch.setattr(
        "hub.catalogue.management.commands.catalogue_docs.DATA_DICTIONARY_PATH", path
    )
    return path


def test_the_command_writes_the_data_dictionary(docs_path):
    call_command("catalogue_docs", verbosity=0)

    assert docs_path.read_text(encoding="utf-8") == render_data_dictionary()


def test_the_command_check_fails_on_a_stale_file_and_leaves_it_alone(docs_path):
    docs_path.write_text("# Data dictionary\n\nout of date\n", encoding="utf-8")

    with pytest.raises(CommandError, match="stale"):
        call_command("catalogue_docs", "--check")

    assert docs_path.read_text(encoding="utf-8") == "# Data dictionary\n\nout of date\n"


def test_the_command_check_passes_on_a_fresh_file(docs_path):
    docs_path.write_text(render_data_dictionary(), encoding="utf-8")

    call_command("catalogue_docs", "--check", verbosity=0)
