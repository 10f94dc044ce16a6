"""Reading the settings from the environment: one declaration per setting, defaults once."""

from __future__ import annotations

from pathlib import Path

import pytest

from coderef.settings import Settings


def test_an_empty_environment_gives_the_declared_defaults(monkeypatch):
    # Given a process environment that sets a setting
    monkeypatch.setenv("CODEREF_GUEST_VIEWS", "9")
    # When settings are read from an explicit, empty mapping
    settings = Settings.from_env({})
    # Then the process environment is not consulted and every default applies
    assert settings.guest_views == 1
    assert settings.port == 8000
    assert settings.allowed_origins == ()
    assert settings.data_dir.name == "var"
    assert settings.index_path == settings.data_dir / "search.db"


def test_the_process_environment_is_read_when_no_mapping_is_given(monkeypatch):
    monkeypatch.setenv("CODEREF_GUEST_VIEWS", "9")
    assert Settings.from_env().guest_views == 9


def test_values_are_read_and_converted():
    # Given variables for several kinds of setting
    settings = Settings.from_env(
        {
            "CODEREF_DATA_DIR": "/srv/coderef",
            "CODEREF_PORT": "9000",
            "CODEREF_ALLOWED_ORIGINS": " https://a.example/, ,https://b.example ",
            "CODEREF_TRUST_FORWARDED_FOR": "true",
            "CODEREF_INDEX_PATH": "/opt/search/search.db",
            "CODEREF_MAIL_FROM": "  help@coderef.example  ",
            "CODEREF_ASSISTANT_COMPOSER": " Deterministic ",
        }
    )
    # Then each is read as its declared type
    assert settings.data_dir == Path("/srv/coderef")
    assert settings.catalog_path == Path("/srv/coderef/catalog.db")
    assert settings.port == 9000
    assert settings.allowed_origins == ("https://a.example", "https://b.example")
    assert settings.trust_forwarded_for is True
    assert settings.index_path == Path("/opt/search/search.db")
    assert settings.mail_from == "help@coderef.example"
    assert settings.assistant_composer == "deterministic"


def test_an_empty_variable_counts_as_unset():
    settings = Settings.from_env({"CODEREF_PORT": "", "CODEREF_MAIL_FROM": "   "})
    assert settings.port == 8000
    assert settings.mail_from is None


def test_the_bedrock_region_falls_back_to_the_aws_region():
    assert Settings.from_env({"AWS_REGION": "us-east-2"}).bedrock_region == "us-east-2"
    both = {"AWS_REGION": "us-east-2", "CODEREF_BEDROCK_REGION": "eu-west-1"}
    assert Settings.from_env(both).bedrock_region == "eu-west-1"


@pytest.mark.parametrize(
    "name, value",
    [
        ("CODEREF_GUEST_VIEWS", "-1"),
        ("CODEREF_PORT", "eight"),
        ("CODEREF_TRUST_FORWARDED_FOR", "maybe"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(name, value):
    # When settings are read with a value the setting cannot take
    # Then the error names the variable and the value, for the operator to fix
    with pytest.raises(ValueError, match=f"{name}: .*'{value}'"):
        Settings.from_env({name: value})


def test_settings_are_frozen():
    settings = Settings.from_env({})
    with pytest.raises(ValueError):
        settings.port = 1  # type: ignore[misc]
    assert settings.model_copy(update={"port": 1}).port == 1
