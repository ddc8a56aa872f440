"""SQL of the archive packages."""

from __future__ import annotations

from sqlalchemy import select

from service.db.models.archives import Archive
from service.db.queries.base import Repository


class ArchiveRepository(Repository):
    def for_instance(self, instance_id: int) -> Archive | None:
        return self.session.scalar(select(Archive).where(Archive.instance_id == instance_id))
