"""Command line: ``python -m app serve | migrate | demo | add-person | enrol-link | backup | restore |
audit verify | keys status|add|rotate|retire``.

Each verb parses its arguments and calls a service; no SQL and no rules here. An operator
bootstraps the first admin of a new installation with ``add-person --role admin``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from app.domain.roles import Role
from app.settings import SettingsError, get_settings


SHUTDOWN_WAIT_S = 3


def _fail(message: str) -> None:
    print(f"gatepost: {message}", file=sys.stderr)
    sys.exit(1)


async def _with_db(coro_factory):
    from app import db
    from app.services import schema

    settings = get_settings()
    await db.start(settings)
    try:
        await schema.check()
        return await coro_factory()
    finally:
        await db.stop()


def cmd_migrate(args) -> None:
    from app import db
    from app.services import schema

    async def run():
        await db.start(get_settings())
        try:
            await schema.migrate()
        finally:
            await db.stop()

    asyncio.run(run())
    print("Database is up to date.")


def cmd_demo(args) -> None:
    from app.services import demo

    links = asyncio.run(_with_db(demo.load))
    print()
    print(f"Demo estate: {demo.NAME}. One-time sign-in links (each works once):")
    width = max(len(link.name) for link in links)
    for link in links:
        roles = ", ".join(r.value for r in link.roles)
        unit = f" {link.unit}" if link.unit else ""
        print(f"  {link.name:<{width}}  {roles}{unit}")
        print(f"    {link.url}")
    print()


def cmd_add_person(args) -> None:
    from app.models.estates import Estate
    from app.services import enrolment, people
    from app.services.errors import Invalid

    async def run():
        estate = await Estate.select(Estate.id).where(Estate.slug == args.estate).first()
        if estate is None:
            if not args.create_estate:
                _fail(f"no estate {args.estate!r}; add --create-estate 'Estate name' to create it")
            estate_row = Estate(name=args.create_estate, slug=args.estate)
            await estate_row.save()
            estate = {"id": estate_row.id}
        roles = tuple(Role(r) for r in args.role)
        try:
            person_id = await people.create(
                estate["id"], people.NewPerson(name=args.name, phone=args.phone or "", roles=roles), actor=None
            )
        except Invalid as exc:
            _fail("; ".join(exc.errors.values()))
        return await enrolment.issue_by_operator(args.estate, person_id)

    link = asyncio.run(_with_db(run))
    print(f"{link.person_name}: {link.url}")


def cmd_enrol_link(args) -> None:
    from app.services import enrolment, people
    from app.services.errors import NotFound

    async def run():
        try:
            person_id, _ = await people.find_in_estate(args.estate, args.person)
        except NotFound:
            _fail(f"no single person {args.person!r} in estate {args.estate!r}")
        return await enrolment.issue_by_operator(args.estate, person_id, revoke_old=args.revoke_old)

    link = asyncio.run(_with_db(run))
    print(f"{link.person_name}: {link.url}")


def cmd_backup(args) -> None:
    from pathlib import Path

    from app.services import backup
    from app.services.clock import utcnow

    try:
        made = backup.run(get_settings(), Path(args.to), keep_days=args.keep_days, now=utcnow())
    except backup.BackupFailed as exc:
        _fail(str(exc))
    print(f"Backed up to {made} ({made.stat().st_size / 1e6:.1f} MB)")


def cmd_restore(args) -> None:
    from pathlib import Path

    from app import db
    from app.services import backup, schema

    settings = get_settings()
    try:
        manifest = backup.restore(settings, Path(args.file))
    except (backup.RestoreRefused, backup.BackupFailed) as exc:
        _fail(str(exc))

    async def migrate():
        await db.start(settings)
        try:
            await schema.migrate()
        finally:
            await db.stop()

    asyncio.run(migrate())  # a backup from before an upgrade gets the newer migrations
    print(f"Restored the backup made {manifest['made_at']} ({manifest['uploads']} uploaded photos). "
          "Start the server.")


def cmd_audit_verify(args) -> None:
    from app.services import audit

    reports = asyncio.run(_with_db(audit.verify))
    broken = 0
    for report in reports:
        name = report.estate_name or "(events of no estate)"
        if report.broken is None:
            print(f"ok      {name}: {report.entries} entries, chain whole")
            continue
        broken += 1
        where = f"entry {report.broken.seq}" + (f" (id {report.broken.entry_id})" if report.broken.entry_id else "")
        print(f"BROKEN  {name}: {where}: {report.broken.sentence} [{report.broken.problem.value}]")
    if broken:
        _fail(f"the audit log of {broken} estate(s) has been tampered with; the first broken entry is named above")
    print("Every audit chain is whole.")


def cmd_keys(args) -> None:
    """The keys ID numbers and phones are sealed with (docs/privacy.md): add a key, re-seal every
    value under it, retire the keys nothing uses any more."""
    from app.services import sealed

    settings = get_settings()
    where = "GATEPOST_FIELD_KEYS" if settings.field_keys else str(sealed.key_file(settings.var_dir))

    def show_env(ring) -> None:
        if settings.field_keys:
            print("The keys come from GATEPOST_FIELD_KEYS: set it to this JSON, then restart the app:")
            print(ring.to_json().replace("\n", "").replace("  ", ""))

    try:
        if args.keys_command == "add":
            ring = sealed.add_key(settings.var_dir, settings.field_keys)
            show_env(ring)
            print(f"Key {ring.current} added to {where} and made current ({len(ring.keys)} keys). Restart the app so "
                  "every worker seals with it, then run: python -m app keys rotate")
        elif args.keys_command == "rotate":
            async def run():
                count = await sealed.reseal_all()
                return count, await sealed.key_usage()

            count, usage = asyncio.run(_with_db(run))
            print(f"Sealed {count} value(s) again under key {sealed.keyring().current}. Values per key: "
                  + (", ".join(f"{kid}: {n}" for kid, n in sorted(usage.items())) or "none"))
            print("Once no value is under an old key: python -m app keys retire")
        elif args.keys_command == "retire":
            ring, removed = asyncio.run(_with_db(lambda: sealed.retire(settings.var_dir, settings.field_keys)))
            if removed:
                show_env(ring)
            print(f"Removed key(s) {', '.join(removed) or 'none'} from {where}; kept {', '.join(sorted(ring.keys))}.")
        else:  # status
            async def run():
                return await sealed.key_usage()

            ring = sealed.keyring()
            usage = asyncio.run(_with_db(run))
            for kid in sorted(set(ring.keys) | set(usage)):
                state = "current" if kid == ring.current else ("kept" if kid in ring.keys else "MISSING")
                print(f"{kid}  {state:<8} {usage.get(kid, 0)} value(s)")
    except sealed.SealError as exc:
        _fail(str(exc))


def cmd_serve(args) -> None:
    import uvicorn

    from app import db, logs
    from app.services import schema

    settings = get_settings()

    async def check():
        await db.start(settings)
        try:
            await schema.check()
        finally:
            await db.stop()

    try:
        asyncio.run(check())
    except db.DatabaseProblem as exc:
        _fail(str(exc))
    scheme = "https" if settings.tls_cert else "http"
    print(f"Gatepost is serving on {scheme}://{settings.host}:{settings.port} — open {settings.public_url}", flush=True)
    uvicorn.run(
        "app.asgi:app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        ssl_certfile=settings.tls_cert,
        ssl_keyfile=settings.tls_key,
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=",".join(settings.trusted_proxies) or None,
        log_level=settings.log_level,
        log_config=logs.uvicorn_config(),
        workers=args.workers,
        # Live screens' event streams never end by themselves: on a stop or a restart, after
        # this long they are cut (their pages poll, and reconnect to the next server).
        timeout_graceful_shutdown=SHUTDOWN_WAIT_S,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m app", description="Gatepost")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the app (HOST, PORT, TLS_CERT, TLS_KEY)")
    serve.add_argument("--workers", type=int, default=None)
    serve.set_defaults(func=cmd_serve)

    sub.add_parser("migrate", help="create or update the database tables").set_defaults(func=cmd_migrate)
    sub.add_parser("demo", help="load the demo estate and print sign-in links").set_defaults(func=cmd_demo)

    add = sub.add_parser("add-person", help="add a person with a role and print their sign-in link")
    add.add_argument("--estate", required=True, help="estate slug, e.g. harbour-view")
    add.add_argument("--role", required=True, action="append", choices=[r.value for r in Role])
    add.add_argument("--name", required=True)
    add.add_argument("--phone", default="")
    add.add_argument("--create-estate", metavar="NAME", help="create the estate with this name if it does not exist")
    add.set_defaults(func=cmd_add_person)

    link = sub.add_parser("enrol-link", help="print a new one-time sign-in link for a person")
    link.add_argument("--estate", required=True)
    link.add_argument("--person", required=True, help="the person's name or id")
    link.add_argument("--revoke-old", action="store_true", help="revoke their passkeys once the new one is made")
    link.set_defaults(func=cmd_enrol_link)

    backup = sub.add_parser("backup", help="copy the database and the uploads into one file in a folder, "
                                           "keeping the last days' copies")
    backup.add_argument("--to", required=True, metavar="DIR", help="e.g. /var/backups/gatepost")
    backup.add_argument("--keep-days", type=int, default=14, help="remove backups older than this (default 14)")
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser("restore", help="bring an empty installation back to a backup's state")
    restore.add_argument("file", metavar="FILE", help="a gatepost-*.tar made by backup")
    restore.set_defaults(func=cmd_restore)

    audit = sub.add_parser("audit", help="check the audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser("verify", help="check every estate's audit chain; names the first broken entry, exit 1 if any"
                         ).set_defaults(func=cmd_audit_verify)

    keys = sub.add_parser("keys", help="the keys ID numbers and phones are sealed with (docs/privacy.md)")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    keys_sub.add_parser("status", help="each key and how many values it seals").set_defaults(func=cmd_keys)
    keys_sub.add_parser("add", help="add a new key and make it current (then restart the app)").set_defaults(func=cmd_keys)
    keys_sub.add_parser("rotate", help="seal every value again under the current key").set_defaults(func=cmd_keys)
    keys_sub.add_parser("retire", help="remove the keys no value is sealed under any more").set_defaults(func=cmd_keys)

    args = parser.parse_args(argv)
    try:
        args.func(args)
    except SettingsError as exc:
        _fail(str(exc))
    except Exception as exc:  # noqa: BLE001 - the operator gets a sentence, not a traceback
        from app.db import DatabaseProblem

        if isinstance(exc, DatabaseProblem):
            _fail(str(exc))
        raise


if __name__ == "__main__":
    main()
