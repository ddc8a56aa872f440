/* /admin/processes/<key>: bpmn-js Modeler with the properties panel and our provider; the draft is saved,
   validated and deployed through /api/v1/process-definitions/<key>/draft. */
import "./lib/csp-styles.js";
import BpmnModeler from "bpmn-js/lib/Modeler";
import minimapModule from "diagram-js-minimap";
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from "bpmn-js-properties-panel";
import { spiffModdle } from "./lib/spiff.js";
import { translateModule } from "./lib/translate.js";
import { dubanProviderModule, store } from "./lib/provider.js";
import { api, say, saveFile, readFile } from "./lib/page.js";

const data = window.DUBAN;
const M = data.messages;
const key = data.key;
const base = "/process-definitions/" + encodeURIComponent(key);
store.key = key;
store.lanes = data.lanes || [];
store.roles = data.roles || [];
store.formLink = (formKey) => "/admin/forms/" + encodeURIComponent(formKey) + "?process=" + encodeURIComponent(key);
store.checkExpression = (kind, text) =>
  api("POST", "/process-definitions/check-expression", { kind, text }).then((r) =>
    r.ok ? r.body : { ok: false, message: r.body.message || M.failed, line: null });

const modeler = new BpmnModeler({
  container: "#canvas",
  propertiesPanel: { parent: "#properties", layout: { groups: { duban: { open: true } } } }, // 督办设置 open
  additionalModules: [minimapModule, BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, dubanProviderModule, translateModule],
  moddleExtensions: { spiffworkflow: spiffModdle },
});
window.dubanModeler = modeler; // the browser tests place shapes through it
const canvas = modeler.get("canvas");
const overlays = modeler.get("overlays");
const elementRegistry = modeler.get("elementRegistry");
const commandStack = modeler.get("commandStack");
const message = document.getElementById("message");
let marked = [];
let dirty = false;

function rerenderPanel() {
  modeler.get("eventBus").fire("propertiesPanel.providersChanged");
}

function setState(saved, updatedBy) {
  const badge = document.getElementById("draft-state");
  badge.textContent = saved ? M.draft + (updatedBy ? " · " + updatedBy : "") : M.notSaved;
  badge.className = "badge" + (saved ? " draft" : "");
}

function clearMarks() {
  marked.forEach((id) => {
    canvas.removeMarker(id, "duban-error");
    canvas.removeMarker(id, "duban-warning");
  });
  overlays.remove({ type: "duban-problem" });
  marked = [];
}

function showProblems(problems) {
  clearMarks();
  const list = document.getElementById("problems");
  list.textContent = "";
  document.getElementById("problem-count").textContent = problems.length ? "(" + problems.length + ")" : "";
  if (!problems.length) {
    const li = document.createElement("li");
    li.className = "muted";
    li.textContent = M.noProblems;
    list.appendChild(li);
    return;
  }
  problems.forEach((p) => {
    const li = document.createElement("li");
    li.className = "problem " + p.severity;
    li.dataset.elementId = p.element_id || "";
    li.dataset.field = p.field || "";
    const where = [];
    if (p.element_id) where.push(M.element + " " + p.element_id);
    if (p.line) where.push(M.line + " " + p.line);
    li.textContent = p.message + (where.length ? "（" + where.join("，") + "）" : "");
    if (p.engine_text) li.title = p.engine_text;
    const element = p.element_id && elementRegistry.get(p.element_id);
    if (element) {
      li.classList.add("clickable");
      li.tabIndex = 0;
      const go = () => {
        modeler.get("selection").select(element);
        canvas.scrollToElement(element);
      };
      li.addEventListener("click", go);
      li.addEventListener("keydown", (e) => { if (e.key === "Enter") go(); });
      const cls = p.severity === "error" ? "duban-error" : "duban-warning";
      canvas.addMarker(element, cls);
      marked.push(element.id);
      if (element.waypoints === undefined) {
        const badge = document.createElement("div");
        badge.className = "duban-problem-badge " + p.severity;
        badge.textContent = "!";
        badge.title = p.message;
        overlays.add(element, "duban-problem", { position: { top: -8, right: 8 }, html: badge });
      }
    }
    list.appendChild(li);
  });
}

function xml() {
  return adopting.then(() => modeler.saveXML({ format: true })).then((r) => r.xml);
}

function load(draft) {
  store.draftForms = draft.forms || {};
  return modeler.importXML(draft.bpmn_xml).then(() => {
    canvas.zoom("fit-viewport");
    setState(draft.saved, draft.updated_by);
    showProblems(draft.problems || []);
    const process = elementRegistry.filter((e) => e.type === "bpmn:Process" || e.type === "bpmn:Participant")[0];
    document.getElementById("process-name").textContent = process ? process.businessObject.name || "" : "";
    dirty = false;
    rerenderPanel();
  });
}

function reload() {
  return api("GET", base + "/draft").then((r) => {
    if (!r.ok) { say(message, r.body.message || M.failed, "error"); return; }
    return load(r.body);
  });
}

function save() {
  return xml().then((bpmn) => api("PUT", base + "/draft", { bpmn_xml: bpmn })).then((r) => {
    if (!r.ok) {
      say(message, r.body.message || M.failed, "error");
      if (r.body.details && r.body.details.errors) showProblems(r.body.details.errors);
      return false;
    }
    setState(true, r.body.updated_by);
    store.draftForms = r.body.forms || {};
    showProblems(r.body.problems || []);
    dirty = false;
    return true;
  });
}

function deploy(confirmUnrelated) {
  const note = document.getElementById("deploy-note").value;
  return api("POST", base + "/draft/deploy", { note, confirm_unrelated: !!confirmUnrelated }).then((r) => {
    if (r.status === 409 && r.body.error === "unrelated_definition") {
      if (window.confirm(M.unrelated)) return deploy(true);
      return;
    }
    if (!r.ok) {
      say(message, r.body.message || M.failed, "error");
      if (r.body.details && Array.isArray(r.body.details.errors)) showProblems(r.body.details.errors);
      return;
    }
    say(message, M.deployed + " " + r.body.version, "ok");
    document.getElementById("deploy-note").value = "";
    return reload();
  });
}

function importFile(file, replace) {
  return readFile(file).then((text) =>
    api("POST", "/process-definitions/drafts", { bpmn_xml: text, filename: file.name, replace: !!replace }).then((r) => {
      if (r.status === 409 && r.body.error === "draft_exists") {
        if (window.confirm(r.body.message || M.replace)) return importFile(file, true);
        return;
      }
      if (!r.ok) {
        say(message, r.body.message || M.failed, "error");
        if (r.body.details && Array.isArray(r.body.details.errors)) showProblems(r.body.details.errors);
        return;
      }
      if (r.body.key !== key) { window.location.href = "/admin/processes/" + encodeURIComponent(r.body.key); return; }
      say(message, M.imported, "ok");
      return load(r.body);
    }));
}

function on(id, handler) {
  document.getElementById(id).addEventListener("click", (e) => {
    e.preventDefault();
    Promise.resolve(handler()).catch((err) => say(message, (err && err.message) || M.network, "error"));
  });
}

/* The form editor keeps its form in the draft: the diagram (with the task's new formKey) is saved first. */
store.openForm = (formKey) =>
  save().then((ok) => { if (ok) window.location.href = store.formLink(formKey); });

/* A form of another flow chosen for a task: its latest schema is copied into this draft's forms. */
let adopting = Promise.resolve(); // save, validate and deploy wait for it
store.adoptForm = (formKey) => {
  adopting = adopting.then(() => adopt(formKey)).catch(() => say(message, M.network, "error"));
  return adopting;
};
function adopt(formKey) {
  const entry = store.forms.find((f) => f.key === formKey);
  const use = entry && entry.processes && entry.processes[0];
  if (!use) return Promise.resolve();
  return api("GET", "/process-definitions/" + encodeURIComponent(use.key) + "/versions/" + use.version)
    .then((r) => {
      const schema = r.ok && r.body.forms && r.body.forms[formKey];
      if (!schema) return null;
      return api("PUT", base + "/draft/forms/" + encodeURIComponent(formKey), { schema });
    })
    .then((r) => {
      if (r && r.ok) { store.draftForms = r.body.forms || {}; setState(true, r.body.updated_by); }
      else if (r) say(message, r.body.message || M.failed, "error");
    });
}

on("save", () => save().then((ok) => ok && say(message, M.saved, "ok")));
on("validate", () => xml().then((bpmn) => api("POST", "/process-definitions/validate", { bpmn_xml: bpmn, forms: store.draftForms })).then((r) => {
  if (!r.ok) { say(message, r.body.message || M.failed, "error"); return; }
  showProblems(r.body.problems || []);
  say(message, r.body.valid ? M.valid : M.invalid, r.body.valid ? "ok" : "error");
}));
on("deploy", () => save().then((ok) => ok && deploy(false)));
on("discard", () => {
  if (!window.confirm(M.discardConfirm)) return;
  return api("DELETE", base + "/draft").then((r) => {
    if (!r.ok && r.status !== 404) { say(message, r.body.message || M.failed, "error"); return; }
    say(message, M.discarded, "ok");
    return reload();
  });
});
on("download", () => xml().then((text) => saveFile(key + ".bpmn", text)));
on("undo", () => commandStack.undo());
on("redo", () => commandStack.redo());
on("zoom-in", () => modeler.get("zoomScroll").stepZoom(1));
on("zoom-out", () => modeler.get("zoomScroll").stepZoom(-1));
on("zoom-fit", () => canvas.zoom("fit-viewport"));
document.getElementById("import-file").addEventListener("change", (e) => {
  const file = e.target.files[0];
  e.target.value = "";
  if (file) importFile(file, false).catch(() => say(message, M.network, "error"));
});
modeler.on("commandStack.changed", () => { dirty = true; });
window.addEventListener("beforeunload", (e) => { if (dirty) { e.preventDefault(); e.returnValue = M.unsaved; } });

api("GET", "/forms").then((r) => { if (r.ok) { store.forms = r.body; rerenderPanel(); } });
reload().then(() => { document.body.dataset.modelerReady = "1"; });
