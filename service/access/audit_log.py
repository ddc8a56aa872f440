"""The audit log of administrative and security actions (三员分立): written by the use cases in the
transaction of the action they record, read by 审计管理员, never changed (no update or delete path
here; database triggers refuse both).

Auditors' views (issue 13 point 4): what an auditor (审计) reads of an instance — the item page or the
instance, its history, a document, an attachment, an export — is itself an entry (`AUDITOR_VIEWS`),
written by the read use case through `record_auditor_view` and committed although the request only reads.
Those entries are also readable by the 系统管理员 and by every auditor (`search` restricts them to them).

The client address comes from the request through `set_origin` (called once per request by the web
layer), so use cases do not thread it through their signatures; outside a request it is empty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from datetime import date, datetime
from typing import Any

from service.access.principal import Principal
from service.db.models.access import AuditEntry
from service.db.queries.access import AuditCriteria
from service.db.session import UnitOfWork
from service.errors import Forbidden, InvalidInput
from service.workdays import day_end, day_start

SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in_failed"
ACCOUNT_LOCKED = "account_locked"
SIGN_OUT = "sign_out"
PASSWORD_CHANGED = "password_changed"
PASSWORD_RESET = "password_reset"
USER_CREATED = "user_created"
USER_DISABLED = "user_disabled"
USER_ENABLED = "user_enabled"
USER_UNLOCKED = "user_unlocked"
USER_ROLES_CHANGED = "user_roles_changed"
USER_CHANGED = "user_changed"
UNIT_CREATED = "unit_created"
UNIT_CHANGED = "unit_changed"
UNIT_DEACTIVATED = "unit_deactivated"
UNIT_ACTIVATED = "unit_activated"
ORGANISATION_IMPORTED = "organisation_imported"
DEFINITION_DEPLOYED = "definition_deployed"
DEFINITION_DRAFT_SAVED = "definition_draft_saved"
DEFINITION_DRAFT_DISCARDED = "definition_draft_discarded"
INSTANCE_RETRIED = "instance_retried"
INSTANCES_MIGRATION_STARTED = "instances_migration_started"
INSTANCE_SUSPENDED = "instance_suspended"
INSTANCE_RESUMED = "instance_resumed"
INSTANCE_WITHDRAWN = "instance_withdrawn"
TASK_REASSIGNED = "task_reassigned"
VARIABLE_CORRECTED = "variable_corrected"
CALENDAR_SAVED = "calendar_year_saved"
SCORING_RULES_CHANGED = "scoring_rules_changed"
AUDITOR_VIEWED_INSTANCE = "auditor_viewed_instance"
AUDITOR_VIEWED_HISTORY = "auditor_viewed_history"
AUDITOR_VIEWED_DOCUMENT = "auditor_viewed_document"
AUDITOR_VIEWED_ATTACHMENT = "auditor_viewed_attachment"
AUDITOR_EXPORTED = "auditor_exported"
AUDITOR_VIEWED_STALLS = "auditor_viewed_stalls"
HISTORY_DIGEST_CREATED = "history_digest_created"

ACTIONS = {
    SIGN_IN: "登录成功",
    SIGN_IN_FAILED: "登录失败",
    ACCOUNT_LOCKED: "账户锁定",
    SIGN_OUT: "退出登录",
    PASSWORD_CHANGED: "修改密码",
    PASSWORD_RESET: "重置密码",
    USER_CREATED: "新建用户",
    USER_DISABLED: "停用用户",
    USER_ENABLED: "启用用户",
    USER_UNLOCKED: "解除锁定",
    USER_ROLES_CHANGED: "变更角色或单位",
    USER_CHANGED: "修改用户信息",
    UNIT_CREATED: "新建单位",
    UNIT_CHANGED: "修改单位",
    UNIT_DEACTIVATED: "停用单位",
    UNIT_ACTIVATED: "启用单位",
    ORGANISATION_IMPORTED: "从表格导入单位和用户",
    DEFINITION_DEPLOYED: "部署流程",
    DEFINITION_DRAFT_SAVED: "保存流程草稿",
    DEFINITION_DRAFT_DISCARDED: "放弃流程草稿",
    INSTANCES_MIGRATION_STARTED: "迁移流程实例到新版本",
    INSTANCE_RETRIED: "重试流程实例",
    INSTANCE_SUSPENDED: "挂起流程实例",
    INSTANCE_RESUMED: "恢复流程实例",
    INSTANCE_WITHDRAWN: "撤回流程实例",
    TASK_REASSIGNED: "转办任务",
    VARIABLE_CORRECTED: "更正流程变量",
    CALENDAR_SAVED: "录入节假日安排",
    SCORING_RULES_CHANGED: "修改考核规则",
    AUDITOR_VIEWED_INSTANCE: "审计查看流程实例",
    AUDITOR_VIEWED_HISTORY: "审计查看流程历史",
    AUDITOR_VIEWED_DOCUMENT: "审计查看文书",
    AUDITOR_VIEWED_ATTACHMENT: "审计下载附件",
    AUDITOR_EXPORTED: "审计导出",
    AUDITOR_VIEWED_STALLS: "审计查看流程滞留分析",
    HISTORY_DIGEST_CREATED: "生成每日历史摘要",
}
# What an auditor read: the entries the 系统管理员 and the other auditors read too.
AUDITOR_VIEWS = (
    AUDITOR_VIEWED_INSTANCE,
    AUDITOR_VIEWED_HISTORY,
    AUDITOR_VIEWED_DOCUMENT,
    AUDITOR_VIEWED_ATTACHMENT,
    AUDITOR_EXPORTED,
    AUDITOR_VIEWED_STALLS,
)
MAX_PER_PAGE = 200

_origin: ContextVar[str] = ContextVar("duban_audit_origin", default="")


def set_origin(ip: str | None) -> None:
    """The client address of the current request (the web layer calls this once per request)."""
    _origin.set((ip or "")[:64])


def record(
    uow: UnitOfWork,
    action: str,
    actor: str,
    at: datetime,
    target: str = "",
    details: Mapping[str, Any] | None = None,
) -> None:
    """Append one entry to the current transaction: it commits, or rolls back, with the action itself."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(
        at=at,
        actor=(actor or "")[:64],
        action=action,
        target=str(target or "")[:200],
        details=dict(details or {}),
        ip=_origin.get(),
    )
    uow.audit.append(entry)


def record_auditor_view(
    uow: UnitOfWork,
    actor: Principal,
    action: str,
    at: datetime,
    target: str = "",
    details: Mapping[str, Any] | None = None,
) -> None:
    """An auditor's read, appended and committed in a transaction of its own (nothing for anyone else).

    Called by a read use case once it has read what it shows: the read transaction ends first (the
    session keeps what it loaded: it does not expire on commit), then a short writing one holds the
    entry. So a view that fails (404, 403) leaves no entry, and one that is shown always has one."""
    if action not in AUDITOR_VIEWS:
        raise ValueError(f"not an auditor's view: {action!r}")
    if not actor.is_auditor:
        return
    uow.commit()
    uow.begin_write()
    record(uow, action, actor.username, at, target, details)
    uow.commit()


def may_read(actor: Principal) -> bool:
    """审计管理员 reads the whole log; the 系统管理员 and the auditors read the auditors' views."""
    return actor.is_audit_admin or actor.is_admin or actor.is_auditor


def check_may_read(actor: Principal) -> None:
    if not may_read(actor):
        raise Forbidden("只有审计管理员可以查看审计日志")


def readable_actions(actor: Principal) -> dict[str, str]:
    """The actions (and labels) whose entries the actor reads (the page's filter offers these)."""
    if actor.is_audit_admin:
        return dict(ACTIONS)
    return {action: ACTIONS[action] for action in AUDITOR_VIEWS} if may_read(actor) else {}


def search(
    uow: UnitOfWork,
    actor: Principal,
    *,
    action: str | None = None,
    actor_name: str | None = None,
    target: str | None = None,
    day_from: date | None = None,
    day_to: date | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[Sequence[AuditEntry], int]:
    """A page of entries, newest first; days are Asia/Shanghai, both inclusive. 审计管理员 reads every
    entry, the 系统管理员 and the auditors only the auditors' views (`AUDITOR_VIEWS`)."""
    check_may_read(actor)
    allowed = readable_actions(actor)
    if action and action not in allowed:
        raise InvalidInput("筛选条件有误：未知的操作类型", {"errors": {"action": ["未知的操作类型"]}})
    if day_from and day_to and day_from > day_to:
        raise InvalidInput("筛选条件有误：起始日期不能晚于截止日期", {"errors": {"day_from": ["不能晚于截止日期"]}})
    at_from = day_start(day_from) if day_from else None
    at_to = day_end(day_to) if day_to and day_to < date.max else None
    only = None if actor.is_audit_admin else tuple(allowed)
    criteria = AuditCriteria(action or None, actor_name or None, target or None, at_from, at_to, only)
    return uow.audit.search(criteria, offset, min(limit, MAX_PER_PAGE))
