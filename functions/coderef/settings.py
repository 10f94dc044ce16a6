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
    cpt_licence_notice: str | None = None  # the notice the operator's AMA licence asks for

    @property
    def catalog_path(self) -> Path:
        return self.data_dir / "catalog.db"

    @property
    def index_path(self) -> Path:
        return self.data_dir / "search.db"

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
            port=int(env.get("CODEREF_PORT", "8000")),
            lay_text_csv=Path(lay) if lay else None,
            frontend_dir=Path(frontend)
            if frontend
            else (default_frontend if default_frontend.is_dir() else None),
            cpt_licence_notice=env.get("CODEREF_CPT_LICENCE_NOTICE", "").strip() or None,
        )
