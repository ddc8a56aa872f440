"""SQL of the accountability referrals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from service.db.models import ProcessInstance
from service.db.models.accountability import AccountabilityReferral
from service.db.queries.base import Repository

_A = AccountabilityReferral


class AccountabilityRepository(Repository):
    def for_instance(self, instance_id: int) -> Sequence[AccountabilityReferral]:
        return self.session.scalars(select(_A).where(_A.instance_id == instance_id).order_by(_A.id)).all()

    def page(self, offset: int, limit: int, unit: str | None = None) -> tuple[Sequence[Any], int]:
        """(referral, business number, title) rows, newest first."""
        stmt = select(_A, ProcessInstance.business_number, ProcessInstance.title).join(
            ProcessInstance, ProcessInstance.id == _A.instance_id
        )
        if unit:
            stmt = stmt.where(_A.unit_code == unit)
        return self._page(stmt, [_A.recorded_at.desc(), _A.id.desc()], offset, limit, rows=True)

    def between(self, start: datetime, end: datetime, unit: str | None = None) -> Sequence[Any]:
        """(referral, business number, title) recorded in [start, end), oldest first, for 考核."""
        stmt = (
            select(_A, ProcessInstance.business_number, ProcessInstance.title)
            .join(ProcessInstance, ProcessInstance.id == _A.instance_id)
            .where(_A.recorded_at >= start, _A.recorded_at < end)
        )
        if unit:
            stmt = stmt.where(_A.unit_code == unit)
        return self.session.execute(stmt.order_by(_A.recorded_at, _A.id)).all()
