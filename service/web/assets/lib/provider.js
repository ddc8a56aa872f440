/* Our properties provider: the 督办设置 group with what process-conventions.md says the service reads
   (formKey, role = lane, position, due, timers, scripts, conditions, process properties). Expressions are
   checked by the server's sandbox compiler on blur; its answer is shown under the field. */
import { TextFieldEntry, TextAreaEntry, SelectEntry, isTextFieldEntryEdited, isSelectEntryEdited, isTextAreaEntryEdited } from "@bpmn-io/properties-panel";
import { useService } from "bpmn-js-properties-panel";
import { h } from "@bpmn-io/properties-panel/preact";
import { useState, useEffect } from "@bpmn-io/properties-panel/preact/hooks";
import { is, getBusinessObject } from "bpmn-js/lib/util/ModelUtil";
import { getProperty, setProperty, processOf, timerOf, timerValue, setTimer, laneOf, TIMER_KINDS } from "./spiff.js";

/* Filled by the page: forms of every flow's latest version, the draft's own forms, the lane names. */
export const store = { forms: [], draftForms: {}, lanes: [], roles: [], key: "", checkExpression: null, formLink: null, openForm: null, adoptForm: null };

function Checked(props) {
  const { id, kind, label, getValue, setValue, element, area, description } = props;
  const [verdict, setVerdict] = useState(null);
  useEffect(() => setVerdict(null), [element]); // another element: the answer was about the previous one
  const onBlur = (event) => {
    const text = (event && event.target ? event.target.value : getValue(element)) || ""; // the input is debounced
    if (!text.trim() || !store.checkExpression) { setVerdict(null); return; }
    store.checkExpression(kind, text).then(setVerdict);
  };
  const entry = h(area ? TextAreaEntry : TextFieldEntry, {
    element, id, label, getValue, setValue, onBlur, description, debounce: useService("debounceInput"), rows: 4, monospace: true,
  });
  const note = verdict
    ? h("div", { class: "duban-check " + (verdict.ok ? "ok" : "bad"), "data-check": id }, verdict.ok ? "✓ " + (verdict.message || "表达式正确") : verdict.message)
    : null;
  return h("div", { class: "duban-checked" }, entry, note);
}

/* One component per entry for the page's life: a new function at each render would remount the entry and
   lose the check's answer. */
const components = {};

function propertyEntry(id, name, label, kind, description) {
  components[id] = components[id] || function PropertyEntry(props) {
      const { element } = props;
      const modeling = useService("modeling");
      const bpmnFactory = useService("bpmnFactory");
      const bo = id.startsWith("process-") ? processOf(element) : getBusinessObject(element);
      const getValue = () => getProperty(bo, name);
      const setValue = (value) => setProperty(element, bo, name, value, modeling, bpmnFactory);
      if (kind) return h(Checked, { element, id, kind, label, getValue, setValue, description });
      return h(TextFieldEntry, { element, id, label, getValue, setValue, description, debounce: useService("debounceInput") });
  };
  return { id, isEdited: isTextFieldEntryEdited, component: components[id] };
}

function FormKeyEntry(props) {
  const { element } = props;
  const modeling = useService("modeling");
  const bpmnFactory = useService("bpmnFactory");
  const bo = getBusinessObject(element);
  const current = getProperty(bo, "formKey");
  const keys = new Set([...store.forms.map((f) => f.key), ...Object.keys(store.draftForms)]);
  if (current) keys.add(current);
  const titles = {};
  store.forms.forEach((f) => { titles[f.key] = f.title; });
  const getOptions = () => [{ value: "", label: "（请选择表单）" }, ...[...keys].sort().map((k) => ({ value: k, label: k + (titles[k] ? " · " + titles[k] : "") + (titles[k] === undefined ? "（草稿中新建）" : "") }))];
  const select = h(SelectEntry, {
    element, id: "formKey", label: "表单（formKey）", getOptions,
    getValue: () => getProperty(bo, "formKey"),
    setValue: (value) => {
      setProperty(element, bo, "formKey", value, modeling, bpmnFactory);
      if (value && !store.draftForms[value]) store.adoptForm(value);
    },
  });
  const [fresh, setFresh] = useState("");
  const link = h("div", { class: "duban-form-link" },
    current ? h("a", { href: store.formLink(current), class: "duban-open-form", onClick: (e) => { e.preventDefault(); store.openForm(current); } }, "打开表单编辑器") : null,
    h("input", { type: "text", class: "duban-new-form", placeholder: "新表单标识，如 my_report", value: fresh, onInput: (e) => setFresh(e.target.value) }),
    h("button", { type: "button", class: "duban-new-form-go", onClick: () => {
      const key = fresh.trim();
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return;
      setProperty(element, bo, "formKey", key, modeling, bpmnFactory);
      store.openForm(key);
    } }, "新建表单"));
  return h("div", null, select, link);
}

function LaneEntry(props) {
  const { element } = props;
  const modeling = useService("modeling");
  const getOptions = () => {
    const name = element.businessObject.name || "";
    const names = store.lanes.includes(name) || !name ? store.lanes : [name, ...store.lanes];
    return [{ value: "", label: "（请选择角色）" }, ...names.map((n) => ({ value: n, label: n }))];
  };
  return h(SelectEntry, {
    element, id: "laneRole", label: "角色（泳道名）", getOptions,
    getValue: () => element.businessObject.name || "",
    setValue: (value) => modeling.updateProperties(element, { name: value }),
  });
}

function TaskLaneEntry(props) {
  const lane = laneOf(props.element);
  return h("div", { class: "bio-properties-panel-entry duban-lane" },
    h("label", { class: "bio-properties-panel-label" }, "角色（所在泳道）"),
    h("div", { class: lane && lane.name ? "" : "duban-missing" }, lane ? (lane.name || "（泳道未命名）") : "（不在任何泳道中：请把任务放进一个泳道）"));
}

function ScriptEntry(props) {
  const { element } = props;
  const modeling = useService("modeling");
  return h(Checked, {
    element, id: "script", kind: "script", label: "脚本（Python，沙箱）", area: true,
    getValue: () => element.businessObject.script || "",
    setValue: (value) => modeling.updateProperties(element, { script: value, scriptFormat: "python" }),
  });
}

function ConditionEntry(props) {
  const { element } = props;
  const modeling = useService("modeling");
  const bpmnFactory = useService("bpmnFactory");
  return h(Checked, {
    element, id: "condition", kind: "condition", label: "条件（Python 表达式）",
    getValue: () => (element.businessObject.conditionExpression || {}).body || "",
    setValue: (value) => modeling.updateProperties(element, {
      conditionExpression: value ? bpmnFactory.create("bpmn:FormalExpression", { body: value }) : undefined,
    }),
  });
}

const TIMER_LABELS = { timeDuration: "时长（如 'P3D'）", timeDate: "日期时间（如 overdue_at(deadline)）", timeCycle: "周期（如 'R3/PT10H'）" };

function TimerKindEntry(props) {
  const { element } = props;
  const modeling = useService("modeling");
  const bpmnFactory = useService("bpmnFactory");
  const timer = timerOf(getBusinessObject(element));
  return h(SelectEntry, {
    element, id: "timerKind", label: "定时类型",
    getOptions: () => TIMER_KINDS.map((k) => ({ value: k, label: TIMER_LABELS[k] })),
    getValue: () => timerValue(timer).kind,
    setValue: (kind) => setTimer(element, timer, kind, timerValue(timer).text, modeling, bpmnFactory),
  });
}

function TimerTextEntry(props) {
  const { element } = props;
  const modeling = useService("modeling");
  const bpmnFactory = useService("bpmnFactory");
  const timer = timerOf(getBusinessObject(element));
  return h(Checked, {
    element, id: "timerText", kind: "timer", label: "定时表达式",
    getValue: () => timerValue(timer).text,
    setValue: (text) => setTimer(element, timer, timerValue(timer).kind, text, modeling, bpmnFactory),
  });
}

function entriesFor(element) {
  const bo = getBusinessObject(element);
  const entries = [];
  if (is(bo, "bpmn:UserTask")) {
    entries.push({ id: "formKey", component: FormKeyEntry, isEdited: isSelectEntryEdited });
    entries.push({ id: "taskLane", component: TaskLaneEntry });
    entries.push(propertyEntry("position", "position", "职务（position，可选，如 负责人）"));
    entries.push(propertyEntry("due", "due", "办理期限（due，表达式，如 add_workdays(today(), 3)）", "due"));
  }
  if (is(bo, "bpmn:Lane")) entries.push({ id: "laneRole", component: LaneEntry, isEdited: isSelectEntryEdited });
  if (is(bo, "bpmn:ScriptTask")) entries.push({ id: "script", component: ScriptEntry, isEdited: isTextAreaEntryEdited });
  if (is(bo, "bpmn:SequenceFlow") && bo.sourceRef && is(bo.sourceRef, "bpmn:Gateway")) {
    entries.push({ id: "condition", component: ConditionEntry, isEdited: isTextFieldEntryEdited });
  }
  if (timerOf(bo)) {
    entries.push({ id: "timerKind", component: TimerKindEntry, isEdited: isSelectEntryEdited });
    entries.push({ id: "timerText", component: TimerTextEntry, isEdited: isTextFieldEntryEdited });
  }
  if (processOf(element)) {
    entries.push(propertyEntry("process-businessNumber", "businessNumber", "编号格式（businessNumber，如 督办〔{year}〕第{n}号）"));
    entries.push(propertyEntry("process-ledger", "ledger", "台账（ledger：false 表示不进台账）"));
    entries.push(propertyEntry("process-startedBy", "startedBy", "发起方式（startedBy：service 表示只由系统发起）"));
    entries.push(propertyEntry("process-startableBy", "startableBy", "谁可以发起（startableBy，角色以逗号分隔）"));
    entries.push(propertyEntry("process-startForm", "startForm", "发起表单（startForm）"));
    entries.push(propertyEntry("process-startVariables", "startVariables", "发起数据（startVariables，如 title:string,lead_unit:unit）"));
  }
  return entries;
}

export default function DubanPropertiesProvider(propertiesPanel) {
  propertiesPanel.registerProvider(500, this);
}
DubanPropertiesProvider.$inject = ["propertiesPanel"];

DubanPropertiesProvider.prototype.getGroups = function (element) {
  return (groups) => {
    groups = groups.filter((g) => g && g.id !== "timer"); // ours below checks the expression
    const entries = entriesFor(element);
    if (entries.length) groups.splice(1, 0, { id: "duban", label: "督办设置", entries });
    return groups;
  };
};

export const dubanProviderModule = { __init__: ["dubanPropertiesProvider"], dubanPropertiesProvider: ["type", DubanPropertiesProvider] };
