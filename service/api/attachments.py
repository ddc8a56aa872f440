"""Attachments of a process instance: upload (multipart), list, download."""

from __future__ import annotations

from typing import Any

from flask import Request, Response, url_for
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

from service import attachments
from service.http.caller import current_principal
from service.http.files import file_response
from service.http.services import current_services


class _MultipartParser(FlaskParser):
    """Location `files` is the whole multipart body — files and plain fields — so the docs show one form."""

    def load_files(self, req: Request, schema: Schema) -> Any:
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)


blp = Blueprint("attachments", __name__, description="附件")
blp.ARGUMENTS_PARSER = _MultipartParser()


class UploadRequest(Schema):
    file = Upload(
        required=True,
        metadata={"description": "文件：pdf、doc(x)、xls(x)、ppt(x)、wps、et、ofd、jpg、png、txt、zip"},
    )
    task_id = fields.String(validate=validate.Length(max=36), metadata={"description": "所属待办任务（可选）"})


class AttachmentSchema(Schema):
    id = fields.Integer()
    instance_id = fields.Integer()
    task_id = fields.String(allow_none=True)
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_by = fields.String()
    uploaded_at = fields.DateTime()
    download_url = fields.Method("_download_url")

    def _download_url(self, attachment: Any) -> str:
        return url_for("attachments.download", attachment_id=attachment.id)


@blp.post("/process-instances/<int:instance_id>/attachments")
@blp.arguments(UploadRequest, location="files")
@blp.response(201, AttachmentSchema)
def upload(form: dict[str, Any], instance_id: int) -> Any:
    """上传附件（multipart/form-data：file，可选 task_id）"""
    actor = current_principal()
    services = current_services()
    storage = form["file"]
    with services.uow() as uow:
        return attachments.upload(
            uow,
            services.settings,
            actor,
            instance_id,
            task_id=form.get("task_id") or None,  # an empty form field means none
            filename=storage.filename or "",
            stream=storage.stream,
            now=services.ctx.now(),
        )


@blp.get("/process-instances/<int:instance_id>/attachments")
@blp.response(200, AttachmentSchema(many=True))
def list_for_instance(instance_id: int) -> Any:
    """流程实例的附件列表（按上传时间）"""
    actor, services = current_principal(), current_services()
    with services.uow() as uow:
        return attachments.list_for_instance(uow, actor, instance_id, now=services.ctx.now())


@blp.get("/attachments/<int:attachment_id>/download")
@blp.doc(
    responses={
        "200": {
            "description": "文件内容（Content-Disposition: attachment）",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
)
def download(attachment_id: int) -> Response:
    """下载附件（校验 sha256 后发送）"""
    actor = current_principal()
    services = current_services()
    with services.uow() as uow:
        attachment, path = attachments.open_for_download(
            uow, services.settings, actor, attachment_id, now=services.ctx.now()
        )
    return file_response(
        path,
        mimetype=attachment.content_type,
        filename=attachment.filename,
        fallback=_fallback_name(attachment.id, attachment.filename),
        etag=attachment.sha256,
    )


def _fallback_name(attachment_id: int, filename: str) -> str:
    """The ASCII name old clients save a non-ASCII file name as: attachment-<id> with its extension."""
    ext = filename.rpartition(".")[2] if "." in filename else ""
    return f"attachment-{attachment_id}.{ext}" if ext.isascii() and ext.isalnum() else f"attachment-{attachment_id}"
