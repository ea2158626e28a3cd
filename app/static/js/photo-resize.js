// Photos are made smaller on the phone before they are sent (an incident report's photos): each
// picture chosen in a file input with `data-photo-resize="1600"` is redrawn at most that many
// pixels on its longer side, the way the phone was held, as a JPEG, and put back in the input in
// place of the original. A 12-megapixel photo of 4-6 MB leaves the phone as a few hundred KB,
// which matters with one bar of signal and in the outbox's storage. The server decodes and
// checks every photo again (services/uploads.py); what the phone cannot read is sent as it is,
// for the server to refuse with its reason. While photos are being made smaller the form's
// buttons wait, so the report is never sent with half of them.
(function () {
  "use strict";

  var QUALITY = 0.85;

  function smaller(file, edge) {
    if (!window.createImageBitmap || !/^image\//.test(file.type || "image/")) return Promise.resolve(file);
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = Math.min(1, edge / Math.max(bitmap.width, bitmap.height));
      if (scale === 1 && file.type === "image/jpeg") {
        bitmap.close();
        return file;
      }
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      bitmap.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) return resolve(file); // never make it bigger
          var name = (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified }));
        }, "image/jpeg", QUALITY);
      });
    }, function () {
      return file; // not a picture this phone can read: the server says why
    });
  }

  function setBusy(form, busy) {
    if (!form) return;
    Array.prototype.forEach.call(form.querySelectorAll("button, [type=submit]"), function (b) { b.disabled = busy; });
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input || !input.matches || !input.matches("input[type=file][data-photo-resize]") || !input.files.length) return;
    if (input.dataset.photoResizing === "done") { delete input.dataset.photoResizing; return; }
    var edge = parseInt(input.dataset.photoResize, 10) || 1600;
    var chosen = Array.prototype.slice.call(input.files);
    var before = chosen.reduce(function (n, f) { return n + f.size; }, 0);
    input.dataset.photoResizing = "busy";
    setBusy(input.form, true);
    Promise.all(chosen.map(function (f) { return smaller(f, edge); })).then(function (files) {
      var transfer = new DataTransfer();
      files.forEach(function (f) { transfer.items.add(f); });
      input.dataset.photoResizing = "done"; // the assignment below fires no change event; in case one does
      input.files = transfer.files;
      delete input.dataset.photoResizing;
      input.dataset.bytesBefore = String(before);
      input.dataset.bytesAfter = String(files.reduce(function (n, f) { return n + f.size; }, 0));
      input.dataset.photoReady = "1";
    }).finally(function () {
      setBusy(input.form, false);
    });
  });
})();
