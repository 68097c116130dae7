// The share button of a listing (templates/listings/detail.html). On a phone, the system's share
// sheet (Web Share API: WhatsApp, SMS, mail…) with the title and the link; elsewhere, a copy of
// the link (Clipboard API). Without JavaScript, or without either API, there is no button: the
// link stays in its field, to copy by hand.
(function () {
  "use strict";
  function setUp(box) {
    var field = box.querySelector("input");
    var status = box.querySelector("[data-share-status]");
    if (!field) return;
    var phone = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
    var share = phone && typeof navigator.share === "function";
    var copy = navigator.clipboard && window.isSecureContext;
    if (!share && !copy) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = share ? box.dataset.shareLabel : box.dataset.copyLabel;
    box.insertBefore(button, box.firstChild);
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
