// The marketplace's service worker: an offline page, and nothing else.
//
// It keeps the offline page and the few files that page loads (listed below by the server, under
// their fingerprinted names), and shows that page when a navigation fails for want of a network.
// It never caches anything else: no runtime caching of pages, API answers, photos or searches,
// so nothing private (a conversation, a members-only listing) stays on a shared phone. Every
// other request goes to the network as if there were no service worker.
"use strict";

const CACHE = "offline-__VERSION__";
const OFFLINE_URL = "/offline";
const OFFLINE_ASSETS = __OFFLINE_ASSETS__;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      // credentials "omit": the page as anybody sees it, never a signed-in neighbour's header.
      .then((cache) => cache.addAll([new Request(OFFLINE_URL, { credentials: "omit" }), ...OFFLINE_ASSETS]))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  // Only the current offline copy is kept: an older deploy's one is deleted. Navigation preload
  // starts each page's request while the worker wakes up, rather than after.
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.registration.navigationPreload && self.registration.navigationPreload.enable())
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return; // forms and uploads go to the network untouched
  }
  if (request.mode === "navigate") {
    event.respondWith(
      (async () => {
        try {
          return (await event.preloadResponse) || (await fetch(request));
        } catch {
          return caches.match(OFFLINE_URL, { cacheName: CACHE }); // no network: the offline page
        }
      })()
    );
    return;
  }
  const url = new URL(request.url);
  if (url.origin === self.location.origin && OFFLINE_ASSETS.includes(url.pathname)) {
    event.respondWith(caches.match(request, { cacheName: CACHE }).then((kept) => kept || fetch(request)));
  }
});
