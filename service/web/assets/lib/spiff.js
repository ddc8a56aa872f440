/* What the service reads from a diagram (docs/process-conventions.md): spiffworkflow:properties on user tasks
   and on the process. The moddle descriptor lets bpmn-js read and write them; the helpers edit them as
   commands, so undo and redo cover every change. */
import { is, getBusinessObject } from "bpmn-js/lib/util/ModelUtil";

export const spiffModdle = {
  name: "SpiffWorkflow",
  prefix: "spiffworkflow",
  uri: "http://spiffworkflow.org/bpmn/schema/1.0/core",
  xml: { tagAlias: "lowerCase" },
  associations: [],
  types: [
    { name: "Properties", superClass: ["Element"], properties: [{ name: "properties", type: "Property", isMany: true }] },
    {
      name: "Property",
      superClass: ["Element"],
      properties: [
        { name: "name", type: "String", isAttr: true },
        { name: "value", type: "String", isAttr: true },
      ],
    },
  ],
};

/* The business object carrying process-level properties: the process itself, a participant's process,
   or the first participant's process when the collaboration is the root. */
export function processOf(element) {
  const bo = getBusinessObject(element);
  if (is(bo, "bpmn:Process")) return bo;
  if (is(bo, "bpmn:Participant")) return bo.processRef || null;
  if (is(bo, "bpmn:Collaboration")) {
    const p = (bo.participants || []).find((x) => x.processRef);
    return p ? p.processRef : null;
  }
  return null;
}

function propertiesOf(bo) {
  const ext = bo && bo.extensionElements;
  if (!ext) return null;
  return (ext.values || []).find((v) => is(v, "spiffworkflow:Properties")) || null;
}

export function getProperty(bo, name) {
  const props = propertiesOf(bo);
  const found = props && (props.properties || []).find((p) => p.name === name);
  return found ? found.value || "" : "";
}

export function setProperty(element, bo, name, value, modeling, bpmnFactory) {
  value = (value || "").trim();
  let ext = bo.extensionElements;
  if (!ext) {
    if (!value) return;
    ext = bpmnFactory.create("bpmn:ExtensionElements", { values: [] });
    modeling.updateModdleProperties(element, bo, { extensionElements: ext });
  }
  let props = propertiesOf(bo);
  if (!props) {
    if (!value) return;
    props = bpmnFactory.create("spiffworkflow:Properties", { properties: [] });
    modeling.updateModdleProperties(element, ext, { values: [...(ext.values || []), props] });
  }
  const list = props.properties || [];
  const found = list.find((p) => p.name === name);
  if (!value) {
    if (found) modeling.updateModdleProperties(element, props, { properties: list.filter((p) => p !== found) });
  } else if (found) {
    modeling.updateModdleProperties(element, found, { value });
  } else {
    const prop = bpmnFactory.create("spiffworkflow:Property", { name, value });
    modeling.updateModdleProperties(element, props, { properties: [...list, prop] });
  }
}

export const TIMER_KINDS = ["timeDuration", "timeDate", "timeCycle"];

export function timerOf(bo) {
  const defs = (bo && bo.eventDefinitions) || [];
  return defs.find((d) => is(d, "bpmn:TimerEventDefinition")) || null;
}

export function timerValue(timer) {
  for (const kind of TIMER_KINDS) {
    if (timer[kind]) return { kind, text: timer[kind].body || "" };
  }
  return { kind: "timeDuration", text: "" };
}

export function setTimer(element, timer, kind, text, modeling, bpmnFactory) {
  const update = { timeDuration: undefined, timeDate: undefined, timeCycle: undefined };
  update[kind] = bpmnFactory.create("bpmn:FormalExpression", { body: text });
  modeling.updateModdleProperties(element, timer, update);
}

/* The lane a flow node sits in (lanes = roles): a task in a subprocess belongs to the subprocess's lane. */
export function laneOf(element) {
  let bo = getBusinessObject(element);
  while (bo && bo.$parent && !is(bo.$parent, "bpmn:Process")) bo = bo.$parent;
  const process = bo && bo.$parent;
  const find = (sets) => {
    for (const set of sets || []) {
      for (const lane of set.lanes || []) {
        const inner = lane.childLaneSet ? find([lane.childLaneSet]) : null;
        if (inner) return inner;
        if ((lane.flowNodeRef || []).includes(bo)) return lane;
      }
    }
    return null;
  };
  return process ? find(process.laneSets) : null;
}
