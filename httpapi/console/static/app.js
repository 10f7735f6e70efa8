// sharehub console: the little the pages need beyond HTML forms.
// - [data-copy="ID"] buttons copy the value of element ID to the clipboard.
// - form[data-upload] forms upload with a progress bar, and take a file dropped
//   on their .dropzone. Without this script the same forms still work (plain
//   submit), just without progress.
"use strict";
(function () {
  function announce(el, text) {
    if (el) { el.textContent = text; }
  }
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-copy]");
    if (!btn) { return; }
    var src = document.getElementById(btn.getAttribute("data-copy"));
    var status = document.getElementById(btn.getAttribute("data-copy") + "-status");
    if (!src) { return; }
    var text = src.value || src.textContent;
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { announce(status, "Copied."); },
        function () { src.select && src.select(); announce(status, "Press Ctrl+C to copy."); });
    } else {
      src.select && src.select();
      announce(status, "Press Ctrl+C to copy.");
    }
  });
  function wireUpload(form) {
    var input = form.querySelector("input[type=file]");
    var zone = form.querySelector(".dropzone");
    var bar = form.querySelector("progress");
    var status = form.querySelector("[role=status]");
    if (zone && input) {
      zone.addEventListener("dragover", function (ev) { ev.preventDefault(); zone.classList.add("over"); });
      zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
      zone.addEventListener("drop", function (ev) {
        ev.preventDefault();
        zone.classList.remove("over");
        if (ev.dataTransfer && ev.dataTransfer.files.length) {
          input.files = ev.dataTransfer.files;
          announce(status, "Ready to upload: " + input.files[0].name);
        }
      });
    }
    form.addEventListener("submit", function (ev) {
      if (!window.XMLHttpRequest || !window.FormData) { return; }
      ev.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-CSRF-Token", form.querySelector("input[name=csrf]").value);
      if (bar) { bar.hidden = false; bar.value = 0; }
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable && bar) {
          bar.max = e.total; bar.value = e.loaded;
          announce(status, "Uploading… " + Math.round(100 * e.loaded / e.total) + "%");
        }
      });
      xhr.addEventListener("load", function () {
        if (xhr.status >= 200 && xhr.status < 300) {
          window.location.assign(xhr.responseURL || window.location.href);
          return;
        }
        var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var err = doc.querySelector("#page-error, .field-error");
        announce(status, err ? err.textContent : "The upload failed (" + xhr.status + ").");
        if (bar) { bar.hidden = true; }
      });
      xhr.addEventListener("error", function () { announce(status, "The upload failed: the connection broke."); });
      xhr.send(new FormData(form));
    });
  }
  document.querySelectorAll("form[data-upload]").forEach(wireUpload);
})();
