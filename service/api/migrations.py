"""Migrating running instances between versions of a process (issue 12 point 7); 系统管理员 only."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from service.api.migration_schemas import DryRunResult, Job, JobCreated, MigrationRequest, StartMigration
from service.http.caller import current_principal
from service.http.services import current_services
from service.instance_migration import jobs
from service.instance_migration import verdicts as migration_verdicts

blp = Blueprint("migrations", __name__, description="流程实例迁移")


@blp.post("/process-definitions/<string:key>/migrations/dry-run")
@blp.arguments(MigrationRequest)
@blp.response(200, DryRunResult)
def dry_run(body: dict[str, Any], key: str) -> Any:
    """试运行：逐个列出源版本上可迁移状态的实例（运行中、已挂起、异常），其当前环节在目标版本中是否存在、
    迁移会改变什么；不做任何修改（仅系统管理员）"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        from_version, to_version, verdicts = migration_verdicts.dry_run(
            uow, services.ctx, actor, key, body["from_version"], body["to_version"], body.get("instance_ids")
        )
        return {
            "process_key": key,
            "from_version": from_version,
            "to_version": to_version,
            "total": len(verdicts),
            "movable": sum(1 for v in verdicts if v.plan.get("can_move")),
            "instances": [v.as_dict() for v in verdicts],
        }


@blp.post("/process-definitions/<string:key>/migrations")
@blp.arguments(StartMigration)
@blp.response(202, JobCreated)
def start(body: dict[str, Any], key: str) -> Any:
    """迁移：建立迁移任务并排队，由后台逐个实例执行（每个实例单独提交；不能迁移的实例保持原样）；
    用 GET /migrations/{id} 查看进度和结果（仅系统管理员，记入审计日志）"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        job = jobs.start_migration(
            uow,
            services.ctx,
            actor,
            key,
            body["from_version"],
            body["to_version"],
            body["reason"],
            body.get("instance_ids"),
        )
        return {"id": job.id, "status": job.status, "total": job.total}


@blp.get("/migrations/<int:job_id>")
@blp.response(200, Job)
def get_job(job_id: int) -> Any:
    """迁移任务的进度（已处理 / 已迁移 / 未迁移）和逐个实例的结果（仅系统管理员）"""
    actor = current_principal()
    with current_services().uow() as uow:
        job, results = jobs.get_job(uow, actor, job_id)
        names = [n for n in Job().fields if n != "results"]
        return {**{n: getattr(job, n) for n in names}, "results": results}
