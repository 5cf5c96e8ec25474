// The upload page: a file dropped on the drop zone goes into the form's file input; htmx posts
// the form and reports the upload's progress; a refusal (4xx) is shown like any answer.
(function () {
  "use strict";

  function zoneOf(event) {
    return event.target.closest ? event.target.closest("[data-drop-zone]") : null;
  }

  function showFileName(zone) {
    var input = zone.querySelector("input[type=file]");
    var label = zone.querySelector("[data-file-name]");
    label.textContent = input.files.length ? input.files[0].name : "";
  }

  ["dragenter", "dragover"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var zone = zoneOf(event);
      if (!zone) return;
      event.preventDefault();
      zone.classList.add("dragging");
    });
  });

  ["dragleave", "drop"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var zone = zoneOf(event);
      if (zone) zone.classList.remove("dragging");
    });
  });

  document.addEventListener("drop", function (event) {
    var zone = zoneOf(event);
    if (!zone || !event.dataTransfer || !event.dataTransfer.files.length) return;
    event.preventDefault();
    zone.querySelector("input[type=file]").files = event.dataTransfer.files;
    showFileName(zone);
  });

  document.addEventListener("change", function (event) {
    var zone = zoneOf(event);
    if (zone) showFileName(zone);
  });

  function progressOf(event) {
    var form = event.target.closest && event.target.closest("[data-upload-form]");
    return form ? form.querySelector("[data-progress]") : null;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var progress = progressOf(event);
    if (!progress) return;
    progress.hidden = false;
    progress.querySelector("progress").value = 0;
    progress.querySelector("[data-progress-label]").textContent = "0%";
  });

  document.addEventListener("htmx:xhr:progress", function (event) {
    var progress = progressOf(event);
    if (!progress || !event.detail.lengthComputable) return;
    var bar = progress.querySelector("progress");
    var label = progress.querySelector("[data-progress-label]");
    var percent = Math.round((event.detail.loaded / event.detail.total) * 100);
    if (percent < 100) {
      bar.value = percent;
      label.textContent = percent + "%";
    } else {
      // Sent: the hub is checking every cell now, which takes a while for a large file.
      bar.removeAttribute("value");
      label.textContent = progress.dataset.checking || "…";
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status >= 400 && status < 500) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
