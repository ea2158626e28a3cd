"""The scanner in Chromium with a fake camera: QR in view to verdict on screen, and the
decoder's time per 1280x720 frame.

Budget (DESIGN section 9): under 500 ms from QR in view to verdict on screen.

How it is measured:
- The real server (``python -m app serve``) on a fresh SQLite database with a guard and a pass.
- The camera films a .y4m made here: 1.5 s of a blank white page, then the pass's QR (rendered
  with segno at error correction M, as the pass page renders it) centred in a 1280x720 frame.
- An init script (CDP, outside the page's CSP) watches the video element's frames
  (``requestVideoFrameCallback``) and notes the first frame that shows the QR (dark pixels in
  the middle), and a MutationObserver notes when the verdict element appears. The difference
  is the figure: decode + POST verify + swap. The page is reloaded for each sample (verifying
  writes nothing, so the same pass is valid every time).
- Decoder time: the same page's detector (wasm in headless Chromium, which has no native
  BarcodeDetector on Linux) run on a 1280x720 canvas holding a camera frame with the QR.

    .venv/bin/python bench/bench_scanner_browser.py [--samples 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_scan import Served  # noqa: E402

WIDTH, HEIGHT, FPS = 1280, 720, 30
BLANK_FRAMES = 45
QR_FRAMES = 90
BUDGET_MS = 500

WATCH = """
(() => {
  window.__bench = {qrAt: null, verdictAt: null};
  function watchVideo(video) {
    const canvas = document.createElement("canvas");
    canvas.width = 64; canvas.height = 36;
    const ctx = canvas.getContext("2d", {willReadFrequently: true});
    function onFrame(now, meta) {
      if (window.__bench.qrAt === null) {
        ctx.drawImage(video, 0, 0, 64, 36);
        const px = ctx.getImageData(16, 4, 32, 28).data;
        let dark = 0;
        for (let i = 0; i < px.length; i += 4) if (px[i] < 100) dark++;
        if (dark > 20) window.__bench.qrAt = meta.expectedDisplayTime || now;
        else video.requestVideoFrameCallback(onFrame);
      }
    }
    video.requestVideoFrameCallback(onFrame);
  }
  new MutationObserver(() => {
    const video = document.querySelector("video[data-scanner-video]");
    if (video && !video.__watched) { video.__watched = true; watchVideo(video); }
    if (window.__bench.verdictAt === null && document.querySelector("#verdict [data-verdict]")) {
      window.__bench.verdictAt = performance.now();
    }
  }).observe(document, {childList: true, subtree: true});
})();
"""

DECODE = """async ([decoderSrc, wasmSrc, rounds]) => {
  const video = document.querySelector("video[data-scanner-video]");
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth; canvas.height = video.videoHeight;
  canvas.getContext("2d").drawImage(video, 0, 0);
  const detector = await window.GatepostScanner.createDetector({decoderSrc, wasmSrc, forceWasm: true});
  const first = await detector.detect(canvas);
  const times = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await detector.detect(canvas);
    times.push(performance.now() - t);
  }
  return {width: canvas.width, height: canvas.height, found: first.length, times};
}"""


def qr_plane(token: str) -> bytes:
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
    return bytes(plane)


def write_video(path: Path, token: str) -> Path:
    chroma = b"\x80" * ((WIDTH // 2) * (HEIGHT // 2) * 2)
    blank, qr = b"\xff" * (WIDTH * HEIGHT), qr_plane(token)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for plane in [blank] * BLANK_FRAMES + [qr] * QR_FRAMES:
            out.write(b"FRAME\n" + plane + chroma)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=8)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    tmp = Path(tempfile.mkdtemp(prefix="gatepost-bench-browser-"))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PORT", "HOST", "PUBLIC_URL"}}
    env.update({"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite", "GATEPOST_VAR_DIR": str(tmp),
                "RATE_LIMIT_PER_MINUTE": "1000000", "LOG_LEVEL": "warning", "PYTHONPATH": str(ROOT)})
    subprocess.run([sys.executable, str(ROOT / "bench" / "bench_scan.py"), "--setup", "2", str(tmp / "setup.json")],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    data = json.loads((tmp / "setup.json").read_text())
    video = write_video(tmp / "pass.y4m", data["tokens"][0])
    server = Served([sys.executable, "-m", "app", "serve"], env, tmp, "app")
    base = f"http://localhost:{server.port}"
    samples: list[float] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
                *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}"])
            context = browser.new_context(base_url=base, viewport={"width": 390, "height": 844})
            context.add_cookies([{"name": "gp_session", "value": data["session"], "url": base},
                                 {"name": "gp_lang", "value": "en", "url": base}])
            context.add_init_script(WATCH)
            page = context.new_page()
            decoder = ""
            for _ in range(args.samples + 1):  # the first load warms the caches: not counted
                page.goto(f"/e/{data['slug']}/gate")
                page.wait_for_selector('#verdict [data-verdict="valid"]', timeout=15000)
                marks = page.evaluate("window.__bench")
                decoder = page.locator("[data-scanner]").get_attribute("data-decoder") or decoder
                if marks["qrAt"] is not None:
                    samples.append(marks["verdictAt"] - marks["qrAt"])
            samples = samples[1:]
            scanner = page.locator("[data-scanner]")
            page.locator("#verdict [data-scan-next]").click()
            decode = page.evaluate(DECODE, [scanner.get_attribute("data-decoder-src"),
                                            scanner.get_attribute("data-wasm-src"), 30])
            browser.close()
    finally:
        server.stop()

    print(f"\nscanner in headless Chromium, fake camera {WIDTH}x{HEIGHT} @ {FPS} fps, decoder: {decoder or '?'}")
    if samples:
        print(f"QR in view -> verdict on screen: median {statistics.median(samples):.0f} ms, "
              f"max {max(samples):.0f} ms over {len(samples)} loads (budget {BUDGET_MS} ms: "
              f"{'meets' if max(samples) < BUDGET_MS else 'MISSES'})")
    else:
        print("QR in view -> verdict: no sample (the QR frame was never seen before the verdict)")
    times = decode["times"]
    print(f"decoder (wasm) per {decode['width']}x{decode['height']} frame: median {statistics.median(times):.1f} ms, "
          f"p90 {sorted(times)[int(len(times) * 0.9)]:.1f} ms over {len(times)} frames (QR found: {decode['found']})")
    print(f"load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
