"""History you can prove: the daily digests, one instance's Merkle proof, the export package (issue 13)."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from service.history_integrity import export
from service.http.caller import current_principal
from service.http.files import file_response
from service.http.services import current_services
from service.process import digests, instances

blp = Blueprint("integrity", __name__, description="历史完整性：每日摘要、证明与导出")

ZIP = "application/zip"


class DigestSchema(Schema):
    day = fields.String()
    root = fields.String()
    leaves = fields.Integer()
    prev_hash = fields.String()
    hash = fields.String()
    created_at = fields.String()
    created_by = fields.String()


class ProofStep(Schema):
    side = fields.String()
    hash = fields.String()


class ProofSchema(Schema):
    day = fields.String()
    instance_id = fields.Integer()
    head = fields.String()
    count = fields.Integer()
    leaf = fields.String()
    path = fields.List(fields.Nested(ProofStep))
    root = fields.String()
    digest = fields.Nested(DigestSchema)


class ProofQuery(Schema):
    day = fields.Date(load_default=None)


@blp.get("/history/digests")
@blp.response(200, DigestSchema(many=True))
def digest_list() -> Any:
    """每日历史摘要（默克尔根，按日期；审计人员与系统管理员）"""
    actor = current_principal()
    with current_services().uow() as uow:
        return digests.listing(uow, actor)


@blp.get("/process-instances/<int:instance_id>/history/proof")
@blp.arguments(ProofQuery, location="query")
@blp.response(200, ProofSchema)
def proof(query: dict[str, Any], instance_id: int) -> Any:
    """该实例在某日摘要中的默克尔证明（不指定日期时取最新覆盖它的摘要）"""
    actor = current_principal()
    with current_services().uow() as uow:
        digests.require_reader(actor)
        instances.readable(uow, actor, instance_id)
        return digests.proof(uow, instance_id, query.get("day"))


@blp.get("/process-instances/<int:instance_id>/export")
@blp.doc(
    responses={"200": {"description": "zip", "content": {ZIP: {"schema": {"type": "string", "format": "binary"}}}}}
)
def export_instance(instance_id: int) -> Response:
    """导出实例（instance.json + 可读的 index.html + BPMN；可用 duban history verify-export 离线校验）"""
    actor = current_principal()
    with current_services().uow() as uow:
        body = export.export_instance(uow, actor, instance_id, current_services().ctx.now())
    return file_response(
        body, mimetype=ZIP, filename=f"流程实例-{instance_id}.zip", fallback=f"instance-{instance_id}.zip"
    )
