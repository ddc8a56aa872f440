"""资料归档 use cases: when an item's 销号归档 or a campaign's 资料归档 is completed, the service packs everything
the flow produced — its documents and attachments, the campaign's 通报 and item list, the history with its
hash chain, the process data — with a manifest into one .zip (in the step's transaction); anyone who may read
the instance may download it, checked against its sha256 and its manifest first."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Mapping
from typing import Any

from service import workdays
from service.access import audit_log
from service.access.principal import SYSTEM, Principal
from service.archives import package
from service.attachments import file_store
from service.db.models import ProcessInstance
from service.db.models.archives import Archive
from service.db.session import UnitOfWork
from service.documents.supervision_notice import supervision_notice
from service.errors import Conflict, NotFound
from service.process import history, instances
from service.process.context import ServiceContext
from service.process.events import StepSaved
from service.process.names import CAMPAIGN_ARCHIVE, INSPECTION_CAMPAIGN, ITEM_ARCHIVE, SUPERVISION_ITEM

ARCHIVE_TASKS = {SUPERVISION_ITEM: ITEM_ARCHIVE, INSPECTION_CAMPAIGN: CAMPAIGN_ARCHIVE}
RETENTIONS = ("永久", "30年", "10年")
EVENT = "archived"


class CorruptArchive(Conflict):
    code = "archive_corrupt"


def on_step_saved(uow: UnitOfWork, ctx: ServiceContext, step: StepSaved) -> None:
    task = step.completed_task
    if task is None or ARCHIVE_TASKS.get(step.instance.process_key) != task.element_id or ctx.data_dir is None:
        return
    if uow.archives.for_instance(step.instance.id) is None:
        create(uow, ctx, step.instance, step.data, step.actor, step.now)


def _stored(ctx: ServiceContext, key: str, sha256: str, what: str) -> bytes:
    assert ctx.data_dir is not None
    try:
        body = file_store.path_for(ctx.data_dir, key).read_bytes()
    except (OSError, ValueError):
        body = b""
    if hashlib.sha256(body).hexdigest() != sha256:
        raise Conflict(f"{what}已损坏或丢失，不能归档，请联系系统管理员", {"file": what})
    return body


def _history(uow: UnitOfWork, instance_id: int) -> tuple[list[tuple[str, bytes]], str, int]:
    events = list(uow.history.for_instance(instance_id))
    names = uow.users.display_names()
    rows = [
        {"seq": e.seq, "kind": e.kind, "actor": e.actor, "at": e.at.isoformat(), "payload": e.payload,
         "prev_hash": e.prev_hash, "hash": e.hash}
        for e in events
    ]  # fmt: skip
    lines = [
        f"{e.seq}\t{e.at.astimezone(workdays.SHANGHAI):%Y-%m-%d %H:%M}\t{names.get(e.actor, e.actor)}\t{e.kind}"
        for e in events
    ]
    text = json.dumps(rows, ensure_ascii=False, indent=1, default=str).encode()
    files = [("办理过程/history.json", text), ("办理过程/办理过程.txt", ("\n".join(lines) + "\n").encode())]
    return files, events[-1].hash if events else "", len(events)


def _campaign_files(uow: UnitOfWork, ctx: ServiceContext, campaign: ProcessInstance) -> list[tuple[str, bytes]]:
    files = []
    bulletin = uow.bulletins.for_instance(campaign.id)
    if bulletin is not None:
        body = _stored(ctx, bulletin.storage_key, bulletin.sha256, "督查通报")
        files.append((f"文书/督查通报{bulletin.year}年第{bulletin.issue_no}期.docx", body))
    rows, _ = uow.campaigns.listing(campaign.id, 0, 100_000)
    if rows:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["序号", "编号", "事项", "责任单位", "完成时限", "状态"])
        units = uow.units.names()
        for r in rows:
            title = r.title or (r.problem or {}).get("title") or (r.problem or {}).get("content") or ""
            unit = r.lead_unit or (r.problem or {}).get("lead_unit") or ""
            status = r.ledger_status or r.status or "pending"
            writer.writerow(
                [r.position + 1, r.business_number or "", title, units.get(unit, unit), r.deadline or "", status]
            )
        files.append(("整改事项清单.csv", ("\ufeff" + out.getvalue()).encode()))
    return files


def create(
    uow: UnitOfWork, ctx: ServiceContext, instance: ProcessInstance, data: Mapping[str, Any], actor: str, now: Any
) -> Archive:
    """Pack, store and record the instance's archive (no commit: the caller's step does)."""
    assert ctx.data_dir is not None
    retention = str(data.get("retention") or "")
    if retention not in RETENTIONS:
        raise Conflict("归档须选择保管期限", {"errors": {"retention": ["请选择保管期限"]}})
    files: list[tuple[str, bytes]] = []
    if instance.process_key == SUPERVISION_ITEM:
        try:
            name, body = supervision_notice(uow, SYSTEM, instance.id, now=now)
            files.append((f"文书/{name}", body))
        except (Conflict, NotFound):
            pass  # never 交办 (no units or deadline): there is no 督办通知单
    else:
        files.extend(_campaign_files(uow, ctx, instance))
    for a in uow.attachments.for_instance(instance.id):
        files.append((f"附件/{a.filename}", _stored(ctx, a.storage_key, a.sha256, f"附件“{a.filename}”")))
    trail, head, count = _history(uow, instance.id)
    files.extend(trail)
    files.append(("流程数据.json", json.dumps(dict(data), ensure_ascii=False, indent=1, default=str).encode()))
    year = now.astimezone(workdays.SHANGHAI).year
    archive_no = f"归档〔{year}〕第{uow.counters.next(f'archive:{year}')}号"
    about = {
        "archive_no": archive_no,
        "retention": retention,
        "archived_by": uow.users.display_names().get(actor, actor),
        "archived_by_username": actor,
        "archived_at": now.isoformat(),
        "paper_ref": str(data.get("archive_ref") or ""),
        "instance": {
            "id": instance.id,
            "business_number": instance.business_number,
            "title": instance.title,
            "process_key": instance.process_key,
        },  # fmt: skip
        "history": {"events": count, "last_hash": head},
    }
    body, manifest = package.build(files, about)
    received = file_store.receive(io.BytesIO(body), ctx.data_dir, len(body) + 1)
    key = file_store.new_key()
    path = file_store.keep(received, ctx.data_dir, key)
    try:
        archive = Archive(instance_id=instance.id, archive_no=archive_no, retention=retention, storage_key=key,
                          sha256=received.sha256, size=received.size, manifest=manifest, created_by=actor,
                          created_at=now)  # fmt: skip
        uow.archives.add(archive)
        uow.archives.flush()
        history.append(uow, instance.id, EVENT, actor, now, {"archive_no": archive_no, "sha256": received.sha256})
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return archive


def _verified(ctx: ServiceContext, archive: Archive) -> tuple[bytes, list[str]]:
    assert ctx.data_dir is not None
    try:
        body = file_store.path_for(ctx.data_dir, archive.storage_key).read_bytes()
    except (OSError, ValueError):
        return b"", ["档案包文件丢失"]
    if hashlib.sha256(body).hexdigest() != archive.sha256:
        return body, ["档案包的 sha256 与归档时不符"]
    return body, package.problems(body, archive.manifest)


def _archive_of(uow: UnitOfWork, actor: Principal, instance_id: int) -> Archive:
    instances.readable(uow, actor, instance_id)
    archive = uow.archives.for_instance(instance_id)
    if archive is None:
        raise NotFound("该事项尚未归档")
    return archive


def describe(
    uow: UnitOfWork, ctx: ServiceContext, actor: Principal, instance_id: int, *, log_view: bool = True
) -> dict[str, Any]:
    """The archive of an instance the actor may read, with the result of checking it now. An auditor's
    look is logged (`log_view=False` for a page whose own view is logged already)."""
    archive = _archive_of(uow, actor, instance_id)
    _, found = _verified(ctx, archive)
    columns = {c.key: getattr(archive, c.key) for c in Archive.__table__.columns if c.key != "storage_key"}
    if log_view:
        number = str(archive.manifest.get("instance", {}).get("business_number", instance_id))
        details = {"instance_id": instance_id, "what": "archive", "archive_no": archive.archive_no}
        audit_log.record_auditor_view(uow, actor, audit_log.AUDITOR_VIEWED_DOCUMENT, ctx.now(), number, details)
    return {**columns, "verified": not found, "problems": found}


def open_package(uow: UnitOfWork, ctx: ServiceContext, actor: Principal, instance_id: int) -> tuple[str, bytes]:
    """(file name, zip bytes), only when the package still matches its sha256 and manifest (else 409)."""
    archive = _archive_of(uow, actor, instance_id)
    body, found = _verified(ctx, archive)
    if found:
        raise CorruptArchive("档案包校验未通过，请联系系统管理员", {"problems": found})
    number = archive.manifest.get("instance", {}).get("business_number", instance_id)
    details = {"instance_id": instance_id, "export": "电子档案", "archive_no": archive.archive_no}
    audit_log.record_auditor_view(uow, actor, audit_log.AUDITOR_EXPORTED, ctx.now(), str(number), details)
    return f"档案-{archive.archive_no}-{number}.zip", body
