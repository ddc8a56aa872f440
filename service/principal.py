"""Who is asking, and what they may do. Every permission check of the service is here."""

from __future__ import annotations

from dataclasses import dataclass

from service.db.models import HumanTask, User

ROLES = (
    "督查室",
    "承办单位",
    "县长",
    "常务副县长",
    "分管副县长",
    "政府办主任",
    "政府办分管督查领导",
    "系统管理员",
    "审计",
)
UNIT_LANE = "承办单位"
ADMIN = "系统管理员"
AUDITOR = "审计"
OFFICE = "督查室"


@dataclass(frozen=True)
class Principal:
    username: str
    display_name: str
    roles: frozenset[str]
    unit_code: str | None

    @classmethod
    def of(cls, user: User) -> Principal:
        return cls(
            user.username,
            user.display_name,
            frozenset(r.name for r in user.roles),
            user.unit.code if user.unit else None,
        )

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.roles

    @property
    def sees_everything(self) -> bool:
        """The office, auditors and admins read every instance; units and leaders their own work."""
        return bool(self.roles & {ADMIN, AUDITOR, OFFICE})

    def acting_lanes(self) -> set[str]:
        """Lanes whose tasks this principal acts on without a unit check."""
        return {r for r in self.roles if r not in (UNIT_LANE, ADMIN, AUDITOR)}

    def may_act_on(self, task: HumanTask) -> bool:
        if task.lane == UNIT_LANE:
            return UNIT_LANE in self.roles and self.unit_code is not None and task.unit_code == self.unit_code
        return task.lane is not None and task.lane in self.acting_lanes()

    def may_start(self) -> bool:
        return bool(self.roles & {OFFICE, ADMIN, UNIT_LANE})
