"""The scanner opened cold with no signal: a guard's phone that used the app once online starts
it again in a basement. How long from opening the app to the camera ready, and from a QR in
view to the offline verdict on screen?

Issue 15 ("Performance"): cold start of the scanner page offline, in ms from opening the app to
camera ready, and the time from QR in view to an offline verdict.

How it is measured (Chromium, headless, its fake camera filming a video; the page's CPU slowed
``--throttle`` times, a phone slower than this machine, as in ``bench_scanner_browser.py``):
- Once online, with a profile of its own on disk: the guard opens the scanner, the service worker
  takes control, the page is opened again through it (kept for offline use), the gate's list of
  passes is kept, and a pass is scanned online (the QR decoder is kept by the worker as it
  loads). The browser is closed.
- Then, ``--samples`` times: Chromium is started afresh on that profile (a cold start: no
  process, no memory cache, only what is on disk), the network switched off before anything is
  opened, and the scanner's address opened, as from the home screen. The service worker serves
  the kept page, its files and the decoder. Figures, each a median over the samples:
  - opening -> camera ready: from the navigation's start (the page's time origin) to the scanner
    saying it runs (``data-scanner-state="running"``); and from launching the browser, as a
    phone's cold start of the app would include;
  - QR in view -> offline verdict on screen: the camera films a blank page, then the pass, each
    frame carrying its index in its corner (``bench_scanner_browser.WATCH``), so the moment the
    pass came into view is known; the verdict counts once painted, and must say it was checked
    offline and be "valid".
- Floors, in the same run: the camera alone: a bare page of the same origin (routed by this
  script, no app, no service worker) calling getUserMedia, from its navigation to the first
  video frame; and the verdict with no camera: the code typed into the offline page and "Check
  code" tapped, from the tap to the offline verdict painted.

    .venv/bin/python bench/bench_scanner_offline.py [--samples 4] [--throttle 4]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_scan import APP_COMMAND, Served, fresh_database, server_env  # noqa: E402
from bench.bench_scanner_browser import BLANK_FRAMES, FPS, QR_FRAMES, WATCH, pass_video  # noqa: E402

CONTROLLED = """async () => {
  await navigator.serviceWorker.ready;
  if (!navigator.serviceWorker.controller) {
    await new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve, {once: true}));
  }
  return navigator.serviceWorker.controller.scriptURL;
}"""

FLOOR_PAGE = """<!doctype html><meta charset="utf-8"><title>camera</title><video playsinline muted></video>
<script>
window.__floor = {ready: null};
navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false}).then((stream) => {
  const video = document.querySelector("video");
  video.srcObject = stream;
  video.requestVideoFrameCallback(() => { window.__floor.ready = performance.now(); });
  return video.play();
});
</script>"""


def _args(video: Path) -> list[str]:
    from e2e.conftest import CHROMIUM_ARGS

    return [*CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}"]


def _until(page, expression: str, timeout: float = 60) -> None:
    """Polls from here: the page's CSP forbids the eval behind wait_for_function."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(expression)
        time.sleep(0.02)


def _launch(pw, profile: Path, base: str, video: Path, data: dict | None, *, frames: bool):
    from e2e.conftest import CHROMIUM_DESKTOP

    context = pw.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM_DESKTOP, headless=True, args=_args(video), base_url=base,
        viewport={"width": 390, "height": 844}, service_workers="allow")
    if data is not None:
        context.add_cookies([{"name": "gp_session", "value": data["session"], "url": base},
                             {"name": "gp_lang", "value": "en", "url": base}])
    context.add_init_script(WATCH % {"fps": FPS, "blank": BLANK_FRAMES, "qr": QR_FRAMES,
                                     "frames": "true" if frames else "false"})
    page = context.pages[0] if context.pages else context.new_page()
    page.set_default_timeout(60_000)
    return context, page


def first_visit(pw, profile: Path, base: str, video: Path, data: dict) -> str:
    """Online: the worker in control, the page kept, the list kept, a pass scanned."""
    context, page = _launch(pw, profile, base, video, data, frames=False)
    try:
        gate = f"/e/{data['slug']}/gate"
        page.goto(gate)
        page.evaluate(CONTROLLED)
        page.goto(gate)  # through the worker: kept
        page.locator("[data-offline-list-age]").filter(has_text=":").wait_for()
        page.locator('#verdict [data-verdict="valid"]').wait_for(timeout=60_000)  # the decoder loaded, kept
        scanner = page.locator("[data-scanner]")
        return " ".join(filter(None, [scanner.get_attribute("data-decoder"), scanner.get_attribute("data-decoder-in")]))
    finally:
        context.close()


def cold_start(pw, profile: Path, base: str, video: Path, data: dict, throttle: float, *, typed: bool) -> dict:
    launched = time.time() * 1000
    context, page = _launch(pw, profile, base, video, None, frames=True)
    try:
        context.set_offline(True)
        context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": throttle})
        page.goto(f"/e/{data['slug']}/gate")
        _until(page, "window.__bench.verdictAt > 0")
        marks = page.evaluate("window.__bench")
        origin = page.evaluate("performance.timeOrigin")
        verdict = page.locator("#verdict [data-verdict]")
        if verdict.get_attribute("data-verdict") != "valid" or verdict.get_attribute("data-offline-verdict") is None:
            raise RuntimeError(f"not an offline 'valid' verdict: {verdict.inner_text()}")
        # Not counted: a load whose frame index was not read (the watcher's copy of a frame failed
        # on a busy machine), or where the pass was in view before the camera ran.
        counted = marks["qrAt"] is not None and marks["runningAt"] < marks["qrAt"]
        result = {"ready": marks["runningAt"], "from_launch": origin + marks["runningAt"] - launched,
                  "verdict": marks["verdictAt"] - marks["qrAt"] if counted else None}
        if typed:  # the floor: the code typed, "Check code" tapped
            page.evaluate("""() => { document.getElementById("verdict").innerHTML = "";
                                     window.__bench.verdictAt = null; }""")
            page.locator("#token").fill(data["tokens"][0])
            page.locator("#manual-entry button[type=submit]").click()
            _until(page, "window.__bench.verdictAt > 0 && window.__bench.taps.length > 0")
            marks = page.evaluate("window.__bench")
            if page.locator("#verdict [data-offline-verdict]").count() != 1:
                raise RuntimeError("the typed code was not judged offline")
            result["typed"] = marks["verdictAt"] - marks["taps"][-1]["down"]
        return result
    finally:
        context.close()


def camera_floor(pw, base: str, video: Path, throttle: float) -> float:
    from e2e.conftest import CHROMIUM_DESKTOP

    browser = pw.chromium.launch(executable_path=CHROMIUM_DESKTOP, headless=True, args=_args(video))
    try:
        context = browser.new_context(base_url=base, viewport={"width": 390, "height": 844}, service_workers="block")
        context.route("**/bench-camera-floor", lambda route: route.fulfill(body=FLOOR_PAGE, content_type="text/html"))
        page = context.new_page()
        context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": throttle})
        page.goto("/bench-camera-floor")
        _until(page, "window.__floor.ready !== null")
        return page.evaluate("window.__floor.ready")
    finally:
        browser.close()


def spread(values: list[float]) -> str:
    if not values:
        return "no sample"
    return f"median {statistics.median(values):.0f} ms, max {max(values):.0f} ms (n={len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--throttle", type=float, default=4.0)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="gatepost-bench-offline-scanner-"))
    url, _ = fresh_database("sqlite", tmp)
    env = server_env(url, tmp)
    setup = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_scan.py"), "--setup", "1", str(tmp / "setup.json")],
                           cwd=ROOT, env=env, capture_output=True, text=True)
    if setup.returncode != 0:
        raise RuntimeError(f"setting up the database failed:\n{setup.stdout}{setup.stderr}")
    data = json.loads((tmp / "setup.json").read_text())
    video = pass_video(tmp / "pass.y4m", data["tokens"][0])
    profile = tmp / "profile"
    load_before = os.getloadavg()[0]
    server = Served(APP_COMMAND, env, tmp, "app")
    try:
        base = f"http://localhost:{server.port}"
        with sync_playwright() as pw:
            decoder = first_visit(pw, profile, base, video, data)
            samples = [cold_start(pw, profile, base, video, data, args.throttle, typed=n == args.samples - 1)
                       for n in range(args.samples)]
            floor = [camera_floor(pw, base, video, args.throttle) for _ in range(2)]
    finally:
        server.stop()
        video.unlink(missing_ok=True)
        shutil.rmtree(profile, ignore_errors=True)

    verdicts = [s["verdict"] for s in samples if s["verdict"] is not None]
    print(f"\nthe scanner opened cold with no signal: Chromium started afresh on a profile that used the app once "
          f"online, CPU throttled {args.throttle:g}x, fake camera; decoder {decoder or '?'} "
          f"(load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after)")
    print(f"  opening the scanner -> camera ready: {spread([s['ready'] for s in samples])}; from launching the "
          f"browser: {spread([s['from_launch'] for s in samples])}   | floor, a bare page opening the same camera "
          f"(no app): {spread(floor)}")
    skipped = len(samples) - len(verdicts)
    print(f"  QR in view -> offline verdict on screen: {spread(verdicts)}"
          + (f" ({skipped} not counted: the pass in view before the camera ran, or its frame not read)" if skipped else "")
          + f"   | floor, the code typed, tap -> offline verdict: {spread([s['typed'] for s in samples if 'typed' in s])}")


if __name__ == "__main__":
    main()
