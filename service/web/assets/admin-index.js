/* /admin: every flow with its latest version and whether a draft waits, and the forms in use. */
import { api, say, cell, link, readFile } from "./lib/page.js";

const M = window.DUBAN.messages;
const message = document.getElementById("import-message");

Promise.all([api("GET", "/process-definitions"), api("GET", "/process-definitions/drafts"), api("GET", "/forms")]).then(([defs, drafts, forms]) => {
  const pending = {};
  (drafts.ok ? drafts.body : []).forEach((d) => { pending[d.key] = d; });
  const body = document.querySelector("#processes tbody");
  const seen = new Set();
  (defs.ok ? defs.body : []).forEach((d) => {
    seen.add(d.key);
    body.appendChild(row(d.key, d.name, d.version, pending[d.key]));
  });
  Object.keys(pending).filter((k) => !seen.has(k)).forEach((k) => body.appendChild(row(k, "", "—", pending[k])));
  const fbody = document.querySelector("#forms tbody");
  (forms.ok ? forms.body : []).forEach((f) => {
    const tr = document.createElement("tr");
    cell(tr, f.title || "");
    cell(tr, f.key);
    const td = cell(tr, "");
    (f.processes || []).forEach((p, i) => {
      if (i) td.appendChild(document.createTextNode("、"));
      td.appendChild(link("/admin/forms/" + encodeURIComponent(f.key) + "?process=" + encodeURIComponent(p.key), p.key + " v" + p.version));
    });
    fbody.appendChild(tr);
  });
});

function row(key, name, version, draft) {
  const tr = document.createElement("tr");
  tr.dataset.key = key;
  cell(tr, link("/admin/processes/" + encodeURIComponent(key), name || key));
  cell(tr, key);
  cell(tr, version);
  const badge = document.createElement("span");
  if (draft) { badge.className = "badge draft"; badge.textContent = M.draft + " · " + (draft.updated_by || ""); }
  cell(tr, badge);
  const td = cell(tr, link("/admin/processes/" + encodeURIComponent(key), M.open));
  td.appendChild(document.createTextNode(" "));
  if (version !== "—") {
    td.appendChild(link("/admin/processes/" + encodeURIComponent(key) + "/versions", M.versions));
    td.appendChild(document.createTextNode(" "));
    td.appendChild(link("/admin/processes/" + encodeURIComponent(key) + "/migrate", M.migrate));
  }
  return tr;
}

function importFile(file, replace) {
  return readFile(file).then((text) => api("POST", "/process-definitions/drafts", { bpmn_xml: text, filename: file.name, replace: !!replace })).then((r) => {
    if (r.status === 409 && r.body.error === "draft_exists") {
      if (window.confirm(r.body.message || M.replace)) return importFile(file, true);
      return;
    }
    if (!r.ok) { say(message, r.body.message || M.failed, "error"); return; }
    window.location.href = "/admin/processes/" + encodeURIComponent(r.body.key);
  });
}

document.getElementById("import-file").addEventListener("change", (e) => {
  const file = e.target.files[0];
  e.target.value = "";
  if (file) importFile(file, false);
});
