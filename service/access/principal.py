"""Who is asking, and what they may do. Every role and role set of the service is defined here.

三员分立 (等保 2.0 level 3, docs/decisions/0008-separation-of-duties.md): three administrators whose
powers do not overlap — 系统管理员 (flows and configuration), 安全管理员 (users, passwords, lockouts,
roles; nothing about flows) and 审计管理员 (reads the audit log; nothing else). No user holds two of them.

What a county leader reads: every supervised item (督查督办 practice — 县领导 approve, read reports and
give instructions on any item), while acting only on the tasks of their own lane.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeGuard

from service.db.models import HumanTask, User
from service.db.queries.tasks import Acting

OFFICE = "督查室"
UNIT_LANE = "承办单位"
# The lane of a campaign's 牵头单位 (炎陵 §三(一)2–6): its tasks belong to the unit in `lead_unit` — the plan
# item's lead unit, or the unit whose 附件1 was approved. That unit's staff act on them, and so does the
# 督查室, which organises every campaign (and is the lead unit when the lead unit is its own).
LEAD_LANE = "牵头单位"
UNIT_LANES = frozenset({UNIT_LANE, LEAD_LANE})
ADMIN = "系统管理员"
AUDITOR = "审计"  # reads every instance and its history (业务审计), acts on nothing
SECURITY_ADMIN = "安全管理员"
AUDIT_ADMIN = "审计管理员"

COUNTY_LEADERS = frozenset({"县长", "常务副县长", "分管副县长", "政府办主任", "政府办分管督查领导"})
# Who runs the supervision work itself: scoring rules, bulletins, 催办, the cadre records, every item's files.
SUPERVISORS = frozenset({OFFICE, ADMIN})
# Who reads the whole cadre database besides the supervisors: the county leaders and the auditors.
CADRE_READERS = COUNTY_LEADERS | {AUDITOR}
# The three administrators of 三员分立; a user holds at most one of them.
ADMINISTRATORS = frozenset({ADMIN, SECURITY_ADMIN, AUDIT_ADMIN})
# Roles that may name a BPMN lane (the two security roles never do: they have nothing to do with flows).
LANE_ROLES = (
    OFFICE,
    UNIT_LANE,
    "县长",
    "常务副县长",
    "分管副县长",
    "政府办主任",
    "政府办分管督查领导",
    ADMIN,
    AUDITOR,
)
# Lane names a BPMN file may use: the lane roles, and the campaign's lead unit (not a role anyone holds).
LANES = (*LANE_ROLES, LEAD_LANE)
# 人大代表 / 政协委员 invited to take part in a campaign (004 §三.3): they read the campaigns that name them.
INVITEE = "特邀督查"
ROLES = (*LANE_ROLES, SECURITY_ADMIN, AUDIT_ADMIN, INVITEE)
# Roles whose holders act on no lane's tasks without a unit check.
_NOT_ACTING = frozenset({UNIT_LANE, LEAD_LANE, ADMIN, AUDITOR, SECURITY_ADMIN, AUDIT_ADMIN, INVITEE})


def acts_by_role(lane: str | None) -> TypeGuard[str]:
    """Whether a lane's tasks go to every holder of the role it names, without a unit check: every lane
    but 承办单位 and 牵头单位 (a unit's staff), 系统管理员 and 审计 (nobody acts on those)."""
    return lane is not None and lane not in _NOT_ACTING


@dataclass(frozen=True)
class Principal:
    username: str
    display_name: str
    roles: frozenset[str]
    unit_code: str | None
    position: str = ""  # in their unit: 联络员, 负责人, …

    @classmethod
    def of(cls, user: User) -> Principal:
        return cls(
            user.username,
            user.display_name,
            frozenset(r.name for r in user.roles),
            user.unit.code if user.unit else None,
            user.position or "",
        )

    @property
    def is_admin(self) -> bool:
        """系统管理员: flows, definitions, retries, calendar, configuration."""
        return ADMIN in self.roles

    @property
    def is_security_admin(self) -> bool:
        """安全管理员: users, passwords, lockouts, roles."""
        return SECURITY_ADMIN in self.roles

    @property
    def is_audit_admin(self) -> bool:
        """审计管理员: reads the audit log."""
        return AUDIT_ADMIN in self.roles

    @property
    def is_auditor(self) -> bool:
        """审计 (业务审计): reads every instance; what they read is itself logged (audit_log.AUDITOR_VIEWS)."""
        return AUDITOR in self.roles

    @property
    def is_county_leader(self) -> bool:
        return bool(self.roles & COUNTY_LEADERS)

    @property
    def may_supervise(self) -> bool:
        """督查室 and the system administrator: 催办, 通报, 督查专报, the scoring rules, the cadre records."""
        return bool(self.roles & SUPERVISORS)

    @property
    def sees_everything(self) -> bool:
        """The office, auditors and the system administrator read every instance and every task list."""
        return bool(self.roles & {ADMIN, AUDITOR, OFFICE})

    @property
    def reads_every_item(self) -> bool:
        """Who reads every supervised item: those who see everything, and every county leader (each acts
        only on their own lane's tasks). A unit's staff read their unit's work only; the security and
        audit administrators read no item."""
        return self.sees_everything or self.is_county_leader

    @property
    def staff_unit(self) -> str | None:
        """The unit whose 承办单位 work this principal does: their unit if they hold 承办单位, else None."""
        return self.unit_code if UNIT_LANE in self.roles else None

    def acting_lanes(self) -> set[str]:
        """Lanes whose tasks this principal acts on without a unit check (the 督查室 also 牵头单位's)."""
        lanes = {r for r in self.roles if acts_by_role(r)}
        return lanes | {LEAD_LANE} if OFFICE in self.roles else lanes

    def acting(self) -> Acting:
        """`may_act_on` as a filter for the task lists (service.db.queries.tasks.acting_on)."""
        unit = self.staff_unit
        lanes = frozenset(self.acting_lanes())
        return Acting(lanes, UNIT_LANES if unit else frozenset(), unit, self.position, self.username)

    def may_act_on(self, task: HumanTask) -> bool:
        """The one rule of who acts on a human task: a 承办单位 or 牵头单位 task its unit's staff, a task of
        another lane the holders of that role (`acts_by_role`; the 督查室 also acts on 牵头单位 tasks); and
        a task naming a position (`position`, e.g. 负责人) only those holding it. Task lists apply it in
        SQL (`acting()`); the recipients of a new task are found by it (notifications.task_recipients).
        A task reassigned to a named person (`assignee`, service.operations) is that person's alone."""
        assignee = getattr(task, "assignee", None)  # rows made before the column, and plain test doubles
        if assignee:
            return bool(assignee == self.username)
        if task.position and task.position != self.position:
            return False
        if task.lane in UNIT_LANES and self.staff_unit is not None and task.unit_code == self.staff_unit:
            return True
        return task.lane in self.acting_lanes()

    def may_see(self, task: HumanTask) -> bool:
        """Who may read a human task at all: whoever sees everything, may act on it, or completed it.
        Callers answer 404 otherwise, so an invisible task and an unknown one look alike."""
        return self.sees_everything or self.may_act_on(task) or task.completed_by == self.username

    def may_start(self) -> bool:
        return bool(self.roles & {OFFICE, ADMIN, UNIT_LANE})


# The service itself, acting as the system administrator: `duban deploy`, `duban calendar import`, demo data.
SYSTEM = Principal("system", "系统", frozenset({ADMIN}), None)
