"""Feature: verified re-execution (issue 13 point 2) — an instance's recorded inputs (start data, each
completion, each timer firing at its time, each administrative operation) run again through the engine on
the version(s) it ran on, compared with the stored checkpoint after every step and with the stored row;
the first divergence is reported with its step, element and values.

The module has a database of its own: it deploys a new version of supervision_item and tampers with a
history, neither of which may reach another module.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest

from service import cli
from service.config import ROOT
from service.instance_migration import worker as migration_worker
from service.process import history, scheduler
from tests.api_helpers import CONFIRM, Actor, confirm, report
from tests.conftest import own_database
from tests.integration.test_supervised_item_flow import ITEM, REPORT
from tests.reexecution_check import expect_divergence

services, app, tokens = own_database()


@pytest.fixture()
def shell(services: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """`duban ...` on this module's database."""
    monkeypatch.setenv("DATABASE_URL", services.settings.database_url)
    monkeypatch.setenv("DUBAN_DATA_DIR", str(services.settings.data_dir))
    return cli.main


def _check(actor: Actor, iid: int, status: int = 200) -> dict[str, Any]:
    response = actor.post(f"/process-instances/{iid}/history/replay-check")
    assert response.status_code == status, response.get_json()
    return dict(response.get_json())


def _approved(client: Any, tokens: dict[str, str], item: dict[str, Any] = ITEM) -> int:
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    iid = int(office.start("supervision_item", item)["id"])
    office.do(iid, "register", item)
    leader.do(iid, "approve", {"decision": "approve"})
    return iid


def _consistent(client: Any, tokens: dict[str, str], iid: int) -> dict[str, Any]:
    result = _check(Actor(client, tokens["shenji"]), iid)
    assert result["consistent"], result
    assert result["divergence"] is None and result["only_final"] is False and result["summary"] == "一致"
    return result


def test_an_item_returned_redone_and_closed_re_executes_consistently(client, tokens):
    """Given an item sent back at approval, returned twice to its lead unit, escalated for its co-unit and
    closed, when an auditor re-executes it, then every step agrees with its checkpoint and the final row."""
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    lead, co = Actor(client, tokens["zjj_ll"]), Actor(client, tokens["czj_fzr"])
    vice, magistrate = Actor(client, tokens["fenguan"]), Actor(client, tokens["xianzhang"])
    iid = office.start("supervision_item", ITEM)["id"]
    office.do(iid, "register", ITEM)
    leader.do(iid, "approve", {"decision": "send_back", "opinion": "请明确验收标准"})
    office.do(iid, "register", {**ITEM, "requirements": "按住建部验收标准"})
    leader.do(iid, "approve", {"decision": "approve"})
    for round_no in (1, 2):
        lead.do(iid, "handle", {**REPORT, "progress": f"第{round_no}次报告"})
        confirm(client, tokens, "zjj", iid)
        office.do(iid, "review", {"review_decision": "return", "return_reason": f"第{round_no}次退回"})
    lead.do(iid, "handle", REPORT)
    confirm(client, tokens, "zjj", iid)
    office.do(iid, "review", {"review_decision": "accept", "review_opinion": "同意"})
    co.do(iid, "handle", {**REPORT, "need_coordination": True, "coordination_reason": "资金缺口"})
    vice.do(iid, "coordinate", {"coordination_opinion": "协调财政预算", "resolved": "no"})
    magistrate.do(iid, "special_meeting", {"meeting_ref": "专题会议纪要〔2026〕3号", "meeting_decision": "追加预算"})
    co.do(iid, "handle", REPORT)
    co.do(iid, "head_confirm", CONFIRM)
    office.do(iid, "review", {"review_decision": "accept"})
    office.do(iid, "report_upward", {"summary": "两单位均已完成"})
    leader.do(iid, "leader_read", {"conclusion": "concluded", "instruction": "同意销号"})
    office.do(iid, "archive", {"retention": "30年", "close_note": "资料齐全", "archive_ref": "DB-2026-001"})
    assert office.instance(iid)["status"] == "completed"

    result = _consistent(client, tokens, iid)
    completions = [
        e for e in office.get(f"/process-instances/{iid}/history").get_json() if e["kind"] == "task_completed"
    ]
    assert result["steps_checked"] == len(completions) + 1  # the start, then every completion

    # The system administrator may run it too; a unit's staff and the office may not
    assert _check(Actor(client, tokens["admin"]), iid)["consistent"]
    _check(Actor(client, tokens["zjj_ll"]), iid, status=403)
    _check(office, iid, status=403)


def test_reminder_timers_fired_at_their_time_re_execute_consistently(client, tokens, services, clock):
    """Given an item whose 临期 and 逾期 reminders fired on the scheduler at their times, and which was then
    reported on and accepted, when it is re-executed, then each firing runs at its recorded time and agrees."""
    iid = _approved(client, tokens, {**ITEM, "co_units": [], "lead_unit": "jyj", "time_limit_days": 10})
    clock.now = datetime(2026, 12, 2, 1, 0, 1, tzinfo=UTC)
    assert scheduler.wake(services.uow, services.ctx, iid) == 1
    clock.now = datetime(2026, 12, 7, 16, 0, 1, tzinfo=UTC)
    assert scheduler.wake(services.uow, services.ctx, iid) == 1
    office = Actor(client, tokens["dcs_li"])
    fired = [e for e in office.get(f"/process-instances/{iid}/history").get_json() if e["kind"] == "timer_fired"]
    assert [e["payload"]["element_id"] for e in fired] == ["remind_before_deadline", "remind_overdue"]
    report(client, tokens, "jyj", iid, {"progress": "已办", "completion": "done"})
    result = _consistent(client, tokens, iid)
    assert result["steps_checked"] == 3 + 2 + 2  # start, register, approve; two firings; report, confirm


def test_a_task_reassigned_to_another_unit_re_executes_consistently(client, tokens):
    """Given jyj's 办理并报告 reassigned to zjj (the unit carried into the engine), then to a named person
    (no engine change), and completed there, when it is re-executed, then it agrees: zjj's 负责人 confirms."""
    office, zjj_head = Actor(client, tokens["dcs_li"]), Actor(client, tokens["zjj_fzr"])
    iid = _approved(client, tokens, {**ITEM, "co_units": [], "lead_unit": "jyj"})
    handle = Actor(client, tokens["jyj_ll"]).task(iid, "handle")
    moved = office.post(f"/tasks/{handle['id']}/reassign", json={"reason": "职责调整", "unit": "zjj"})
    assert moved.status_code == 200, moved.get_json()
    named = office.post(f"/tasks/{handle['id']}/reassign", json={"reason": "负责人办理", "username": "zjj_fzr"})
    assert named.status_code == 200, named.get_json()
    zjj_head.complete(handle["id"], {"progress": "已办", "completion": "done", "need_coordination": False})
    assert zjj_head.task(iid, "head_confirm")["unit_code"] == "zjj"
    result = _consistent(client, tokens, iid)
    assert result["steps_checked"] == 3 + 1 + 1  # start, register, approve; the reassignment; the report


def test_a_corrected_variable_re_executes_consistently(client, tokens):
    admin = Actor(client, tokens["admin"])
    iid = _approved(client, tokens)
    response = admin.post(
        f"/process-instances/{iid}/variables", json={"reason": "标题录入有误", "name": "title", "value": "更正后的标题"}
    )
    assert response.status_code == 200, response.get_json()
    report(client, tokens, "zjj", iid, REPORT)
    result = _consistent(client, tokens, iid)
    assert result["steps_checked"] == 3 + 1 + 2


def test_a_migrated_instance_re_executes_on_both_versions(client, tokens, services, clock):
    """Given an item being handled that moved to a new version of its process and went on there, when it
    is re-executed, then the steps before the move run on the old version, the move and after on the new."""
    admin, lead = Actor(client, tokens["admin"]), Actor(client, tokens["zjj_ll"])
    iid = _approved(client, tokens)
    version = admin.instance(iid)["definition_version"]
    xml = (ROOT / "processes" / "supervision_item.bpmn").read_text(encoding="utf-8")
    changed = xml.replace('name="办理并报告"', 'name="办理并报告（新版）"').encode()
    upload = {"files": [(io.BytesIO(changed), "supervision_item.bpmn")], "note": "改名"}
    deployed = admin.post("/process-definitions", data=upload, content_type="multipart/form-data")
    assert deployed.status_code == 201, deployed.get_json()
    clock.advance(hours=2)
    body = {"from_version": version, "to_version": version + 1, "instance_ids": [iid], "reason": "环节改名"}
    started = admin.post("/process-definitions/supervision_item/migrations", json=body)
    assert started.status_code == 202, started.get_json()
    assert migration_worker.run_pending(services.uow, services.ctx) == 1
    assert admin.instance(iid)["definition_version"] == version + 1
    lead.do(iid, "handle", REPORT)
    confirm(client, tokens, "zjj", iid)
    result = _consistent(client, tokens, iid)
    assert result["steps_checked"] == 3 + 1 + 2


def _rewrite(services: Any, iid: int, seq: int, change: Any) -> None:
    """Change one event's payload in the database and recompute the chain from it and the anchored head, as a
    tamperer who knows the hashing would: the chain check then passes (until a daily digest covers it), and
    re-execution tells at once."""
    with services.uow() as uow:
        uow.begin_write()
        events = list(uow.history.for_instance(iid))
        prev = events[seq - 2].hash if seq > 1 else history.GENESIS
        for event in events[seq - 1 :]:
            if event.seq == seq:
                event.payload = change(dict(event.payload))
            event.prev_hash = prev
            event.hash = history.event_hash(
                event.instance_id, event.seq, event.kind, event.actor, event.at, event.payload, prev
            )
            prev = event.hash
        instance = uow.instances.get(iid)
        assert instance is not None
        instance.history_head = prev  # and the head anchored on the row: only the day's digest still knows
        uow.commit()


def test_a_changed_completion_payload_with_a_recomputed_chain_is_caught_at_its_step(client, tokens, services):
    """Given an item whose leader's approval was rewritten in the database from 'approve' to 'send_back',
    with the hash chain recomputed (the chain check passes), when it is re-executed, then the divergence is
    reported at that completion: the tasks ready after it are not those recorded."""
    office = Actor(client, tokens["dcs_li"])
    iid = _approved(client, tokens)
    events = office.get(f"/process-instances/{iid}/history").get_json()
    approval = next(e for e in events if e["kind"] == "task_completed" and e["payload"]["element_id"] == "approve")
    _rewrite(
        services, iid, approval["seq"], lambda p: {**p, "data": {**p["data"], "decision": "send_back", "opinion": "改"}}
    )
    expect_divergence(services, iid)
    assert office.get(f"/process-instances/{iid}/history/verify").get_json()["ok"] is True

    result = _check(Actor(client, tokens["shenji"]), iid)
    assert result["consistent"] is False
    divergence = result["divergence"]
    assert divergence["seq"] == approval["seq"] and divergence["element_id"] == "approve"
    assert "不一致" in divergence["message"] and result["summary"].startswith("不一致")
    assert divergence["expected"] != divergence["actual"]


def test_the_shell_re_executes_one_instance_or_all_and_fails_on_a_divergence(client, tokens, services, shell, capsys):
    """`duban history verify --replay ID` prints 一致 (exit 0) or the first divergence (exit 1);
    `--replay-all` walks every instance (here the completed ones) and prints one line each."""
    office = Actor(client, tokens["dcs_li"])
    iid = _approved(client, tokens)
    report(client, tokens, "zjj", iid, REPORT)
    assert shell(["history", "verify", str(iid), "--replay", str(iid)]) == 0
    out = capsys.readouterr().out
    assert f"{iid}\t一致\t历史完整" in out and f"实例 {iid}：一致" in out  # the chain, then the re-execution

    events = office.get(f"/process-instances/{iid}/history").get_json()
    register = next(e for e in events if e["kind"] == "task_completed" and e["payload"]["element_id"] == "register")
    _rewrite(services, iid, register["seq"], lambda p: {**p, "data": {**p["data"], "requirements": "改写的要求"}})
    expect_divergence(services, iid)
    assert shell(["history", "verify", "--replay", str(iid)]) == 1
    out = capsys.readouterr().out
    assert f"实例 {iid}：不一致：第 {register['seq']} 号事件（环节 register）流程数据不一致（requirements）" in out
    assert "改写的要求" in out

    assert shell(["history", "verify", "--replay-all"]) == 1  # the tampered one is among them
    out = capsys.readouterr().out
    assert f"实例 {iid}：不一致" in out and "共重新执行" in out


def test_a_history_without_checkpoints_is_compared_at_the_end_only(client, tokens, services):
    """Given an item whose history has no checkpoints (as one older than them), when it is re-executed,
    then its inputs run again and only the final data and status are compared (仅核对最终状态)."""
    iid = _approved(client, tokens)
    report(client, tokens, "zjj", iid, REPORT)
    with services.uow() as uow:
        uow.begin_write()
        kept = [e for e in uow.history.for_instance(iid) if e.kind != "checkpoint"]
        for event in uow.history.for_instance(iid):
            if event.kind == "checkpoint":
                uow.session.delete(event)
        uow.session.flush()
        prev = history.GENESIS
        for seq, event in enumerate(kept, start=1):
            event.seq, event.prev_hash = seq, prev
            event.hash = history.event_hash(iid, seq, event.kind, event.actor, event.at, event.payload, prev)
            prev = event.hash
            uow.session.flush()  # one at a time: (instance, seq) is unique
        uow.commit()
    result = _check(Actor(client, tokens["shenji"]), iid)
    assert result["consistent"] and result["only_final"] and result["summary"] == "一致（仅核对最终状态）"


def test_the_endpoint_is_documented_in_chinese_and_an_unknown_instance_is_404(client, tokens):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/process-instances/{instance_id}/history/replay-check"]["post"]
    assert operation["summary"] == "重新执行核对" and "检查点" in operation["description"]
    response = Actor(client, tokens["shenji"]).post("/process-instances/999999/history/replay-check")
    assert response.status_code == 404 and response.get_json()["error"]


def test_a_changed_report_held_only_by_its_units_task_is_caught_at_its_step(client, tokens, services):
    """Given an item whose lead unit reported 办结 and whose report waits for the unit's 负责人, and the
    report rewritten in the database (chain recomputed) — its text lives only in the unit branch's tasks,
    not yet in the process data — when it is re-executed, then the divergence is reported at that
    completion, naming the task whose data differs."""
    office = Actor(client, tokens["dcs_li"])
    iid = _approved(client, tokens)
    Actor(client, tokens["zjj_ll"]).do(iid, "handle", REPORT)
    events = office.get(f"/process-instances/{iid}/history").get_json()
    handle = next(e for e in events if e["kind"] == "task_completed" and e["payload"]["element_id"] == "handle")
    after = next(e for e in events if e["kind"] == "checkpoint" and e["seq"] > handle["seq"])
    assert "progress" not in after["payload"]["set"]  # the report is not (yet) process data
    _rewrite(services, iid, handle["seq"], lambda p: {**p, "data": {**p["data"], "progress": "改写的进展"}})
    expect_divergence(services, iid)

    result = _check(Actor(client, tokens["shenji"]), iid)
    assert result["consistent"] is False
    divergence = result["divergence"]
    assert divergence["seq"] == handle["seq"] and divergence["element_id"] == "handle"
    assert divergence["message"].startswith("待办任务中的数据不一致") and "head_confirm" in divergence["message"]


@pytest.mark.parametrize("order", ["first_group_first", "second_group_first"])
def test_two_inspection_groups_re_execute_consistently_in_either_order(client, tokens, services, order):
    """Given a campaign whose two 督查组 each report their own findings, completed in either order — two ready
    tasks of one element that no unit tells apart — when it is re-executed, then each completion goes to the
    group that made it (by the digest of the task's data the completion recorded) and all agrees."""
    from tests.campaign_helpers import campaign_on_plan
    from tests.integration.test_annual_plan import PLAN

    office = Actor(client, tokens["dcs_li"])
    iid = campaign_on_plan(client, tokens, "两组督查", {"title": "两组督查", "lead_unit": "zrzyj"})
    office.do(iid, "inspection_plan", PLAN)
    inspections = office.tasks(iid, "field_inspection")
    assert len(inspections) == 2
    if order == "second_group_first":
        inspections.reverse()
    for n, task in enumerate(inspections):
        found = [{"description": f"第{n + 1}组发现的问题", "unit": ["xiayang", "shidu"][n]}]
        office.complete(task["id"], {"sites_visited": "实地查看", "problems_found": found})
    events = office.get(f"/process-instances/{iid}/history").get_json()
    done = [e for e in events if e["kind"] == "task_completed" and e["payload"]["element_id"] == "field_inspection"]
    assert len(done) == 2 and all(len(e["payload"]["task_data"]) == 16 for e in done)
    _consistent(client, tokens, iid)
