// Live screens: a region that waits for someone else (marked by _partials/live.html with
// data-live="TOPICS" data-live-every="SECONDS") asks again for its partial when the page's event
// stream names one of its topics, and polls at its own interval whenever the stream is not
// working. The stream is <body data-live-stream="URL">, read with fetch so its keep-alive
// comments show it is alive; it carries topic names only (routes/live.py).
//
// - While the stream works, a region still asks every SAFETY_MS, in case an event was lost.
// - A region that changes by the clock (a consent deadline) says when: data-live-at="MS".
// - The stream failing, or silent past SILENT_MS (a proxy holding it back, a connection a phone
//   dropped), means polling, and opening it again after a back-off with jitter.
// - Each time the stream opens (ready), every region asks again: what changed while there was
//   none is then on screen.
// - Hidden for HIDDEN_MS (a phone asleep, another tab), the page lets its stream go, and opens
//   it again when shown.
// - An answer the same as the region's last is not swapped in: the region's buttons stay the
//   ones the person is about to tap (a swap during a tap loses it), and focus stays put.
// - Once the page starts to leave (a form sent, a link followed), no region asks and no answer
//   is acted on: signing out must not be overtaken by a region's "please sign in" redirect.
// <body data-live-state="live|polling"> says which it is (for the tests, and for styles).
(function () {
  "use strict";

  var TICK_MS = 1000;
  var SAFETY_MS = 60000;
  var SILENT_MS = 65000;  // two keep-alives (25 s) missed, and some
  var HIDDEN_MS = 30000;
  var FIRST_RETRY_MS = 1000;
  var MOST_RETRY_MS = 60000;

  var body = document.body;
  var url = body.getAttribute("data-live-stream");
  var canStream = !!(url && window.fetch && window.AbortController && window.TextDecoder);
  var controller = null;   // the open stream's, if any
  var live = false;        // the stream is open and heard from
  var heard = 0;           // when it last said anything
  var retryAt = 0;         // when to open it again (0: when needed)
  var retries = 0;
  var stopped = false;     // refused for good (signed out) or displaced: until shown again
  var hiddenSince = 0;
  var offset = 0;          // the server's clock minus this phone's, from the stream's Date
  var fetched = new WeakMap();  // region -> when it last asked
  var shown = new WeakMap();    // region -> the answer it shows (the last one swapped in)
  var leavingSince = 0;    // the page began to leave (0: it is staying)
  var LEAVING_MS = 10000;  // a navigation that did not happen (a 204, a download) is forgotten

  function now() { return Date.now(); }

  function setState(isLive) {
    live = isLive;
    body.setAttribute("data-live-state", isLive ? "live" : "polling");
  }

  function regions() { return document.querySelectorAll("[data-live]"); }

  function leaving() { return leavingSince && now() - leavingSince < LEAVING_MS; }

  function refresh(el) {
    if (leaving()) return;
    fetched.set(el, now());
    if (window.htmx) window.htmx.trigger(el, "live:refresh");
  }

  function refreshAll() { Array.prototype.forEach.call(regions(), refresh); }

  function refreshTopic(topic) {
    Array.prototype.forEach.call(regions(), function (el) {
      if ((" " + el.getAttribute("data-live") + " ").indexOf(" " + topic + " ") >= 0) refresh(el);
    });
  }

  function close() {
    if (controller) controller.abort();
    controller = null;
    setState(false);
  }

  function retryLater(atLeastMs) {
    var wait = Math.min(MOST_RETRY_MS, FIRST_RETRY_MS * Math.pow(2, retries));
    retries += 1;
    retryAt = now() + Math.max(atLeastMs || 0, wait * (0.5 + Math.random() / 2));
  }

  function onEvent(name) {
    if (name === "ready") {
      setState(true);
      retries = 0;
      refreshAll();
    } else if (name === "resync") {
      refreshAll();
    } else if (name === "again") {
      close();
      retryAt = 0;
    } else if (name === "displaced") {
      close();
      stopped = true;
    } else {
      refreshTopic(name);
    }
  }

  // Server-sent events: blocks separated by a blank line; "event:" names one, ":" is a comment.
  function read(reader, mine) {
    var decoder = new TextDecoder();
    var buffer = "";
    function more() {
      return reader.read().then(function (chunk) {
        if (chunk.done || controller !== mine) return;
        heard = now();
        buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n?/g, "\n");
        var end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          var block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          var match = /^event: ?(.*)$/m.exec(block);
          if (match) onEvent(match[1]);
        }
        return more();
      });
    }
    return more();
  }

  function open() {
    var mine = new AbortController();
    controller = mine;
    heard = now();
    fetch(url, { headers: { Accept: "text/event-stream" }, credentials: "same-origin", cache: "no-store",
                 signal: mine.signal })
      .then(function (response) {
        if (!response.ok || !response.body) {
          if (response.status === 401 || response.status === 403 || response.status === 404) stopped = true;
          var after = parseInt(response.headers.get("Retry-After"), 10);
          throw { retryMs: isNaN(after) ? 0 : after * 1000 };
        }
        var date = Date.parse(response.headers.get("Date"));
        if (!isNaN(date)) offset = date - now();
        return read(response.body.getReader(), mine);
      })
      .then(function () {
        if (controller === mine) { close(); retryLater(); }
      }, function (problem) {
        if (controller === mine) { close(); retryLater(problem && problem.retryMs); }
      });
  }

  function due(el, t) {
    var last = fetched.get(el);
    if (last === undefined) { fetched.set(el, t); return false; }  // just rendered
    var at = parseInt(el.getAttribute("data-live-at"), 10);
    if (!isNaN(at) && t + offset >= at + 500 && last + offset < at + 500) return true;
    var every = parseInt(el.getAttribute("data-live-every"), 10) * 1000;
    if (live) every = SAFETY_MS;
    return !isNaN(every) && t - last >= every;
  }

  function tick() {
    var t = now();
    var found = regions();
    Array.prototype.forEach.call(found, function (el) { if (due(el, t)) refresh(el); });
    if (!canStream || stopped || leaving()) return;
    if (controller && t - heard > SILENT_MS) { close(); retryLater(); }
    if (document.hidden && hiddenSince && t - hiddenSince > HIDDEN_MS) { close(); retryAt = 0; return; }
    if (!controller && found.length && !document.hidden && t >= retryAt) open();
  }

  window.addEventListener("beforeunload", function () { leavingSince = now(); close(); });
  window.addEventListener("pageshow", function () { leavingSince = 0; });
  document.addEventListener("htmx:beforeOnLoad", function (event) {
    var el = event.detail && event.detail.elt;
    if (leaving() && el && el.hasAttribute && el.hasAttribute("data-live")) event.preventDefault();
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var el = event.detail && event.detail.elt;
    if (!el || !el.hasAttribute || !el.hasAttribute("data-live") || !event.detail.shouldSwap) return;
    var text = event.detail.serverResponse;
    if (shown.get(el) === text) event.detail.shouldSwap = false;
    else shown.set(el, text);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var el = event.detail && event.detail.elt;
    if (el && el.hasAttribute && el.hasAttribute("data-live")) fetched.set(el, now());
  });
  document.addEventListener("visibilitychange", function () {
    hiddenSince = document.hidden ? now() : 0;
    if (!document.hidden && (stopped || !controller)) {
      stopped = false;
      retries = 0;
      retryAt = 0;
      tick();
    }
  });

  setState(false);
  setInterval(tick, TICK_MS);
  tick();
})();
