// The returning-visitor lookup (walk-in form) fills the details from the visitor's last
// registration when the guard types a phone number. A field the guard changed while that
// answer was on its way keeps what the guard typed: the swap must never undo their typing.
(function () {
  "use strict";

  var kept = null;

  function valueSent(formData, name) {
    var value = formData.get(name);
    return value === null ? "" : String(value);
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    kept = null;
    var target = event.detail.target;
    var config = event.detail.requestConfig;
    if (!target || target.id !== "walkin-fields" || !config || !config.formData) return;
    kept = [];
    var fields = target.querySelectorAll("input[name], select[name], textarea[name]");
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if (field.type === "radio" || field.type === "checkbox") {
        if (field.checked && valueSent(config.formData, field.name) !== field.value) kept.push([field.name, field.value]);
      } else if (valueSent(config.formData, field.name) !== field.value) {
        kept.push([field.name, field.value]);
      }
    }
  });

  document.addEventListener("htmx:afterSwap", function () {
    var restore = kept;
    kept = null;
    var box = document.getElementById("walkin-fields");
    if (!restore || !restore.length || !box) return;
    restore.forEach(function (entry) {
      var fields = box.querySelectorAll('[name="' + entry[0] + '"]');
      for (var i = 0; i < fields.length; i++) {
        var field = fields[i];
        if (field.type === "radio" || field.type === "checkbox") field.checked = field.value === entry[1];
        else field.value = entry[1];
      }
    });
  });
})();
