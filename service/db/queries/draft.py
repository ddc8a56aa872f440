"""SQL for task drafts ("保存草稿"): one row per task and user."""

from __future__ import annotations

from sqlalchemy import delete

from service.db.models import TaskDraft
from service.db.queries.base import Repository


class DraftRepository(Repository):
    def get(self, task_id: str, username: str) -> TaskDraft | None:
        return self.session.get(TaskDraft, (task_id, username))

    def remove(self, task_id: str, username: str) -> bool:
        stmt = delete(TaskDraft).where(TaskDraft.task_id == task_id, TaskDraft.username == username)
        return bool(self.session.execute(stmt).rowcount)  # type: ignore[attr-defined]

    def remove_for_task(self, task_id: str) -> None:
        """Every user's draft of the task (it was completed)."""
        self.session.execute(delete(TaskDraft).where(TaskDraft.task_id == task_id))
