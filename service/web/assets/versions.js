/* /admin/processes/<key>/versions: every version (who, when, note, instances), download, and the visual
   difference of two: the server's GET .../diff coloured on two viewers, the forms' changes listed. */
import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";
import { api, say, cell, link, shanghai } from "./lib/page.js";
import { spiffModdle } from "./lib/spiff.js";

const data = window.DUBAN;
const M = data.messages;
const base = "/process-definitions/" + encodeURIComponent(data.key);
const message = document.getElementById("message");
const viewers = {};

function viewer(id) {
  if (!viewers[id]) viewers[id] = new NavigatedViewer({ container: "#" + id, moddleExtensions: { spiffworkflow: spiffModdle } });
  return viewers[id];
}

api("GET", base + "/versions").then((r) => {
  if (!r.ok) { say(message, r.body.message || M.failed, "error"); return; }
  const body = document.querySelector("#versions tbody");
  r.body.forEach((v, i) => {
    const tr = document.createElement("tr");
    tr.dataset.version = v.version;
    const box = document.createElement("input");
    box.type = "checkbox";
    box.value = v.version;
    box.className = "pick";
    box.checked = i < 2;
    box.setAttribute("aria-label", M.version + " " + v.version);
    cell(tr, box);
    cell(tr, "v" + v.version);
    cell(tr, v.deployed_by);
    cell(tr, shanghai(v.deployed_at));
    cell(tr, v.note || "");
    cell(tr, (v.forms || []).join("、"));
    const n = v.instances || {};
    cell(tr, [n.running || 0, n.completed || 0, n.error || 0].join(" / "));
    cell(tr, link("/api/v1" + base + "/versions/" + v.version + "/diagram.bpmn", M.download));
    body.appendChild(tr);
  });
  document.body.dataset.versionsReady = "1";
});

function mark(view, ids, cls) {
  const canvas = view.get("canvas");
  const registry = view.get("elementRegistry");
  ids.forEach((id) => { if (registry.get(id)) canvas.addMarker(id, cls); });
}

function item(list, cls, text) {
  const li = document.createElement("li");
  li.className = cls;
  li.textContent = text;
  list.appendChild(li);
}

function compare(from, to) {
  return Promise.all([
    api("GET", base + "/versions/" + from),
    api("GET", base + "/versions/" + to),
    api("GET", base + "/diff?from=" + from + "&to=" + to),
  ]).then(([a, b, d]) => {
    if (!a.ok || !b.ok || !d.ok) { say(message, (d.body && d.body.message) || M.failed, "error"); return; }
    document.getElementById("diff").hidden = false;
    document.getElementById("diff-title").textContent = M.version + " " + from + " → " + to;
    document.getElementById("from-title").textContent = "v" + from;
    document.getElementById("to-title").textContent = "v" + to;
    const e = d.body.elements;
    return Promise.all([viewer("diff-from").importXML(a.body.bpmn_xml), viewer("diff-to").importXML(b.body.bpmn_xml)]).then(() => {
      const left = viewer("diff-from"), right = viewer("diff-to");
      left.get("canvas").zoom("fit-viewport");
      right.get("canvas").zoom("fit-viewport");
      mark(left, e.removed.map((x) => x.id), "diff-removed");
      mark(right, e.added.map((x) => x.id), "diff-added");
      mark(left, e.changed.map((x) => x.id), "diff-changed");
      mark(right, e.changed.map((x) => x.id), "diff-changed");
      const list = document.getElementById("diff-elements");
      list.textContent = "";
      e.added.forEach((x) => item(list, "diff-added", M.added + "：" + (x.name || "") + "（" + x.id + "，" + x.type + "）"));
      e.removed.forEach((x) => item(list, "diff-removed", M.removed + "：" + (x.name || "") + "（" + x.id + "，" + x.type + "）"));
      e.changed.forEach((x) => item(list, "diff-changed", M.changed + "：" + (x.name || "") + "（" + x.id + "）" + (x.changes || []).join("、")));
      if (!list.children.length) item(list, "muted", M.none);
      const f = d.body.forms;
      const forms = document.getElementById("diff-forms");
      forms.textContent = "";
      f.added.forEach((k) => item(forms, "diff-added", M.added + "：" + k));
      f.removed.forEach((k) => item(forms, "diff-removed", M.removed + "：" + k));
      f.changed.forEach((c) => {
        const parts = [];
        if (c.fields_added.length) parts.push(M.fieldsAdded + " " + c.fields_added.join("、"));
        if (c.fields_removed.length) parts.push(M.fieldsRemoved + " " + c.fields_removed.join("、"));
        if (c.fields_changed.length) parts.push(M.fieldsChanged + " " + c.fields_changed.join("、"));
        item(forms, "diff-changed", M.changed + "：" + c.key + (parts.length ? "（" + parts.join("；") + "）" : ""));
      });
      if (!forms.children.length) item(forms, "muted", M.none);
      document.getElementById("diff").dataset.ready = "1";
    });
  });
}

document.getElementById("compare").addEventListener("click", () => {
  const picked = [...document.querySelectorAll("#versions .pick:checked")].map((x) => Number(x.value)).sort((x, y) => x - y);
  if (picked.length !== 2) { say(message, M.chooseTwo, "error"); return; }
  say(message, "");
  compare(picked[0], picked[1]).catch(() => say(message, M.failed, "error"));
});
