// The camera QR scanner, shared by the gate (visitor passes) and patrol (checkpoints) pages.
//
// GatepostScanner.start(video, onCode, options) opens the rear camera in `video` and calls
// onCode(text) for each code read, then pauses until resume(): a guard looking at a verdict
// must not have the same pass read again behind it. Decoding uses the phone's own
// BarcodeDetector where it reads QR (Android Chrome); elsewhere the vendored barcode-detector
// with the zxing wasm, both loaded only then and both served from this site (no CDN: the gate
// may have no signal, and the service worker has them cached).
//
// Pages attach it with data attributes (no inline script under our CSP):
//   <section data-scanner data-scanner-form="form-id" data-scanner-input="field-name"
//            data-decoder-src="..." data-wasm-src="...">
//     <video data-scanner-video> <button data-scanner-torch hidden> <p data-scanner-status>
//     <div data-scanner-problem="denied|missing|failed" hidden>
// A read fills the form's field and submits the form (htmx or plain). Events on document:
// "scanner:pause" and "scanner:resume".
(function () {
  "use strict";

  var FRAME_MS = 33; // about the camera's frame rate; decoding a 720p frame takes ~20 ms
  var SAME_CODE_QUIET_MS = 2500;

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var existing = document.querySelector('script[data-decoder="' + src + '"]');
      if (existing && window.BarcodeDetectionAPI) return resolve();
      var script = document.createElement("script");
      script.src = src;
      script.async = true;
      script.dataset.decoder = src;
      script.onload = function () { resolve(); };
      script.onerror = function () { reject(new Error("decoder failed to load")); };
      document.head.appendChild(script);
    });
  }

  // A detector for QR codes: the native one when it reads QR, else the wasm one.
  async function createDetector(options) {
    options = options || {};
    if (!options.forceWasm && "BarcodeDetector" in window) {
      try {
        var formats = await window.BarcodeDetector.getSupportedFormats();
        if (formats.indexOf("qr_code") >= 0) {
          var native = new window.BarcodeDetector({ formats: ["qr_code"] });
          native.kind = "native";
          return native;
        }
      } catch (e) { /* fall through to the wasm */ }
    }
    await loadScript(options.decoderSrc);
    var api = window.BarcodeDetectionAPI;
    api.prepareZXingModule({
      overrides: {
        locateFile: function (path, prefix) {
          return /\.wasm$/.test(path) ? options.wasmSrc : prefix + path;
        },
      },
      fireImmediately: true,
    });
    var detector = new api.BarcodeDetector({ formats: ["qr_code"] });
    detector.kind = "wasm";
    return detector;
  }

  function problemOf(error) {
    var name = error && error.name;
    if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") return "denied";
    if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError" || name === "NoCamera") return "missing";
    return "failed";
  }

  async function start(video, onCode, options) {
    options = options || {};
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      var none = new Error("no camera API");
      none.name = "NoCamera";
      throw none;
    }
    // Preferences only: desktop webcams and test cameras have no facing, and an exact
    // constraint would fail there with OverconstrainedError.
    var stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: "environment", width: { ideal: 1280 }, height: { ideal: 720 } },
    });
    var detectorPromise = createDetector(options);
    video.srcObject = stream;
    video.setAttribute("playsinline", "");
    video.muted = true;
    try { await video.play(); } catch (e) { /* autoplay of a muted video is allowed; keep going */ }
    var detector = await detectorPromise;
    var track = stream.getVideoTracks()[0];
    var state = { paused: false, stopped: false, last: "", lastAt: 0 };

    async function tick() {
      if (state.stopped) return;
      var began = performance.now();
      if (!state.paused && !document.hidden && video.readyState >= 2) {
        try {
          var found = await detector.detect(video);
          if (found && found.length && !state.paused && !state.stopped) {
            var text = found[0].rawValue || "";
            var now = Date.now();
            if (text && !(text === state.last && now - state.lastAt < SAME_CODE_QUIET_MS)) {
              state.paused = true;
              state.last = text;
              state.lastAt = now;
              onCode(text);
            }
          }
        } catch (e) { /* a frame that cannot be read: try the next one */ }
      }
      setTimeout(tick, Math.max(0, FRAME_MS - (performance.now() - began)));
    }
    tick();

    var capabilities = track && track.getCapabilities ? track.getCapabilities() : {};
    return {
      detector: detector,
      hasTorch: !!(capabilities && capabilities.torch),
      torch: function (on) { return track.applyConstraints({ advanced: [{ torch: !!on }] }); },
      pause: function () { state.paused = true; },
      resume: function () { state.paused = false; state.lastAt = Date.now(); },
      stop: function () {
        state.stopped = true;
        stream.getTracks().forEach(function (t) { t.stop(); });
      },
    };
  }

  function attach(root) {
    var video = root.querySelector("[data-scanner-video]");
    var status = root.querySelector("[data-scanner-status]");
    var torchButton = root.querySelector("[data-scanner-torch]");
    var form = document.getElementById(root.dataset.scannerForm);
    var field = form && form.elements[root.dataset.scannerInput || "token"];
    var controller = null;

    function say(key) { if (status && status.dataset[key]) status.textContent = status.dataset[key]; }

    function showProblem(kind) {
      root.classList.add("scanner--off");
      if (status) status.hidden = true;
      var box = root.querySelector('[data-scanner-problem="' + kind + '"]');
      if (box) box.hidden = false;
      if (field) field.focus();
    }

    say("starting");
    start(video, function (text) {
      say("reading");
      if (field && form) {
        field.value = text;
        if (form.requestSubmit) form.requestSubmit(); else form.submit();
      }
    }, { decoderSrc: root.dataset.decoderSrc, wasmSrc: root.dataset.wasmSrc }).then(function (c) {
      controller = c;
      root.dataset.scannerState = "running";
      root.dataset.decoder = c.detector.kind;
      say("ready");
      if (c.hasTorch && torchButton) {
        torchButton.hidden = false;
        torchButton.addEventListener("click", function () {
          var on = torchButton.getAttribute("aria-pressed") !== "true";
          c.torch(on).then(function () { torchButton.setAttribute("aria-pressed", on ? "true" : "false"); });
        });
      }
    }).catch(function (error) {
      root.dataset.scannerState = "problem";
      showProblem(problemOf(error));
    });

    document.addEventListener("scanner:pause", function () { if (controller) controller.pause(); });
    document.addEventListener("scanner:resume", function () {
      if (controller) { controller.resume(); say("ready"); }
    });
    window.addEventListener("pagehide", function () { if (controller) controller.stop(); });
    // Back to a page kept in the browser's cache: its camera was stopped; start afresh.
    window.addEventListener("pageshow", function (event) { if (event.persisted) window.location.reload(); });
  }

  window.GatepostScanner = { start: start, createDetector: createDetector, problemOf: problemOf };

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-scanner]"), attach);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
