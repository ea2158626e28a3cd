/* Destructive actions ask first: a form with data-confirm="question" opens a <dialog>
 * and is only submitted when the person confirms. No inline handlers (CSP). */
(function () {
  "use strict";
  function dialogFor(message, okLabel, cancelLabel) {
    const dialog = document.createElement("dialog");
    dialog.className = "confirm";
    dialog.setAttribute("aria-modal", "true");
    const p = document.createElement("p");
    p.textContent = message;
    const row = document.createElement("div");
    row.className = "confirm__actions";
    const cancel = document.createElement("button");
    cancel.type = "button"; cancel.className = "button"; cancel.textContent = cancelLabel; cancel.value = "cancel";
    const ok = document.createElement("button");
    ok.type = "button"; ok.className = "button button--danger"; ok.textContent = okLabel; ok.value = "ok";
    row.append(cancel, ok);
    dialog.append(p, row);
    return { dialog, ok, cancel };
  }
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm || form.dataset.confirmed === "yes") return;
    event.preventDefault();
    event.stopImmediatePropagation();
    const submitter = event.submitter || null;
    const parts = dialogFor(form.dataset.confirm, form.dataset.confirmOk || "OK", form.dataset.confirmCancel || "Cancel");
    document.body.appendChild(parts.dialog);
    parts.cancel.addEventListener("click", function () { parts.dialog.close(); parts.dialog.remove(); });
    parts.ok.addEventListener("click", function () {
      parts.dialog.close(); parts.dialog.remove();
      form.dataset.confirmed = "yes";
      if (form.requestSubmit) form.requestSubmit(submitter || undefined); else form.submit();
      delete form.dataset.confirmed;
    });
    parts.dialog.showModal();
    parts.cancel.focus();
  }, true);
})();
