// A conversation page, live: listens to its server-sent events and fetches the thread again
// (the same authorised, escaped HTML as a reload) when a message arrives. Without JavaScript,
// or without EventSource, a reload shows the new messages.
(function () {
  "use strict";
  var thread = document.getElementById("thread");
  if (!thread || !window.EventSource || !window.fetch) {
    return;
  }
  var refreshing = false;
  var again = false;
  var held = false;

  // A report being written (an open "Signaler") is not wiped out by a new message: the thread
  // is fetched again once it is closed or sent.
  function writingAReport() {
    return thread.querySelector("details.report[open]") !== null;
  }

  thread.addEventListener("toggle", function () {
    if (held && !writingAReport()) { held = false; refresh(); }
  }, true);

  function refresh() {
    if (writingAReport()) {
      held = true;
      return;
    }
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = true;
    fetch(thread.dataset.threadUrl, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html !== null) {
          thread.innerHTML = html;
          var last = document.getElementById("last");
          if (last) { last.scrollIntoView({ block: "nearest" }); }
        }
      })
      .catch(function () { /* the next event or a reload will show it */ })
      .then(function () {
        refreshing = false;
        if (again) { again = false; refresh(); }
      });
  }

  var source = new EventSource(thread.dataset.eventsUrl);
  source.addEventListener("ready", function () {
    thread.dataset.live = "on";
    refresh(); // what arrived between the page's load and the subscription
  });
  source.addEventListener("message", refresh);
  window.addEventListener("pagehide", function () { source.close(); });
})();
