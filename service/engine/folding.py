"""Keep the engine's live task tree short.

A loop drawn as a back-edge (return for redo, follow-up rounds) makes SpiffWorkflow grow the task tree
by one pass per round: past ~246 rounds it raises RecursionError, and tasks deeper than 1,000 levels
become invisible to its iterators. Once a pass is finished we cut it out: the new occurrence of the
loop's first task takes the place of the old one, and the finished pass is dropped. Our history table,
not the engine tree, is the record of every step.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from SpiffWorkflow.util.task import TaskState

_LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.FUTURE | TaskState.ERROR


def _subtree(task: Any) -> Iterator[Any]:
    stack = [task]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(child for child in node.children if child is not None)


def _repeat_on_path(task: Any) -> tuple[Any, Any] | None:
    """The highest task on the path from the root to `task` whose spec already occurred above it."""
    path = []
    node = task
    while node is not None:
        path.append(node)
        node = node.parent
    seen: dict[Any, Any] = {}
    for node in reversed(path):
        if node.task_spec in seen:
            return seen[node.task_spec], node
        seen[node.task_spec] = node
    return None


def _fold_once(top: Any, workflow: Any) -> bool:
    for task in [t for t in workflow.tasks.values() if t.state & _LIVE]:
        pair = _repeat_on_path(task)
        if pair is None:
            continue
        old, new = pair
        keep = {t.id for t in _subtree(new)}
        drop = [t for t in _subtree(old) if t.id not in keep]
        if any(t.state & _LIVE for t in drop):
            continue  # another branch of the old pass is still running: not finished yet
        parent = old.parent
        parent._children[parent._children.index(old.id)] = new.id
        new._parent = parent.id
        for t in drop:
            if t.id in top.subprocesses:
                top.delete_subprocess(t)
            workflow.tasks.pop(t.id, None)
            if workflow.last_task is t:
                workflow.last_task = new
        return True
    return False


def fold_loops(top: Any) -> int:
    """Fold every finished loop pass in the workflow and its subprocesses; returns how many."""
    folded = 0
    for workflow in [top, *list(top.subprocesses.values())]:
        if workflow is not top and top.subprocesses.get(workflow.parent_task_id) is not workflow:
            continue  # deleted by an earlier fold
        while _fold_once(top, workflow):
            folded += 1
    return folded
