"""督查通报 use cases: preview a period, generate 第N期 (numbered per year, the .docx stored and hashed),
list, read and download. The office and admins generate; every signed-in user reads (bulletins are published
to all units)."""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError

from service import notifications, workdays
from service.access import audit_log
from service.access.principal import SUPERVISORS, Principal
from service.attachments import file_store
from service.config import Settings
from service.db.models.documents import Bulletin, BulletinMention
from service.db.session import UnitOfWork
from service.documents.bulletin import BulletinContent, build_bulletin
from service.documents.bulletin_figures import Figures, Period, figures
from service.documents.bulletin_input import BulletinRequest, parse_period, parse_request
from service.errors import Conflict, Forbidden, NotFound
from service.process.context import ServiceContext

log = logging.getLogger(__name__)
BULLETINS_PAGE = "/bulletins"
ATTEMPTS = 5  # two offices generating at once: the loser of (year, issue_no) takes the next number


class CorruptDocument(Conflict):
    """The stored .docx no longer matches the sha256 recorded when it was generated (or is gone)."""

    code = "document_corrupt"


def may_generate(actor: Principal) -> bool:
    return bool(actor.roles & SUPERVISORS)


def _check_generate(actor: Principal) -> None:
    if not may_generate(actor):
        raise Forbidden("只有督查室可以生成督查通报")


def default_title(period: Period) -> str:
    return f"关于{period.label}督办事项办理情况的通报"


def issue_label(bulletin: Bulletin) -> str:
    return f"{bulletin.year}年第{bulletin.issue_no}期"


def described(bulletin: Bulletin, names: Mapping[str, str]) -> dict[str, Any]:
    """A bulletin as the API and the pages show it: its columns, issue label, mentions with unit names."""
    columns = {c.key: getattr(bulletin, c.key) for c in Bulletin.__table__.columns}
    mentions = [
        {"unit": m.unit_code, "unit_name": names.get(m.unit_code, m.unit_code), "kind": m.kind, "reason": m.reason}
        for m in bulletin.mentions
    ]
    return {**columns, "issue": issue_label(bulletin), "mentions": mentions}


def preview(
    uow: UnitOfWork, actor: Principal, *, start: Any, end: Any, now: datetime, yellow_workdays: int = 3
) -> Figures:
    """Totals, suggestions and ledger lines of a period; nothing is stored."""
    _check_generate(actor)
    return figures(uow, parse_period(start, end), now, yellow_workdays)


def _content(
    request: BulletinRequest, found: Figures, names: Mapping[str, str], year: int, issue_no: int, now: datetime
) -> BulletinContent:
    def mentioned(kind: str) -> list[tuple[str, str]]:
        return [(names[m.unit], m.reason) for m in request.mentions if m.kind == kind]

    return BulletinContent(
        year=year,
        issue_no=issue_no,
        title=request.title or default_title(request.period),
        period=request.period,
        issued_on=workdays.as_date(now),
        totals=found.totals,
        praise=mentioned("praise"),
        criticism=mentioned("criticism"),
        requirements=request.requirements,
        lines=found.lines,
    )


def store_document(data_dir: Path, body: bytes) -> tuple[str, file_store.Received, Path]:
    """The bytes under a new random key in the data dir (through the attachments' file store)."""
    received = file_store.receive(io.BytesIO(body), data_dir, len(body) + 1)
    key = file_store.new_key()
    try:
        return key, received, file_store.keep(received, data_dir, key)
    except BaseException:
        received.path.unlink(missing_ok=True)
        raise


def _notify(uow: UnitOfWork, ctx: ServiceContext, bulletin: Bulletin, now: datetime) -> None:
    """Each mentioned unit's staff hear of it (in the same transaction: a failed generation tells nobody)."""
    label = issue_label(bulletin)
    for mention in bulletin.mentions:
        word = "通报表扬" if mention.kind == "praise" else "通报批评"
        notifications.notify_unit(
            uow,
            ctx,
            unit_code=mention.unit_code,
            kind="bulletin",
            title=f"督查通报{label}：贵单位被{word}",
            body=mention.reason,
            link=BULLETINS_PAGE,
            now=now,
        )


def generate(
    uow: UnitOfWork,
    ctx: ServiceContext,
    settings: Settings,
    actor: Principal,
    payload: Mapping[str, Any],
    *,
    now: datetime,
    yellow_workdays: int = 3,
) -> Bulletin:
    """Number, build, store and record a bulletin, and tell the units it names; 422 with field errors (and
    nothing stored) on bad input."""
    _check_generate(actor)
    names = uow.units.names()
    request = parse_request(payload, names)
    found = figures(uow, request.period, now, yellow_workdays)
    year = now.astimezone(workdays.SHANGHAI).year
    for _ in range(ATTEMPTS):
        issue_no = uow.bulletins.max_issue_no(year) + 1
        content = _content(request, found, names, year, issue_no, now)
        key, received, path = store_document(settings.data_dir, build_bulletin(content))
        try:
            bulletin = Bulletin(
                year=year,
                issue_no=issue_no,
                title=content.title,
                period_start=request.period.start.isoformat(),
                period_end=request.period.end.isoformat(),
                totals=dict(found.totals),
                requirements=request.requirements,
                storage_key=key,
                sha256=received.sha256,
                size=received.size,
                created_by=actor.username,
                created_at=now,
                mentions=[BulletinMention(unit_code=m.unit, kind=m.kind, reason=m.reason) for m in request.mentions],
            )
            uow.bulletins.add(bulletin)
            uow.bulletins.flush()
            _notify(uow, ctx, bulletin, now)
            uow.commit()
            return bulletin
        except IntegrityError:  # another generation took this number first: the next one
            uow.rollback()
            path.unlink(missing_ok=True)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    raise Conflict("通报期号分配冲突，请稍后重试")


def list_page(uow: UnitOfWork, actor: Principal, *, offset: int = 0, limit: int = 50) -> tuple[Sequence[Bulletin], int]:
    """Newest first; every signed-in user may read them."""
    return uow.bulletins.page(max(offset, 0), max(limit, 1))


def get(uow: UnitOfWork, actor: Principal, bulletin_id: int) -> Bulletin:
    bulletin = uow.bulletins.get(bulletin_id)
    if bulletin is None:
        raise NotFound(f"督查通报 {bulletin_id} 不存在")
    return bulletin


def open_document(
    uow: UnitOfWork, settings: Settings, actor: Principal, bulletin_id: int, *, now: datetime | None = None
) -> tuple[Bulletin, bytes]:
    """The bulletin and its .docx bytes, checked against the sha256 recorded when it was generated (the bytes
    checked are the bytes sent; a bulletin is small)."""
    bulletin = get(uow, actor, bulletin_id)
    try:
        body: bytes | None = file_store.path_for(settings.data_dir, bulletin.storage_key).read_bytes()
    except (OSError, ValueError):  # gone, unreadable, or a key we never made
        body = None
    if body is None or hashlib.sha256(body).hexdigest() != bulletin.sha256:
        log.error("bulletin %s: stored file %s is missing or its sha256 changed", bulletin.id, bulletin.storage_key)
        raise CorruptDocument("通报文件已损坏，请联系系统管理员", {"bulletin_id": bulletin.id})
    audit_log.record_auditor_view(
        uow,
        actor,
        audit_log.AUDITOR_VIEWED_DOCUMENT,
        now or workdays.system_clock(),
        f"bulletin:{bulletin.id}",
        {"bulletin_id": bulletin.id, "document": f"督查通报{issue_label(bulletin)}"},
    )
    return bulletin, body
