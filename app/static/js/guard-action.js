// Guard actions (admit, exit, register, ...) carry the server-made idempotency key in a hidden
// `idem_key` field and, from here, the time the guard acted on the phone in `device_time`.
// A double tap, or a retry after a dropped answer, sends the same key: the server answers with
// the first result and changes nothing.
(function () {
  "use strict";

  function stamp(form) {
    if (!form || !form.querySelector('input[name="idem_key"]')) return;
    var field = form.querySelector('input[name="device_time"]');
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "device_time";
      form.appendChild(field);
    }
    if (!field.value) field.value = new Date().toISOString();
  }

  // Plain submits and htmx submits both pass through the submit event first.
  document.addEventListener("submit", function (event) { stamp(event.target); }, true);
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt && event.detail.elt.closest ? event.detail.elt.closest("form") : null;
    if (form && form.querySelector('input[name="idem_key"]')) {
      stamp(form);
      event.detail.parameters.device_time = form.querySelector('input[name="device_time"]').value;
    }
  });
})();
