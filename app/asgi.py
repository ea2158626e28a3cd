"""create_app(): the one place where settings, database, plugins, routes, templates,
middleware and error pages are wired together. No request logic lives here."""

from __future__ import annotations

import asyncio
import gc
import logging
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader
from litestar.logging import LoggingConfig
from litestar.plugins.htmx import HTMXPlugin, HTMXRequest
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig


from app import db, i18n, periodic
from app.routes import (account, admin, auth, desk, gate, home, invitations, lobby, notifications, people, pwa,
                        walkins, watchlist)
from app.routes.access import PUBLIC, access_guard
from app.routes.errors import HANDLERS
from app.routes.middleware import session_middleware
from app.routes.templating import remembered_url_for, template_globals
from app.services import housekeeping, push, schema
from app.services.walkins import expire_waiting_job as expire_walk_ins
from app.settings import Settings, get_settings

HERE = Path(__file__).parent
CSRF_COOKIE = "gp_csrf"


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html", "xml", "svg"]),
        extensions=["jinja2.ext.i18n"],
        auto_reload=False,  # templates change only with a deploy; no file check on every render
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(template_globals())  # with quicker _, gettext and ngettext of the same behaviour
    return env


PERIODIC_JOBS = [housekeeping.purge_expired, expire_walk_ins]
PERIODIC_SECONDS = 30


def create_app(settings: Settings | None = None, *, check_schema: bool = True) -> Litestar:
    settings = settings or get_settings()
    templates = make_environment()
    template_engine = JinjaTemplateEngine.from_environment(templates)
    template_engine.register_template_callable("url_for", remembered_url_for())

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await db.start(settings)
        if check_schema:
            await schema.check()  # refuse to serve a database without our tables
        ticker = asyncio.create_task(periodic.run_forever(PERIODIC_JOBS, PERIODIC_SECONDS))
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
            await db.stop()

    return Litestar(
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
            *lobby.HANDLERS,
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
        middleware=[session_middleware],
        exception_handlers=HANDLERS,  # type: ignore[arg-type]
        plugins=[HTMXPlugin()],
        # Guards' phones are often on poor signal: text and the QR decoder's wasm (1.1 MB, 0.46 MB
        # gzipped) travel compressed. Level 6 costs a third of level 9's time for nearly its size.
        compression_config=CompressionConfig(backend="gzip", minimum_size=1024, gzip_compress_level=6),
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


def app_from_env() -> Litestar:
    """For ``uvicorn app.asgi:app_from_env --factory``."""
    logging.basicConfig(level=get_settings().log_level.upper())
    return create_app()
