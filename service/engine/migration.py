"""Moving one instance's state from one definition version to another (issue 12 point 7).

SpiffWorkflow 3 aligns two specs (`SpecDiff`: by element id first, then by structure) and moves a live
workflow onto the new spec (`migrate_workflow`: every task gets its aligned spec, ready and waiting
branches are reset and predicted again on the new diagram). We use it as a library, with a stricter rule
on top, because its alignment by structure may match a removed task with an unrelated added one (a user
handling "B" would silently find themselves in "C", with another form and lane):

- every active task (ready, waiting, started, in error) must exist in the new version under the same
  element id and of the same kind;
- every finished task still in the engine tree must exist too (the state refers to its spec by name;
  a state that names a spec the new version lacks cannot be loaded again);
- each running subprocess (call activity, embedded subprocess) must have its process in the new version,
  under the same rules;
- the migrated state must load again on the new version (checked before anything is returned).

Otherwise the verdict is "cannot move" with the reasons, and nothing is changed. Everything here runs in
an engine process (commands.py, ops "plan" and "migrate"), like every other command on untrusted diagrams.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from service.engine.parser import CompiledDefinition

_ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR


@dataclass
class ElementRef:
    element_id: str
    name: str
    process_id: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"element_id": self.element_id, "name": self.name, "process_id": self.process_id}


@dataclass
class MigrationPlan:
    """The verdict on one instance; `reasons` are Chinese, for the page and the API."""

    can_move: bool
    active: list[ElementRef] = field(default_factory=list)
    missing: list[ElementRef] = field(default_factory=list)
    changed: list[ElementRef] = field(default_factory=list)
    added: list[ElementRef] = field(default_factory=list)
    removed: list[ElementRef] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "can_move": self.can_move,
            "active": [e.as_dict() for e in self.active],
            "missing": [e.as_dict() for e in self.missing],
            "changed": [e.as_dict() for e in self.changed],
            "added": [e.as_dict() for e in self.added],
            "removed": [e.as_dict() for e in self.removed],
            "reasons": list(self.reasons),
        }


def _ref(spec: Any, process_id: str) -> ElementRef:
    element_id = getattr(spec, "bpmn_id", None) or spec.name
    return ElementRef(str(element_id), str(getattr(spec, "bpmn_name", None) or element_id), process_id)


def _is_element(spec: Any) -> bool:
    """A BPMN element of the diagram (not the engine's own Start/End/join specs)."""
    return bool(getattr(spec, "bpmn_id", None))


def _kind(spec: Any) -> str:
    return type(spec).__name__


def _registry() -> Any:
    from service.engine.state_codec import SERIALIZER as _SERIALIZER

    return _SERIALIZER.registry


@dataclass
class _Pair:
    """One workflow (top level or subprocess) of the instance, its diff and the spec it moves to."""

    workflow: Any
    diff: WorkflowDiff | None
    new_spec: Any


def _pairs(workflow: Any, target: CompiledDefinition, plan: MigrationPlan) -> list[_Pair]:
    registry = _registry()
    pairs: list[_Pair] = []
    diffs: dict[int, SpecDiff] = {}  # one per spec: the subprocess instances of a spec share it
    for wf, new_spec in [(workflow, target.spec)] + [
        (sp, target.subprocess_specs.get(sp.spec.name)) for sp in workflow.subprocesses.values()
    ]:
        if new_spec is None:
            active = [t for t in wf.tasks.values() if t.has_state(_ACTIVE) and _is_element(t.task_spec)]
            if not wf.completed or active:
                plan.reasons.append(f"子流程 {wf.spec.name} 在目标版本中不存在")
                plan.missing.extend(_ref(t.task_spec, wf.spec.name) for t in active)
            else:
                plan.reasons.append(f"已结束的子流程 {wf.spec.name} 在目标版本中不存在，其记录无法对应")
            pairs.append(_Pair(wf, None, None))
            continue
        if id(wf.spec) not in diffs:
            diffs[id(wf.spec)] = SpecDiff(registry, wf.spec, new_spec)
        pairs.append(_Pair(wf, WorkflowDiff(wf, diffs[id(wf.spec)]), new_spec))
    return pairs


def _spec_changes(workflow: Any, target: CompiledDefinition, plan: MigrationPlan) -> None:
    """What the target changed, added and removed, in the top process and every process it contains or
    calls. An element matched only by structure (another id) counts as removed plus added, as we treat it."""
    registry = _registry()
    specs = [(workflow.spec, target.spec)]
    specs += [(spec, target.subprocess_specs.get(name)) for name, spec in sorted(workflow.subprocess_specs.items())]
    for old_spec, new_spec in specs:
        if new_spec is None:
            continue
        diff = SpecDiff(registry, old_spec, new_spec)
        plan.added += [_ref(s, new_spec.name) for s in diff.added if _is_element(s)]
        plan.removed += [_ref(s, old_spec.name) for s in diff.removed if _is_element(s)]
        for old, new in diff.alignment.items():
            if new is None or not _is_element(old):
                continue
            if old.name != new.name:
                plan.removed.append(_ref(old, old_spec.name))
                plan.added.append(_ref(new, new_spec.name))
            elif set(diff.comparisons.get(old) or ()) - {"inputs", "outputs"}:
                plan.changed.append(_ref(old, old_spec.name))


def plan(workflow: Any, target: CompiledDefinition) -> tuple[MigrationPlan, list[_Pair]]:
    """The verdict for `workflow` (loaded on its own version) against `target`."""
    verdict = MigrationPlan(can_move=True)
    pairs = _pairs(workflow, target, verdict)
    _spec_changes(workflow, target, verdict)
    for pair in pairs:
        wf = pair.workflow
        for task in wf.tasks.values():
            spec = task.task_spec
            active = task.has_state(_ACTIVE)
            if active and _is_element(spec):
                verdict.active.append(_ref(spec, wf.spec.name))
            if pair.new_spec is None:
                continue
            new = pair.new_spec.task_specs.get(spec.name)
            if new is not None and _kind(new) == _kind(spec):
                continue
            if not active and not task.has_state(TaskState.FINISHED_MASK):
                continue  # a predicted task: predicted again on the new diagram
            ref = _ref(spec, wf.spec.name)
            if new is not None:
                verdict.reasons.append(f"环节“{ref.name}”（{ref.element_id}）在目标版本中类型已改变")
            elif active:
                verdict.reasons.append(f"当前环节“{ref.name}”（{ref.element_id}）在目标版本中不存在")
            else:
                verdict.reasons.append(f"已办理的环节“{ref.name}”（{ref.element_id}）在目标版本中已删除，记录无法对应")
            if active or new is None:
                verdict.missing.append(ref)
    verdict.can_move = not verdict.reasons
    return verdict, pairs


def migrate(workflow: Any, target: CompiledDefinition, pairs: list[_Pair]) -> None:
    """Move `workflow` onto `target` in place; only after `plan` said it can move."""
    for pair in pairs:
        assert pair.diff is not None
        # Align by element id only (the plan refused anything else): a task keeps its id, so its
        # projected human task row, drafts and history stay attached to it.
        pair.diff.alignment = {
            task: pair.new_spec.task_specs[task.task_spec.name]
            for task in pair.workflow.tasks.values()
            if task.task_spec.name in pair.new_spec.task_specs
        }
        migrate_workflow(pair.diff, pair.workflow, pair.new_spec)
    workflow.subprocess_specs = dict(target.subprocess_specs)
