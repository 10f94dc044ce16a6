"""The README's settings table is the settings' own declarations: every setting, its default,
its doc. Regenerate with `python -m coderef.settings_table --write` after changing one."""

from __future__ import annotations

from coderef import settings_table
from coderef.settings import Settings


def readme_table() -> list[str]:
    text = settings_table.README.read_text(encoding="utf-8")
    inside = text.split(settings_table.START, 1)[1].split(settings_table.END, 1)[0]
    return [line for line in inside.strip().splitlines() if line.startswith("| `")]


def test_every_setting_is_declared_with_a_doc():
    # Given the declared settings
    # Then each has a doc string of its own (it becomes the README's "Meaning")
    undocumented = [name for name, f in Settings.model_fields.items() if not f.description]
    assert undocumented == []


def test_the_readme_lists_every_setting_with_its_default_and_doc():
    # Given the README's settings table
    rows = readme_table()
    # Then it has one row per setting, naming its variable, default and doc as declared
    assert len(rows) == len(Settings.model_fields)
    for (name, field), row in zip(Settings.model_fields.items(), rows, strict=True):
        variable, default, meaning = (cell.strip() for cell in row.strip("|").split(" | "))
        assert variable == f"`{Settings.variable(name)}`"
        assert default == settings_table.default(field)
        assert meaning == " ".join((field.description or "").split())


def test_the_readme_table_is_exactly_the_generated_one():
    # When the table is generated from the declarations
    readme = settings_table.README.read_text(encoding="utf-8")
    # Then writing it into the README would change nothing
    assert settings_table.with_table(readme) == readme, (
        "README.md's settings table is out of date: run "
        "`.venv/bin/python -m coderef.settings_table --write`"
    )


def test_a_changed_default_shows_as_drift(tmp_path):
    # Given a README whose table says another default for the guest allowance
    readme = settings_table.README.read_text(encoding="utf-8")
    drifted = readme.replace("| `CODEREF_GUEST_VIEWS` | `1` |", "| `CODEREF_GUEST_VIEWS` | `3` |")
    assert drifted != readme
    # Then regenerating it restores the declared default
    assert settings_table.with_table(drifted) == readme
