"""SQL for the cadre area: 附件2/附件3 records, their 处分/考核 rows, rotation draws."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from service.db.models.cadres import (
    CadreDiscipline,
    CadreEvaluation,
    RotationDraw,
    RotationDrawEntry,
    SupervisionCadre,
    SupervisionLeader,
)
from service.db.queries.base import Repository


class CadreRepository(Repository):
    def add(self, row: SupervisionCadre | SupervisionLeader | RotationDraw) -> None:
        self.session.add(row)

    def flush(self) -> None:
        self.session.flush()

    # 附件3 督查干部
    def cadre(self, cadre_id: int) -> SupervisionCadre | None:
        """A current record (removed ones are gone for every use but the draw history)."""
        found = self.session.get(SupervisionCadre, cadre_id)
        return found if found is not None and found.removed_at is None else None

    def cadres(self, unit: str | None = None) -> Sequence[SupervisionCadre]:
        stmt = select(SupervisionCadre).where(SupervisionCadre.removed_at.is_(None))
        if unit:
            stmt = stmt.where(SupervisionCadre.unit_code == unit)
        return self.session.scalars(stmt.order_by(SupervisionCadre.unit_code, SupervisionCadre.id)).all()

    def replace_rows(
        self, cadre: SupervisionCadre, disciplines: list[CadreDiscipline], evaluations: list[CadreEvaluation]
    ) -> None:
        """The old rows go first, so a year kept in the new list never meets itself in the unique index."""
        cadre.disciplines.clear()
        cadre.evaluations.clear()
        self.session.flush()
        cadre.disciplines.extend(disciplines)
        cadre.evaluations.extend(evaluations)

    # 附件2 分管领导
    def leader(self, leader_id: int) -> SupervisionLeader | None:
        found = self.session.get(SupervisionLeader, leader_id)
        return found if found is not None and found.removed_at is None else None

    def leaders(self, unit: str | None = None) -> Sequence[SupervisionLeader]:
        stmt = select(SupervisionLeader).where(SupervisionLeader.removed_at.is_(None))
        if unit:
            stmt = stmt.where(SupervisionLeader.unit_code == unit)
        return self.session.scalars(stmt.order_by(SupervisionLeader.unit_code, SupervisionLeader.id)).all()

    # 轮训抽选
    def last_drawn(self) -> dict[int, str]:
        """cadre id → the latest half year they were drawn in; voided draws do not count."""
        stmt = (
            select(RotationDrawEntry.cadre_id, func.max(RotationDraw.half))
            .join(RotationDraw, RotationDraw.id == RotationDrawEntry.draw_id)
            .where(RotationDraw.voided_at.is_(None))
            .group_by(RotationDrawEntry.cadre_id)
        )
        return {int(cadre_id): str(half) for cadre_id, half in self.session.execute(stmt)}

    def drawn_halves(self, cadre_id: int) -> list[str]:
        stmt = (
            select(RotationDraw.half)
            .join(RotationDrawEntry, RotationDraw.id == RotationDrawEntry.draw_id)
            .where(RotationDrawEntry.cadre_id == cadre_id, RotationDraw.voided_at.is_(None))
            .order_by(RotationDraw.half)
        )
        return list(self.session.scalars(stmt))

    def draws(self, limit: int = 200) -> Sequence[RotationDraw]:
        stmt = select(RotationDraw).order_by(RotationDraw.half.desc(), RotationDraw.id.desc()).limit(limit)
        return self.session.scalars(stmt).all()

    def draw(self, draw_id: int) -> RotationDraw | None:
        return self.session.get(RotationDraw, draw_id)

    def live_draw(self, half: str) -> RotationDraw | None:
        return self.session.scalars(select(RotationDraw).where(RotationDraw.live_half == half)).first()
