"""What the routers need, built once per process and reached through FastAPI dependencies."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any

from fastapi import Depends, Request

from coderef.domain.lookup import CodeLookup
from coderef.domain.releases import ReleaseHistory
from coderef.search.engine import SearchIndex
from coderef.settings import Settings
from coderef.store.sqlite_catalog import SqliteCatalog


@dataclass
class Services:
    settings: Settings
    catalog: SqliteCatalog

    @cached_property
    def index(self) -> SearchIndex:
        return SearchIndex(self.settings.index_path)

    @cached_property
    def lookup(self) -> CodeLookup:
        return CodeLookup(self.catalog, self.code_suggestions, self.settings.cpt_licence_notice)

    @cached_property
    def releases(self) -> ReleaseHistory:
        return ReleaseHistory(self.catalog)

    def code_suggestions(self, system: str, text: str) -> list[dict[str, Any]]:
        try:
            hits = self.index.near_codes(text, system=system, limit=5)
        except Exception:  # suggestions are a courtesy; never fail the 404 because of them
            return []
        return [hit.to_dict() for hit in hits]

    @classmethod
    def local(cls, settings: Settings) -> Services:
        return cls(settings=settings, catalog=SqliteCatalog(settings.catalog_path))


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]
