// Guard actions on the page go through the outbox (static/js/outbox-core.js): a form holding an
// `idem_key` field is a guard action. When it is submitted, the phone makes the key
// (crypto.randomUUID), stamps the time, keeps the action in IndexedDB, and only then sends it.
// The answer is shown as the form would have shown it (swapped into its htmx target, or the page
// it leads to); with no signal the page says the action is saved on this phone and will be sent.
//
// The status strip (data-outbox-strip) says where things stand, and never claims an action is
// done before the server has it: online; offline with N waiting; sending; all sent; N not
// accepted (tap to see why). Waiting actions are sent on `online`, on every page load, every 30
// seconds while any wait, and by Background Sync where the browser has it.
(function () {
  "use strict";

  var box = window.GatepostOutbox;
  if (!box || !window.indexedDB) return;
  var RETRY_MS = 30000;
  // While nothing gets through although the phone says it is online, it tries more often: the
  // browser will not say when the network is back.
  var RETRY_UNREACHABLE_MS = 10000;
  var lastTry = 0;
  var strip = null;
  var sending = false;
  var ALL_SENT_MS = 15000; // "All sent" shows this long after the last delivery
  // The phone may say it is online while nothing gets through (a dead Wi-Fi, a basement): the
  // last send that failed for want of a network counts as offline until one gets through, and
  // so does a page the service worker served from the phone's copy (sw.js marks it).
  var unreachable = document.documentElement.hasAttribute("data-kept-copy");
  var person = (document.querySelector('meta[name="gp-person"]') || {}).content || "";
  // Names of the people whose actions wait on this phone, to say whose they are: learnt from
  // the server while online (no page carries the person's name for this).
  var names = {};

  function text(key, n, values) {
    if (!strip) return "";
    var template = (n === 1 && strip.dataset[key + "One"]) || strip.dataset[key] || "";
    values = values || {};
    values.n = n;
    return template.replace(/\{(\w+)\}/g, function (_, name) { return values[name] == null ? "" : values[name]; });
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  // The form's fields as the browser would send them, with what htmx would include beside them
  // (hx-include: the gate picker) and the submit button's own name and value.
  function fieldsOf(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    var include = form.getAttribute("hx-include");
    if (include) {
      Array.prototype.forEach.call(document.querySelectorAll(include), function (el) {
        if (el.name && !data.has(el.name)) data.append(el.name, el.value);
      });
    }
    var fields = [];
    data.forEach(function (value, name) {
      if (name === "idem_key" || name === "device_time") return;
      if (value instanceof File) {
        if (value.size) fields.push([name, value, value.name]);
      } else {
        fields.push([name, value]);
      }
    });
    return fields;
  }

  function deviceTime(form) {
    var given = form.querySelector('input[name="device_time"]');
    return given && given.value ? given.value : new Date().toISOString();
  }

  function labelOf(form, submitter) {
    var what = (submitter && submitter.textContent.trim()) || (form.querySelector("[type=submit]") || {}).textContent || "";
    var subject = form.closest("[data-outbox-subject]");
    return (what.trim() + (subject ? " · " + subject.dataset.outboxSubject : "")).slice(0, 120);
  }

  // Submitting a guard action ------------------------------------------------------------------

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.querySelector || !form.querySelector('input[name="idem_key"]')) return;
    event.preventDefault();
    event.stopImmediatePropagation(); // htmx must not send it too
    if (form.dataset.outboxBusy) return; // a double tap: the first is on its way
    var submitter = event.submitter;
    var item = {
      key: newKey(),
      url: form.action,
      multipart: (form.enctype || "").indexOf("multipart") === 0,
      // When it happened: now, or when the page says (a patrol check-in is timed at the scan).
      fields: fieldsOf(form, submitter).concat([["device_time", deviceTime(form)]]),
      person: person,
      label: labelOf(form, submitter),
      created: Date.now(),
      state: "waiting",
      attempts: 0,
    };
    item.fields.push(["idem_key", item.key]);
    form.dataset.outboxBusy = "1";
    setButtons(form, true);
    box.put(item).then(function () {
      return navigator.onLine === false ? { state: "waiting", why: "network" } : sendLive(item);
    }).then(function (answer) {
      unreachable = answer.why === "network";
      show(form, item, answer);
    }, function () {
      show(form, item, { state: "waiting", why: "storage" });
    }).then(function () {
      delete form.dataset.outboxBusy;
      setButtons(form, false);
      if (navigator.onLine === false) askForSync();
      render();
    });
  }, true);

  function sendLive(item) {
    sending = true;
    render();
    return box.session().then(function (who) {
      if (!who.person) return { state: "waiting", why: "signed_out" };
      return box.send(item, who, "live");
    }, function () {
      return { state: "waiting", why: "network" };
    }).then(function (answer) { sending = false; return answer; }, function (e) { sending = false; throw e; });
  }

  function setButtons(form, busy) {
    Array.prototype.forEach.call(form.querySelectorAll("button, [type=submit]"), function (b) { b.disabled = busy; });
  }

  // Showing the answer where the form would have shown it.
  function show(form, item, answer) {
    if (answer.state === "waiting") {
      savedHere(form, answer.why === "signed_out");
      thenNext(form, true);
      return;
    }
    if (answer.location) {
      window.location.assign(answer.location);
      return;
    }
    var target = form.getAttribute("hx-target");
    if (target && window.htmx && document.querySelector(target)) {
      htmx.swap(target, answer.text, { swapStyle: form.getAttribute("hx-swap") || "innerHTML" });
      document.dispatchEvent(new CustomEvent("outbox:swapped", { detail: { target: document.querySelector(target) } }));
      return;
    }
    replaceMain(answer.text);
  }

  // An action whose next step the page shows only once the server has it ("I'm on it", then
  // "Done"): kept on the phone, it is taken as done here, so the guard goes on with no signal.
  // The form says which next step with data-outbox-then; it goes, the next step shows.
  function thenNext(form, focus) {
    var next = form.dataset.outboxThen && document.querySelector(form.dataset.outboxThen);
    if (!next) return;
    form.hidden = true;
    next.hidden = false;
    var button = focus && next.querySelector("[type=submit]");
    if (button) button.focus();
  }

  // A page opened again (kept, with no signal) shows the next step of what waits on the phone.
  function showWaitingSteps() {
    var forms = document.querySelectorAll("form[data-outbox-then]");
    if (!forms.length) return Promise.resolve();
    return box.all().then(function (items) {
      Array.prototype.forEach.call(forms, function (form) {
        if (items.some(function (i) { return i.url === form.action && i.person === person && i.state !== "refused"; })) {
          thenNext(form, false);
        }
      });
    }).catch(function () { /* nothing to show */ });
  }

  // A full page came back (a form with its errors): its main part and flash replace ours.
  function replaceMain(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    ["main", "flash"].forEach(function (id) {
      var mine = document.getElementById(id);
      var theirs = doc.getElementById(id);
      if (mine && theirs) {
        mine.innerHTML = theirs.innerHTML;
        if (window.htmx) htmx.process(mine);
      }
    });
    var first = document.querySelector("#main [aria-invalid=true], #main .form-errors, #main .flash");
    if (first && first.focus) first.focus();
  }

  // No answer: the action is kept on the phone. Said where the answer would have appeared.
  function savedHere(form, signedOut) {
    var message = signedOut ? text("savedSignedOut", 1) : (form.dataset.outboxSaved || text("saved", 1));
    var target = form.getAttribute("hx-target");
    var place = target && document.querySelector(target);
    var template = document.getElementById("outbox-saved");
    if (place && template) {
      var card = template.content.firstElementChild.cloneNode(true);
      card.querySelector("[data-saved-what]").textContent = labelOfForm(form);
      card.querySelector("[data-saved-message]").textContent = message;
      place.innerHTML = "";
      place.appendChild(card);
      document.dispatchEvent(new CustomEvent("outbox:saved", { detail: { target: place } }));
      if (card.focus) card.focus();
      return;
    }
    flash(message, "warn");
  }

  function labelOfForm(form) {
    var button = form.querySelector("[type=submit]");
    var subject = form.closest("[data-outbox-subject]");
    return (button ? button.textContent.trim() : "") + (subject ? " · " + subject.dataset.outboxSubject : "");
  }

  function flash(message, kind) {
    var area = document.getElementById("flash");
    if (!area) return;
    var p = document.createElement("p");
    p.className = "flash flash--" + (kind || "ok");
    p.setAttribute("data-outcome-message", "");
    p.textContent = message;
    area.innerHTML = "";
    area.appendChild(p);
  }

  // Sending what waits -------------------------------------------------------------------------

  function flushNow() {
    if (navigator.onLine === false) return Promise.resolve();
    return box.all().then(function (items) {
      if (!items.some(function (i) { return i.person === person && i.state !== "refused"; })) return;
      lastTry = Date.now();
      sending = true;
      render();
      return box.flush().then(function (result) {
        unreachable = Boolean(result && (result.offline || result.stopped === "network"));
      });
    }).catch(function () { /* the next trigger tries again */ }).then(function () {
      sending = false;
      render();
    });
  }

  function askForSync() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) return registration.sync.register("gatepost-outbox");
    }).catch(function () { /* no Background Sync: the other triggers send */ });
  }

  // The strip ------------------------------------------------------------------------------------

  // The strip is drawn from IndexedDB, and every delivery asks for it again: a phone sending
  // 500 kept actions would read the whole outbox 500 times. One drawing at a time; what is asked
  // while one runs waits for it (and a short breath after, so that the deliveries go first) and
  // is drawn once, from what is there then.
  var DRAW_GAP_MS = 150;
  var drawing = null;
  var drawAgain = null;
  function render() {
    if (!strip) return Promise.resolve();
    if (!drawing) {
      drawing = draw().then(drawn, drawn);
      return drawing;
    }
    if (!drawAgain) {
      drawAgain = drawing.then(function () {
        return new Promise(function (resolve) { setTimeout(resolve, DRAW_GAP_MS); });
      }).then(function () { drawAgain = null; return render(); });
    }
    return drawAgain;
  }

  function drawn() { drawing = null; }

  function draw() {
    return Promise.all([box.all(), box.sentLog()]).then(function (both) {
      var items = both[0];
      var lastSent = both[1].length ? both[1][0].sent : 0;
      var mine = items.filter(function (i) { return i.person === person; });
      var waiting = mine.filter(function (i) { return i.state !== "refused"; }).length;
      var refused = mine.filter(function (i) { return i.state === "refused"; });
      var others = items.filter(function (i) { return i.person !== person; });
      var online = navigator.onLine !== false && !unreachable;
      var state, message;
      if (!person && items.length) {
        state = "signed-out";
        message = text("signedOut", items.length);
      } else if (!online) {
        state = "offline";
        message = waiting ? text("offlineWaiting", waiting) : text("offline", 0);
      } else if (sending && waiting) {
        state = "sending";
        message = text("sending", waiting);
      } else if (waiting) {
        state = "waiting";
        message = text("waiting", waiting);
      } else if (Date.now() - lastSent < ALL_SENT_MS && !refused.length) {
        state = "sent";
        message = text("allSent", 0);
      } else {
        state = "online";
        message = text("online", 0);
      }
      strip.hidden = !person && !items.length;
      strip.dataset.outboxState = state;
      strip.dataset.waiting = String(waiting);
      strip.querySelector("[data-outbox-status]").textContent = message;
      var refusedButton = strip.querySelector("[data-outbox-refused]");
      refusedButton.hidden = !refused.length;
      refusedButton.textContent = text("refused", refused.length);
      var othersNote = strip.querySelector("[data-outbox-others]");
      othersNote.hidden = !others.length || !person;
      if (others.length) {
        othersNote.textContent = text("others", others.length, { name: names[others[0].person] || "?" });
      }
      renderPanel(refused, others);
    });
  }

  function time(ms) {
    var d = new Date(ms);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  function renderPanel(refused, others) {
    var list = document.querySelector("[data-outbox-list]");
    if (!list) return;
    list.innerHTML = "";
    refused.forEach(function (item) { list.appendChild(row(item, true)); });
    var mayClearOthers = strip.dataset.clearOthers === "yes";
    others.forEach(function (item) { list.appendChild(row(item, mayClearOthers)); });
  }

  function row(item, clearable) {
    var li = document.createElement("li");
    li.className = "outbox-item";
    li.dataset.outboxItem = item.state;
    var title = document.createElement("strong");
    title.textContent = item.label + " · " + time(item.created);
    li.appendChild(title);
    var why = document.createElement("p");
    why.className = "outbox-item__why";
    why.textContent = item.state === "refused"
      ? (item.message || text("refusedGeneric", 1)) + (item.reason ? " (" + item.reason + ")" : "")
      : text("others", 1, { name: names[item.person] || "?" });
    li.appendChild(why);
    if (item.location) {
      var open = document.createElement("a");
      open.href = item.location;
      open.textContent = text("open", 1);
      li.appendChild(open);
    }
    if (clearable) {
      var clear = document.createElement("button");
      clear.type = "button";
      clear.className = "button button--danger-outline";
      clear.textContent = text("clear", 1);
      clear.addEventListener("click", function () {
        if (window.confirm(text("clearConfirm", 1))) box.remove(item.key).then(render);
      });
      li.appendChild(clear);
    }
    return li;
  }

  function learnNames() {
    return box.getValue("names").then(function (kept) {
      names = kept || {};
      if (!person || names[person] || navigator.onLine === false) return;
      return box.session().then(function (who) {
        if (who.person !== person) return;
        names[person] = who.name;
        return box.setValue("names", names);
      });
    }).catch(function () { /* no names: the strip says "?" */ });
  }

  function init() {
    strip = document.querySelector("[data-outbox-strip]");
    if (strip) {
      var open = strip.querySelector("[data-outbox-refused]");
      var panel = document.getElementById("outbox-panel");
      if (open && panel && panel.showModal) {
        open.addEventListener("click", function () { render().then(function () { panel.showModal(); }); });
        panel.querySelector("[data-outbox-close]").addEventListener("click", function () { panel.close(); });
      }
    }
    learnNames().then(render);
    showWaitingSteps();
    flushNow();
  }

  // A list drawn again by htmx (a live screen) shows only what the server knows.
  document.addEventListener("htmx:afterSwap", function () { showWaitingSteps(); });
  window.addEventListener("online", function () { unreachable = false; render(); flushNow(); });
  window.addEventListener("offline", render);
  // This page, another or the service worker got an answer from the server: it is reachable,
  // and lists that poll (who is on site) ask again at once with `outbox:answered from:document`.
  function heard(detail) {
    if (detail && detail.answered) {
      unreachable = false;
      document.dispatchEvent(new CustomEvent("outbox:answered"));
    }
    render();
  }
  window.addEventListener("outbox:changed", function (event) { heard(event.detail); });
  if (box.channel) box.channel.addEventListener("message", function (event) { heard(event.data); });
  // Unreachable with nothing to send: a small question to the server tells when it answers again.
  function recheck() {
    lastTry = Date.now();
    return box.session().then(function () { unreachable = false; }, function () { /* still out */ }).then(render);
  }
  setInterval(function () {
    box.all().then(function (items) {
      var due = Date.now() - lastTry >= (unreachable ? RETRY_UNREACHABLE_MS : RETRY_MS);
      if (due && items.some(function (i) { return i.person === person && i.state !== "refused"; })) flushNow();
      else if (due && unreachable && navigator.onLine !== false) recheck();
      else render();
    });
  }, 5000);

  window.GatepostOutboxPage = { flush: flushNow, render: render, isSending: function () { return sending; } };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
