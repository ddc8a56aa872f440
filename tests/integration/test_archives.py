"""Feature: 资料归档 is a real archive (Y3a7, Y3b5; issue 11 point 9).

Completing 销号归档 packs everything the item produced — the 督办通知单, its attachments (a 催办通知 too), the
history with its hash chain and the process data — with a manifest (file names, sha256, who archived, 归档号,
保管期限) into one .zip. It downloads only while it still matches; the form cannot be sent empty."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Any

from tests.api_helpers import Actor, confirm
from tests.integration.test_attachments import png_bytes, upload
from tests.integration.test_supervised_item_flow import ITEM


def _closed_with_files(client: Any, tokens: dict[str, str]) -> int:
    office, leader, unit = (
        Actor(client, tokens["dcs_li"]),
        Actor(client, tokens["changwu"]),
        Actor(client, tokens["zjj_ll"]),
    )
    iid = office.start("supervision_item", {})["id"]
    office.do(iid, "register", {**ITEM, "co_units": []})
    leader.do(iid, "approve", {"decision": "approve"})
    reminded = office.post(f"/process-instances/{iid}/reminders", json={"message": "请加快进度"})
    assert reminded.status_code in (200, 201), reminded.get_json()
    handle = unit.task(iid, "handle")
    assert upload(unit, iid, png_bytes(), "现场照片.png", task_id=handle["id"]).status_code == 201
    unit.complete(handle["id"], {"progress": "全部完成", "completion": "done"})
    confirm(client, tokens, ITEM["lead_unit"], iid)
    office.do(iid, "review", {"review_decision": "accept"})
    office.do(iid, "report_upward", {"summary": "完成"})
    leader.do(iid, "leader_read", {"conclusion": "concluded"})
    task = office.task(iid, "archive")
    body = office.complete(task["id"], {}, status=422)  # the form cannot be sent empty
    assert body["details"]["errors"] == {"retention": ["此项为必填项"]}
    office.complete(task["id"], {"retention": "永久", "close_note": "资料齐全", "archive_ref": "纸-2026-7"})
    return iid


def test_a_closed_item_is_archived_with_a_manifest_that_verifies(client: Any, tokens: dict[str, str]) -> None:
    office = Actor(client, tokens["dcs_li"])
    iid = _closed_with_files(client, tokens)
    found = office.get(f"/process-instances/{iid}/archive").get_json()
    assert found["verified"] is True and found["problems"] == [] and found["retention"] == "永久"
    assert found["archive_no"].startswith("归档〔") and found["manifest"]["archived_by"] == "李督查（督查室）"
    assert found["manifest"]["paper_ref"] == "纸-2026-7"
    names = [f["name"] for f in found["manifest"]["files"]]
    assert any(n.startswith("文书/督办通知单") for n in names)
    assert "附件/现场照片.png" in names and any(n.startswith("附件/催办通知") for n in names)
    assert {"办理过程/history.json", "办理过程/办理过程.txt", "流程数据.json"} <= set(names)

    response = office.get(f"/process-instances/{iid}/archive.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    body = response.data
    response.close()
    with zipfile.ZipFile(io.BytesIO(body)) as package:
        manifest = json.loads(package.read("manifest.json"))
        assert manifest == found["manifest"]
        for entry in manifest["files"]:
            assert hashlib.sha256(package.read(entry["name"])).hexdigest() == entry["sha256"]
        events = json.loads(package.read("办理过程/history.json"))
    assert events[-1]["hash"] == manifest["history"]["last_hash"]
    assert [e["kind"] for e in events[-2:]] == ["instance_completed", "checkpoint"]
    # and the archiving itself is in the item's history, naming the package's sha256
    history = office.get(f"/process-instances/{iid}/history").get_json()
    [archived] = [e for e in history if e["kind"] == "archived"]
    assert archived["payload"]["sha256"] == found["sha256"]


def test_a_changed_package_does_not_verify_and_is_not_sent(client: Any, tokens: dict[str, str], services: Any) -> None:
    office = Actor(client, tokens["dcs_li"])
    iid = _closed_with_files(client, tokens)
    digest = office.get(f"/process-instances/{iid}/archive").get_json()["sha256"]
    [path] = [
        p
        for p in (services.settings.data_dir / "attachments").rglob("*")
        if p.is_file() and hashlib.sha256(p.read_bytes()).hexdigest() == digest
    ]
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    found = office.get(f"/process-instances/{iid}/archive").get_json()
    assert found["verified"] is False and found["problems"]
    refused = office.get(f"/process-instances/{iid}/archive.zip")
    assert refused.status_code == 409 and refused.get_json()["error"] == "archive_corrupt"
    assert Actor(client, tokens["shuikou_ll"]).get(f"/process-instances/{iid}/archive").status_code == 404
