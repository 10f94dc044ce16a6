"""The `coderef` command: serve, import, build-index, search, code, releases."""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from coderef import cli_consult, cli_jobs, cli_releases
from coderef.accounts.model import PLANS, Plan
from coderef.catalog.systems import SYSTEMS
from coderef.codesets.registry import BUNDLED, sources_help
from coderef.errors import CodeRefError, InvalidInput
from coderef.settings import Settings

if TYPE_CHECKING:
    from coderef.catalog.ports import CatalogLoader
    from coderef.codesets.pipeline import IndexFeed, Reporter


def _catalog(settings: Settings):
    from coderef.adapters.sqlite_catalog import SqliteCatalog

    return SqliteCatalog(settings.catalog_path)


def _dynamodb_catalog(table: str | None, settings: Settings):
    """The codes table named on the command line (or by CODEREF_CODES_TABLE), for bulk work."""
    from coderef.adapters.aws import dynamodb_client
    from coderef.adapters.dynamodb_catalog import DynamoCatalog

    table = table or settings.codes_table
    if not table:
        raise InvalidInput("name the DynamoDB table with --codes-table (or CODEREF_CODES_TABLE)")
    catalog = DynamoCatalog(table, client=dynamodb_client("bulk"))
    catalog.releases()  # fail now, not after minutes of reading sources, if the table is unusable
    return catalog


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from coderef.api.services import Services
    from coderef.codesets.pipeline import ensure_bundled
    from coderef.local import create_served_app, start_consultant_mail
    from coderef.progress import ProgressBar

    loaded = ensure_bundled(
        _catalog(settings), settings.index_path, settings.lay_text_csv, ProgressBar()
    )
    for result in loaded:
        print(f"loaded {result.release.name}: {result.records} records", file=sys.stderr)
    workers = args.workers or os.cpu_count() or 1
    print(
        f"CodeRef at http://{args.host}:{args.port}/ (API docs at /api/docs), "
        f"{workers} worker{'s' if workers > 1 else ''}",
        file=sys.stderr,
    )
    # Case2Code's medspaCy pipeline takes seconds to load: each process that serves loads it
    # beside its start, so the first note does not wait (a failure shows on that note instead).
    if workers == 1:
        local_app = create_served_app(settings)
        app: object = local_app
        services: Services = local_app.state.services
    else:
        # Each worker process builds its own app from the same CODEREF_* environment; the
        # import above already brought the bundled data up to date, once.
        app = "coderef.local:create_served_app"
        # The mail side runs once, in this process, on services of its own.
        services = Services.local(settings)
    stop_mail = start_consultant_mail(services)
    print(
        f"CaseConsultant mail: {settings.consult_address} via SMTP at "
        f"127.0.0.1:{settings.smtp_port}",
        file=sys.stderr,
    )
    try:
        uvicorn.run(
            app,  # type: ignore[arg-type]
            factory=workers > 1,
            host=args.host,
            port=args.port,
            workers=workers if workers > 1 else None,
            log_level="info",
            access_log=args.access_log,
        )
    finally:
        stop_mail()
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from coderef.codesets.pipeline import bulk_work

    if (args.source or args.tables or args.effective_from) and not args.system:
        print(
            "coderef import: --source, --tables and --effective-from need --system", file=sys.stderr
        )
        return 2
    with bulk_work():
        return _import(args, settings)


def _import(args: argparse.Namespace, settings: Settings) -> int:
    from coderef.codesets.pipeline import IndexFeed, forget_sources, fresh_import, rebuild_index
    from coderef.progress import ProgressBar

    systems = [args.system] if args.system else list(BUNDLED)
    to_dynamodb = args.target == "dynamodb"
    catalog = _dynamodb_catalog(args.codes_table, settings) if to_dynamodb else _catalog(settings)
    bar = ProgressBar()
    lay = args.lay_text or settings.lay_text_csv
    # The index is built from the records as they are written, not read back (SQLite only:
    # the DynamoDB import leaves the index to the layer build).
    feed = None if to_dynamodb else IndexFeed()
    # A first import into SQLite writes a new file, renamed into place once complete.
    with nullcontext(catalog) if to_dynamodb else fresh_import(catalog) as target:
        _load(args, settings, target, systems, lay, bar, feed)
    forget_sources()
    if to_dynamodb:
        # The functions' index ships in a Lambda layer: `sam build` rebuilds it (docs/deploy.md).
        print(f"{catalog.table} is live; rebuild the search index layer next", file=sys.stderr)
        return 0
    count = rebuild_index(catalog, settings.index_path, bar, feed)
    print(f"search index: {count} records at {settings.index_path}", file=sys.stderr)
    return 0


def _load(
    args: argparse.Namespace,
    settings: Settings,
    catalog: CatalogLoader,
    systems: list[str],
    lay: Path | None,
    bar: Reporter,
    feed: IndexFeed | None,
) -> None:
    """Load the releases an import names (and the bundled history, into SQLite)."""
    from coderef.adapters.sqlite_catalog import SqliteCatalog
    from coderef.codesets.pipeline import load_history, load_release

    for system in systems:
        result = load_release(
            catalog, system, args.source, lay, bar, args.tables, args.effective_from, feed
        )
        print(f"loaded {result.release.name}: {result.records} records", file=sys.stderr)
        if not result.live:
            print(
                "  kept for history and dated lookups; a later release stays live", file=sys.stderr
            )
        if SYSTEMS[system].copyrighted and not settings.cpt_licence_notice:
            print(
                "  CODEREF_CPT_LICENCE_NOTICE is not set: CPT pages show a default AMA notice",
                file=sys.stderr,
            )
    if not args.system and isinstance(catalog, SqliteCatalog):
        # The bundled history is stored as changes, a SQLite feature for now
        for result in load_history(catalog, lay, bar):
            print(f"loaded {result.release.name}: {result.records} records", file=sys.stderr)


def cmd_build_index(args: argparse.Namespace, settings: Settings) -> int:
    from coderef.codesets.pipeline import rebuild_index

    out = Path(args.output) if args.output else settings.index_path
    if args.codes_table:
        catalog = _dynamodb_catalog(args.codes_table, settings)
    else:
        catalog = _catalog(settings)
    if not catalog.releases():
        raise InvalidInput("no release is loaded; run `coderef import` first")
    count = rebuild_index(catalog, out)
    print(f"search index: {count} records at {out}", file=sys.stderr)
    return 0


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from coderef.catalog.codes import resolve_system
    from coderef.search.engine import SearchIndex

    system = resolve_system(args.system).id if args.system else None
    page = SearchIndex(settings.index_path).search(args.query, system=system, limit=args.limit)
    if args.json:
        print(json.dumps(page.to_dict(), indent=2))
        return 0
    if page.did_you_mean:
        print(f"Showing results for: {page.did_you_mean}")
    print(f"{page.total} results for {page.query!r}")
    for hit in page.results:
        flag = "billable" if hit.billable else hit.kind
        print(f"  {hit.code:<10} {hit.title}  [{hit.system}, {flag}]")
    return 0


def cmd_code(args: argparse.Namespace, settings: Settings) -> int:
    from coderef.api.presenters.catalog import page_body
    from coderef.catalog.lookup import CodeLookup

    lookup = CodeLookup(_catalog(settings), cpt_notice=settings.cpt_licence_notice)
    page = page_body(lookup.page(args.system, args.code, on_date=args.date))
    if args.json:
        print(json.dumps(page, indent=2))
        return 0
    print(f"{page['code']}  {page['title']}")
    print(f"{page['system_name']} · {page['release']['name']}")
    for warning in page["release"].get("warnings", []):
        print(f"! {warning}")
    if page["notice"]:
        print(page["notice"])
    print(" > ".join(a["code"] for a in page["ancestors"]))
    print()
    print(page["description"])
    print()
    print(page["plain_language"]["text"])
    for note in page["notes"] + page["inherited_notes"]:
        source = f" (from {note['level']} {note['from']})" if note["from"] != page["code"] else ""
        print(f"\n{note['label']}{source}:")
        for item in note["items"]:
            print(f"  - {item}")
    for row in page["seventh_characters"]:
        print(f"  7th {row['char']}: {row['meaning']} {row['code'] or ''}")
        for clarification in row["clarifications"]:
            print(f"      also: {clarification}")
    for axis in page["axes"]:
        print(f"  {axis['position']} {axis['name']}: {axis['value']} = {axis['label']}")
    for fact in page["attributes"]:
        meaning = f" ({fact['meaning']})" if fact["meaning"] else ""
        print(f"  {fact['label']}: {fact['value']}{meaning}")
    if len(page["history"]) > 1:
        print("\nHistory:")
        for step in page["history"]:
            print(f"  {step['release']['name']}: {step['status']}")
    return 0


def cmd_publish(args: argparse.Namespace, settings: Settings) -> int:
    from coderef.api.site import Site
    from coderef.publish import publish_to_bucket, publish_to_dir, site_files

    if not args.out and not args.bucket:
        print("coderef publish: give --out DIR or --bucket NAME (or both)", file=sys.stderr)
        return 2
    if settings.frontend_dir is None or not (settings.frontend_dir / "templates").is_dir():
        raise InvalidInput("no frontend/templates folder here (set CODEREF_FRONTEND_DIR)")
    catalog = (
        _dynamodb_catalog(args.codes_table, settings) if args.codes_table else _catalog(settings)
    )
    if not catalog.releases():
        raise InvalidInput("no release is loaded: run `coderef import` first")
    site = Site(settings.frontend_dir, args.site_url or settings.public_url, reload=False)
    if args.out:
        report = publish_to_dir(site_files(site, catalog, settings.cpt_licence_notice), args.out)
        print(f"wrote {args.out}: {report.line()}", file=sys.stderr)
    if args.bucket:
        from coderef.adapters.s3_site import S3SiteBucket, s3_client

        bucket = S3SiteBucket(args.bucket, s3_client())
        report = publish_to_bucket(site_files(site, catalog, settings.cpt_licence_notice), bucket)
        print(f"published to s3://{args.bucket}: {report.line()}", file=sys.stderr)
    return 0


def _account_service(settings: Settings):
    from coderef.api.services import Services

    return Services.local(settings).account_service


def cmd_user_list(args: argparse.Namespace, settings: Settings) -> int:
    from coderef.accounts.model import user_meter_id

    services_accounts = _account_service(settings).accounts
    users = services_accounts.list_users()
    for user in users:
        meter = services_accounts.meter(user_meter_id(user.id))
        left = "unlimited" if user.plan == Plan.UNLIMITED else (meter.remaining if meter else 0)
        print(f"{user.email:<40} {user.plan:<10} views left: {left:<10} since {user.created_at}")
    print(f"{len(users)} accounts", file=sys.stderr)
    return 0


def cmd_user_set_plan(args: argparse.Namespace, settings: Settings) -> int:
    user = _account_service(settings).set_plan(args.email, args.plan)
    print(f"{user.email} is now on the {user.plan} plan")
    return 0


def cmd_user_grant(args: argparse.Namespace, settings: Settings) -> int:
    meter = _account_service(settings).grant_views(args.email, args.views)
    print(f"{args.email} now has {meter.remaining} code page views left")
    return 0


def cmd_user_migrate_unlocks(args: argparse.Namespace, settings: Settings) -> int:
    """Once, after deploying unlocked codes as items: move each meter's old `unlocked` map."""
    from coderef.adapters.aws import dynamodb_client
    from coderef.adapters.dynamodb_accounts import DynamoAccounts

    table = args.accounts_table or settings.accounts_table
    if not table:
        raise InvalidInput(
            "name the DynamoDB table with --accounts-table (or CODEREF_ACCOUNTS_TABLE)"
        )
    moved = DynamoAccounts(table, client=dynamodb_client("bulk")).migrate_unlocked_maps()
    print(f"{moved} meters had their unlocked codes moved into items of their own")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coderef", description="CodeRef medical code lookup")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="import bundled data if needed, then serve site and API")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="server processes (default: one per CPU core); each holds its own connections",
    )
    serve.add_argument(
        "--access-log", action="store_true", help="log every request (off by default: it costs)"
    )
    serve.set_defaults(func=cmd_serve)

    imp = sub.add_parser("import", help="import the bundled releases, or one source file")
    imp.add_argument("--system", choices=list(SYSTEMS))
    imp.add_argument("--source", type=Path, help=sources_help())
    imp.add_argument(
        "--tables", type=Path, help="CMS ICD-10-PCS tables XML to go with a PCS order file"
    )
    imp.add_argument(
        "--effective-from",
        type=cli_releases.iso_date,
        help="the release's effective date (YYYY-MM-DD), when the file name does not say",
    )
    imp.add_argument(
        "--lay-text", type=Path, help="CSV of system,code,text that overrides plain text"
    )
    imp.add_argument(
        "--target", choices=["sqlite", "dynamodb"], default="sqlite", help="where to load"
    )
    imp.add_argument("--codes-table", help="the DynamoDB codes table (with --target dynamodb)")
    imp.set_defaults(func=cmd_import)

    idx = sub.add_parser("build-index", help="rebuild the search index from the catalog")
    idx.add_argument("--output", help="where to write the index file")
    idx.add_argument("--codes-table", help="build from this DynamoDB codes table's live records")
    idx.set_defaults(func=cmd_build_index)

    search = sub.add_parser("search", help="search codes")
    search.add_argument("query")
    search.add_argument("--system")
    search.add_argument("--limit", type=int, default=10)
    search.add_argument("--json", action="store_true")
    search.set_defaults(func=cmd_search)

    code = sub.add_parser("code", help="show one code")
    code.add_argument("system")
    code.add_argument("code")
    code.add_argument("--json", action="store_true")
    code.add_argument(
        "--date", type=cli_releases.iso_date, help="answer from the release in force that day"
    )
    code.set_defaults(func=cmd_code)

    publish = sub.add_parser(
        "publish", help="render every page of the live releases to a folder or an S3 bucket"
    )
    publish.add_argument("--out", type=Path, help="write the site into this folder")
    publish.add_argument("--bucket", help="upload what changed to this S3 bucket")
    publish.add_argument(
        "--site-url",
        help="the public address for canonical links and sitemaps (default CODEREF_PUBLIC_URL)",
    )
    publish.add_argument("--codes-table", help="read the live records from this DynamoDB table")
    publish.set_defaults(func=cmd_publish)

    user = sub.add_parser("user", help="manage accounts")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    user_sub.add_parser("list", help="list accounts").set_defaults(func=cmd_user_list)
    set_plan = user_sub.add_parser("set-plan", help="change an account's plan")
    set_plan.add_argument("email")
    set_plan.add_argument("plan", choices=[str(p) for p in PLANS])
    set_plan.set_defaults(func=cmd_user_set_plan)
    grant = user_sub.add_parser("grant", help="add code page views to an account")
    grant.add_argument("email")
    grant.add_argument("views", type=int)
    grant.set_defaults(func=cmd_user_grant)
    migrate = user_sub.add_parser(
        "migrate-unlocks",
        help="DynamoDB, once: move meters' old maps of unlocked codes into items of their own",
    )
    migrate.add_argument("--accounts-table", help="the DynamoDB accounts table")
    migrate.set_defaults(func=cmd_user_migrate_unlocks)

    cli_releases.add_commands(sub)
    cli_consult.add_commands(sub)
    cli_jobs.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    if getattr(args, "host", None) is None and args.command == "serve":
        args.host = settings.host
    if getattr(args, "port", None) is None and args.command == "serve":
        args.port = settings.port
    try:
        return args.func(args, settings)
    except CodeRefError as exc:
        cause = exc.details.get("cause")  # e.g. the AWS error code behind a storage failure
        print(f"coderef: {exc.message}" + (f" ({cause})" if cause else ""), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
