/* 督查台账: a large export runs as a background job — ask for it, show its progress, download it when ready
   (the REST API does the work: POST /ledger/exports, GET /ledger/exports/{id}, then its download_url). */
(function () {
  "use strict";
  var button = document.getElementById("ledger-export-background");
  if (!button) { return; }
  var data = window.DUBAN;
  var msg = data.messages;
  var card = document.getElementById("ledger-export-status");
  var bar = document.getElementById("ledger-export-progress");
  var text = document.getElementById("ledger-export-text");
  var link = document.getElementById("ledger-export-download");

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, name) { return String(values[name]); });
  }
  function show(job) {
    card.hidden = false;
    card.setAttribute("data-status", job.status);
    bar.value = job.percent;
    text.textContent = fill(msg[job.status] || msg.running, job);
    if (job.status === "done") {
      link.href = job.download_url;
      link.hidden = false;
      button.disabled = false;
      window.location.assign(job.download_url);
    } else if (job.status === "failed") {
      button.disabled = false;
    }
  }
  function poll(url) {
    dubanApi("GET", url.replace(/^\/api\/v1/, "")).then(function (result) {
      if (!result.ok) { text.textContent = (result.body && result.body.message) || msg.network; button.disabled = false; return; }
      show(result.body);
      if (result.body.status === "queued" || result.body.status === "running") {
        window.setTimeout(function () { poll(url); }, 1000);
      }
    }, function () { window.setTimeout(function () { poll(url); }, 3000); });
  }
  button.addEventListener("click", function () {
    button.disabled = true;
    link.hidden = true;
    dubanApi("POST", "/ledger/exports", data.filters || {}).then(function (result) {
      if (!result.ok) { card.hidden = false; text.textContent = (result.body && result.body.message) || msg.network; button.disabled = false; return; }
      show(result.body);
      poll(result.body.status_url);
    }, function () { card.hidden = false; text.textContent = msg.network; button.disabled = false; });
  });
})();
