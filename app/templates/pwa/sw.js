/* Gatepost service worker, version {{ version }}.
 *
 * Static files are precached under a versioned cache (the QR decoder's wasm is not: it is
 * kept when a phone that scans first loads it, and never fetched where the phone reads QR
 * codes itself). Pages go to the network first; the ones a guard needs with no signal (the
 * server marks them "x-gatepost-offline: keep") are kept as they are opened and served when
 * there is no network, other pages fall back to the offline page. A response the server marks
 * "no-store" (a page with an ID number or a phone in full) is never kept: besides the precache,
 * every copy goes through keep(). Guard actions kept in IndexedDB (static/js/outbox-core.js)
 * are sent from here too, by Background Sync.
 *
 * A new version installs beside the old and waits: the page tells it to take over when no
 * action is being sent (static/js/sw-register.js), and old static caches are then removed. */
const CACHE = "gatepost-{{ version }}";
const PAGES = "gatepost-pages";
const OFFLINE_URL = {{ offline_url | tojson }};
const PRECACHE = {{ precache | tojson }};

importScripts({{ static_url('js/outbox-core.js') | tojson }});

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("gatepost-") && k !== CACHE && k !== PAGES)
        .map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("message", (event) => {
  const type = event.data && event.data.type;
  if (type === "skip-waiting") self.skipWaiting();
  // Signed out, or another person signed in: the pages kept for anyone else go.
  if (type === "forget-pages") event.waitUntil(forgetPagesBut(event.data.keep || ""));
});

self.addEventListener("sync", (event) => {
  if (event.tag === "gatepost-outbox") event.waitUntil(self.GatepostOutbox.flush());
});

function forgetPagesBut(person) {
  return caches.open(PAGES).then((cache) => cache.keys().then((keys) => Promise.all(keys.map((key) =>
    cache.match(key).then((kept) => {
      if (!kept || kept.headers.get("x-gatepost-person") !== person) return cache.delete(key);
    })))));
}

function pageKey(url) {
  return url.origin + url.pathname;
}

function keep(cacheName, key, response) {
  if (!response.ok || /no-store/i.test(response.headers.get("Cache-Control") || "")) return;
  const copy = response.clone();
  // A newer version may have taken over while the file was on its way, and removed this
  // version's static cache: it is not made again (it would stay behind unused, the decoder's
  // wasm in it).
  const open = cacheName === CACHE ? caches.has(CACHE).then((kept) => kept && caches.open(CACHE))
    : caches.open(cacheName);
  open.then((cache) => cache && cache.put(key, copy));
}

// A page served from this phone's copy because the server could not be reached says so on its
// <html> element (data-kept-copy): its status strip then starts as offline, where the phone may
// still call itself online (a Wi-Fi with no way out, a basement).
function asKeptCopy(kept) {
  const headers = new Headers(kept.headers);
  headers.delete("Content-Length");
  headers.delete("Content-Encoding");
  return kept.text().then((html) => new Response(html.replace("<html", "<html data-kept-copy"), {
    status: kept.status, statusText: kept.statusText, headers,
  }));
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;

  if (url.pathname.startsWith("/static/")) {
    // Static files carry their version in the query: the cached copy is always right. With no
    // network, a page kept from an earlier version gets the file of this one.
    event.respondWith(
      caches.match(request, { ignoreSearch: false }).then((hit) => hit || fetch(request).then((response) => {
        keep(CACHE, request, response);
        return response;
      }).catch(() => caches.match(request, { ignoreSearch: true }).then((any) => any || Response.error())))
    );
    return;
  }

  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request).then((response) => {
        if (response.headers.get("x-gatepost-offline") === "keep") keep(PAGES, pageKey(url), response);
        return response;
      }).catch(() => caches.open(PAGES)
        .then((cache) => cache.match(pageKey(url)))
        .then((kept) => kept || caches.match(OFFLINE_URL))
        .then((kept) => kept && asKeptCopy(kept)))
    );
  }
});

/* Push: the server sends {title, body, url, tag, actions, action_url, token, answered}.
 * A decision's action buttons post the answer with the person's session cookie and the
 * notification's action token (a service worker cannot read the CSRF cookie). */
const NOTIFICATION_ICON = {{ static_url('icons/icon-192.png') | tojson }};

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (e) {
    data = { body: event.data ? event.data.text() : "" };
  }
  const actions = Array.isArray(data.actions) ? data.actions.slice(0, 2) : [];
  event.waitUntil(self.registration.showNotification(data.title || "Gatepost", {
    body: data.body || "",
    tag: data.tag || undefined,
    icon: NOTIFICATION_ICON,
    badge: NOTIFICATION_ICON,
    requireInteraction: actions.length > 0,
    actions: actions,
    data: {
      url: data.url || "/notifications",
      action_url: data.action_url || "",
      token: data.token || "",
      answered: data.answered || "",
    },
  }));
});

function openPage(url) {
  return self.clients.matchAll({ type: "window" }).then((windows) => {
    const client = windows.find((c) => new URL(c.url).origin === self.location.origin);
    if (client) {
      return client.navigate(url).then((c) => (c || client).focus()).catch(() => client.focus().catch(() => null));
    }
    return self.clients.openWindow(url);
  }).catch(() => null);
}

function answer(notification, action) {
  const data = notification.data || {};
  const body = new URLSearchParams({ action: action, token: data.token || "" });
  return fetch(data.action_url, {
    method: "POST",
    credentials: "include",
    headers: { "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded" },
    body: body,
  }).then((response) => {
    if (!response.ok) return openPage(data.url);  // decided already, or signed out: show the page
    if (data.answered) {
      return self.registration.showNotification(data.answered, { tag: notification.tag || undefined, icon: NOTIFICATION_ICON });
    }
  });
}

// A tap on an action button answers from where the notification is (a lock screen too); a
// tap on the notification itself opens its page.
self.addEventListener("notificationclick", (event) => {
  const notification = event.notification;
  const data = notification.data || {};
  notification.close();
  event.waitUntil(event.action && data.action_url
    ? answer(notification, event.action).catch(() => openPage(data.url))
    : openPage(data.url || "/notifications"));
});
