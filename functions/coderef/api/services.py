"""What the routers need, built once per process and reached through FastAPI dependencies."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import Depends, Request

from coderef.accounts.model import MeterPolicy
from coderef.accounts.ports import Accounts, Mailer
from coderef.api.concurrency import start_beside
from coderef.catalog.ports import CodeCatalog
from coderef.settings import Settings

T = TypeVar("T")

# The services a process may never use are imported when first built, not here: a Lambda
# function pays at cold start only for what its routes need.
if TYPE_CHECKING:
    from coderef.accounts.code_pages import CodePages
    from coderef.accounts.metering import StartBeside, ViewMeter
    from coderef.accounts.service import AccountService
    from coderef.api.rendered import RenderedBodies
    from coderef.assistant.answers import Composer
    from coderef.assistant.case2code import Case2Code
    from coderef.assistant.casepilot import CasePilot
    from coderef.catalog.lookup import CodeLookup
    from coderef.catalog.releases import ReleaseHistory
    from coderef.consultant.ports import ConsultantStore
    from coderef.consultant.service import Consultant
    from coderef.jobs.ports import Jobs
    from coderef.jobs.service import JobBoard
    from coderef.search.candidates import CandidateFinder
    from coderef.search.engine import SearchIndex
    from coderef.search.guidelines import GuidelineLibrary
    from coderef.security import PasswordHasher


@dataclass
class Services:
    settings: Settings
    catalog: CodeCatalog
    accounts: Accounts | None = None
    mailer: Mailer | None = None
    consultant_store: ConsultantStore | None = None
    # Collaborators a composition root (or a test) may hand in; otherwise built on first use:
    # what a client address is keyed by, and whether the search index knows a code.
    address_hasher: Callable[[str], str] | None = None
    index_knows: Callable[[str, str], bool] | None = None
    jobs: Jobs | None = None  # CareerCenter's store
    # How independent store calls of one request run: side by side on a shared thread pool
    # (DynamoDB: one round trip instead of two), or in turn where each is a local SQLite call
    # cheaper than the hop to another thread and back (Services.local).
    start_beside: StartBeside = start_beside
    # Whether a route's blocking store work (a charge is a write, fsynced on SQLite) goes to
    # the thread pool, so the event loop serves other requests meanwhile: the local server.
    # A Lambda environment serves one request at a time (Mangum), so there it runs inline,
    # without the hop or the thread pool's start on the first request.
    blocking_in_thread: bool = False

    async def run_blocking(self, call: Callable[[], T]) -> T:
        if not self.blocking_in_thread:
            return call()
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(call)

    @cached_property
    def index(self) -> SearchIndex:
        # Imported here: AuthFunction never searches, and pays nothing for the engine.
        from coderef.search.engine import SearchIndex

        return SearchIndex(self.settings.index_path, cache_size=self.settings.search_cache_size)

    @cached_property
    def lookup(self) -> CodeLookup:
        from coderef.catalog.lookup import CodeLookup

        return CodeLookup(self.catalog, self.code_suggestions, self.settings.cpt_licence_notice)

    @cached_property
    def rendered(self) -> RenderedBodies | None:
        """Rendered summaries and pages (api/rendered.py), where the catalog can say when its
        releases change and the setting leaves room; None otherwise."""
        from coderef.api.rendered import RenderedBodies
        from coderef.catalog.ports import ReleaseTokens

        if not self.settings.body_cache_mb or not isinstance(self.catalog, ReleaseTokens):
            return None
        return RenderedBodies(self.settings.body_cache_mb * 1024 * 1024)

    def body_key(self, kind: str, system_raw: str, code_raw: str) -> tuple | None:
        """What a code's rendered body is kept under: the code, its system's release token
        and today's date (a page says whether its release is in force today); None when
        bodies are not kept. An unknown system raises here as the lookup would."""
        if self.rendered is None:
            return None
        from coderef.catalog.codes import normalize_code, resolve_system

        system = resolve_system(system_raw).id
        token = self.catalog.release_token(system)  # type: ignore[attr-defined]
        return (kind, system, normalize_code(code_raw), token, self.lookup.today())

    @cached_property
    def releases(self) -> ReleaseHistory:
        from coderef.catalog.releases import ReleaseHistory

        return ReleaseHistory(self.catalog)

    @cached_property
    def policy(self) -> MeterPolicy:
        return MeterPolicy(
            guest_views=self.settings.guest_views,
            signup_bonus_views=self.settings.signup_bonus_views,
            guest_meters_per_address_per_day=self.settings.guest_meters_per_address_per_day,
        )

    @cached_property
    def password_hasher(self) -> PasswordHasher:
        from coderef.security import PasswordHasher

        return PasswordHasher(in_flight=self.settings.password_hashes_in_flight)

    @cached_property
    def account_service(self) -> AccountService:
        from coderef.accounts.service import AccountService

        assert self.accounts is not None and self.mailer is not None
        return AccountService(
            self.accounts,
            _HasherOnFirstUse(self),  # type: ignore[arg-type]  # a PasswordHasher in all but name
            self.mailer,
            self.policy,
            self.settings.public_url,
        )

    @cached_property
    def view_meter(self) -> ViewMeter:
        from coderef.accounts.metering import ViewMeter

        assert self.accounts is not None
        return ViewMeter(self.accounts, self.policy, start_beside=self.start_beside)

    @cached_property
    def code_pages(self) -> CodePages:
        from coderef.accounts.code_pages import CodePages

        index_knows = self.index_knows or self.index_has_code
        return CodePages(self.lookup, self.view_meter, index_knows, self.start_beside)

    def index_has_code(self, system: str, key: str) -> bool:
        try:
            return self.index.has_code(system, key)
        except Exception:  # no index: the page reads the record first, as with a date
            return False

    @cached_property
    def address_key(self) -> Callable[[str], str]:
        if self.address_hasher is not None:
            return self.address_hasher
        from coderef.security import AddressHasher, load_or_create_secret

        secret = load_or_create_secret(self.settings.address_secret, self.settings.secret_path)
        return AddressHasher(secret)

    @cached_property
    def guidelines(self) -> GuidelineLibrary:
        from coderef.codesets import bundled
        from coderef.codesets.pcs_guidelines import read_pcs_guidelines
        from coderef.search.guidelines import GuidelineLibrary

        # Loaded into memory on the first guideline question (60 passages, ~31 KB); on AWS from
        # the copy in the search layer (CODEREF_GUIDELINES_DB), not the 76 MB package file.
        path = self.settings.guidelines_db
        return GuidelineLibrary(lambda: read_pcs_guidelines(path or bundled.icd10pcs_database()))

    @cached_property
    def candidates(self) -> CandidateFinder:
        from coderef.search.candidates import CandidateFinder

        return CandidateFinder(self.index, self.catalog)

    @cached_property
    def composer(self) -> Composer | None:
        if self.settings.assistant_composer != "bedrock":
            return None  # CasePilot's own deterministic composer
        from coderef.adapters.bedrock_composer import BedrockComposer

        return BedrockComposer.from_settings(self.settings)

    @cached_property
    def casepilot(self) -> CasePilot:
        from coderef.assistant.casepilot import CasePilot

        return CasePilot(
            self.catalog,
            self.candidates,
            self.guidelines,
            self.code_suggestions,
            self.composer,
            crosswalks=self.index,  # the GEMs' ICD-9-CM side, kept in the search index
        )

    @cached_property
    def case2code(self) -> Case2Code:
        from coderef.assistant.case2code import Case2Code

        return Case2Code(self.catalog, self.candidates)

    @cached_property
    def consultant(self) -> Consultant:
        from coderef.consultant.model import ConsultPolicy
        from coderef.consultant.service import Consultant

        assert self.consultant_store is not None and self.accounts is not None
        policy = ConsultPolicy(
            address=self.settings.consult_address,
            questions_per_day=self.settings.consult_questions_per_day,
            retention_days=self.settings.consult_retention_days,
            site_url=self.settings.public_url,
        )

        def answer(question: str, context: dict[str, str] | None) -> dict[str, Any]:
            # The grounded answer is CasePilot's, presented as on the site; CasePilot is built
            # at the first question (it opens the search index), not when mail starts.
            from coderef.api.presenters.assistant import answer_body

            return answer_body(self.casepilot.ask(question, context))

        return Consultant(
            self.consultant_store,
            self.accounts,
            self.mailer,  # type: ignore[arg-type]  # both mailers send whole messages too
            answer,
            policy,
        )

    def code_suggestions(self, system: str, text: str) -> list[dict[str, Any]]:
        try:
            hits = self.index.near_codes(text, system=system, limit=5)
        except Exception:  # suggestions are a courtesy; never fail the 404 because of them
            return []
        return [hit.to_dict() for hit in hits]

    @cached_property
    def job_board(self) -> JobBoard:
        from coderef.jobs.service import JobBoard

        assert self.jobs is not None and self.mailer is not None
        return JobBoard(
            self.jobs, self.mailer, self.settings.jobs_posts_per_day, self.settings.public_url
        )

    @classmethod
    def local(cls, settings: Settings) -> Services:
        from coderef.accounts.metering import in_turn
        from coderef.adapters.outbox_mailer import OutboxMailer
        from coderef.adapters.sqlite_accounts import SqliteAccounts
        from coderef.adapters.sqlite_catalog import SqliteCatalog
        from coderef.adapters.sqlite_consultant import SqliteConsultant
        from coderef.adapters.sqlite_jobs import SqliteJobs

        accounts = SqliteAccounts(settings.accounts_path)
        # DynamoDB's TTL deletes ended sessions, used reset tokens and old rate windows; the
        # local store sweeps them each time the app starts.
        accounts.purge_expired(int(time.time()))
        return cls(
            settings=settings,
            catalog=SqliteCatalog(settings.catalog_path),
            accounts=accounts,
            mailer=OutboxMailer(settings.outbox_dir),
            consultant_store=SqliteConsultant(settings.consultant_path),
            jobs=SqliteJobs(settings.jobs_path),
            start_beside=in_turn,
            blocking_in_thread=True,
        )


class _HasherOnFirstUse:
    """The services' password hasher, built when a password is first hashed or checked. Building
    it costs one Argon2id hash (~0.15 s, its timing-equaliser), and the code page reads
    sessions through the account service on every request but never a password."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def hash(self, password: str) -> str:
        return self._services.password_hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        return self._services.password_hasher.verify(password_hash, password)


async def get_services(request: Request) -> Services:
    # async: FastAPI runs a plain-def dependency in its threadpool, a thread hop per request
    # for what is one attribute read.
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]
