/* Copy or share a link shown in a read-only field: [data-copy-from=ID] holds the buttons.
 * The buttons stay hidden where the browser offers neither (the field can still be selected).
 * Works for content htmx swaps in later, too. */
(function () {
  "use strict";
  function setUp(root) {
    root.querySelectorAll("[data-copy-from]").forEach(function (box) {
      if (box.dataset.copyReady) return;
      box.dataset.copyReady = "yes";
      const field = document.getElementById(box.dataset.copyFrom);
      const copy = box.querySelector("[data-copy]");
      const share = box.querySelector("[data-share]");
      const status = box.querySelector("[data-copy-status]");
      if (!field) return;
      field.addEventListener("focus", function () { field.select(); });
      if (copy && navigator.clipboard && window.isSecureContext) {
        copy.hidden = false;
        copy.addEventListener("click", function () {
          navigator.clipboard.writeText(field.value).then(function () {
            if (status) status.textContent = box.dataset.copied || "";
          }, function () { field.select(); });
        });
      }
      if (share && navigator.share) {
        share.hidden = false;
        share.addEventListener("click", function () {
          navigator.share({ title: box.dataset.shareTitle || document.title, url: field.value }).catch(function () {});
        });
      }
    });
  }
  setUp(document);
  document.addEventListener("htmx:load", function (event) { setUp(event.target); });
})();
