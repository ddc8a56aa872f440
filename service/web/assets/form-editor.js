/* /admin/forms/<key>?process=<pkey>: the form-js editor, a live preview against sample data, our two
   rules (requiredWhen, valuesKey) in a side panel; 保存 stores the form in the process's draft. */
import "./lib/csp-styles.js";
import { FormEditor } from "@bpmn-io/form-js-editor";
import { Form } from "@bpmn-io/form-js-viewer";
import { api, say } from "./lib/page.js";

const data = window.DUBAN;
const M = data.messages;
const message = document.getElementById("message");
const base = "/process-definitions/" + encodeURIComponent(data.process);

const PALETTE = {
  "Text field": "文本框", "Text area": "多行文本", Number: "数字", Checkbox: "复选框", Checklist: "多选列表",
  "Radio group": "单选", Select: "下拉选择", "Tag list": "标签选择", "Date time": "日期时间", Button: "按钮",
  Text: "文字说明", Input: "输入", Selection: "选择", Presentation: "展示", Containers: "容器", Action: "操作",
  "Search components": "搜索组件", Group: "分组", "Dynamic list": "动态列表", Spacer: "间隔", Separator: "分隔线",
  Image: "图片", "Text view": "文字说明", Table: "表格", Heading: "标题",
  Components: "组件", Condition: "条件", Serialization: "序列化", Constraints: "约束",
  General: "常规", Field: "字段", Label: "标签", Key: "键（key）", Description: "说明", Validation: "校验",
  Required: "必填", "Custom properties": "自定义属性", Options: "选项", Appearance: "外观", Layout: "布局",
};
const translate = (template, replacements) => {
  const text = PALETTE[template] || template;
  return text.replace(/{([^}]+)}/g, (_, k) => (replacements && k in replacements ? replacements[k] : "{" + k + "}"));
};

/* The palette shows each field type's config.name: Chinese names, set before the palette first renders
   (its group headings are constants of form-js and stay English). */
const FIELD_NAMES = {
  textfield: "文本框", textarea: "多行文本", number: "数字", datetime: "日期时间", expression: "表达式",
  filepicker: "文件", checkbox: "复选框", checklist: "多选", radio: "单选", select: "下拉选择",
  taglist: "标签选择", text: "文字说明", image: "图片", table: "表格", html: "HTML", spacer: "间隔",
  separator: "分隔线", group: "分组", dynamiclist: "动态列表", iframe: "内嵌页面", button: "按钮",
};
function ChineseFieldNames(formFields) {
  Object.entries(formFields._formFields).forEach(([type, field]) => {
    if (FIELD_NAMES[type] && field.config) field.config = { ...field.config, name: FIELD_NAMES[type] };
  });
}
ChineseFieldNames.$inject = ["formFields"];

const editor = new FormEditor({
  container: document.getElementById("form-editor"),
  additionalModules: [
    { translate: ["value", translate] },
    { __init__: ["dubanFieldNames"], dubanFieldNames: ["type", ChineseFieldNames] },
  ],
});
window.dubanFormEditor = editor;

/* form-js writes its palette and panel group headings as constants, not through translate: change the words
   in its own text nodes (replacing the nodes would make its renderer add its text back beside ours). */
const HEADINGS = ".fjs-palette-header, .fjs-palette-group-title, .bio-properties-panel-group-header-title";
function chineseHeadings(root) {
  root.querySelectorAll(HEADINGS).forEach((el) => {
    const texts = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = texts.nextNode(); node; node = texts.nextNode()) {
      const word = PALETTE[node.nodeValue.trim()];
      if (word) node.nodeValue = word;
    }
  });
  root.querySelectorAll("input[placeholder='Search components']").forEach((el) => {
    el.placeholder = PALETTE["Search components"];
  });
}
const editorRoot = document.getElementById("form-editor");
new MutationObserver(() => chineseHeadings(editorRoot)).observe(editorRoot, {
  childList: true, subtree: true, characterData: true,
});
let preview = null;
let selected = null;

function blankSchema() {
  return { type: "default", id: data.formKey, schemaVersion: 16, components: [] };
}

function sample() {
  try { return JSON.parse(document.getElementById("sample-data").value || "{}"); } catch (e) { return null; }
}

function renderPreview() {
  const values = sample();
  const schema = editor.saveSchema();
  if (values === null) { say(message, M.badJson, "error"); return; }
  const container = document.getElementById("form-preview");
  if (preview) preview.destroy();
  container.textContent = "";
  preview = new Form({ container });
  preview.importSchema(schema, values).catch((err) => say(message, err.message, "error"));
}

function selectField(field) {
  selected = field && field.type !== "default" ? field : null;
  const rw = document.getElementById("rule-required-when");
  const vk = document.getElementById("rule-values-key");
  document.getElementById("rule-field").textContent = selected ? selected.key || selected.id : "—";
  rw.disabled = !selected;
  vk.disabled = !selected || !["select", "taglist", "radio", "checklist"].includes(selected.type);
  rw.value = selected && selected.properties ? selected.properties.requiredWhen || "" : "";
  vk.value = selected ? selected.valuesKey || "" : "";
}

function update(changes) {
  if (!selected) return;
  editor.get("modeling").editFormField(selected, changes);
}

document.getElementById("rule-required-when").addEventListener("change", (e) => {
  const props = { ...((selected && selected.properties) || {}) };
  if (e.target.value.trim()) props.requiredWhen = e.target.value.trim(); else delete props.requiredWhen;
  update({ properties: props });
});
document.getElementById("rule-values-key").addEventListener("change", (e) => {
  const value = e.target.value;
  update(value ? { valuesKey: value, values: undefined } : { valuesKey: undefined, values: [{ label: "选项1", value: "1" }] });
});
document.getElementById("sample-data").addEventListener("change", renderPreview);
editor.on("selection.changed", (e) => selectField(e.selection));
editor.on("changed", () => { renderPreview(); if (selected) selectField(editor.get("formFieldRegistry").get(selected.id)); });

document.getElementById("save-form").addEventListener("click", () => {
  const schema = editor.saveSchema();
  api("PUT", base + "/draft/forms/" + encodeURIComponent(data.formKey), { schema }).then((r) => {
    if (!r.ok) {
      const errors = (r.body.details && r.body.details.errors) || [];
      const text = [r.body.message || M.failed, ...errors.map((p) => p.message).filter(Boolean)].join("；");
      say(message, text, "error");
      return;
    }
    say(message, M.saved, "ok");
  }, () => say(message, M.network, "error"));
});

function start(schema) {
  return editor.importSchema(schema).then(() => { renderPreview(); document.body.dataset.formEditorReady = "1"; });
}

if (data.process) {
  api("GET", base + "/draft").then((r) => {
    const forms = (r.ok && r.body.forms) || {};
    return start(forms[data.formKey] || blankSchema());
  });
} else {
  start(blankSchema());
}
