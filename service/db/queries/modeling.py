"""SQL of process administration: the modeler's working copies and the instances of each version."""

from __future__ import annotations

from sqlalchemy import func, select

from service.db.models import DefinitionDraft, ProcessDefinition, ProcessInstance
from service.db.queries.base import Repository


class ModelingRepository(Repository):
    def draft(self, key: str) -> DefinitionDraft | None:
        return self.session.get(DefinitionDraft, key)

    def remove_draft(self, draft: DefinitionDraft) -> None:
        self.session.delete(draft)

    def draft_keys(self) -> set[str]:
        return set(self.session.scalars(select(DefinitionDraft.process_key)).all())

    def instance_counts(self, key: str) -> dict[int, dict[str, int]]:
        """version -> {status: number of instances} for every version of the process."""
        stmt = (
            select(ProcessDefinition.version, ProcessInstance.status, func.count(ProcessInstance.id))
            .join(ProcessInstance, ProcessInstance.definition_id == ProcessDefinition.id)
            .where(ProcessDefinition.key == key)
            .group_by(ProcessDefinition.version, ProcessInstance.status)
        )
        counts: dict[int, dict[str, int]] = {}
        for version, status, number in self.session.execute(stmt):
            counts.setdefault(version, {})[status] = number
        return counts
