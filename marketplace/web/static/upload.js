// The posting form's photos (templates/photos/_upload_field.html): each photo is sent as soon as
// it is chosen, one after the other, with a progress bar, into the member's draft; the server
// answers its entry (thumbnail, or why it was refused), which replaces the progress bar. The
// form then carries no file, only the draft's id. Without this script the form sends the files
// itself, into the same draft: everything here only makes it quicker.
(function () {
  "use strict";

  var MAX_BYTES = 20 * 1024 * 1024; // the server's limit (photos/pipeline.py)
  var PREVIEW_MAX_BYTES = 12 * 1024 * 1024; // larger files get no preview while they upload

  function start(field) {
    var form = field.closest("form");
    var input = field.querySelector("input[type=file]");
    var draftInput = form.querySelector("input[name=draft_id]");
    var list = field.querySelector("#draft-photos");
    var status = field.querySelector("#upload-status");
    var tokenInput = form.querySelector("input[name=_csrf_token]");
    var url = field.getAttribute("data-draft-upload");
    var queue = [];
    var busy = false;
    var waitingSubmitter = null;
    var counts = { sent: 0, total: 0 };
    var messages = JSON.parse(field.getAttribute("data-messages") || "{}");

    // The page's own words (in the reader's language), with {name} filled in.
    function t(key, values) {
      return (messages[key] || key).replace(/\{(\w+)\}/g, function (all, name) {
        return values && name in values ? values[name] : all;
      });
    }

    function say(message) {
      status.textContent = message;
    }

    function csrfHeaders(xhr) {
      if (tokenInput) xhr.setRequestHeader("x-csrftoken", tokenInput.value);
    }

    function element(tag, className, text) {
      var node = document.createElement(tag);
      if (className) node.className = className;
      if (text) node.textContent = text;
      return node;
    }

    function pendingEntry(file) {
      var item = element("li", "draft-photo uploading");
      var thumb = element("span", "thumb refused-file");
      thumb.setAttribute("aria-hidden", "true");
      var details = element("div", "details");
      details.appendChild(element("p", "file-name", file.name));
      var bar = element("progress");
      bar.max = 100;
      bar.value = 0;
      bar.setAttribute("aria-label", t("sending_label", { name: file.name }));
      details.appendChild(bar);
      details.appendChild(element("p", "muted progress-text", t("waiting")));
      item.appendChild(thumb);
      item.appendChild(details);
      if (/^image\//.test(file.type) && file.size <= PREVIEW_MAX_BYTES) {
        // A data: URL: the site's CSP allows data: images, not blob: ones.
        var reader = new FileReader();
        reader.onload = function () {
          var image = element("img");
          image.alt = "";
          image.onload = function () { item.preview = reader.result; };
          image.onerror = function () { image.remove(); }; // HEIC: the browser cannot draw it
          image.src = reader.result;
          thumb.textContent = "";
          thumb.appendChild(image);
          thumb.classList.remove("refused-file");
        };
        reader.readAsDataURL(file);
      }
      return item;
    }

    function failed(item, message) {
      item.classList.remove("uploading");
      item.classList.add("refused");
      var details = item.querySelector(".details");
      var bar = details.querySelector("progress");
      if (bar) bar.remove();
      var text = details.querySelector(".progress-text");
      text.className = "error";
      text.textContent = message;
      var dismiss = element("button", "link danger", t("remove"));
      dismiss.type = "button";
      dismiss.addEventListener("click", function () { item.remove(); });
      details.appendChild(dismiss);
    }

    function received(item, xhr) {
      var draftId = xhr.getResponseHeader("X-Draft-Id");
      if (draftId && draftInput) draftInput.value = draftId;
      var holder = document.createElement("template");
      holder.innerHTML = xhr.responseText.trim();
      var entry = holder.content.firstElementChild;
      if (!entry) return failed(item, t("failed"));
      var placeholder = entry.querySelector(".refused-file");
      if (placeholder && item.preview) {
        // A refused file the browser can draw: shown beside its reason.
        var image = element("img");
        image.alt = "";
        image.src = item.preview;
        placeholder.textContent = "";
        placeholder.classList.remove("refused-file");
        placeholder.appendChild(image);
      }
      item.replaceWith(entry);
    }

    function send(job) {
      var item = job.item;
      var bar = item.querySelector("progress");
      var text = item.querySelector(".progress-text");
      var data = new FormData();
      data.append("draft_id", draftInput ? draftInput.value : "");
      if (job.file.size > MAX_BYTES) data.append("too_large", job.file.name);
      else data.append("photos", job.file, job.file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      csrfHeaders(xhr);
      xhr.upload.onprogress = function (event) {
        if (!event.lengthComputable) return;
        var percent = Math.round((event.loaded / event.total) * 100);
        bar.value = percent;
        text.textContent = t("sending", { percent: percent });
      };
      xhr.upload.onload = function () {
        bar.removeAttribute("value"); // indeterminate while the server prepares the photo
        text.textContent = t("preparing");
      };
      xhr.onload = function () {
        var plain = (xhr.getResponseHeader("content-type") || "").indexOf("text/plain") === 0;
        if (xhr.status === 201) received(item, xhr);
        else failed(item, plain ? xhr.responseText : t("failed"));
        next();
      };
      xhr.onerror = function () {
        failed(item, t("network"));
        next();
      };
      text.textContent = t("sending", { percent: 0 });
      xhr.send(data);
    }

    function next() {
      if (busy) {
        counts.sent += 1;
        say(t("count", { sent: counts.sent, total: counts.total }));
      }
      var job = queue.shift();
      busy = Boolean(job);
      if (job) return send(job);
      counts = { sent: 0, total: 0 };
      if (waitingSubmitter) {
        var submitter = waitingSubmitter;
        waitingSubmitter = null;
        form.requestSubmit(submitter);
      }
    }

    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      input.value = ""; // sent here: the form must not carry them again
      files.forEach(function (file) {
        var item = pendingEntry(file);
        list.appendChild(item);
        queue.push({ file: file, item: item });
        counts.total += 1;
      });
      if (!busy) next();
    });

    list.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-remove-url]");
      if (!button) return;
      event.preventDefault();
      var item = button.closest("li");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", button.getAttribute("data-remove-url"));
      csrfHeaders(xhr);
      xhr.onload = function () {
        if (xhr.status === 204) {
          item.remove();
          say(t("removed"));
        } else {
          say(t("remove_failed"));
        }
      };
      xhr.send();
    });

    form.addEventListener("submit", function (event) {
      if (!busy) return;
      // Publishing waits for the photos still on their way, then goes on by itself.
      event.preventDefault();
      waitingSubmitter = event.submitter || null;
      say(t("waiting_submit"));
    });
  }

  function init() {
    document.querySelectorAll("[data-draft-upload]").forEach(start);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
