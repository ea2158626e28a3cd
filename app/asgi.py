"""create_app(): the one place where settings, database, plugins, routes, templates,
middleware and error pages are wired together. No request logic lives here."""

from __future__ import annotations

import asyncio
import gc
import logging
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

from jinja2 import FileSystemLoader, select_autoescape
from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader
from litestar.logging import LoggingConfig
from litestar.plugins.htmx import HTMXPlugin, HTMXRequest
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig


from app import channels, db, i18n, periodic
from app.routes import (account, admin, audit, auth, desk, disclosures, duty, gate, home, incidents, invitations, live, lobby,
                        lost_found, notifications, outbox, patrol, patrol_admin, patrol_reports, people, pwa,
                        release_desk, releases, resident_requests, reviews, statistics, walkins, watchlist)
from app.routes.access import PUBLIC, access_guard
from app.routes.errors import HANDLERS
from app.routes.input import input_middleware
from app.routes.middleware import session_middleware
from app.routes.templating import Templates, remembered_url_for, template_filters, template_globals
from app.services import handovers, housekeeping, notify, push, retention, schema, sealed, statistics_tally
from app.services import live as live_events
from app.services.release_records import expire_due_job as expire_slips
from app.services.walkins import expire_waiting_job as expire_walk_ins
from app.services.patrol_rounds import alert_overdue as alert_rounds_not_started
from app.settings import Settings, get_settings

HERE = Path(__file__).parent
CSRF_COOKIE = "gp_csrf"


def make_environment() -> Templates:
    env = Templates(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html", "xml", "svg"]),
        extensions=["jinja2.ext.i18n"],
        auto_reload=False,  # templates change only with a deploy; no file check on every render
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(template_globals())  # with quicker _, gettext and ngettext of the same behaviour
    env.filters.update(template_filters())
    return env


PERIODIC_JOBS = [housekeeping.purge_expired, expire_walk_ins, expire_slips, alert_rounds_not_started,
                 handovers.alert_overdue_job, retention.nightly_job, statistics_tally.keep]


def create_app(settings: Settings | None = None, *, check_schema: bool = True) -> Litestar:
    settings = settings or get_settings()
    # The keys ID numbers and phones are sealed with: read (or made) now, so an unreadable key
    # file stops the start rather than the first page that shows a phone.
    sealed.use(sealed.load(settings.var_dir, settings.field_keys))
    templates = make_environment()
    template_engine = JinjaTemplateEngine.from_environment(templates)
    template_engine.register_template_callable("url_for", remembered_url_for())
    live_channels = channels.make_plugin(settings)  # the live screens' events, between workers too

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await db.start(settings)
        if check_schema:
            await schema.check()  # refuse to serve a database without our tables
        await live_channels.__aenter__()  # after the database: on PostgreSQL, events go through it
        live_events.use_sender(live_channels.publish)  # services tell the live screens, after commit
        ticker = asyncio.create_task(periodic.run_forever(PERIODIC_JOBS, settings.periodic_seconds))
        await push.vapid_key()  # made on first start, so browsers subscribe to a key that stays
        sender = asyncio.create_task(push.run_forever())  # push delivery, outside every request
        checkpoints = asyncio.create_task(db.checkpoint_forever())  # SQLite's, off the requests' path
        # Catalogues read and templates compiled now (about 1.3 s), not while the first guards
        # wait for their first verdicts; and frozen with the rest of start-up, below.
        for language in i18n.LANGUAGES:
            i18n.translations(language)
        for name in templates.list_templates():
            templates.get_template(name)
        # What start-up made lives as long as the process: out of the collector's way, so a full
        # collection does not stall requests for 100 ms and more under load.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            ticker.cancel()
            sender.cancel()
            checkpoints.cancel()
            await asyncio.gather(sender, checkpoints, return_exceptions=True)  # no query left running on a closed pool
            live_events.use_sender(None)
            await live_channels.__aexit__(None, None, None)
            await db.stop()

    app = Litestar(
        route_handlers=[
            *pwa.HANDLERS,
            *auth.HANDLERS,
            *account.HANDLERS,
            *home.HANDLERS,
            *admin.HANDLERS,
            *people.HANDLERS,
            *desk.HANDLERS,
            *invitations.HANDLERS,
            *gate.HANDLERS,
            *walkins.HANDLERS,
            *notifications.HANDLERS,
            *watchlist.HANDLERS,
            *audit.HANDLERS,
            *lobby.HANDLERS,
            *outbox.HANDLERS,
            *reviews.HANDLERS,
            *releases.HANDLERS,
            *release_desk.HANDLERS,
            *incidents.HANDLERS,
            *resident_requests.HANDLERS,
            *lost_found.HANDLERS,
            *disclosures.HANDLERS,
            *duty.HANDLERS,
            *live.HANDLERS,
            *patrol_admin.HANDLERS,
            *patrol.HANDLERS,
            *patrol_reports.HANDLERS,
            *statistics.HANDLERS,
            create_static_files_router(
                path="/static",
                directories=[HERE / "static"],
                opt={"roles": PUBLIC},
                include_in_schema=False,
                cache_control=CacheControlHeader(max_age=3600, public=True),
            ),
        ],
        lifespan=[lifespan],
        guards=[access_guard],
        # input first: what comes in is cleaned, and a hostile JSON body refused, before anything
        # reads it or a session is looked up (app/routes/input.py)
        middleware=[input_middleware, session_middleware, outbox.replay_refusals],
        exception_handlers=HANDLERS,  # type: ignore[arg-type]
        plugins=[HTMXPlugin()],
        # Guards' phones are often on poor signal: text and the QR decoder's wasm (1.1 MB, 0.46 MB
        # gzipped) travel compressed. Level 6 costs a third of level 9's time for nearly its size.
        # Not the event streams: the compressor would hold each event back until it had more.
        compression_config=CompressionConfig(backend="gzip", minimum_size=1024, gzip_compress_level=6,
                                             exclude_opt_key="skip_compression"),
        request_class=HTMXRequest,
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name=CSRF_COOKIE,
            cookie_httponly=True,
            cookie_secure=settings.secure_cookies,
            cookie_samesite="lax",
            header_name="x-csrftoken",
        ),
        template_config=TemplateConfig(engine=template_engine),
        logging_config=LoggingConfig(
            root={"level": settings.log_level.upper(), "handlers": ["queue_listener"]},
            log_exceptions="never",
        ),
        openapi_config=None,
        debug=False,
    )
    notify.use_router(app.route_reverse)  # notifications lead to pages by route name
    app.state.streams = live.Streams(live_channels)  # started and stopped with the app, above
    return app


def app_from_env() -> Litestar:
    """For ``uvicorn app.asgi:app_from_env --factory``."""
    logging.basicConfig(level=get_settings().log_level.upper())
    return create_app()
