// The error summary (templates/_error_summary.html), as GOV.UK Frontend does it: it takes the
// focus when the page opens (autofocus alone is not honoured on a div by every browser), and a
// link to a field focuses the field and shows its label above it, where a plain fragment link
// would only scroll the input to the very top of the screen.
(function () {
  "use strict";

  function labelFor(field) {
    return document.querySelector('label[for="' + CSS.escape(field.id) + '"]') || field;
  }

  function wire(summary) {
    if (summary.dataset.wired) return;
    summary.dataset.wired = "1";
    if (!summary.closest("[hidden]")) summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) return;
      var field = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
      if (!field) return;
      event.preventDefault();
      labelFor(field).scrollIntoView({ block: "start" });
      field.focus({ preventScroll: true });
    });
  }

  function start() {
    document.querySelectorAll("[data-error-summary]").forEach(wire);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
