// The scanner with no signal. While online the phone keeps the gate manifest (the estate's
// passes for today and tomorrow, its public key, the watchlist as keyed hashes) fresh: on load,
// every few minutes and on reconnecting, with its ETag. When a verify cannot reach the server
// (offline, a failed or timed-out request), the verdict comes from the scanned code's signature
// and that list (static/js/verdict.js), with what this phone has admitted or let out since and
// not yet sent; it says it was checked offline and how old the list is. Past the estate's limit
// it gives no verdict: "call the household". Admit and Exit on an offline verdict are guard
// actions like any other: they go to the outbox (static/js/outbox.js).
(function () {
  "use strict";

  var REFRESH_MS = 5 * 60 * 1000;
  var form, words, ageLine;
  var box = window.GatepostOutbox, rules = window.GatepostVerdict;

  function manifestName() { return "manifest:" + form.dataset.estate; }

  function kept() {
    return box.getValue(manifestName()).catch(function () { return null; });
  }

  function refresh() {
    if (navigator.onLine === false) return Promise.resolve();
    return kept().then(function (current) {
      var headers = current && current.etag ? { "If-None-Match": current.etag } : {};
      return fetch(form.dataset.manifestUrl, { credentials: "same-origin", cache: "no-store", headers: headers })
        .then(function (response) {
          if (response.status === 304 && current) {
            current.confirmed = Date.now();
            return box.setValue(manifestName(), current);
          }
          if (!response.ok) return null;
          return response.json().then(function (manifest) {
            return box.setValue(manifestName(), {
              etag: response.headers.get("etag"), manifest: manifest, confirmed: Date.now(),
            });
          });
        });
    }).catch(function () { /* no signal: keep what we have */ }).then(showAge);
  }

  function clock(ms) {
    var d = new Date(ms);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  function say(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, name) { return values[name] == null ? "" : values[name]; });
  }

  function showAge() {
    return kept().then(function (current) {
      if (!ageLine) return;
      ageLine.textContent = current ? say(ageLine.dataset.fresh, { time: clock(current.confirmed) }) : ageLine.dataset.never;
    });
  }

  // What this phone did to a pass and has not sent yet, laid over the list.
  function withPending(item, token) {
    return box.all().then(function (items) {
      var result = Object.assign({}, item);
      items.forEach(function (action) {
        if (action.state === "refused") return;
        var sentToken = (action.fields.filter(function (f) { return f[0] === "token"; })[0] || [])[1];
        if (sentToken !== token) return;
        if (/\/gate\/admit$/.test(action.url)) { result.inside = true; result.used = (result.used || 0) + 1; }
        if (/\/gate\/exit$/.test(action.url)) { result.inside = false; }
      });
      return result;
    }).catch(function () { return item; });
  }

  function judge(token) {
    var code = rules.readCode(token);
    return kept().then(function (current) {
      if (!current) return { reason: "stale" };
      var manifest = current.manifest;
      var age = (Date.now() - current.confirmed) / 1000;
      if (age > manifest.max_age_seconds) return { reason: "stale", confirmed: current.confirmed };
      if (!code) return { reason: "unknown", typed: /\/p\/|^[a-z2-7]{32}$/i.test(token.trim()), confirmed: current.confirmed };
      return rules.verifySignature(manifest.public_key, code).then(function (ok) {
        if (!ok) return { reason: "unknown", confirmed: current.confirmed };
        if (code.kind !== "visitor_pass") return { reason: code.kind, confirmed: current.confirmed };
        var item = manifest.passes.filter(function (p) { return p.id === code.id; })[0] || null;
        return (item ? withPending(item, token) : Promise.resolve(null)).then(function (seen) {
          var verdict = rules.judge(seen, Date.now(), manifest.timezone, manifest.watchlist, age, manifest.max_age_seconds);
          verdict.item = seen;
          verdict.confirmed = current.confirmed;
          return verdict;
        });
      });
    });
  }

  function fact(list, label, value) {
    var row = document.createElement("div");
    var dt = document.createElement("dt");
    var dd = document.createElement("dd");
    dt.textContent = label;
    dd.textContent = value;
    row.appendChild(dt);
    row.appendChild(dd);
    list.appendChild(row);
  }

  function dateTime(ms) {
    var d = new Date(ms);
    return d.getFullYear() + "-" + ("0" + (d.getMonth() + 1)).slice(-2) + "-" + ("0" + d.getDate()).slice(-2) + " " + clock(ms);
  }

  function render(token, verdict) {
    var template = document.getElementById("offline-verdict");
    var texts = words.querySelector('[data-reason="' + verdict.reason + '"]') || words.querySelector('[data-reason="unknown"]');
    var card = template.content.firstElementChild.cloneNode(true);
    var tone = texts.dataset.tone;
    card.classList.add("verdict--" + tone);
    card.dataset.verdict = verdict.reason;
    card.dataset.tone = tone;
    card.querySelector('[data-slot="headline"]').textContent = texts.dataset.headline;
    card.querySelector('[data-slot="sentence"]').textContent = verdict.typed ? words.dataset.typed : texts.textContent.trim();
    if (verdict.confirmed) {
      card.querySelector('[data-slot="offline"]').textContent = say(words.dataset.checked, { time: clock(verdict.confirmed) });
    }
    var facts = card.querySelector('[data-slot="facts"]');
    var item = verdict.item;
    if (item) {
      card.dataset.outboxSubject = item.guest;
      fact(facts, words.dataset.guest, item.guest);
      fact(facts, words.dataset.visiting, item.unit);
      if (!item.weekdays) fact(facts, words.dataset.valid, dateTime(item.starts * 1000) + " – " + dateTime(item.ends * 1000));
      if (verdict.next_window) fact(facts, words.dataset.next, dateTime(verdict.next_window[0]) + " – " + clock(verdict.next_window[1]));
      if (verdict.reason === "valid" || verdict.reason === "already_inside" || verdict.reason === "used_up") {
        fact(facts, words.dataset.entriesLeft, verdict.entries_left == null ? words.dataset.multiple : String(verdict.entries_left));
      }
      if (item.party) fact(facts, words.dataset.party, String(item.party));
      if (item.vehicle) fact(facts, words.dataset.vehicle, item.vehicle);
    } else {
      facts.remove();
    }
    Array.prototype.forEach.call(card.querySelectorAll("form[data-slot]"), function (action) {
      if (action.dataset.slot === verdict.reason) {
        action.hidden = false;
        action.elements.token.value = token;
      } else {
        action.remove();
      }
    });
    var area = document.getElementById("verdict");
    area.innerHTML = "";
    area.appendChild(card);
    if (window.htmx) htmx.process(card);
    document.dispatchEvent(new CustomEvent("outbox:swapped", { detail: { target: area } }));
  }

  function offlineVerdict() {
    var token = (form.elements.token.value || "").trim();
    if (!token) return;
    judge(token).then(function (verdict) { render(token, verdict); }, function () { render(token, { reason: "stale" }); });
  }

  function init() {
    form = document.querySelector("[data-offline-gate]");
    words = document.getElementById("offline-words");
    ageLine = document.querySelector("[data-offline-list-age]");
    if (!form || !words || !box || !rules) return;
    if (form.dataset.nobleSrc) rules.setNobleUrl(form.dataset.nobleSrc);
    // No signal: no request at all, the phone answers at once.
    form.addEventListener("htmx:confirm", function (event) {
      if (navigator.onLine === false) {
        event.preventDefault();
        offlineVerdict();
      }
    });
    // A request that failed or took too long: the phone answers.
    ["htmx:sendError", "htmx:timeout"].forEach(function (name) {
      form.addEventListener(name, offlineVerdict);
    });
    refresh();
    setInterval(refresh, REFRESH_MS);
    window.addEventListener("online", refresh);
  }

  window.GatepostOfflineGate = { refresh: refresh, judge: judge };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
