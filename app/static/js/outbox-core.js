// The outbox: every guard action (admit, exit, register, ...) is written to IndexedDB on the
// phone before it is sent, with its key and the time it was taken, and leaves the phone only
// when the server's whole answer has been read. Nothing is ever dropped: an action the server
// refuses stays, marked "not accepted" with the reason, until the guard clears it.
//
// Shared by the pages (static/js/outbox.js) and the service worker (Background Sync), so either
// can send what waits; one flush at a time (a Web Lock), and each action is held by a lock of its
// own while it is being sent, so the page that sends it as the guard taps is not doubled by a
// flush, and a send cut off by a closed page frees the action at once (the browser drops the
// lock with the page). Actions are kept per person: only the person signed
// in on this phone sends theirs (another guard signing in on the same phone leaves them alone).
(function (scope) {
  "use strict";

  var DB_NAME = "gatepost";
  var DB_VERSION = 1;
  var ACTIONS = "actions";
  var SENT = "sent";
  var STORE = "store"; // small named values: gate manifests
  var KEEP_SENT = 30;
  var LOCK = "gatepost-outbox";
  var REFUSED_STATUSES = [400, 403, 404, 405, 410, 413, 422];
  var channel = typeof BroadcastChannel !== "undefined" ? new BroadcastChannel("gatepost-outbox") : null;

  var opening = null;
  function open() {
    if (opening) return opening;
    opening = new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains(ACTIONS)) db.createObjectStore(ACTIONS, { keyPath: "key" });
        if (!db.objectStoreNames.contains(SENT)) db.createObjectStore(SENT, { keyPath: "key" });
        if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE);
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { opening = null; reject(request.error); };
    });
    return opening;
  }

  function run(storeName, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(storeName, mode);
        var result;
        Promise.resolve(work(tx.objectStore(storeName))).then(function (r) { result = r; });
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  function asPromise(request) {
    return new Promise(function (resolve, reject) {
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  // Tells the pages (this one and the others, and the worker's) that the outbox changed;
  // ``answered`` when the server just answered an action (sent or refused): it is reachable.
  function changed(answered) {
    var detail = { type: "changed", answered: Boolean(answered) };
    if (channel) channel.postMessage(detail);
    if (scope.dispatchEvent && typeof CustomEvent !== "undefined" && scope.document) {
      scope.dispatchEvent(new CustomEvent("outbox:changed", { detail: detail }));
    }
  }

  function all() {
    return run(ACTIONS, "readonly", function (store) { return asPromise(store.getAll()); })
      .then(function (items) { return items.sort(function (a, b) { return a.created - b.created; }); });
  }

  function put(item) {
    return run(ACTIONS, "readwrite", function (store) { store.put(item); }).then(function () { changed(); return item; });
  }

  function remove(key) {
    return run(ACTIONS, "readwrite", function (store) { store.delete(key); }).then(changed);
  }

  function sentLog() {
    return run(SENT, "readonly", function (store) { return asPromise(store.getAll()); })
      .then(function (items) { return items.sort(function (a, b) { return b.sent - a.sent; }); });
  }

  // Delivered: out of the outbox, into the short log of what was sent (the strip shows it).
  function delivered(item, answer) {
    var record = {
      key: item.key, label: item.label, person: item.person, created: item.created, sent: Date.now(),
      location: answer.location || "", reason: answer.reason || "",
    };
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction([ACTIONS, SENT], "readwrite");
        tx.objectStore(ACTIONS).delete(item.key);
        var log = tx.objectStore(SENT);
        log.put(record);
        log.getAll().onsuccess = function (event) {
          var old = event.target.result.sort(function (a, b) { return b.sent - a.sent; }).slice(KEEP_SENT);
          old.forEach(function (r) { log.delete(r.key); });
        };
        tx.oncomplete = function () { resolve(record); };
        tx.onerror = function () { reject(tx.error); };
      });
    }).then(function (r) { changed(true); return r; });
  }

  function getValue(name) {
    return run(STORE, "readonly", function (store) { return asPromise(store.get(name)); });
  }

  function setValue(name, value) {
    return run(STORE, "readwrite", function (store) { store.put(value, name); });
  }

  // Who is signed in on this phone, and a fresh CSRF token to send with.
  function session() {
    return fetch("/outbox/session", { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : { person: null }; });
  }

  // What the answer says: accepted, refused (with the reason code) or not yet (send again later).
  function outcome(response) {
    var status = response.status;
    var said = response.headers.get("x-gatepost-outcome");
    var reason = response.headers.get("x-gatepost-reason") || "";
    var location = response.headers.get("x-gatepost-location") || "";
    if (status === 401) return { state: "waiting", why: "signed_out" };
    if (status === 408 || status === 409 || status === 429 || status >= 500) return { state: "waiting", why: "later" };
    if (said === "refused" || REFUSED_STATUSES.indexOf(status) >= 0) {
      return { state: "refused", reason: reason || String(status), location: location, status: status };
    }
    if (status >= 200 && status < 300) return { state: "sent", reason: reason, location: location, status: status };
    return { state: "waiting", why: "later" };
  }

  function body(item, csrf, mode) {
    var fields = item.fields.filter(function (f) { return f[0] !== "_csrf_token"; });
    fields.push(["_csrf_token", csrf]);
    fields.push(["sent_at", new Date().toISOString()]);
    if (item.multipart) {
      var form = new FormData();
      // A file goes with its name; FormData refuses a third argument beside a text value.
      fields.forEach(function (f) {
        if (f.length > 2 && typeof f[1] !== "string") form.append(f[0], f[1], f[2]);
        else form.append(f[0], f[1]);
      });
      return form;
    }
    var params = new URLSearchParams();
    fields.forEach(function (f) { params.append(f[0], f[1]); });
    return params;
  }

  function withItemLock(key, work) {
    if (scope.navigator && scope.navigator.locks) {
      return scope.navigator.locks.request("gatepost-send-" + key, { ifAvailable: true }, function (lock) {
        return lock ? work() : { state: "waiting", why: "busy" };
      });
    }
    return work();
  }

  // One send: the answer is read whole before the action counts as delivered (a connection cut
  // after the headers would otherwise lose it).
  function send(item, who, mode) {
    return withItemLock(item.key, function () {
      return fetch(item.url, {
        method: "POST",
        credentials: "same-origin",
        redirect: "follow",
        headers: { "X-CSRFToken": who.csrf, "X-Gatepost-Outbox": mode, "HX-Request": "true" },
        body: body(item, who.csrf, mode),
      }).then(function (response) {
        return response.text().then(function (text) {
          var answer = outcome(response);
          answer.text = text;
          answer.url = response.url;
          return settle(item, answer).then(function () { return answer; });
        });
      }, function () {
        var answer = { state: "waiting", why: "network" };
        return settle(item, answer).then(function () { return answer; });
      });
    });
  }

  function settle(item, answer) {
    if (answer.state === "sent") return delivered(item, answer);
    var next = Object.assign({}, item, { attempts: (item.attempts || 0) + 1 });
    if (answer.state === "refused") {
      next.state = "refused";
      next.reason = answer.reason;
      next.location = answer.location || "";
      next.message = messageOf(answer);
    } else {
      next.state = "waiting";
      next.last_problem = answer.why;
    }
    return put(next).then(function () { if (answer.state === "refused") changed(true); });
  }

  // The sentence the server put on its refusal, if the page can read one.
  function messageOf(answer) {
    if (!answer.text || typeof DOMParser === "undefined") return "";
    try {
      var doc = new DOMParser().parseFromString(answer.text, "text/html");
      var node = doc.querySelector("[data-outcome-message], .form-errors, .flash, [role=alert] .verdict__reason");
      return node ? node.textContent.trim().replace(/\s+/g, " ").slice(0, 300) : "";
    } catch (e) {
      return "";
    }
  }

  function isSendable(item, person) {
    return item.person === person && item.state !== "refused";
  }

  function withLock(work) {
    if (scope.navigator && scope.navigator.locks) {
      return scope.navigator.locks.request(LOCK, { ifAvailable: true }, function (lock) {
        return lock ? work() : { skipped: true };
      });
    }
    return work();
  }

  // Send everything of the signed-in person that waits, oldest first; stop at the first sign of
  // no network (the rest would fail the same way).
  function flush() {
    return withLock(function () {
      return all().then(function (items) {
        if (!items.some(function (i) { return i.state !== "refused"; })) return { sent: 0, left: 0 };
        return session().then(function (who) {
          if (!who.person) return { sent: 0, left: items.length, signedOut: true };
          var queue = items.filter(function (i) { return isSendable(i, who.person); });
          var sent = 0;
          function next(index) {
            if (index >= queue.length) return { sent: sent, left: queue.length - sent };
            return send(queue[index], who, "replay").then(function (answer) {
              if (answer.why === "busy") return next(index + 1); // its page is sending it now
              if (answer.state === "waiting") return { sent: sent, left: queue.length - sent, stopped: answer.why };
              sent += 1;
              return next(index + 1);
            });
          }
          return next(0);
        }, function () { return { sent: 0, left: items.length, offline: true }; });
      });
    });
  }

  scope.GatepostOutbox = {
    all: all, put: put, remove: remove, sentLog: sentLog, send: send, flush: flush, session: session,
    getValue: getValue, setValue: setValue, isSendable: isSendable, channel: channel,
  };
})(typeof self !== "undefined" ? self : window);
