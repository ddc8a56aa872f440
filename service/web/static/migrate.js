/* 流程实例迁移: dry run, start the job, poll its progress (the REST API does the work; see views_migration.py). */
(function () {
  "use strict";
  var form = document.getElementById("migration-form");
  if (!form) { return; }
  var msg = window.DUBAN.messages;
  var key = form.getAttribute("data-key");
  var error = document.getElementById("migration-error");
  var base = "/process-definitions/" + encodeURIComponent(key) + "/migrations";

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, name) { return String(values[name]); });
  }
  /* Each cell is labelled with its column's header, for the phone-width layout of table.cards. */
  function cell(row, text) {
    var td = document.createElement("td");
    var headers = row.parentNode.parentNode.querySelectorAll("thead th");
    var header = headers[row.children.length];
    td.textContent = text;
    if (header) { td.setAttribute("data-label", header.textContent); }
    row.appendChild(td);
    return td;
  }
  function names(elements) {
    return (elements || []).map(function (e) { return e.name + "（" + e.element_id + "）"; }).join("、");
  }
  function versions() {
    return {
      from_version: parseInt(document.getElementById("from-version").value, 10),
      to_version: parseInt(document.getElementById("to-version").value, 10)
    };
  }
  function failed(result) {
    dubanText(error, (result.body && result.body.message) || msg.failed);
  }

  document.getElementById("dry-run").addEventListener("click", function () {
    dubanText(error, "");
    dubanApi("POST", base + "/dry-run", versions()).then(function (result) {
      if (!result.ok) { failed(result); return; }
      var body = result.body;
      var rows = document.getElementById("dry-run-rows");
      rows.textContent = "";
      body.instances.forEach(function (v) {
        var tr = rows.appendChild(document.createElement("tr"));
        tr.setAttribute("data-instance-id", v.instance_id);
        tr.setAttribute("data-can-move", v.can_move ? "1" : "0");
        cell(tr, v.business_number);
        cell(tr, v.title);
        cell(tr, names(v.active));
        cell(tr, v.can_move ? msg.movable : msg.stuck).className = v.can_move ? "verdict ok" : "verdict warning";
        var notes = v.can_move ? (v.changed.length ? msg.changed + "：" + names(v.changed) : "") : v.reasons.join("；");
        cell(tr, notes);
      });
      document.getElementById("dry-run-summary").textContent = body.total
        ? fill(msg.summary, body) : msg.none;
      document.getElementById("start-migration").disabled = !body.movable;
      document.getElementById("dry-run-card").hidden = false;
    }, function () { dubanText(error, msg.network); });
  });

  function showJob(job) {
    var words = {queued: msg.queued, running: msg.running, done: msg.done};
    var progress = document.getElementById("job-progress");
    progress.textContent = (words[job.status] || job.status) + " · " + fill(msg.progress, job);
    progress.setAttribute("data-status", job.status);
    var rows = document.getElementById("job-rows");
    rows.textContent = "";
    job.results.forEach(function (r) {
      var tr = rows.appendChild(document.createElement("tr"));
      tr.setAttribute("data-instance-id", r.instance_id);
      tr.setAttribute("data-result", r.status);
      cell(tr, r.business_number);
      cell(tr, r.title);
      cell(tr, msg[r.status] || r.status);
      cell(tr, (r.reasons || []).join("；"));
    });
    document.getElementById("job-card").hidden = false;
  }

  function poll(jobId) {
    dubanApi("GET", "/migrations/" + jobId).then(function (result) {
      if (!result.ok) { failed(result); return; }
      showJob(result.body);
      if (result.body.status !== "done") { window.setTimeout(function () { poll(jobId); }, 1000); }
    }, function () { window.setTimeout(function () { poll(jobId); }, 3000); });
  }

  document.getElementById("start-migration").addEventListener("click", function () {
    var reason = document.getElementById("migration-reason").value.trim();
    if (!reason) { dubanText(error, msg.reasonRequired); return; }
    dubanText(error, "");
    var body = versions();
    body.reason = reason;
    document.getElementById("start-migration").disabled = true;
    dubanApi("POST", base, body).then(function (result) {
      if (!result.ok) { failed(result); document.getElementById("start-migration").disabled = false; return; }
      poll(result.body.id);
    }, function () { dubanText(error, msg.network); });
  });
})();
