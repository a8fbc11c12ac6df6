// gasdesk service worker: serves the app shell from a versioned cache so the field app starts
// offline, shows push notifications and reports their receipt, and opens the job on a tap.
// The build script (scripts/build-app) replaces the two placeholders below.
const VERSION = "__GASDESK_CACHE_VERSION__";
const PRECACHE = __GASDESK_PRECACHE_LIST__;
const CACHE_PREFIX = "gasdesk-shell-";
const CACHE = CACHE_PREFIX + VERSION;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => {
        // The first worker takes over at once. A new version waits until the app says the
        // worker may switch (the update banner): a page never runs old wasm against new glue.
        if (!self.registration.active) return self.skipWaiting();
      }),
  );
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "gasdesk-skip-waiting") self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys
            .filter((key) => key.startsWith(CACHE_PREFIX) && key !== CACHE)
            .map((key) => caches.delete(key)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  // Other origins and the API always go to the network; API answers are never cached here.
  if (url.origin !== self.location.origin) return;
  if (url.pathname === "/api" || url.pathname.startsWith("/api/")) return;
  if (url.pathname === "/sw.js") return;
  // The console build is not cached here (office desktops are online): its pages come from
  // the server, whose answer preloads the console build rather than the phones' one.
  const consolePage = url.pathname === "/console" || url.pathname.startsWith("/console/");
  if (consolePage && request.mode === "navigate") return;

  // Every page of the single-page app is the shell (the server answers index.html too).
  const key = request.mode === "navigate" ? "/" : url.pathname;
  event.respondWith(
    caches
      .open(CACHE)
      .then((cache) => cache.match(key))
      .then((cached) => cached || fetch(request)),
  );
});

// --- Web Push ---

/** Asks open app windows to sync now (a new job, a change to one). */
async function askToSync() {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  for (const client of windows) client.postMessage({ type: "gasdesk-sync" });
  return windows;
}

self.addEventListener("push", (event) => {
  let payload = null;
  try {
    payload = event.data ? event.data.json() : null;
  } catch (err) {
    payload = null;
  }
  if (!payload || !payload.title) {
    // Something arrived that is not ours to read: still tell the worker something came.
    event.waitUntil(self.registration.showNotification("燃气报修", { body: "有新的消息" }));
    return;
  }
  const tag = payload.ticket_id || payload.check_id || payload.message_id;
  const shown = self.registration.showNotification(payload.title, {
    body: payload.body,
    tag,
    renotify: true,
    requireInteraction: payload.urgency === "high",
    icon: "/icons/icon-192.png",
    badge: "/icons/icon-192.png",
    data: { url: payload.url || "/" },
  });
  // The receipt needs no session: the code inside the message authorises it.
  const receipt = payload.message_id && payload.receipt
    ? fetch("/api/v1/push/receipts", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ message_id: payload.message_id, receipt: payload.receipt }),
      }).catch(() => undefined)
    : Promise.resolve();
  event.waitUntil(Promise.all([shown, receipt, askToSync()]));
});

/** Opens the app at `path` (a job): in the app's open window if there is one, else a new one. */
async function openFromNotification(path) {
  const target = new URL(path || "/", self.location.origin);
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const open = windows.find((w) => new URL(w.url).origin === target.origin);
  if (open) {
    // Focus needs the tap's user activation; showing the job must not depend on it.
    const focused = await open.focus().catch(() => null);
    // The app starts by reading its data and syncing (when online), then shows the job.
    return (focused || open).navigate(target.href);
  }
  return self.clients.openWindow(target.href);
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(openFromNotification(event.notification.data && event.notification.data.url));
});
