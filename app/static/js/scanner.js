// The camera QR scanner, shared by the gate (visitor passes) and patrol (checkpoints) pages.
//
// GatepostScanner.start(video, onCode, options) opens the rear camera in `video` and calls
// onCode(text) for each code read, then pauses until resume(): a guard looking at a verdict
// must not have the same pass read again behind it, and nothing is decoded meanwhile.
//
// The page's main thread only draws and answers taps: about ten times a second it hands the
// camera's current frame (a VideoFrame, with the part of it the guard sees) to qr-reader.js
// running as a Web Worker, which scales it down, decodes it and answers with the text it read.
// Where a worker cannot run, the same reader is loaded into the page: it reads as well, but a
// tap may then wait behind a decode.
//
// Pages attach it with data attributes (no inline script under our CSP):
//   <section data-scanner data-scanner-form="form-id" data-scanner-input="field-name"
//            data-reader-src="qr-reader.js" data-decoder-src="..." data-wasm-src="...">
//     <video data-scanner-video> <button data-scanner-torch hidden> <p data-scanner-status>
//     <div data-scanner-problem="denied|missing|failed" hidden>
// A read fills the form's field and submits the form (htmx or plain). Events on document:
// "scanner:pause" and "scanner:resume". Once running, the section says how it decodes:
// data-decoder="native|wasm" and data-decoder-in="worker|page".
(function () {
  "use strict";

  // A look every 100 ms finds a pass within about a tenth of a second of it coming into view,
  // leaving most of the 500 ms from QR to verdict to the server and the screen; a camera's
  // 30 frames a second would cost three times the CPU for nothing a guard could notice.
  var LOOK_EVERY_MS = 100;
  // The longer side of the picture decoded: a pass held in the frame is still 300 px or more
  // across in it, plenty for a QR of version 7 or lower, at a third of a 720p frame's pixels.
  var LOOK_SIZE = 640;
  var SAME_CODE_QUIET_MS = 2500;

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = function () { resolve(); };
      script.onerror = function () { reject(new Error("reader failed to load")); };
      document.head.appendChild(script);
    });
  }

  // The reader in a worker: resolves once the worker has its decoder ready, rejects where
  // workers are missing or the worker cannot start, so that the page reads instead.
  function workerReader(options) {
    return new Promise(function (resolve, reject) {
      var worker = new Worker(options.readerSrc);
      var waiting = null;
      var reader = {
        kind: "",
        where: "worker",
        frames: false,
        broken: false,
        read: function (image, crop) {
          return new Promise(function (done, failed) {
            waiting = { done: done, failed: failed };
            try {
              worker.postMessage({ type: "read", image: image, crop: crop }, [image]);
            } catch (e) {
              waiting = null;
              image.close();
              throw e;
            }
          });
        },
      };
      function fail(error) {
        reader.broken = true;
        worker.terminate();
        if (waiting) waiting.failed(error);
        waiting = null;
        reject(error);
      }
      worker.onerror = function (event) {
        event.preventDefault();
        fail(new Error(event.message || "the reader's worker failed"));
      };
      worker.onmessage = function (event) {
        var message = event.data || {};
        if (message.type === "ready") {
          reader.kind = message.kind;
          reader.frames = !!message.frames;
          resolve(reader);
        } else if (message.type === "failed") {
          fail(new Error(message.message));
        } else if (message.type === "read" && waiting) {
          var answer = waiting;
          waiting = null;
          answer.done(message.text || "");
        }
      };
      worker.postMessage({ type: "start", decoderSrc: options.decoderSrc, wasmSrc: options.wasmSrc });
    });
  }

  // The same reader on the page's main thread.
  function pageReader(options) {
    var ready = window.GatepostReader ? Promise.resolve() : loadScript(options.readerSrc);
    return ready.then(function () { return window.GatepostReader.create(options); }).then(function (made) {
      return {
        kind: made.kind,
        where: "page",
        frames: made.frames,
        broken: false,
        read: function (image, crop) { return window.GatepostReader.read(made, image, crop); },
      };
    });
  }

  function createReader(options) {
    var inWorker = new Promise(function (resolve) {
      if (typeof Worker !== "function" || typeof createImageBitmap !== "function") throw new Error("no workers");
      resolve(workerReader(options));  // new Worker() may throw too (a policy refusing it)
    });
    return inWorker.catch(function () { return pageReader(options); });
  }

  // What the guard sees of the camera's picture (the video covers the view, cropped: object-fit
  // cover), scaled down to at most LOOK_SIZE pixels on its longer side.
  function cropOf(video) {
    var w = video.videoWidth, h = video.videoHeight;
    var boxW = video.clientWidth || w, boxH = video.clientHeight || h;
    var cover = Math.max(boxW / w, boxH / h);
    var sw = Math.min(w, Math.round(boxW / cover)), sh = Math.min(h, Math.round(boxH / cover));
    var fit = Math.min(1, LOOK_SIZE / Math.max(sw, sh));
    return { x: (w - sw) >> 1, y: (h - sh) >> 1, width: sw, height: sh,
      toWidth: Math.round(sw * fit), toHeight: Math.round(sh * fit) };
  }

  // The picture to read, and the part of it to read. A VideoFrame only holds on to the camera's
  // frame, so the reader does the copying and scaling, off the main thread; createImageBitmap on
  // a video does them here (tens of milliseconds on a slow phone), so it is the fallback.
  async function lookAt(video, frames) {
    var crop = cropOf(video);
    if (frames) {
      try { return { image: new VideoFrame(video), crop: crop }; } catch (e) { /* no frame yet or unsupported */ }
    }
    if (typeof createImageBitmap !== "function") return { image: video, crop: null };
    var image = await createImageBitmap(video, crop.x, crop.y, crop.width, crop.height,
      { resizeWidth: crop.toWidth, resizeHeight: crop.toHeight });
    return { image: image, crop: null };
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
    var readerPromise = createReader(options);
    video.srcObject = stream;
    video.setAttribute("playsinline", "");
    video.muted = true;
    try { await video.play(); } catch (e) { /* autoplay of a muted video is allowed; keep going */ }
    var reader = await readerPromise;
    var track = stream.getVideoTracks()[0];
    var state = { paused: false, stopped: false, busy: false, timer: 0, last: "", lastAt: 0 };

    function looking() { return !state.paused && !state.stopped && !document.hidden; }

    function lookIn(ms) {
      if (state.timer || state.busy || !looking()) return;
      state.timer = setTimeout(function () { state.timer = 0; look(); }, ms);
    }

    function found(text) {
      var now = Date.now();
      if (!text || !looking() || (text === state.last && now - state.lastAt < SAME_CODE_QUIET_MS)) return;
      state.paused = true;
      state.last = text;
      state.lastAt = now;
      onCode(text);
    }

    async function look() {
      if (!looking()) return;
      var began = performance.now();
      state.busy = true;
      try {
        if (video.readyState >= 2 && video.videoWidth) {
          var picture = await lookAt(video, reader.frames);
          found(await reader.read(picture.image, picture.crop));
        }
      } catch (e) {
        if (reader.broken) {  // the worker failed: read in the page from now on
          try { reader = await pageReader(options); } catch (e2) { state.stopped = true; }
        } else if (e && e.name === "DataCloneError") {  // a browser that cannot hand a VideoFrame over
          reader.frames = false;
        }  // else a frame that cannot be read: try the next one
      }
      state.busy = false;
      lookIn(Math.max(0, LOOK_EVERY_MS - (performance.now() - began)));
    }
    document.addEventListener("visibilitychange", function () { lookIn(0); });
    lookIn(0);

    var capabilities = track && track.getCapabilities ? track.getCapabilities() : {};
    return {
      reader: reader,
      hasTorch: !!(capabilities && capabilities.torch),
      torch: function (on) { return track.applyConstraints({ advanced: [{ torch: !!on }] }); },
      pause: function () {
        state.paused = true;
        clearTimeout(state.timer);
        state.timer = 0;
      },
      resume: function () {
        state.paused = false;
        state.lastAt = Date.now();
        lookIn(0);
      },
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
    }, {
      readerSrc: root.dataset.readerSrc, decoderSrc: root.dataset.decoderSrc, wasmSrc: root.dataset.wasmSrc,
    }).then(function (c) {
      controller = c;
      root.dataset.scannerState = "running";
      root.dataset.decoder = c.reader.kind;
      root.dataset.decoderIn = c.reader.where;
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
      root.dataset.scannerError = (error && error.name) || "Error";  // for support and the tests
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

  window.GatepostScanner = { start: start, problemOf: problemOf };

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-scanner]"), attach);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
