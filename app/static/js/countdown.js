// Counts down, once a second, to the moment in [data-countdown="<ms since 1970>"]: the consent
// deadline on the guard's waiting screen and the resident's request, shown as m:ss. The phone's
// clock may be wrong, so the count runs on the server's: the page's script tag carries the
// server's time when the page was made (data-server-now). The element itself stays the same
// from poll to poll, so an unchanged waiting screen is answered with a 304.
(function () {
  "use strict";

  var script = document.currentScript;
  var serverNow = script ? parseInt(script.getAttribute("data-server-now"), 10) : NaN;
  var offset = isNaN(serverNow) ? 0 : serverNow - Date.now();  // the server's clock minus this phone's

  function show(el, seconds) {
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    el.textContent = m + ":" + (s < 10 ? "0" : "") + s;
  }

  function tick() {
    var now = Date.now() + offset;
    var els = document.querySelectorAll("[data-countdown]");
    for (var i = 0; i < els.length; i++) {
      var deadline = parseInt(els[i].getAttribute("data-countdown"), 10);
      if (!isNaN(deadline)) show(els[i], Math.max(0, Math.ceil((deadline - now) / 1000)));
    }
  }

  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSwap", tick);
  setInterval(tick, 1000);
})();
