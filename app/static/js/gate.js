// The gate pages around the scanner: the gate a guard stands at is remembered (a cookie the
// server reads for exits recorded from lists), a verdict buzzes and beeps (different for
// "pass" and "stop") and pauses the camera, and "Scan next" clears it and resumes.
(function () {
  "use strict";

  var YEAR = 365 * 24 * 3600;

  function rememberGate(select) {
    document.cookie = "gp_gate=" + encodeURIComponent(select.value) + "; path=/; max-age=" + YEAR + "; samesite=lax";
  }

  var audio = null;
  function beep(tone) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") audio.resume();
      // Pass: two short high notes. Stop: one long low buzz.
      var notes = tone === "ok" ? [[880, 0, 0.12], [1320, 0.16, 0.12]] : [[220, 0, 0.45]];
      notes.forEach(function (n) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.type = tone === "ok" ? "sine" : "square";
        osc.frequency.value = n[0];
        gain.gain.value = 0.2;
        osc.connect(gain);
        gain.connect(audio.destination);
        osc.start(audio.currentTime + n[1]);
        osc.stop(audio.currentTime + n[1] + n[2]);
      });
    } catch (e) { /* no sound: the colour and the vibration still say it */ }
  }

  function feedback(verdict) {
    var tone = verdict.dataset.tone;
    verdict.focus();
    // Buzz and beep once the verdict is on screen: the first sound (making an AudioContext)
    // takes up to a tenth of a second of a slow phone's main thread, and the guard looks first.
    requestAnimationFrame(function () {
      setTimeout(function () {
        if (navigator.vibrate) {
          try { navigator.vibrate(tone === "ok" ? [80, 60, 80] : [400]); } catch (e) { /* ignore */ }
        }
        beep(tone);
      }, 0);
    });
  }

  function init() {
    var select = document.querySelector("[data-remember-gate]");
    if (select) {
      rememberGate(select);
      select.addEventListener("change", function () { rememberGate(select); });
    }
    var shown = document.querySelector("#verdict [data-verdict]");
    if (shown) document.dispatchEvent(new CustomEvent("scanner:pause"));
  }

  // A verdict shown (by htmx, by the outbox after an admit, or by the phone with no signal).
  function shown(event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== "verdict") return;
    var verdict = target.querySelector("[data-verdict]");
    if (verdict) {
      document.dispatchEvent(new CustomEvent("scanner:pause"));
      feedback(verdict);
    }
  }
  ["htmx:afterSwap", "outbox:swapped", "outbox:saved"].forEach(function (name) {
    document.addEventListener(name, shown);
  });

  // A verify the server answered with an error (shown in the flash area) must not leave the
  // camera paused: the guard simply scans again. (One that never arrived gets the phone's own
  // verdict: static/js/offline-gate.js.)
  document.addEventListener("htmx:responseError", function (event) {
    var form = event.detail && event.detail.elt;
    if (form && form.id === "manual-entry") {
      setTimeout(function () { document.dispatchEvent(new CustomEvent("scanner:resume")); }, 1500);
    }
  });

  document.addEventListener("click", function (event) {
    var next = event.target.closest && event.target.closest("[data-scan-next]");
    if (!next || !document.getElementById("manual-entry")) return;
    event.preventDefault();
    document.getElementById("verdict").innerHTML = "";
    var field = document.querySelector("#manual-entry [name=token]");
    if (field) field.value = "";
    document.dispatchEvent(new CustomEvent("scanner:resume"));
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
