"""SQL of deployed process definitions (one row per version; a version never changes)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from service.db.models import ProcessDefinition
from service.db.queries.base import Repository


class DefinitionRepository(Repository):
    def latest(self, key: str) -> ProcessDefinition | None:
        stmt = select(ProcessDefinition).where(ProcessDefinition.key == key)
        return self.session.scalars(stmt.order_by(ProcessDefinition.version.desc()).limit(1)).first()

    def version(self, key: str, version: int) -> ProcessDefinition | None:
        stmt = select(ProcessDefinition).where(ProcessDefinition.key == key, ProcessDefinition.version == version)
        return self.session.scalars(stmt).first()

    def get(self, definition_id: int) -> ProcessDefinition | None:
        return self.session.get(ProcessDefinition, definition_id)

    def forms(self, definition_id: int) -> dict[str, Any]:
        """The version's forms (formKey -> form-js JSON), read on their own."""
        stmt = select(ProcessDefinition.forms).where(ProcessDefinition.id == definition_id)
        return dict(self.session.scalars(stmt).first() or {})

    def list_latest(self) -> Sequence[ProcessDefinition]:
        newest = (
            select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("v"))
            .group_by(ProcessDefinition.key)
            .subquery()
        )
        stmt = select(ProcessDefinition).join(
            newest, (ProcessDefinition.key == newest.c.key) & (ProcessDefinition.version == newest.c.v)
        )
        return self.session.scalars(stmt.order_by(ProcessDefinition.key)).all()

    def versions(self, key: str) -> Sequence[ProcessDefinition]:
        stmt = select(ProcessDefinition).where(ProcessDefinition.key == key)
        return self.session.scalars(stmt.order_by(ProcessDefinition.version)).all()
