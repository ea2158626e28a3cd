"""The installable app: web manifest, the service worker at the root scope, the offline page."""

from __future__ import annotations

from litestar import Response, get
from litestar.response import Template

from app.routes.access import PUBLIC
from app.routes.templating import static_files, static_url, static_version
from app.settings import get_settings

THEME = "#0b3954"

OFFLINE_URL = "/offline"


@get("/manifest.webmanifest", name="manifest", opt={"roles": PUBLIC}, include_in_schema=False)
async def manifest() -> Response:
    body = {
        "name": "Gatepost 门岗通",
        "short_name": "Gatepost",
        "description": "Gate, patrol and front-desk work of residential estates",
        "lang": "zh-Hans",
        "start_url": "/?source=pwa",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": THEME,
        "icons": [
            {"src": static_url("icons/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": static_url("icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": static_url("icons/maskable-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "maskable"},
            {"src": static_url("icons/maskable-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        ],
    }
    return Response(body, media_type="application/manifest+json", headers={"cache-control": "no-cache"})


# Fetched only by phones that scan and have no QR reader of their own: kept by the worker when
# they are first loaded (the wasm alone is 447 KB compressed), never precached on every phone.
SCANNER_ONLY = ("vendor/barcode-detector-", "vendor/zxing-wasm-", "vendor/noble-ed25519-")


@get("/sw.js", name="service_worker", opt={"roles": PUBLIC}, include_in_schema=False)
async def service_worker() -> Template:
    """Versioned by the digest of the static files and the release name: any change installs a
    new worker and cache."""
    precache = [OFFLINE_URL] + [static_url(p) for p in static_files() if not p.startswith(SCANNER_ONLY)]
    release = get_settings().release
    version = f"{static_version()}-{release}" if release else static_version()
    return Template(
        "pwa/sw.js",
        context={"version": version, "precache": precache, "offline_url": OFFLINE_URL},
        media_type="text/javascript",
        headers={"cache-control": "no-cache", "service-worker-allowed": "/"},
    )


@get(OFFLINE_URL, name="offline", opt={"roles": PUBLIC}, include_in_schema=False)
async def offline() -> Template:
    return Template("pwa/offline.html")


HANDLERS = [manifest, service_worker, offline]
