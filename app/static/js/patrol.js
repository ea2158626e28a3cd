// The round page: a scanned tag of this route shows its checklist at once, from the page itself
// (each stop carries its tag's code and a <template> with its checklist form), so a round goes
// on in a basement with no signal. The check-in form is a guard action: the outbox keeps it
// with the time of the scan and sends it when it can. A code that is not one of the route's
// tags is asked about online (what is it: a pass, a slip, another route's tag); with no signal
// the page says it is not a tag of this route.
(function () {
  "use strict";

  function init() {
    var root = document.querySelector("[data-patrol-round]");
    if (!root) return;
    var form = document.getElementById("scan-form");
    var result = document.getElementById("scan-result");
    var texts = root.querySelector("[data-scan-texts]").dataset;
    var ordered = root.dataset.ordered === "yes";
    var stops = Array.prototype.slice.call(root.querySelectorAll("[data-stop]"));

    function stopBy(attr, value) {
      for (var i = 0; i < stops.length; i++) if (stops[i].dataset[attr] === value) return stops[i];
      return null;
    }
    function nextStop() {
      for (var i = 0; i < stops.length; i++) if (stops[i].dataset.done !== "yes") return stops[i];
      return null;
    }
    function doneCount() {
      return stops.filter(function (s) { return s.dataset.done === "yes"; }).length;
    }
    function fill(template, values) {
      return template.replace(/\{(\w+)\}/g, function (_, name) { return values[name] == null ? "" : values[name]; });
    }
    function showProgress() {
      root.querySelector("[data-progress]").textContent = fill(root.dataset.progressText, { done: doneCount(), total: stops.length });
      var next = nextStop();
      root.querySelector("[data-next-name]").textContent = next ? fill(root.dataset.nextText, { name: next.dataset.name }) : root.dataset.allText;
    }
    function markDone(id) {
      var stop = stopBy("id", id);
      if (!stop || stop.dataset.done === "yes") return;
      stop.dataset.done = "yes";
      stop.classList.add("is-done");
      var state = stop.querySelector("[data-stop-state]");
      if (state) state.textContent = "✓";
      showProgress();
    }
    function message(text) {
      var card = document.getElementById("scan-message").content.firstElementChild.cloneNode(true);
      card.querySelector("[data-message-text]").textContent = text;
      result.innerHTML = "";
      result.appendChild(card);
      document.dispatchEvent(new CustomEvent("scanner:resume"));
    }
    function showChecklist(stop) {
      var template = root.querySelector('template[data-checklist-for="' + stop.dataset.id + '"]');
      var checklist = template.content.firstElementChild.cloneNode(true);
      checklist.querySelector("[data-scan-time]").value = new Date().toISOString();  // when the tag was read
      result.innerHTML = "";
      result.appendChild(checklist);
      if (window.htmx) htmx.process(checklist);
      result.dataset.checklistShown = String(Date.now());
      var heading = checklist.querySelector("h2");
      if (heading) heading.focus();
    }

    // A read (or a typed code) submitted by the scanner: known here, or asked about online.
    document.addEventListener("submit", function (event) {
      if (event.target !== form) return;
      var token = (form.elements.token.value || "").trim().toUpperCase();
      var stop = stopBy("token", token);
      if (!stop) {
        if (navigator.onLine === false) {
          event.preventDefault();
          event.stopImmediatePropagation();
          message(texts.offlineUnknown);
        }
        return;  // htmx asks the server what it is
      }
      event.preventDefault();
      event.stopImmediatePropagation();
      if (stop.dataset.done === "yes") return message(texts.repeated);
      if (stop.dataset.active !== "yes") return message(texts.retired);
      if (ordered && nextStop() !== stop) return message(texts.outOfOrder);
      showChecklist(stop);
    }, true);

    // Checked in (the server's answer) or kept on the phone to send later: the stop is done here.
    function settled(target) {
      if (target !== result) return;
      var checked = result.querySelector('[data-scan-outcome="checked"]');
      if (checked) markDone(checked.dataset.checkpointId);
      // A "no" answer: the camera waits while the guard decides whether to report it.
      if (!result.querySelector("[data-scan-next]")) document.dispatchEvent(new CustomEvent("scanner:resume"));
    }
    var pending = null;
    // On the window, so it runs before the outbox takes the form over (on the document).
    window.addEventListener("submit", function (event) {
      var checklist = event.target;
      if (!checklist.dataset || !checklist.dataset.checkpointId || !result.contains(checklist)) return;
      pending = { id: checklist.dataset.checkpointId, problem: !!checklist.querySelector("[data-answer-no]:checked") };
    }, true);
    document.addEventListener("outbox:swapped", function (event) { settled(event.detail && event.detail.target); });
    document.addEventListener("outbox:saved", function (event) {
      if (!event.detail || event.detail.target !== result || !pending) return;
      var stop = stopBy("id", pending.id);
      markDone(pending.id);
      if (pending.problem && stop) {  // with no signal too: the way to report what was found
        var link = document.createElement("a");
        link.className = "button button--big";
        link.setAttribute("data-incident-link", "");
        link.href = root.dataset.incidentBase + "?checkpoint=" + encodeURIComponent(stop.dataset.id) +
          "&place=" + encodeURIComponent(stop.dataset.place || stop.dataset.name);
        link.textContent = texts.incidentLabel;
        var p = document.createElement("p");
        p.appendChild(link);
        result.appendChild(p);
        var next = document.createElement("button");
        next.type = "button";
        next.className = "button button--primary button--big";
        next.setAttribute("data-scan-next", "");
        next.textContent = texts.scanNext;
        var q = document.createElement("p");
        q.appendChild(next);
        result.appendChild(q);
      } else {
        document.dispatchEvent(new CustomEvent("scanner:resume"));
      }
      pending = null;
    });
    document.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("[data-scan-next]");
      if (!button || !result.contains(button)) return;
      result.innerHTML = "";
      document.dispatchEvent(new CustomEvent("scanner:resume"));
    });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail && event.detail.target === result) document.dispatchEvent(new CustomEvent("scanner:resume"));
    });
    document.body.addEventListener("htmx:sendError", function (event) {
      if (event.detail && event.detail.elt === form) message(texts.offlineUnknown);
    });
    document.body.addEventListener("htmx:timeout", function (event) {
      if (event.detail && event.detail.elt === form) message(texts.offlineUnknown);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
