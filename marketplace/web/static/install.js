// Registers the service worker (/sw.js), whose only work is an offline page: the site works the
// same without it, and without JavaScript.
"use strict";
if ("serviceWorker" in navigator) {
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
  });
}
