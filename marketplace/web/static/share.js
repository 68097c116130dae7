// The share button of a listing (templates/listings/detail.html). On a phone, the system's share
// sheet (Web Share API: WhatsApp, SMS, mail…) with the title and the link; elsewhere, a copy of
// the link (Clipboard API). Without JavaScript, or without either API, the button stays hidden
// and the link stays in its field, to copy by hand.
(function () {
  "use strict";
  function setUp(box) {
    var button = box.querySelector("[data-share-button]");
    var field = box.querySelector("input");
    var status = box.querySelector("[data-share-status]");
    if (!button || !field) return;
    var phone = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
    var share = phone && typeof navigator.share === "function";
    var copy = navigator.clipboard && window.isSecureContext;
    if (!share && !copy) return;
    button.textContent = share ? button.dataset.shareLabel : button.dataset.copyLabel;
    button.hidden = false;
    button.addEventListener("click", function () {
      var url = field.value;
      if (share) {
        // A cancelled share sheet rejects: nothing to say.
        navigator.share({ title: box.dataset.title, url: url }).catch(function () {});
        return;
      }
      navigator.clipboard.writeText(url).then(
        function () {
          if (status) status.textContent = box.dataset.copied;
        },
        function () {
          field.focus();
          field.select(); // refused (permissions): the link selected, for Ctrl+C
        }
      );
    });
  }
  document.querySelectorAll("[data-share]").forEach(setUp);
})();
