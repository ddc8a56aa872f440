"""Instance operations (流程操作, issue 12 point 6): what an administrator does to a running item by hand.

Public API (each a use case: authorize → reason → lock → re-read → check the state → act → history event
with actor, reason, before/after → audit-log entry → commit; nothing is written when refused):

    suspend(uow, ctx, actor, instance_id, reason) -> ProcessInstance      挂起: status `suspended`
    resume(uow, ctx, actor, instance_id, reason) -> ProcessInstance       恢复: back to `running`
    withdraw(uow, ctx, actor, instance_id, reason) -> ProcessInstance     撤回: status `withdrawn`, for good
    retry(uow, ctx, actor, instance_id, reason) -> ProcessInstance        重试 an instance in 异常
    reassign(uow, ctx, actor, task_id, reason, *, unit=None, username=None) -> HumanTask   转办
    correct_variable(uow, ctx, actor, instance_id, reason, name, value) -> ProcessInstance  更正流程变量
    available(uow, actor, instance_id) -> Available                      what the caller may do now
    may(actor, operation, instance) -> bool                              the permission rule, for pages
    list_instances(uow, actor, *, process_key, status, offset, limit)   系统管理员's list (/admin/instances)

Who may (checked here, never only in HTTP): 系统管理员 everything; 督查室 withdraw and reassign on its
items (the supervised items of the 台账, i.e. flows whose definition keeps a ledger row); anyone else 403.
A reason (原因, at most 500 characters) is required for every operation: 422 on the field `reason`.

While suspended no task can be completed (process.tasks answers 409: the instance is not running) and no
timer fires (the scheduler claims running instances only); on resume, timers that fell due meanwhile fire
on the next pass. A withdrawn instance's ready tasks are cancelled (they leave every 待办 list), its timers
are cleared and it cannot be resumed. See docs/decisions/0014-instance-operations.md.

By concern: rules.py (who may, in which status; the checks every operation makes first), status.py
(挂起 / 恢复 / 撤回 / 重试), reassignment.py (转办), variables.py (更正流程变量), records.py (the 台账 row and
the checkpoint an operation writes), listing.py (what may be done now, the administrator's list).
"""

from service.operations.listing import Available, available, list_instances
from service.operations.reassignment import reassign
from service.operations.rules import (
    OPERATIONS,
    REASSIGN,
    RESUME,
    RETRY,
    STATUS_FILTERS,
    SUSPEND,
    VARIABLES,
    WITHDRAW,
    may,
)
from service.operations.status import resume, retry, suspend, withdraw
from service.operations.variables import correct_variable

__all__ = [
    "OPERATIONS",
    "REASSIGN",
    "RESUME",
    "RETRY",
    "STATUS_FILTERS",
    "SUSPEND",
    "VARIABLES",
    "WITHDRAW",
    "Available",
    "available",
    "correct_variable",
    "list_instances",
    "may",
    "reassign",
    "resume",
    "retry",
    "suspend",
    "withdraw",
]
