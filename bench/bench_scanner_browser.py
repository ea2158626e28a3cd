"""The gate's scanner in Chromium with a fake camera, on a phone four times slower than this
machine (CDP ``Emulation.setCPUThrottlingRate``): is the page still quick to answer a tap while
the camera runs, and how long from a QR in view to the verdict on screen?

Budgets (docs/architecture.md, "Budgets", and the scanner's issue): no task over 50 ms on the page's
main thread while scanning; a tap on "Admit" or "Scan next" painted within 100 ms; QR in view to
verdict on screen under 500 ms.

Figures, each beside a floor measured in the same run on the same throttled page with the
camera refused (so nothing is decoded):
- long tasks: tasks over 50 ms on the main thread (a PerformanceObserver for "longtask" added by
  this script, not by the app) during 10 s of scanning a scene with no code in it; count and
  longest. Floor: the same 10 s on the page without a camera.
- tap -> next paint: from the touch (the pointerdown's time stamp) to the first frame after the
  click's handlers ran (a requestAnimationFrame, then a message: the frame has been produced),
  for "Admit" and "Scan next" with the camera running behind the verdict, and for the pass-link
  field while the camera scans. Floor: the same taps on the page without a camera.
- QR in view -> verdict on screen: the camera films a blank page, then the pass. Every frame
  carries its index in eight small squares in its top-left corner (outside the part of the
  frame the scanner's view shows), so the moment the first QR frame was shown is known even when the page's main thread
  was too busy to look at every frame. The verdict counts once it is painted. Floor: the pass
  typed into the field, from the tap on "Check code" to the verdict on screen (verify + swap).
  Each load uses the same pass; the bench lets its guest out again between loads.

CDP throttles only a page's main thread: Chromium refuses it for workers ("only supported for
pages, not workers"). So where the served app decodes in a worker, two more runs keep the
comparison fair: "worker slowed 4x" stretches each of the worker's reads to four times the time
it took (a shim this script puts in front of the reader's file), and "no Worker" removes
``Worker`` before the page loads, so the scanner falls back to decoding on the page's main thread.

    .venv/bin/python bench/bench_scanner_browser.py [--samples 6] [--throttle 4] [--root DIR]

``--root`` serves another checkout with this script, e.g. main's code for the figures before a
change: ``git worktree add /tmp/gatepost-main main`` (or ``git archive main | tar -x -C DIR``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_scan import Served  # noqa: E402

WIDTH, HEIGHT, FPS = 1280, 720, 30
BLANK_FRAMES = 4 * FPS  # time enough for the throttled page to start its camera and decoder
QR_FRAMES = 2 * FPS
SCENE_FRAMES = FPS  # a second of a busy scene with no code, looped by the fake camera
SCAN_SECONDS = 10
TAPS = 5
LONG_TASK_MS = 50
TAP_BUDGET_MS = 100
VERDICT_BUDGET_MS = 500
WORKER_FILE = "app/static/js/qr-reader.js"

WATCH = """
(() => {
  const FPS = %(fps)d, BLANK = %(blank)d, QR = %(qr)d, WATCH_FRAMES = %(frames)s;
  const bench = window.__bench = {qrAt: null, runningAt: null, settledAt: null, verdictAt: null, longtasks: [], taps: [], reads: []};
  if (window.Worker) {  // the reader's answers, where READ_TIMER says how long each read took
    const Native = window.Worker;
    window.Worker = function (...args) {
      const worker = new Native(...args);
      worker.addEventListener("message", (event) => { if (event.data && event.data.took) bench.reads.push([performance.now(), event.data.took]); });
      return worker;
    };
  }
  const afterPaint = (done) => requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => done(performance.now());
    channel.port2.postMessage(null);
  });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) bench.longtasks.push([e.startTime, e.duration]);
  }).observe({type: "longtask", buffered: true});
  addEventListener("pointerdown", (event) => {
    const tap = {down: event.timeStamp, paint: null};
    bench.taps.push(tap);
    addEventListener("click", () => afterPaint((t) => { tap.paint = t; }), {once: true, capture: true});
  }, true);
  // Reads the index of each frame shown until the first QR frame: a copy of the corner's pixels
  // only (VideoFrame.copyTo), as converting whole frames would load the main thread measured.
  function watchVideo(video) {
    let buffer = null;
    async function onFrame(now, meta) {
      const frame = new VideoFrame(video);
      try {
        const rect = {x: 0, y: 0, width: 128, height: 16};
        buffer = buffer || new Uint8Array(frame.allocationSize({rect}));
        const [luma] = await frame.copyTo(buffer, {rect});
        let index = 0;
        for (let bit = 0; bit < 8; bit++) {
          if (buffer[luma.offset + 8 * luma.stride + bit * 16 + 8] < 128) index |= 1 << bit;
        }
        if (index >= BLANK && index < BLANK + QR) {
          bench.qrAt = (meta.expectedDisplayTime || now) - (index - BLANK) * 1000 / FPS;
          return;
        }
      } finally {
        frame.close();
      }
      video.requestVideoFrameCallback(onFrame);
    }
    video.requestVideoFrameCallback(onFrame);
  }
  new MutationObserver(() => {
    const video = document.querySelector("video[data-scanner-video]");
    if (WATCH_FRAMES && video && !video.__watched) { video.__watched = true; watchVideo(video); }
    if (bench.settledAt === null && document.querySelector("[data-scanner-state]")) bench.settledAt = performance.now();
    if (bench.runningAt === null && document.querySelector('[data-scanner-state="running"]')) {
      bench.runningAt = performance.now();
    }
    if (bench.verdictAt === null && document.querySelector("#verdict [data-verdict]")) {
      bench.verdictAt = -1;
      afterPaint((t) => { bench.verdictAt = t; });
    }
  }).observe(document, {childList: true, subtree: true, attributes: true, attributeFilter: ["data-scanner-state"]});
})();
"""

NO_WORKER = "delete window.Worker;"

# Put in front of the reader's file when it runs as a worker: each answer to a read says how long
# the read took ("took", in ms), and at RATE > 1 first waits until RATE times that, as if the
# worker ran RATE times slower. (Its start, mostly fetching the wasm, is left alone: the figures
# are about scanning, not about opening the page.)
READ_TIMER = """if (typeof WorkerGlobalScope !== "undefined") (() => {
  const rate = %(rate)s;
  let began = performance.now();
  self.addEventListener("message", () => { began = performance.now(); });
  const post = self.postMessage.bind(self);
  self.postMessage = (message, transfer) => {
    if (message && message.type === "read") {
      const until = performance.now() + (performance.now() - began) * (rate - 1);
      while (performance.now() < until) { /* the slower phone */ }
      message = {...message, took: performance.now() - began};
    }
    post(message, transfer);
  };
})();
"""


# The camera's videos --------------------------------------------------------------------------


def with_index(plane: bytearray, index: int) -> bytes:
    """The frame's index in eight 16x16 squares at the top-left corner (dark = 1)."""
    for bit in range(8):
        value = b"\x10" if index >> bit & 1 else b"\xff"
        for y in range(16):
            start = y * WIDTH + bit * 16
            plane[start:start + 16] = value * 16
    return bytes(plane)


def qr_plane(token: str) -> bytearray:
    import segno

    matrix = segno.make(token, error="m", micro=False).matrix
    modules = len(matrix) + 8  # with the quiet zone
    scale = (HEIGHT * 2 // 3) // modules
    size = modules * scale
    plane = bytearray(b"\xff" * (WIDTH * HEIGHT))
    top, left = (HEIGHT - size) // 2, (WIDTH - size) // 2
    for r, row in enumerate(matrix):
        line = bytearray()
        for dark in row:
            line += (b"\x10" if dark else b"\xff") * scale
        for dy in range(scale):
            start = (top + (r + 4) * scale + dy) * WIDTH + left + 4 * scale
            plane[start:start + len(line)] = line
    return plane


def scene_planes() -> list[bytes]:
    """A busy scene with no code: blocks of grey like a desk and papers, a little sensor noise,
    drifting a few pixels a frame as a hand-held phone does."""
    rng = random.Random(21)
    block = 40
    cols, rows = WIDTH // block + 4, HEIGHT // block
    grid = [bytes(rng.randrange(40, 230) for _ in range(cols)) for _ in range(rows)]
    wide = [b"".join(bytes([v]) * block for v in row) for row in grid]
    noise = bytes(rng.randrange(0, 24) for _ in range(WIDTH * 8))
    planes = []
    for f in range(SCENE_FRAMES):
        shift = (f * 3) % (block * 4)
        plane = bytearray()
        for y in range(HEIGHT):
            line = bytearray(wide[y // block][shift:shift + WIDTH])
            n = noise[(y % 8) * WIDTH:(y % 8 + 1) * WIDTH]
            plane += bytes(min(255, a + b) for a, b in zip(line, n)) if y % 8 == f % 8 else line
        planes.append(bytes(plane))
    return planes


def write_y4m(path: Path, planes) -> Path:
    chroma = b"\x80" * ((WIDTH // 2) * (HEIGHT // 2) * 2)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for plane in planes:
            out.write(b"FRAME\n" + plane + chroma)
    return path


def pass_video(path: Path, token: str) -> Path:
    blank, qr = bytearray(b"\xff" * (WIDTH * HEIGHT)), qr_plane(token)
    return write_y4m(path, (with_index(blank if i < BLANK_FRAMES else qr, i) for i in range(BLANK_FRAMES + QR_FRAMES)))


# The browser ----------------------------------------------------------------------------------


class Bench:
    def __init__(self, pw, base: str, data: dict, db: Path, throttle: float, has_worker: bool):
        self.pw, self.base, self.data, self.db, self.throttle = pw, base, data, db, throttle
        self.has_worker = has_worker
        self.gate = f"/e/{data['slug']}/gate"

    def browser(self, video: Path | None):
        from e2e.conftest import CHROMIUM_ARGS, CHROMIUM_DESKTOP

        args = [*CHROMIUM_ARGS, "--use-fake-device-for-media-stream"]
        if video is not None:  # without one the camera is refused
            args += ["--use-fake-ui-for-media-stream", f"--use-file-for-fake-video-capture={video}"]
        return self.pw.chromium.launch(executable_path=CHROMIUM_DESKTOP, headless=True, args=args)

    def page(self, browser, variant: str, *, frames: bool = False):
        # No service worker: the bench's shim must see the worker's file, and every load is alike.
        context = browser.new_context(base_url=self.base, viewport={"width": 390, "height": 844},
                                      service_workers="block")
        context.add_cookies([{"name": "gp_session", "value": self.data["session"], "url": self.base},
                             {"name": "gp_lang", "value": "en", "url": self.base}])
        context.add_init_script(WATCH % {"fps": FPS, "blank": BLANK_FRAMES, "qr": QR_FRAMES,
                                         "frames": "true" if frames else "false"})
        if variant == "no Worker":
            context.add_init_script(NO_WORKER)
        if self.has_worker and variant != "no Worker":
            rate = self.throttle if variant.startswith("worker slowed") else 1

            def timed(route):
                original = route.fetch()
                route.fulfill(response=original, body=READ_TIMER % {"rate": rate} + original.text())
            context.route("**/static/js/qr-reader.js*", timed)
        page = context.new_page()
        page.set_default_timeout(30_000)
        context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": self.throttle})
        return page

    def put_pass_back(self) -> None:
        """The guest leaves again (a pass of many entries: each visit has its entry number)."""
        with sqlite3.connect(self.db) as db:
            db.execute("UPDATE visitor_pass SET inside = 0, max_entries = NULL")
            db.execute("UPDATE visit SET exited_at = entered_at WHERE exited_at IS NULL")

    @staticmethod
    def marks(page) -> dict:
        return page.evaluate("window.__bench")

    @staticmethod
    def until(page, expression: str) -> None:
        """Polls from here: the page's CSP forbids the eval behind wait_for_function."""
        deadline = time.monotonic() + 30
        while not page.evaluate(expression):
            if time.monotonic() > deadline:
                raise TimeoutError(expression)
            time.sleep(0.02)

    def tap(self, page, locator) -> float:
        before = len(self.marks(page)["taps"])
        locator.click()
        self.until(page, f"window.__bench.taps.length > {before} && window.__bench.taps.at(-1).paint !== null")
        tap = self.marks(page)["taps"][-1]
        return tap["paint"] - tap["down"]

    def scanning(self, page) -> dict:
        """10 s on the scanner page (scanning, or idle without a camera), then taps on the field."""
        page.goto(self.gate)
        page.wait_for_selector("[data-scanner-state]", state="attached")
        page.wait_for_timeout(SCAN_SECONDS * 1000 + 500)
        marks = self.marks(page)
        start = marks["settledAt"]  # running, or showing why not
        tasks = [d for t, d in marks["longtasks"] if start <= t < start + SCAN_SECONDS * 1000]
        taps = []
        field = page.locator("#token")
        for _ in range(TAPS):
            taps.append(self.tap(page, field))
            page.evaluate("document.activeElement.blur()")  # so that the next tap focuses it anew
            page.wait_for_timeout(700)
        reads = [took for t, took in marks["reads"] if start <= t < start + SCAN_SECONDS * 1000]
        return {"tasks": tasks, "taps": taps, "reads": reads}

    def scans(self, page, samples: int) -> dict:
        """Loads of the page filming blank then the pass: QR -> verdict, then Admit, Scan next."""
        verdicts, admits, nexts, skipped = [], [], [], 0
        decoder = ""
        for n in range(samples + 1):  # the first load warms the caches: not counted
            self.put_pass_back()
            page.goto(self.gate)
            page.wait_for_selector('#verdict [data-verdict="valid"]', timeout=30_000)
            self.until(page, "window.__bench.verdictAt > 0")
            marks = self.marks(page)
            scanner = page.locator("[data-scanner]")
            decoder = " ".join(filter(None, [scanner.get_attribute("data-decoder"),
                                             scanner.get_attribute("data-decoder-in")]))
            admit = self.tap(page, page.locator("#verdict [data-admit]"))
            page.wait_for_selector('#verdict [data-verdict="admitted"]')
            scan_next = self.tap(page, page.locator("#verdict [data-scan-next]"))
            if n == 0:
                continue
            admits.append(admit)
            nexts.append(scan_next)
            if marks["qrAt"] is None:
                raise RuntimeError("the video's frame index was not read: is the fake camera's frame not I420?")
            if marks["runningAt"] is None or marks["runningAt"] > marks["qrAt"]:
                skipped += 1  # the scanner was not running yet when the pass came into view
            else:
                verdicts.append(marks["verdictAt"] - marks["qrAt"])
        return {"verdicts": verdicts, "admits": admits, "nexts": nexts, "skipped": skipped, "decoder": decoder}

    def floor(self, page, samples: int) -> dict:
        """The page with the camera refused: idle 10 s, taps on the field, then the pass typed."""
        idle = self.scanning(page)
        verdicts, admits, nexts = [], [], []
        for _ in range(samples):
            self.put_pass_back()
            page.evaluate("window.__bench.verdictAt = null")
            page.locator("#token").fill(self.data["tokens"][0])
            self.tap(page, page.locator("#manual-entry button[type=submit]"))
            page.wait_for_selector('#verdict [data-verdict="valid"]')
            self.until(page, "window.__bench.verdictAt > 0")
            marks = self.marks(page)
            verdicts.append(marks["verdictAt"] - marks["taps"][-1]["down"])
            admits.append(self.tap(page, page.locator("#verdict [data-admit]")))
            page.wait_for_selector('#verdict [data-verdict="admitted"]')
            nexts.append(self.tap(page, page.locator("#verdict [data-scan-next]")))
            page.wait_for_selector("#verdict [data-verdict]", state="detached")
        return {**idle, "verdicts": verdicts, "admits": admits, "nexts": nexts}


# Output ---------------------------------------------------------------------------------------


def spread(values: list[float]) -> str:
    if not values:
        return "no sample"
    return f"median {statistics.median(values):.0f} ms, max {max(values):.0f} ms (n={len(values)})"


def verdict_of(values: list[float], budget: float) -> str:
    return "" if not values else ("  meets" if max(values) < budget else "  MISSES")


def report(variant: str, scan: dict, scene: dict, floor: dict) -> None:
    print(f"\n{variant}: decoder {scan['decoder'] or '?'}")
    tasks, floor_tasks = scene["tasks"], floor["tasks"]
    print(f"  long tasks > {LONG_TASK_MS} ms in {SCAN_SECONDS} s of scanning: {len(tasks)}, longest "
          f"{max(tasks, default=0):.0f} ms{'  meets' if not tasks else '  MISSES'} (target 0)   "
          f"| floor, no camera: {len(floor_tasks)}, longest {max(floor_tasks, default=0):.0f} ms")
    rows = (("tap Admit -> paint", scan["admits"], floor["admits"]),
            ("tap Scan next -> paint", scan["nexts"], floor["nexts"]),
            ("tap the field while scanning -> paint", scene["taps"], floor["taps"]))
    for name, values, floor_values in rows:
        print(f"  {name}: {spread(values)}{verdict_of(values, TAP_BUDGET_MS)} (budget {TAP_BUDGET_MS} ms)   "
              f"| floor: {spread(floor_values)}")
    skipped = f", {scan['skipped']} loads not counted: the scanner started after the pass came into view" \
        if scan["skipped"] else ""
    if scene["reads"]:
        reads = sorted(scene["reads"])
        print(f"  reads in the worker while scanning: {len(reads)} in {SCAN_SECONDS} s, median "
              f"{statistics.median(reads):.0f} ms, p90 {reads[int(len(reads) * 0.9)]:.0f} ms each")
    print(f"  QR in view -> verdict on screen: {spread(scan['verdicts'])}"
          f"{verdict_of(scan['verdicts'], VERDICT_BUDGET_MS)} (budget {VERDICT_BUDGET_MS} ms){skipped}   "
          f"| floor, code typed -> verdict: {spread(floor['verdicts'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=6)
    parser.add_argument("--throttle", type=float, default=4.0)
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to serve (default: this one)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    root = args.root.resolve()
    tmp = Path(tempfile.mkdtemp(prefix="gatepost-bench-browser-"))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PORT", "HOST", "PUBLIC_URL"}}
    env.update({"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite", "GATEPOST_VAR_DIR": str(tmp),
                "RATE_LIMIT_PER_MINUTE": "1000000", "LOG_LEVEL": "warning", "PYTHONPATH": str(root)})
    subprocess.run([sys.executable, str(root / "bench" / "bench_scan.py"), "--setup", "1", str(tmp / "setup.json")],
                   cwd=root, env=env, check=True, capture_output=True)
    data = json.loads((tmp / "setup.json").read_text())
    scan_video = pass_video(tmp / "pass.y4m", data["tokens"][0])
    scene_video = write_y4m(tmp / "scene.y4m", scene_planes())
    has_worker = (root / WORKER_FILE).exists()
    variants = ["as served"] + ([f"worker slowed {args.throttle:g}x", "no Worker"] if has_worker else [])

    server = Served([sys.executable, "-m", "app", "serve"], env, tmp, "app", cwd=root)
    try:
        with sync_playwright() as pw:
            bench = Bench(pw, f"http://localhost:{server.port}", data, tmp / "bench.sqlite", args.throttle, has_worker)
            print(f"\nscanner of {root} in headless Chromium, CPU throttled {args.throttle:g}x, "
                  f"fake camera {WIDTH}x{HEIGHT} @ {FPS} fps")
            refused = bench.browser(None)
            try:
                floor = bench.floor(bench.page(refused, "as served"), args.samples)
            finally:
                refused.close()
            for variant in variants:
                filming = bench.browser(scan_video)
                try:
                    scan = bench.scans(bench.page(filming, variant, frames=True), args.samples)
                finally:
                    filming.close()
                scene_camera = bench.browser(scene_video)
                try:
                    scene = bench.scanning(bench.page(scene_camera, variant))
                finally:
                    scene_camera.close()
                report(variant, scan, scene, floor)
    finally:
        server.stop()
        for video in (scan_video, scene_video):
            video.unlink(missing_ok=True)
    print(f"\nload average now {os.getloadavg()[0]:.1f} (on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
