"""The installable app: a manifest a phone accepts, a service worker that controls the page,
and an offline page instead of the browser's error when there is no signal."""

from __future__ import annotations

import struct

from playwright.sync_api import expect

from e2e.pages import EN, ZH, OfflinePage, SignInPage, enrol, t

# Resolves once a service worker controls the page (clients.claim() on activate).
CONTROLLED = """async () => {
  await navigator.serviceWorker.ready;
  if (!navigator.serviceWorker.controller) {
    await new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve, {once: true}));
  }
  return navigator.serviceWorker.controller.scriptURL;
}"""


# Every URL path in the service worker's caches.
CACHED_PATHS = """async () => {
  const paths = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) paths.push(new URL(request.url).pathname);
  }
  return paths;
}"""


def png_size(body: bytes) -> tuple[int, int]:
    assert body[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", body[16:24])


def test_manifest_makes_the_app_installable(page):
    response = page.request.get("/manifest.webmanifest")
    assert response.ok
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["name"] and manifest["short_name"]
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"].startswith("#")
    assert manifest["start_url"].startswith("/")

    sizes = {(icon["sizes"], purpose) for icon in manifest["icons"] for purpose in icon.get("purpose", "any").split()}
    assert {("192x192", "any"), ("512x512", "any")} <= sizes
    assert any(purpose == "maskable" for _, purpose in sizes)
    for icon in manifest["icons"]:
        got = page.request.get(icon["src"])
        assert got.ok, icon["src"]
        width, height = png_size(got.body())
        assert f"{width}x{height}" == icon["sizes"], icon["src"]


def test_service_worker_controls_the_page_and_offline_shows_the_offline_page(phone):
    page = phone.page
    SignInPage(page).goto()
    script_url = page.evaluate(CONTROLLED)
    assert script_url.endswith("/sw.js")

    phone.context.set_offline(True)
    try:
        page.goto("/account")
        offline = OfflinePage(page)
        # The page speaks both languages: it is cached once for everyone.
        expect(offline.heading(EN)).to_be_visible()
        expect(offline.heading(ZH)).to_be_visible()
        page.get_by_role("link", name="Try again").click()
        expect(offline.heading(EN)).to_be_visible()
    finally:
        phone.context.set_offline(False)

    page.goto("/signin")
    expect(SignInPage(page).heading()).to_be_visible()


def test_a_page_with_phone_numbers_in_full_is_never_kept_on_the_phone(new_phone, enrol_link):
    """The front desk's new-person form shows what is typed in full: sent back with a phone in
    it, it is ``no-store``, neither in the service worker's caches nor shown from them when the
    signal goes. (The blank form shows nothing personal.)"""
    desk = new_phone("en-US")
    enrol(desk.page, enrol_link("Chen Jing"), "Chen Jing").ensure_language(EN)
    desk.page.evaluate(CONTROLLED)
    form = "/e/harbour-view/people/new"
    desk.page.goto(form)
    desk.page.get_by_label(t(EN, "Phone (optional)")).fill("13912345678")
    with desk.page.expect_response(lambda r: r.request.method == "POST") as answer:
        desk.page.get_by_role("button", name=t(EN, "Add"), exact=True).click()  # no name: the form comes back
    assert answer.value.status == 422 and answer.value.headers["cache-control"] == "no-store"
    expect(desk.page.get_by_label(t(EN, "Phone (optional)"))).to_have_value("13912345678")

    cached = desk.page.evaluate(CACHED_PATHS)
    assert "/offline" in cached and form not in cached
    desk.context.set_offline(True)
    try:
        desk.page.goto(form)
        expect(OfflinePage(desk.page).heading(EN)).to_be_visible()
    finally:
        desk.context.set_offline(False)
