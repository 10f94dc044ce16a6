"""`coderef releases ...`: list the loaded releases, compare two, choose the live one."""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any

from coderef.settings import Settings


def iso_date(text: str) -> date:
    """argparse type for YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (YYYY-MM-DD)") from None


def _history(settings: Settings):
    from coderef.adapters.sqlite_catalog import SqliteCatalog
    from coderef.catalog.releases import ReleaseHistory

    return ReleaseHistory(SqliteCatalog(settings.catalog_path))


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    from coderef.api.presenters.catalog import systems_body
    from coderef.catalog.codes import resolve_system

    systems = systems_body(_history(settings).systems())
    if args.system:
        wanted = resolve_system(args.system).id
        systems = [s for s in systems if s["id"] == wanted]
    if args.json:
        print(json.dumps({"systems": systems}, indent=2))
        return 0
    for system in systems:
        print(f"{system['name']} ({system['id']})  {system['licence']}")
        if not system["releases"]:
            print("    nothing loaded")
        for r in system["releases"]:
            mark = "*" if r["live"] else " "
            span = f"{r['effective_from']} to {r['effective_to'] or 'until replaced'}"
            print(f"  {mark} {r['id']:<18} {r['name']}  [{span}]  {r['records']} records")
    print("* live: answers when no date is asked for, and is what search covers")
    return 0


def _line(mark: str, row: dict[str, Any]) -> str:
    return f"  {mark} {row['code']:<10} {row['title']}"


def cmd_diff(args: argparse.Namespace, settings: Settings) -> int:
    from coderef.api.presenters.catalog import changes_body

    changes = changes_body(_history(settings).changes(args.system, args.before, args.after))
    if args.json:
        print(json.dumps(changes, indent=2))
        return 0
    counts = changes["counts"]
    print(
        f"{changes['from']['name']} -> {changes['to']['name']}: {counts['added']} added, "
        f"{counts['deleted']} deleted, {counts['revised']} revised"
    )
    for heading, mark, rows in (
        ("Added", "+", changes["added"]),
        ("Deleted", "-", changes["deleted"]),
        ("Revised", "~", changes["revised"]),
    ):
        if rows:
            print(f"\n{heading}:")
        for row in rows:
            print(_line(mark, row))
            for name, old in row.get("before", {}).items():
                print(f"      {name} was: {old}")
    return 0


def cmd_use(args: argparse.Namespace, settings: Settings) -> int:
    from coderef.adapters.sqlite_catalog import SqliteCatalog
    from coderef.codesets.pipeline import rebuild_index

    catalog = SqliteCatalog(settings.catalog_path)
    release = catalog.set_live(args.release)
    print(f"live: {release.name}", flush=True)
    count = rebuild_index(catalog, settings.index_path)
    print(f"search index: {count} records at {settings.index_path}")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    releases = sub.add_parser(
        "releases", help="list loaded releases, compare two, pick the live one"
    )
    commands = releases.add_subparsers(dest="releases_command", required=True)

    listing = commands.add_parser("list", help="every code system and its loaded releases")
    listing.add_argument("--system")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_list)

    diff = commands.add_parser(
        "diff",
        help="codes added, deleted and revised between two releases",
        description="FROM and TO are release ids (see `coderef releases list`) or dates "
        "(YYYY-MM-DD) naming the release in force on that day.",
    )
    diff.add_argument("system")
    diff.add_argument("before", metavar="FROM")
    diff.add_argument("after", metavar="TO")
    diff.add_argument("--json", action="store_true")
    diff.set_defaults(func=cmd_diff)

    use = commands.add_parser(
        "use", help="make a loaded release the live one of its system (and rebuild the index)"
    )
    use.add_argument("release", help="a release id from `coderef releases list`")
    use.set_defaults(func=cmd_use)
