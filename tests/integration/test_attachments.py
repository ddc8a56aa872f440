"""Feature: files attached to a supervised item — type and size checks, who may upload and download, audit."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.api_helpers import Actor, approved_item
from tests.integration.test_supervised_item_flow import ITEM, REPORT


def png_bytes() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0\xff\0\0")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def docx_bytes(with_content_types: bool = True) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        if with_content_types:
            archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
    return buf.getvalue()


def upload(actor: Actor, iid: int, content: bytes, name: str, task_id: str | None = None):  # type: ignore[no-untyped-def]
    form: dict[str, object] = {"file": (io.BytesIO(content), name)}
    if task_id:
        form["task_id"] = task_id
    return actor.post(f"/process-instances/{iid}/attachments", data=form, content_type="multipart/form-data")


def stored_files(services) -> set[Path]:  # type: ignore[no-untyped-def]
    root = services.settings.data_dir / "attachments"
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.fixture()
def item(client, tokens):  # type: ignore[no-untyped-def]
    """A supervised item waiting for 住建局's handling report: (instance id, handle task id)."""
    iid = approved_item(client, tokens, {**ITEM, "co_units": []})
    return iid, Actor(client, tokens["zjj_ll"]).task(iid, "handle")["id"]


def test_unit_uploads_and_the_office_downloads_the_same_bytes(client, tokens, item):
    iid, task_id = item
    unit, office = Actor(client, tokens["zjj_ll"]), Actor(client, tokens["dcs_li"])
    files = {
        "现场照片.png": (png_bytes(), "image/png"),
        "整改报告.pdf": (PDF, "application/pdf"),
        "整改方案.docx": (docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        "说明.txt": ("已完成8个小区改造。".encode("gb18030"), "text/plain; charset=gb18030"),
    }
    ids = {}
    for name, (content, content_type) in files.items():
        response = upload(unit, iid, content, name, task_id)
        assert response.status_code == 201, response.get_json()
        meta = response.get_json()
        assert meta["filename"] == name and meta["content_type"] == content_type
        assert meta["size"] == len(content) and meta["uploaded_by"] == "zjj_ll" and meta["task_id"] == task_id
        assert meta["download_url"] == f"/api/v1/attachments/{meta['id']}/download"
        ids[name] = meta["id"]
    # the office adds one to the instance itself (no task; a browser form may send the field empty)
    form = {"file": (io.BytesIO("督查意见".encode()), "意见.txt"), "task_id": ""}
    posted = office.post(f"/process-instances/{iid}/attachments", data=form, content_type="multipart/form-data")
    office_meta = posted.get_json()
    assert posted.status_code == 201 and office_meta["task_id"] is None
    assert office_meta["content_type"] == "text/plain; charset=utf-8"

    for reader in (unit, office):
        listed = reader.get(f"/process-instances/{iid}/attachments").get_json()
        assert [a["filename"] for a in listed] == [*files, "意见.txt"]
        for name, (content, content_type) in files.items():
            with reader.get(f"/attachments/{ids[name]}/download") as response:  # closes the sent file
                assert response.status_code == 200 and response.data == content
                assert response.mimetype == content_type.split(";")[0]
                assert response.headers["X-Content-Type-Options"] == "nosniff"
                disposition = response.headers["Content-Disposition"]
                assert disposition.startswith("attachment;") and f"filename*=UTF-8''{quote(name)}" in disposition


def test_other_units_and_anonymous_callers_get_nothing(client, tokens, item):
    iid, task_id = item
    unit = Actor(client, tokens["zjj_ll"])
    attachment_id = upload(unit, iid, PDF, "报告.pdf", task_id).get_json()["id"]
    other = Actor(client, tokens["xiayang_ll"])
    assert other.get(f"/attachments/{attachment_id}/download").status_code == 404
    assert other.get(f"/process-instances/{iid}/attachments").status_code == 404
    assert upload(other, iid, PDF, "x.pdf").status_code == 404
    assert upload(other, iid, PDF, "x.pdf", task_id).status_code == 404
    assert Actor(client, tokens["xiayang_ll"]).get("/attachments/999999999/download").status_code == 404

    with unit.get(f"/attachments/{upload(unit, iid, PDF, 'report-1.pdf').get_json()['id']}/download") as response:
        assert response.headers["Content-Disposition"] == 'attachment; filename="report-1.pdf"'

    anonymous = client.get(f"/api/v1/attachments/{attachment_id}/download")
    assert anonymous.status_code == 401 and anonymous.get_json()["error"] == "unauthorized"
    posted = client.post(
        f"/api/v1/process-instances/{iid}/attachments",
        data={"file": (io.BytesIO(PDF), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert posted.status_code == 401
    # a leader reads the item but has nothing to do in it; the office may not upload for the unit's task
    assert upload(Actor(client, tokens["changwu"]), iid, PDF, "x.pdf").status_code == 403
    assert upload(Actor(client, tokens["dcs_li"]), iid, PDF, "x.pdf", task_id).status_code == 403


def test_task_must_be_ready_and_belong_to_the_instance(client, tokens, item):
    iid, task_id = item
    unit = Actor(client, tokens["zjj_ll"])
    other_iid, _ = _another_item(client, tokens)
    assert upload(unit, other_iid, PDF, "x.pdf", task_id).status_code == 404
    assert upload(unit, iid, PDF, "x.pdf", "no-such-task").status_code == 404
    unit.complete(task_id, REPORT)
    response = upload(unit, iid, PDF, "x.pdf", task_id)
    assert response.status_code == 409 and response.get_json()["error"] == "conflict"


def _another_item(client, tokens):  # type: ignore[no-untyped-def]
    office = Actor(client, tokens["dcs_li"])
    data = {**ITEM, "co_units": []}
    iid = office.start("supervision_item", data)["id"]
    return iid, office.task(iid, "register")["id"]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("setup.exe", b"MZ\x90\x00" + b"\0" * 60, "扩展名"),
        ("报告.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "不符"),
        ("page.html", b"<html></html>", "扩展名"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "扩展名"),
        ("photo.jpg", png_bytes(), "不符"),
        ("方案.docx", docx_bytes(with_content_types=False), "不符"),
        ("方案.xlsx", b"PK\x03\x04 not really a zip", "损坏"),
        ("说明.txt", b"text\x00with nul", "二进制"),
        ("README", b"hello", "没有扩展名"),
    ],
)
def test_unsupported_types_are_refused(client, tokens, services, item, name, content, reason):
    iid, task_id = item
    before = stored_files(services)
    response = upload(Actor(client, tokens["zjj_ll"]), iid, content, name, task_id)
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["message"] == "不支持的文件类型" and reason in body["details"]["reason"]
    assert stored_files(services) == before
    assert Actor(client, tokens["zjj_ll"]).get(f"/process-instances/{iid}/attachments").get_json() == []


def test_empty_and_too_large_files_leave_nothing_behind(client, tokens, services, app, item, monkeypatch):
    iid, task_id = item
    unit = Actor(client, tokens["zjj_ll"])
    before = stored_files(services)
    response = upload(unit, iid, b"", "空.pdf", task_id)
    assert response.status_code == 422 and response.get_json()["message"] == "文件为空"

    monkeypatch.setattr(services.settings, "max_upload_bytes", 1024)
    response = upload(unit, iid, PDF + b"0" * 2000, "大文件.pdf", task_id)
    assert response.status_code == 422 and "大小上限" in response.get_json()["message"]
    assert upload(unit, iid, PDF, "刚好.pdf", task_id).status_code == 201

    # the whole request over Flask's MAX_CONTENT_LENGTH: JSON 413, not an HTML page
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    response = upload(unit, iid, PDF + b"0" * 8000, "更大.pdf", task_id)
    assert response.status_code == 413
    body = response.get_json()
    assert set(body) >= {"error", "message", "details"} and body["message"]
    listed = unit.get(f"/process-instances/{iid}/attachments").get_json()
    assert [a["filename"] for a in listed] == ["刚好.pdf"]
    assert len(stored_files(services) - before) == 1


def test_file_names_are_cleaned_and_bytes_stored_under_a_random_key(client, tokens, services, item):
    iid, task_id = item
    response = upload(Actor(client, tokens["zjj_ll"]), iid, png_bytes(), "../../etc/照片\u202e\x07.png", task_id)
    assert response.status_code == 201, response.get_json()
    meta = response.get_json()
    assert meta["filename"] == "照片.png"
    with services.uow() as uow:
        row = uow.attachments.get(meta["id"])
        assert row is not None
        key = row.storage_key
    root = (services.settings.data_dir / "attachments").resolve()
    path = root / key[:2] / key
    assert path.is_file() and path.read_bytes() == png_bytes()
    assert "照片" not in key and len(key) == 32
    assert not (services.settings.data_dir.parent / "etc").exists()
    assert not list((root / "incoming").iterdir())


def test_upload_is_in_the_audit_trail_and_a_changed_file_is_refused(client, tokens, services, item):
    iid, task_id = item
    unit, office = Actor(client, tokens["zjj_ll"]), Actor(client, tokens["dcs_li"])
    meta = upload(unit, iid, PDF, "报告.pdf", task_id).get_json()
    events = office.get(f"/process-instances/{iid}/history").get_json()
    added = [e for e in events if e["kind"] == "attachment_added"]
    assert len(added) == 1 and added[0]["actor"] == "zjj_ll"
    assert added[0]["payload"] == {
        "attachment_id": meta["id"],
        "filename": "报告.pdf",
        "size": len(PDF),
        "sha256": meta["sha256"],
        "task_id": task_id,
    }
    assert office.get(f"/process-instances/{iid}/history/verify").get_json()["ok"] is True

    with services.uow() as uow:
        row = uow.attachments.get(meta["id"])
        assert row is not None
        key = row.storage_key
    (services.settings.data_dir / "attachments" / key[:2] / key).write_bytes(PDF.replace(b"1.4", b"1.7"))
    response = office.get(f"/attachments/{meta['id']}/download")
    assert response.status_code == 409
    assert response.get_json()["error"] == "attachment_corrupt" and "已损坏" in response.get_json()["message"]


def test_auditors_read_but_do_not_file_attachments(client, tokens):
    office = Actor(client, tokens["dcs_li"])
    item = office.start("supervision_item", {})
    auditor = {"Authorization": f"Bearer {tokens['shenji']}"}
    response = client.post(
        f"/api/v1/process-instances/{item['id']}/attachments",
        data={"file": (io.BytesIO(b"audit note"), "note.txt")},
        headers=auditor,
        content_type="multipart/form-data",
    )
    assert response.status_code == 403, response.get_json()
    listed = client.get(f"/api/v1/process-instances/{item['id']}/attachments", headers=auditor)
    assert listed.status_code == 200
