"""SQL for task drafts ("保存草稿"): one row per task and user."""

from __future__ import annotations

from sqlalchemy import bindparam, delete

from service.db.models import TaskDraft
from service.db.queries.base import Repository, table_of

# Built once, on the table: every completion runs it (an ORM delete is annotated anew each time).
_DRAFTS = table_of(TaskDraft)
_REMOVE_FOR_TASK = delete(_DRAFTS).where(_DRAFTS.c.task_id == bindparam("task_id"))  # Core: no ORM bulk work


class DraftRepository(Repository):
    def get(self, task_id: str, username: str) -> TaskDraft | None:
        return self.session.get(TaskDraft, (task_id, username))

    def remove(self, task_id: str, username: str) -> bool:
        stmt = delete(TaskDraft).where(TaskDraft.task_id == task_id, TaskDraft.username == username)
        return bool(self.session.execute(stmt).rowcount)  # type: ignore[attr-defined]

    def remove_for_task(self, task_id: str) -> None:
        """Every user's draft of the task (it was completed)."""
        self.session.flush()  # as the ORM delete did: a draft object pending in the session goes in first
        self.session.execute(_REMOVE_FOR_TASK, {"task_id": task_id})
