"""The gate guard scans a guest's pass with the phone's camera, admits them, the household sees
the arrival, the guest leaves, and the same pass is then refused as used up. When the camera
is refused, the guard types the code instead. The scanner decodes in a worker, and on the page
itself when the worker cannot start. On a small phone the gate picker shows whole gate names."""

from __future__ import annotations

import secrets
from pathlib import Path

from playwright.sync_api import Browser, expect

from e2e.conftest import open_phone
from e2e.gate_support import GatePage, camera_browser, guard_phone, invite, qr_video
from e2e.pages import EN, ZH, enrol, t

ESTATE = "harbour-view"


def test_guard_scans_admits_and_lets_out_a_guest_then_the_pass_is_used_up(browser: Browser, new_phone, enrol_link, base_url, tmp_path: Path):
    guest = f"Zhang Wei {secrets.token_hex(2)}"
    resident, detail, qr, _ = invite(new_phone, enrol_link, guest)
    video = qr_video(tmp_path / "pass.y4m", qr)

    shared = browser
    with camera_browser(shared, video) as browser:
        guard = open_phone(browser, base_url)
        try:
            home = enrol(guard.page, enrol_link("Li Qiang"), "Li Qiang")
            gate = GatePage.open_from_home(home.page)
            gate.expect_verdict("valid", "VALID")
            expect(gate.verdict).to_contain_text(guest)
            expect(gate.verdict).to_contain_text("5-2-1301")
            gate.admit()

            # The household sees the arrival on the invitation.
            resident.page.reload()
            expect(resident.page.get_by_text(t(EN, "Still inside"))).to_be_visible()
            expect(resident.page.locator(".visit-list")).to_contain_text("North Gate")

            # The guest leaves: the guard scans the pass again and records the exit.
            gate.scan_next()
            gate.expect_verdict("already_inside", "Already inside")
            gate.record_exit()
            gate.scan_next()
            gate.expect_verdict("used_up", "Used up")
            assert not guard.problems, guard.problems
        finally:
            guard.context.close()

    resident.page.reload()
    expect(resident.page.locator(".visit-list")).to_contain_text("Left")


def test_a_refused_camera_leaves_the_code_to_be_typed(browser: Browser, new_phone, enrol_link, base_url):
    guest = f"Li Na {secrets.token_hex(2)}"
    _, _, _, link = invite(new_phone, enrol_link, guest)

    shared = browser
    with camera_browser(shared, None, allow=False) as browser:
        guard = open_phone(browser, base_url)
        try:
            home = enrol(guard.page, enrol_link("Li Qiang"), "Li Qiang")
            gate = GatePage.open_from_home(home.page)
            expect(gate.problem("denied")).to_be_visible()
            expect(gate.problem("denied")).to_contain_text(t(EN, "The camera is not allowed."))
            expect(gate.manual_field()).to_be_focused()

            gate.type_code(link)  # read out by the guest from the message they were sent
            gate.expect_verdict("valid", "VALID")
            expect(gate.verdict).to_contain_text(guest)
            gate.admit()

            gate.scan_next()
            gate.type_code("NOT A PASS")
            gate.expect_verdict("unknown", "Unknown code")
            assert not guard.problems, guard.problems
        finally:
            guard.context.close()


WORKER_FILE_MISSING = """(() => {
  const RealWorker = window.Worker;
  window.Worker = function (url, options) { return new RealWorker("/static/js/no-such-reader.js", options); };
})()"""


def test_the_scanner_reads_in_a_worker_and_on_the_page_when_the_worker_cannot_start(browser: Browser, new_phone, enrol_link, base_url, tmp_path: Path):
    guest = f"Wu Lei {secrets.token_hex(2)}"
    _, _, qr, _ = invite(new_phone, enrol_link, guest)
    video = qr_video(tmp_path / "pass.y4m", qr)

    shared = browser
    with camera_browser(shared, video) as browser:
        # No service worker: the reader's file must come from the network, where the test refuses it.
        guard = guard_phone(browser, base_url, service_workers="block")
        try:
            home = enrol(guard.page, enrol_link("Li Qiang"), "Li Qiang")
            gate = GatePage.open_from_home(home.page)
            gate.expect_verdict("valid", "VALID")
            expect(gate.scanner).to_have_attribute("data-decoder-in", "worker")
            assert any("/static/js/qr-reader.js" in worker.url for worker in guard.page.workers)

            # The worker's file fails to load; the page then loads the same file for itself. The
            # worker is pointed at a file that is not there: a route could miss a worker's
            # request that Chromium answers from its cache.
            guard.page.add_init_script(WORKER_FILE_MISSING)
            guard.page.reload()
            gate.expect_verdict("valid", "VALID")
            expect(gate.verdict).to_contain_text(guest)
            expect(gate.scanner).to_have_attribute("data-decoder-in", "page")
            assert not guard.page.workers
            assert not guard.problems, guard.problems
        finally:
            guard.context.close()


# The width the picker needs to show its longest gate name whole: a copy of it, free to size itself.
NEEDED_WIDTH = """select => {
  const copy = select.cloneNode(true);
  copy.style.cssText = "position: absolute; visibility: hidden; flex: none; width: auto; max-width: none";
  select.parentNode.appendChild(copy);
  const needed = copy.offsetWidth;
  copy.remove();
  return needed;
}"""


def test_the_gate_picker_shows_whole_gate_names_on_a_small_phone_in_both_languages(new_phone, enrol_link):
    guard = new_phone("en-US")
    home = enrol(guard.page, enrol_link("Li Qiang"), "Li Qiang")
    gate = GatePage.open_from_home(home.page)
    try:
        for lang in (ZH, EN):
            gate.ensure_language(lang)
            picker = guard.page.get_by_label(t(lang, "Gate"), exact=True)
            expect(picker).to_contain_text("North Gate 北门")
            for width in (320, 390):
                guard.page.set_viewport_size({"width": width, "height": 700})
                box = picker.bounding_box()
                assert box is not None and box["width"] >= picker.evaluate(NEEDED_WIDTH), (lang, width, box)
                assert box["x"] + box["width"] <= width, (lang, width, box)
    finally:
        gate.ensure_language(EN)  # the guard's choice outlives the test; the next ones read English
