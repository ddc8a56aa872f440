"""SQL for attachments (metadata only; the bytes are in the data directory)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from service.db.models import Attachment
from service.db.queries.base import Repository


class AttachmentRepository(Repository):
    def get(self, attachment_id: int) -> Attachment | None:
        return self.session.get(Attachment, attachment_id)

    def for_instance(self, instance_id: int) -> Sequence[Attachment]:
        stmt = select(Attachment).where(Attachment.instance_id == instance_id)
        return self.session.scalars(stmt.order_by(Attachment.uploaded_at, Attachment.id)).all()
