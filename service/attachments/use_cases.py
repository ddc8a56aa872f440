"""Attachments of a process instance: upload (checked, hashed, audited), list, download — with every check."""

from __future__ import annotations

import io
import logging
from datetime import datetime
from pathlib import Path

from service.access import audit_log
from service.access.principal import SUPERVISORS, Principal
from service.attachments import file_store, file_types
from service.config import Settings
from service.db.models import Attachment, HumanTask, ProcessInstance
from service.db.session import UnitOfWork
from service.errors import Conflict, Forbidden, NotFound
from service.process import history, instances
from service.workdays import system_clock

log = logging.getLogger(__name__)


class CorruptAttachment(Conflict):
    """The stored bytes no longer match the sha256 recorded at upload (or are gone)."""

    code = "attachment_corrupt"


def _upload_task(uow: UnitOfWork, actor: Principal, instance: ProcessInstance, task_id: str | None) -> HumanTask | None:
    """The task the upload belongs to (checked as for completing it); None for an instance-level upload."""
    if task_id is None:
        ready = uow.tasks.ready_for_instance(instance.id)
        # The office and admins may file papers on any item; auditors read only.
        if not (actor.roles & SUPERVISORS or any(actor.may_act_on(t) for t in ready)):
            raise Forbidden("您无权为此流程上传附件")
        return None
    task = uow.tasks.get(task_id)
    if task is None or task.instance_id != instance.id or not actor.may_see(task):
        raise NotFound(f"任务 {task_id} 不存在")
    if not actor.may_act_on(task):
        raise Forbidden("您无权办理此任务，不能上传附件")
    _ensure_ready(task)
    return task


def _ensure_ready(task: HumanTask) -> None:
    if task.state != "ready":
        raise Conflict("该任务已办理或已取消，不能再上传附件", {"state": task.state})


def upload(
    uow: UnitOfWork,
    settings: Settings,
    actor: Principal,
    instance_id: int,
    *,
    task_id: str | None,
    filename: str,
    stream: file_store.Readable,
    now: datetime,
) -> Attachment:
    """Store an uploaded file for the instance (optionally for one of its ready tasks) and audit it."""
    instance = instances.readable(uow, actor, instance_id)
    task = _upload_task(uow, actor, instance, task_id)
    name = file_types.clean_filename(filename)
    ext = file_types.extension(name)
    received = file_store.receive(stream, settings.data_dir, settings.max_upload_bytes)
    final: Path | None = None
    try:
        content_type = file_types.content_type(received.path, ext)
        key = file_store.new_key()
        final = file_store.keep(received, settings.data_dir, key)  # the file first, then the row
        uow.instances.lock(instance.id)  # history is a per-instance chain: one writer at a time
        if task is not None:
            uow.reread(task)  # it may have been completed while the bytes were arriving
            _ensure_ready(task)
        attachment = _record(
            uow, instance.id, task.id if task else None, name, content_type, received, key, actor.username, now
        )
        uow.commit()
    except BaseException:
        received.path.unlink(missing_ok=True)
        if final is not None:
            final.unlink(missing_ok=True)
        raise
    return attachment


def _record(
    uow: UnitOfWork,
    instance_id: int,
    task_id: str | None,
    name: str,
    content_type: str,
    received: file_store.Received,
    key: str,
    actor: str,
    now: datetime,
) -> Attachment:
    attachment = Attachment(
        instance_id=instance_id,
        task_id=task_id,
        filename=name,
        content_type=content_type,
        size=received.size,
        sha256=received.sha256,
        storage_key=key,
        uploaded_by=actor,
        uploaded_at=now,
    )
    uow.attachments.add(attachment)
    uow.attachments.flush()
    payload = {"attachment_id": attachment.id, "filename": name, "size": received.size, "sha256": received.sha256}
    history.append(uow, instance_id, "attachment_added", actor, now, {**payload, "task_id": task_id})
    return attachment


def keep_generated(
    uow: UnitOfWork, settings: Settings, instance_id: int, filename: str, body: bytes, actor: str, now: datetime
) -> Attachment:
    """Store a document the service generated (e.g. a 催办通知) as the instance's attachment; no commit.
    The caller holds the instance lock and has checked permissions."""
    return keep_generated_at(uow, settings.data_dir, instance_id, filename, body, actor, now)


def keep_generated_at(
    uow: UnitOfWork, data_dir: Path, instance_id: int, filename: str, body: bytes, actor: str, now: datetime
) -> Attachment:
    """`keep_generated` with the data dir itself (a step subscriber has the context's, not the settings)."""
    received = file_store.receive(io.BytesIO(body), data_dir, max(len(body), 1))
    key = file_store.new_key()
    final = file_store.keep(received, data_dir, key)
    try:
        name = file_types.clean_filename(filename)
        return _record(
            uow,
            instance_id,
            None,
            name,
            file_types.content_type(final, file_types.extension(name)),
            received,
            key,
            actor,
            now,
        )
    except BaseException:
        final.unlink(missing_ok=True)
        raise


def list_for_instance(
    uow: UnitOfWork, actor: Principal, instance_id: int, *, now: datetime | None = None
) -> list[Attachment]:
    """The instance's attachments (names, sizes, who uploaded them); an auditor's look is logged."""
    instance = instances.readable(uow, actor, instance_id)
    found = list(uow.attachments.for_instance(instance_id))
    details = {"instance_id": instance_id, "what": "attachment_list", "count": len(found)}
    audit_log.record_auditor_view(
        uow, actor, audit_log.AUDITOR_VIEWED_INSTANCE, now or system_clock(), instance.business_number, details
    )
    return found


def open_for_download(
    uow: UnitOfWork, settings: Settings, actor: Principal, attachment_id: int, *, now: datetime | None = None
) -> tuple[Attachment, Path]:
    """The attachment and its verified file. 404 also when the actor may not read its instance."""
    attachment = uow.attachments.get(attachment_id)
    if attachment is None:
        raise NotFound(f"附件 {attachment_id} 不存在")
    try:
        instances.readable(uow, actor, attachment.instance_id)
    except NotFound:
        raise NotFound(f"附件 {attachment_id} 不存在") from None
    path = file_store.path_for(settings.data_dir, attachment.storage_key)
    if file_store.sha256_of(path) != attachment.sha256:
        log.error("attachment %s: stored file %s is missing or its sha256 changed", attachment.id, path)
        raise CorruptAttachment("附件文件已损坏，请联系系统管理员", {"attachment_id": attachment.id})
    details = {"instance_id": attachment.instance_id, "attachment_id": attachment.id, "filename": attachment.filename}
    audit_log.record_auditor_view(
        uow, actor, audit_log.AUDITOR_VIEWED_ATTACHMENT, now or system_clock(), str(attachment.id), details
    )
    return attachment, path
