/* The attachment list and upload on task and item pages. */
(function () {
  "use strict";
  var box = document.getElementById("attachments");
  if (!box) { return; }
  var instanceId = box.dataset.instance, taskId = box.dataset.task, list = document.getElementById("attachment-list");
  var msg = window.DUBAN.messages;

  function size(n) { return n > 1048576 ? (n / 1048576).toFixed(1) + " MB" : Math.max(1, Math.round(n / 1024)) + " KB"; }

  function render(items) {
    list.innerHTML = "";
    if (!items.length) { var li0 = document.createElement("li"); li0.className = "muted"; li0.textContent = msg.none; list.appendChild(li0); return; }
    items.forEach(function (a) {
      var li = document.createElement("li"), link = document.createElement("a");
      link.href = a.download_url; link.textContent = a.filename; link.className = "attachment-link";
      li.appendChild(link);
      li.appendChild(document.createTextNode("（" + size(a.size) + "，" + a.uploaded_by + "）"));
      list.appendChild(li);
    });
  }

  function load() {
    window.dubanApi("GET", "/process-instances/" + instanceId + "/attachments").then(function (r) {
      if (r.ok) { render(r.body.items || r.body); }
    });
  }

  var form = document.getElementById("upload-form");
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = document.getElementById("upload-file"), error = document.getElementById("upload-error");
      if (!input.files.length) { return; }
      var data = new FormData();
      data.append("file", input.files[0]);
      if (taskId) { data.append("task_id", taskId); }
      window.dubanText(error, "");
      window.dubanApi("POST", "/process-instances/" + instanceId + "/attachments", data, true).then(function (r) {
        if (r.ok) { input.value = ""; load(); } else { window.dubanText(error, r.body.message || msg.failed); }
      }, function () { window.dubanText(error, msg.network); });
    });
  }
  load();
})();
