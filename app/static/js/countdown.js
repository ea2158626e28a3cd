// Counts down the seconds shown in [data-countdown="N"] once a second (the consent timeout on
// the guard's waiting screen and the resident's request). The server's figure is the truth:
// each poll brings a fresh element with the server's count, and the count starts from there,
// so a phone with a wrong clock still shows the right time left.
(function () {
  "use strict";

  function show(el, seconds) {
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    el.textContent = m + ":" + (s < 10 ? "0" : "") + s;
  }

  function tick() {
    var els = document.querySelectorAll("[data-countdown]");
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var left = parseInt(el.getAttribute("data-left") || el.getAttribute("data-countdown"), 10);
      if (isNaN(left)) continue;
      if (el.hasAttribute("data-left")) left = Math.max(0, left - 1);
      el.setAttribute("data-left", String(left));
      show(el, left);
    }
  }

  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSwap", tick);
  setInterval(tick, 1000);
})();
