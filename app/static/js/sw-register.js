/* Registers the service worker (root scope) so the app installs and opens offline.
 *
 * A new version waits beside the old one until it is safe to take over: no guard action being
 * sent, and the guard not in the middle of a verdict or a form. It then takes over, and a page
 * with nothing on it to lose reloads so it runs the new version.
 *
 * The pages the worker keeps for offline use are one person's: when another person signs in on
 * this phone (or nobody is), they are dropped. */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  var PERSON = "gatepost-person";
  var reloadWhenActive = false;

  function busy() {
    var sending = window.GatepostOutboxPage && window.GatepostOutboxPage.isSending();
    var shown = document.querySelector("#verdict [data-verdict], [data-outbox-busy]");
    var typing = document.activeElement && /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName) &&
      document.activeElement.value;
    return Boolean(sending || shown || typing);
  }

  function takeOverWhenIdle(worker) {
    if (!worker) return;
    if (busy()) {
      setTimeout(function () { takeOverWhenIdle(worker); }, 2000);
      return;
    }
    reloadWhenActive = true;
    worker.postMessage({ type: "skip-waiting" });
  }

  function follow(fresh) {
    if (!fresh) return;
    fresh.addEventListener("statechange", function () {
      if (fresh.state === "installed" && navigator.serviceWorker.controller) takeOverWhenIdle(fresh);
    });
  }

  // A new version found before this page listened (the browser looks on every navigation, and
  // register() may answer while it installs) is followed too: missed, it would wait until every
  // tab of the app was closed.
  function watch(registration) {
    if (registration.waiting && navigator.serviceWorker.controller) takeOverWhenIdle(registration.waiting);
    follow(registration.installing);
    registration.addEventListener("updatefound", function () { follow(registration.installing); });
  }

  navigator.serviceWorker.addEventListener("controllerchange", function () {
    if (reloadWhenActive && !busy()) window.location.reload();
  });

  function forgetOtherPersonsPages() {
    var meta = document.querySelector('meta[name="gp-person"]');
    var person = meta ? meta.content : "";
    var before = localStorage.getItem(PERSON);
    if (before !== person) {
      localStorage.setItem(PERSON, person);
      if (before !== null) {
        navigator.serviceWorker.ready.then(function (r) {
          if (r.active) r.active.postMessage({ type: "forget-pages", keep: person });
        });
      }
    }
  }

  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function (registration) {
      watch(registration);
      // Looked for on every page load too, not only on the browser's own schedule.
      if (navigator.onLine !== false) registration.update().catch(function () { /* offline: later */ });
    }).catch(function () { /* the app works without it */ });
    try { forgetOtherPersonsPages(); } catch (e) { /* no storage: nothing kept to forget */ }
  });
})();
