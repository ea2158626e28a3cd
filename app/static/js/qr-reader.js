// The scanner's QR reader: given a picture from the camera (a VideoFrame), it answers with the
// text of the code in it, or "" when there is none. What a code means is the server's business:
// the same reader serves visitor passes, release slips and patrol tags.
//
// scanner.js runs this file as a Web Worker, so that decoding (about 100 ms of a cheap phone's
// CPU for a camera frame) never holds up the page: its main thread only draws and answers taps.
// Where a worker cannot run it, scanner.js loads this same file into the page instead and calls
// GatepostReader itself. The phone's own BarcodeDetector is used where it reads QR (Chromium
// has it in workers too); elsewhere the vendored barcode-detector with the zxing wasm, both loaded
// only then and both from this site (no CDN: the gate may have no signal).
//
// As a worker it answers messages:
//   {type: "start", decoderSrc, wasmSrc}       -> {type: "ready", kind: "native"|"wasm", frames}
//                                                 or {type: "failed", message}
//   {type: "read", image, crop}                -> {type: "read", text}    (the image is closed)
// where image is a VideoFrame (if the reader said it takes them) or an ImageBitmap, and crop (or
// null) the part of it to read, scaled.
(function (scope) {
  "use strict";

  function load(src) {
    if (typeof scope.importScripts === "function") {
      scope.importScripts(src);
      return Promise.resolve();
    }
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = function () { resolve(); };
      script.onerror = function () { reject(new Error("decoder failed to load")); };
      document.head.appendChild(script);
    });
  }

  async function nativeDetector() {
    if (!("BarcodeDetector" in scope)) return null;
    try {
      var formats = await scope.BarcodeDetector.getSupportedFormats();
      return formats.indexOf("qr_code") >= 0 ? new scope.BarcodeDetector({ formats: ["qr_code"] }) : null;
    } catch (e) {
      return null;
    }
  }

  async function wasmDetector(options) {
    if (!scope.BarcodeDetectionAPI) await load(options.decoderSrc);
    var api = scope.BarcodeDetectionAPI;
    // Without the override it would fetch the wasm from a CDN.
    await api.prepareZXingModule({
      overrides: {
        locateFile: function (path, prefix) {
          return /\.wasm$/.test(path) ? options.wasmSrc : prefix + path;
        },
      },
      fireImmediately: true,
    });
    return new api.BarcodeDetector({ formats: ["qr_code"] });
  }

  function close(image) {
    if (image && typeof image.close === "function") image.close();
  }

  // The text of the first code in `image` (an ImageBitmap, VideoFrame or video element), within
  // `crop` ({x, y, width, height, toWidth, toHeight}, scaled) when given. Closes the image.
  async function read(reader, image, crop) {
    var picture = image;
    try {
      if (crop) {
        picture = await createImageBitmap(image, crop.x, crop.y, crop.width, crop.height,
          { resizeWidth: crop.toWidth, resizeHeight: crop.toHeight });
        close(image);
      }
      var found = await reader.detector.detect(picture);
      return found && found.length ? found[0].rawValue || "" : "";
    } finally {
      close(image);
      close(picture);
    }
  }

  // A reader, tried once on a blank picture: a worker without what the wasm needs to draw a
  // picture (OffscreenCanvas) fails here, not on every frame, and the page reads instead. The
  // reader says whether it can take VideoFrames (`frames`); if not, it is handed ImageBitmaps.
  async function create(options) {
    var detector = await nativeDetector();
    var reader = { kind: detector ? "native" : "wasm", detector: detector || await wasmDetector(options), frames: false };
    if (typeof createImageBitmap !== "function") return reader;
    var blank = await createImageBitmap(new ImageData(8, 8));
    if (typeof VideoFrame === "function") {
      try {
        await read(reader, new VideoFrame(blank, { timestamp: 0 }), { x: 0, y: 0, width: 8, height: 8, toWidth: 8, toHeight: 8 });
        reader.frames = true;
      } catch (e) { /* ImageBitmaps, then */ }
    }
    await read(reader, blank);
    return reader;
  }

  scope.GatepostReader = { create: create, read: read };

  if (typeof WorkerGlobalScope === "undefined" || !(scope instanceof WorkerGlobalScope)) return;

  var reader = null;
  scope.onmessage = function (event) {
    var message = event.data || {};
    if (message.type === "start") {
      create(message).then(function (made) {
        reader = made;
        scope.postMessage({ type: "ready", kind: made.kind, frames: made.frames });
      }, function (error) {
        scope.postMessage({ type: "failed", message: String((error && error.message) || error) });
      });
    } else if (message.type === "read") {
      read(reader, message.image, message.crop).catch(function () { return ""; }).then(function (text) {
        scope.postMessage({ type: "read", text: text });
      });
    }
  };
})(self);
