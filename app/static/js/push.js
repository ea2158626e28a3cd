/* "Turn on notifications on this device" for a [data-push] section: asks the browser for
 * permission, subscribes with the server's VAPID public key and hands the subscription to the
 * server (which may refuse a push service outside its allow-list, with a message shown here).
 * "Turn off" forgets it on both sides. The device list marks this device by a hash of its
 * endpoint, so the endpoint itself is never shown. */
(function () {
  "use strict";
  const section = document.querySelector("[data-push]");
  if (!section) return;
  const status = section.querySelector("[data-push-status]");
  const onButton = section.querySelector("[data-push-on]");
  const offButton = section.querySelector("[data-push-off]");
  const errorBox = section.querySelector("[data-push-error]");
  const messages = {};
  const template = section.querySelector("template[data-push-messages]");
  if (template) {
    template.content.querySelectorAll("[data-key]").forEach(function (el) { messages[el.dataset.key] = el.textContent; });
  }
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function say(key) { status.textContent = messages[key] || key; }
  function fail(text) { errorBox.textContent = text; errorBox.hidden = false; }
  function busy(button, on) { if (on) button.setAttribute("aria-busy", "true"); else button.removeAttribute("aria-busy"); button.disabled = on; }
  function show(subscribed) {
    say(subscribed ? "on" : "off");
    onButton.hidden = subscribed;
    offButton.hidden = !subscribed;
  }

  function keyBytes(value) {
    const pad = "=".repeat((4 - (value.length % 4)) % 4);
    const binary = atob((value + pad).replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  async function endpointHash(endpoint) {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(endpoint));
    return Array.from(new Uint8Array(digest)).map((b) => b.toString(16).padStart(2, "0")).join("").slice(0, 16);
  }

  async function markThisDevice(subscription) {
    if (!subscription || !(window.crypto && crypto.subtle)) return false;
    const hash = await endpointHash(subscription.endpoint);
    const item = document.querySelector('[data-device="' + hash + '"]');
    if (!item) return false;
    const badge = item.querySelector("[data-this-device]");
    if (badge) badge.hidden = false;
    return true;
  }

  async function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    });
  }

  async function errorText(response) {
    try { return (await response.json()).error || messages.failed; } catch (e) { return messages.failed; }
  }

  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say("unsupported");
    return;
  }

  navigator.serviceWorker.ready.then(async function (registration) {
    const subscription = await registration.pushManager.getSubscription();
    show(await markThisDevice(subscription));

    onButton.addEventListener("click", async function () {
      errorBox.hidden = true;
      busy(onButton, true);
      say("working");
      let subscription = null;
      try {
        const permission = await Notification.requestPermission();
        if (permission !== "granted") { show(false); fail(messages.denied); return; }
        const options = { userVisibleOnly: true, applicationServerKey: keyBytes(section.dataset.publicKey) };
        try {
          subscription = await registration.pushManager.subscribe(options);
        } catch (e) {
          // A subscription made for another server key (the server's key was replaced) must go first.
          const old = await registration.pushManager.getSubscription();
          if (!old) throw e;
          await old.unsubscribe();
          subscription = await registration.pushManager.subscribe(options);
        }
      } catch (e) {
        show(false); fail(messages.failed); return;
      } finally {
        busy(onButton, false);
      }
      let response;
      try {
        response = await post(section.dataset.subscribeUrl, subscription.toJSON());
      } catch (e) {
        show(false); fail(messages.network); return;
      }
      if (response.ok) {
        window.location.assign(window.location.pathname + "?done=on");
        return;
      }
      // The server will not send to this subscription: do not leave it behind in the browser.
      fail(await errorText(response));
      try { await subscription.unsubscribe(); } catch (e) { /* nothing more to undo */ }
      show(false);
    });

    offButton.addEventListener("click", async function () {
      errorBox.hidden = true;
      busy(offButton, true);
      try {
        const current = await registration.pushManager.getSubscription();
        if (current) {
          const response = await post(section.dataset.unsubscribeUrl, { endpoint: current.endpoint });
          if (!response.ok) { fail(await errorText(response)); return; }
          await current.unsubscribe();
        }
        window.location.assign(window.location.pathname + "?done=off");
      } catch (e) {
        fail(messages.network);
      } finally {
        busy(offButton, false);
      }
    });
  });
})();
