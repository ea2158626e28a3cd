/* Passkey ceremonies for [data-passkey-signin] and [data-passkey-register] sections.
 * The server gives the options (with a single-use challenge id) and checks the answer;
 * this file only talks to the browser's WebAuthn API and shows progress and errors. */
(function () {
  "use strict";

  function b64urlToBuffer(value) {
    const pad = "=".repeat((4 - (value.length % 4)) % 4);
    const binary = atob((value + pad).replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function bufferToB64url(buffer) {
    const bytes = new Uint8Array(buffer);
    let binary = "";
    for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function creationOptions(json) {
    if (window.PublicKeyCredential && PublicKeyCredential.parseCreationOptionsFromJSON) {
      return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    }
    const o = Object.assign({}, json);
    o.challenge = b64urlToBuffer(json.challenge);
    o.user = Object.assign({}, json.user, { id: b64urlToBuffer(json.user.id) });
    o.excludeCredentials = (json.excludeCredentials || []).map((c) => Object.assign({}, c, { id: b64urlToBuffer(c.id) }));
    return o;
  }

  function requestOptions(json) {
    if (window.PublicKeyCredential && PublicKeyCredential.parseRequestOptionsFromJSON) {
      return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    }
    const o = Object.assign({}, json);
    o.challenge = b64urlToBuffer(json.challenge);
    o.allowCredentials = (json.allowCredentials || []).map((c) => Object.assign({}, c, { id: b64urlToBuffer(c.id) }));
    return o;
  }

  function credentialJSON(cred) {
    if (typeof cred.toJSON === "function") return cred.toJSON();
    const r = cred.response;
    const response = { clientDataJSON: bufferToB64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = bufferToB64url(r.attestationObject);
      if (r.getTransports) response.transports = r.getTransports();
    } else {
      response.authenticatorData = bufferToB64url(r.authenticatorData);
      response.signature = bufferToB64url(r.signature);
      if (r.userHandle) response.userHandle = bufferToB64url(r.userHandle);
    }
    return {
      id: cred.id, rawId: bufferToB64url(cred.rawId), type: cred.type, response: response,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
    };
  }

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  async function postJSON(url, body) {
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify(body || {}),
      });
    } catch (e) {
      const err = new Error("network"); err.kind = "network"; throw err;
    }
    let data = {};
    try { data = await response.json(); } catch (e) { /* an empty or HTML body */ }
    if (!response.ok) {
      const err = new Error(data.error || "failed"); err.kind = "server"; err.serverMessage = data.error; throw err;
    }
    return data;
  }

  function setup(section, mode) {
    const button = section.querySelector("[data-passkey-start]");
    const status = section.querySelector("[data-passkey-status]");
    const error = section.querySelector("[data-passkey-error]");
    const messages = {};
    const tpl = section.querySelector("template[data-passkey-messages]");
    if (tpl) tpl.content.querySelectorAll("[data-key]").forEach((el) => { messages[el.dataset.key] = el.textContent; });
    let conditional = null;

    function show(el, text) { el.textContent = text; el.hidden = !text; }
    function busy(on) {
      button.disabled = on;
      button.setAttribute("aria-busy", on ? "true" : "false");
      show(status, on ? messages.working : "");
    }
    function fail(e) {
      busy(false);
      let text = messages.failed;
      if (e && e.kind === "network") text = messages.network;
      else if (e && e.serverMessage) text = e.serverMessage;
      else if (e && (e.name === "NotAllowedError" || e.name === "AbortError")) text = messages.cancelled;
      else if (e && e.name === "InvalidStateError" && mode !== "signin") text = messages.failed;
      show(error, text);
      button.focus();
    }

    async function finish(challengeId, cred) {
      const body = { challengeId: challengeId, credential: credentialJSON(cred) };
      if (section.dataset.next) body.next = section.dataset.next;
      const result = await postJSON(section.dataset.verifyUrl, body);
      window.location.assign(result.redirect || "/");
    }

    async function start(event, mediation) {
      if (!window.PublicKeyCredential || !navigator.credentials) { show(error, messages.unsupported); return; }
      if (!mediation && conditional) { conditional.abort(); conditional = null; }
      if (!mediation) { show(error, ""); busy(true); }
      try {
        const options = await postJSON(section.dataset.optionsUrl);
        let cred;
        if (mode === "signin") {
          const request = { publicKey: requestOptions(options.publicKey) };
          if (mediation) { conditional = new AbortController(); request.mediation = "conditional"; request.signal = conditional.signal; }
          cred = await navigator.credentials.get(request);
        } else {
          cred = await navigator.credentials.create({ publicKey: creationOptions(options.publicKey) });
        }
        if (mediation) busy(true);
        await finish(options.challengeId, cred);
      } catch (e) {
        if (mediation && e && e.name === "AbortError") return;  // the button took over
        if (mediation) { conditional = null; return; }
        fail(e);
      }
    }

    if (!window.PublicKeyCredential) { show(error, messages.unsupported); button.disabled = true; return; }
    button.addEventListener("click", (event) => start(event, false));
    if (mode === "signin" && PublicKeyCredential.isConditionalMediationAvailable) {
      PublicKeyCredential.isConditionalMediationAvailable().then((ok) => { if (ok) start(null, true); }).catch(() => {});
    }
  }

  document.querySelectorAll("[data-passkey-signin]").forEach((s) => setup(s, "signin"));
  document.querySelectorAll("[data-passkey-register]").forEach((s) => setup(s, "register"));
})();
