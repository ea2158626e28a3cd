"""Command line: ``python -m app serve | migrate | demo | add-person | enrol-link``.

Each verb parses its arguments and calls a service; no SQL and no rules here. An operator
bootstraps the first admin of a new installation with ``add-person --role admin``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from app.domain.roles import Role
from app.settings import SettingsError, get_settings


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


def cmd_serve(args) -> None:
    import uvicorn

    from app import db
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
        workers=args.workers,
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
