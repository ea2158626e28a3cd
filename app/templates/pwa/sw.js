/* Gatepost service worker, version {{ version }}.
 * Precaches the shell and static files under a versioned cache; pages go to the network
 * first and fall back to the offline page when there is none. */
const CACHE = "gatepost-{{ version }}";
const OFFLINE_URL = {{ offline_url | tojson }};
const PRECACHE = {{ precache | tojson }};

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("gatepost-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;

  if (url.pathname.startsWith("/static/")) {
    // Static files carry their version in the query: the cached copy is always right.
    event.respondWith(
      caches.match(request, { ignoreSearch: false }).then((hit) => hit || fetch(request).then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      }))
    );
    return;
  }

  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request).catch(() => caches.match(OFFLINE_URL))
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
