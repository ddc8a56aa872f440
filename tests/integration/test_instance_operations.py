"""Feature: instance operations (issue 12 point 6) — suspend / resume, withdraw (撤回), retry after a fix,
reassign a task (转办), correct a process variable; each a history event with actor, reason, before/after and
an audit entry; who may do which is checked in the use cases (系统管理员 all; 督查室 withdraw and reassign).

The module has a database of its own: the scheduler's pass (`scheduler.tick`) then sees only its instances.
"""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from service.process import scheduler
from tests.api_helpers import Actor
from tests.conftest import own_database

services, app, tokens = own_database()

ITEM = {
    "title": "流程操作测试",
    "content": "测试",
    "source_type": "文件",
    "source_ref": "县政办发〔2026〕9号",
    "lead_unit": "jyj",
    "co_units": [],
    "time_limit_days": 10,
}


@pytest.fixture
def restore_clock(clock):  # type: ignore[no-untyped-def]
    before = clock.now
    yield clock
    clock.now = before


def _assigned_item(client: Any, tokens: dict[str, str]) -> int:
    """Given an item registered by the office and approved: jyj's 办理并报告 is ready, reminders are armed."""
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    iid = int(office.start("supervision_item", ITEM)["id"])
    office.do(iid, "register", ITEM)
    leader.do(iid, "approve", {"decision": "approve"})
    return iid


def _history(actor: Actor, iid: int, kind: str | None = None) -> list[dict[str, Any]]:
    events = actor.get(f"/process-instances/{iid}/history").get_json()
    return [e for e in events if kind is None or e["kind"] == kind]


def _ledger_status(actor: Actor, iid: int) -> tuple[str, str]:
    rows = actor.get("/ledger", query_string={"per_page": 200}).get_json()["items"]
    row = next(r for r in rows if r["instance_id"] == iid)
    return row["status"], row["status_label"]


def _audit(client: Any, tokens: dict[str, str], action: str) -> list[dict[str, Any]]:
    auditor = Actor(client, tokens["shenjiguan"])
    response = auditor.get("/audit-log", query_string={"action": action, "per_page": 200})
    assert response.status_code == 200, response.get_json()
    return list(response.get_json()["items"])


def _ids(actor: Actor) -> set[str]:
    return {t["id"] for t in actor.get("/tasks", query_string={"per_page": 500}).get_json()["items"]}


def test_a_suspended_item_cannot_be_worked_on_and_its_timers_wait_until_it_is_resumed(
    client, tokens, services, restore_clock
):
    clock = restore_clock
    admin, unit = Actor(client, tokens["admin"]), Actor(client, tokens["jyj_ll"])
    iid = _assigned_item(client, tokens)
    handle = unit.task(iid, "handle")
    wake = datetime.fromisoformat(admin.instance(iid)["next_wake_at"])

    # When the administrator suspends it, with a reason
    response = admin.post(f"/process-instances/{iid}/suspend", json={"reason": "等待县领导重新批示"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "suspended"

    # Then it is recorded with actor, reason, before and after, in the history and the audit log
    [event] = _history(admin, iid, "instance_suspended")
    assert event["actor"] == "admin"
    assert event["payload"] == {
        "reason": "等待县领导重新批示",
        "before": {"status": "running"},
        "after": {"status": "suspended"},
    }
    assert any(e["target"] == str(iid) for e in _audit(client, tokens, "instance_suspended"))
    # and the 台账 shows it 已挂起
    assert _ledger_status(admin, iid) == ("suspended", "已挂起")

    # And no task can be completed while suspended
    refused = unit.post(f"/tasks/{handle['id']}/complete", json={"data": {"progress": "已办", "completion": "done"}})
    assert refused.status_code == 409
    assert "挂起" in refused.get_json()["message"]

    # And its timers do not fire, even long after they fell due
    clock.now = wake + timedelta(days=10)
    scheduler.tick(services.uow, services.ctx)
    assert _history(admin, iid, "timer_fired") == []

    # When it is resumed, the overdue timers fire on the next pass
    resumed = admin.post(f"/process-instances/{iid}/resume", json={"reason": "已重新批示"})
    assert resumed.status_code == 200, resumed.get_json()
    assert resumed.get_json()["status"] == "running"
    assert _history(admin, iid, "instance_resumed")[0]["payload"]["after"] == {"status": "running"}
    scheduler.tick(services.uow, services.ctx)
    assert _history(admin, iid, "timer_fired")
    # and the task can be completed again
    unit.complete(handle["id"], {"progress": "已办", "completion": "done", "need_coordination": False})


def test_the_office_withdraws_an_item_started_by_mistake(client, tokens):
    office, unit, admin = (
        Actor(client, tokens["dcs_li"]),
        Actor(client, tokens["jyj_ll"]),
        Actor(client, tokens["admin"]),
    )
    iid = _assigned_item(client, tokens)
    handle = unit.task(iid, "handle")
    assert handle["id"] in _ids(unit)

    # When the 督查室 withdraws it with a reason
    response = office.post(f"/process-instances/{iid}/withdraw", json={"reason": "误发起，重复立项"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "withdrawn" and response.get_json()["next_wake_at"] is None

    # Then its task leaves every 待办 list
    assert handle["id"] not in _ids(unit)
    assert unit.tasks(iid) == [] and office.tasks(iid) == []
    assert admin.instance(iid)["ready_tasks"] == []
    # And the 台账 shows it 已撤回
    assert _ledger_status(office, iid) == ("withdrawn", "已撤回")
    [event] = _history(office, iid, "instance_withdrawn")
    assert event["actor"] == "dcs_li" and event["payload"]["reason"] == "误发起，重复立项"
    assert event["payload"]["before"] == {"status": "running"} and event["payload"]["after"] == {"status": "withdrawn"}
    assert handle["id"] in event["payload"]["cancelled_tasks"]
    assert any(e["target"] == str(iid) for e in _audit(client, tokens, "instance_withdrawn"))

    # And it cannot be resumed, suspended or withdrawn again
    for operation in ("resume", "suspend", "withdraw"):
        again = admin.post(f"/process-instances/{iid}/{operation}", json={"reason": "再试"})
        assert again.status_code == 409, (operation, again.get_json())
    # nor its former task completed
    late = unit.post(f"/tasks/{handle['id']}/complete", json={"data": {"progress": "已办", "completion": "done"}})
    assert late.status_code == 409


def test_who_may_do_which_operation_and_a_reason_is_required(client, tokens):
    admin, office = Actor(client, tokens["admin"]), Actor(client, tokens["dcs_li"])
    iid = _assigned_item(client, tokens)
    handle = Actor(client, tokens["jyj_ll"]).task(iid, "handle")
    before = len(_history(admin, iid))

    # The 督查室 may withdraw and reassign, nothing else
    for operation in ("suspend", "resume", "retry"):
        refused = office.post(f"/process-instances/{iid}/{operation}", json={"reason": "试试"})
        assert refused.status_code == 403, (operation, refused.get_json())
    refused = office.post(f"/process-instances/{iid}/variables", json={"reason": "试试", "name": "title", "value": "x"})
    assert refused.status_code == 403

    # Everyone else may do nothing: a unit's liaison, its head, a county leader, an auditor, the security admin
    for who in ("jyj_ll", "jyj_fzr", "changwu", "shenji", "anquan"):
        actor = Actor(client, tokens[who])
        for operation in ("suspend", "withdraw", "retry"):
            response = actor.post(f"/process-instances/{iid}/{operation}", json={"reason": "试试"})
            assert response.status_code in (403, 404), (who, operation, response.get_json())
            assert response.status_code == 403 or who in ("anquan",), (who, operation)
        response = actor.post(f"/tasks/{handle['id']}/reassign", json={"reason": "试试", "unit": "zjj"})
        assert response.status_code in (403, 404), (who, response.get_json())
        response = actor.post(
            f"/process-instances/{iid}/variables", json={"reason": "x", "name": "title", "value": "x"}
        )
        assert response.status_code in (403, 404), (who, response.get_json())

    # A reason is required for every operation: 422 on the field
    for operation in ("suspend", "withdraw"):
        for body in ({}, {"reason": "   "}, {"reason": "长" * 501}):
            response = admin.post(f"/process-instances/{iid}/{operation}", json=body)
            assert response.status_code == 422, (operation, body, response.get_json())
            assert "reason" in response.get_json()["errors"]
    response = admin.post(f"/tasks/{handle['id']}/reassign", json={"unit": "zjj"})
    assert response.status_code == 422 and "reason" in response.get_json()["errors"]
    response = admin.post(f"/process-instances/{iid}/variables", json={"reason": "", "name": "title", "value": "x"})
    assert response.status_code == 422 and "reason" in response.get_json()["errors"]

    # Nothing refused was written
    assert len(_history(admin, iid)) == before
    assert admin.instance(iid)["status"] == "running"

    # What each may do now, for the pages
    assert admin.get(f"/process-instances/{iid}/operations").get_json()["operations"] == [
        "suspend",
        "withdraw",
        "reassign",
        "variables",
    ]
    mine = office.get(f"/process-instances/{iid}/operations").get_json()
    assert mine["operations"] == ["withdraw", "reassign"] and mine["labels"]["withdraw"] == "撤回"
    assert [t["id"] for t in mine["tasks"]] == [handle["id"]]
    assert Actor(client, tokens["jyj_ll"]).get(f"/process-instances/{iid}/operations").get_json()["operations"] == []


def test_a_task_is_reassigned_to_another_unit_and_then_to_a_named_person(client, tokens):
    office = Actor(client, tokens["dcs_li"])
    jyj, zjj, zjj_head = (
        Actor(client, tokens["jyj_ll"]),
        Actor(client, tokens["zjj_ll"]),
        Actor(client, tokens["zjj_fzr"]),
    )
    iid = _assigned_item(client, tokens)
    handle = jyj.task(iid, "handle")

    # When the 督查室 reassigns jyj's task to zjj
    response = office.post(
        f"/tasks/{handle['id']}/reassign", json={"reason": "职责调整，改由住建局办理", "unit": "zjj"}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["unit_code"] == "zjj"

    # Then zjj sees it in 待办 and is told (新待办); jyj no longer sees it
    assert handle["id"] in _ids(zjj) and handle["id"] not in _ids(jyj)
    notes = zjj.get("/notifications").get_json()["items"]
    assert any(n["link"] == f"/tasks/{handle['id']}" for n in notes)
    [event] = _history(office, iid, "task_reassigned")
    assert event["payload"]["before"] == {"unit": "jyj", "assignee": None}
    assert event["payload"]["after"] == {"unit": "zjj", "assignee": None}
    assert event["payload"]["reason"] == "职责调整，改由住建局办理" and event["actor"] == "dcs_li"
    assert any(e["target"] == str(iid) for e in _audit(client, tokens, "task_reassigned"))

    # When it is reassigned to one named person, only that person has it
    response = office.post(
        f"/tasks/{handle['id']}/reassign", json={"reason": "由负责人亲自办理", "username": "zjj_fzr"}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["assignee"] == "zjj_fzr"
    assert handle["id"] in _ids(zjj_head) and handle["id"] not in _ids(zjj)
    refused = zjj.post(
        f"/tasks/{handle['id']}/complete",
        json={"data": {"progress": "已办", "completion": "done", "need_coordination": False}},
    )
    assert refused.status_code in (403, 404)
    zjj_head.complete(handle["id"], {"progress": "已办", "completion": "done", "need_coordination": False})
    # and the step after it in the unit's branch goes to the new unit too: zjj's 负责人 confirms, not jyj's
    assert zjj_head.task(iid, "head_confirm")["unit_code"] == "zjj"
    assert Actor(client, tokens["jyj_fzr"]).tasks(iid, "head_confirm") == []

    # Bad targets are refused on their field, and nothing is written
    other = _assigned_item(client, tokens)
    task_id = jyj.task(other, "handle")["id"]
    for body, fieldname in (
        ({"reason": "x", "unit": "nowhere"}, "unit"),
        ({"reason": "x", "unit": "jyj"}, "unit"),  # where it already is
        ({"reason": "x", "username": "nobody"}, "username"),
        ({"reason": "x"}, "unit"),
        ({"reason": "x", "unit": "zjj", "username": "zjj_ll"}, "unit"),
    ):
        response = office.post(f"/tasks/{task_id}/reassign", json=body)
        assert response.status_code == 422, (body, response.get_json())
        assert fieldname in response.get_json()["errors"], (body, response.get_json())
    assert _history(office, other, "task_reassigned") == []
    # and a task already done cannot be reassigned
    done = office.post(f"/tasks/{handle['id']}/reassign", json={"reason": "x", "unit": "czj"})
    assert done.status_code == 409


DIVIDE = """<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="prepare" />
    <bpmn:scriptTask id="prepare" name="准备"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>divisor = 0</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="prepare" targetRef="divide" />
    <bpmn:scriptTask id="divide" name="计算比例"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>ratio = 10 / divisor</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="divide" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>"""

NS = (
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"'
)


def _deploy(admin: Actor, pid: str, body: str) -> None:
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NS} id="d_{pid}" targetNamespace="http://duban.test">
  <bpmn:process id="{pid}" name="{pid}" isExecutable="true">{body}</bpmn:process>
</bpmn:definitions>"""
    files = [(io.BytesIO(xml.encode()), f"{pid}.bpmn")]
    response = admin.post("/process-definitions", data={"files": files}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()


def test_an_instance_in_error_is_retried_after_its_variable_is_corrected(client, tokens):
    admin, office = Actor(client, tokens["admin"]), Actor(client, tokens["dcs_li"])
    _deploy(admin, "divide_by_variable", DIVIDE)
    started = admin.start("divide_by_variable", {})
    iid = started["id"]
    assert started["status"] == "error" and "计算比例" in started["error_message"]
    assert admin.get(f"/process-instances/{iid}/operations").get_json()["operations"] == [
        "withdraw",
        "retry",
        "variables",
    ]

    # A retry before the cause is fixed fails again: still 异常, with the message
    again = admin.post(f"/process-instances/{iid}/retry", json={"reason": "先试一次"})
    assert again.status_code == 200 and again.get_json()["status"] == "error"
    first = _history(admin, iid, "admin_retry")[0]["payload"]
    assert first["before"]["status"] == "error" and first["after"]["status"] == "error" and first["after"]["error"]

    # Variables are validated: a name scripts can read, a JSON value within bounds
    for body, fieldname in (
        ({"reason": "x", "name": "__class__", "value": 1}, "name"),
        ({"reason": "x", "name": "两个", "value": 1}, "name"),
        ({"reason": "x", "name": "divisor", "value": "长" * 70_000}, "value"),
        ({"reason": "x", "name": "divisor", "value": json.loads("[" * 40 + "]" * 40)}, "value"),
    ):
        response = admin.post(f"/process-instances/{iid}/variables", json=body)
        assert response.status_code == 422, (body, response.get_json())
        assert fieldname in response.get_json()["errors"]
    # and only the administrator corrects them
    refused = office.post(f"/process-instances/{iid}/variables", json={"reason": "x", "name": "divisor", "value": 2})
    assert refused.status_code == 403

    # When the administrator corrects the variable
    fixed = admin.post(
        f"/process-instances/{iid}/variables", json={"reason": "除数应为 2", "name": "divisor", "value": 2}
    )
    assert fixed.status_code == 200, fixed.get_json()
    assert fixed.get_json()["status"] == "error"  # nothing ran: it waits for the retry
    assert admin.instance(iid)["data"]["divisor"] == 2
    [corrected] = _history(admin, iid, "variable_corrected")
    assert corrected["actor"] == "admin" and corrected["payload"]["reason"] == "除数应为 2"
    assert corrected["payload"]["before"] == {"present": True, "value": 0}
    assert corrected["payload"]["after"] == {"value": 2}
    assert any(e["target"] == str(iid) for e in _audit(client, tokens, "variable_corrected"))

    # Then a retry re-runs the engine from where it failed, and the instance completes
    retried = admin.post(f"/process-instances/{iid}/retry", json={"reason": "已更正除数"})
    assert retried.status_code == 200, retried.get_json()
    assert retried.get_json()["status"] == "completed"
    assert admin.instance(iid)["data"]["ratio"] == 5
    last = _history(admin, iid, "admin_retry")[-1]["payload"]
    assert last["before"]["status"] == "error" and last["after"] == {"status": "completed", "error": None}
    assert admin.get(f"/process-instances/{iid}/history/verify").get_json()["ok"] is True

    # A retry of an instance not in 异常 is refused
    assert admin.post(f"/process-instances/{iid}/retry", json={"reason": "再来"}).status_code == 409


def test_a_variable_of_a_running_item_is_corrected_and_the_task_form_reads_it(client, tokens):
    admin = Actor(client, tokens["admin"])
    iid = _assigned_item(client, tokens)
    response = admin.post(
        f"/process-instances/{iid}/variables", json={"reason": "标题录入有误", "name": "title", "value": "更正后的标题"}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["title"] == "更正后的标题" and response.get_json()["status"] == "running"
    rows = admin.get("/ledger", query_string={"per_page": 200}).get_json()["items"]
    assert next(r for r in rows if r["instance_id"] == iid)["title"] == "更正后的标题"
    [event] = _history(admin, iid, "variable_corrected")
    assert event["payload"]["before"]["value"] == ITEM["title"]
    assert admin.instance(iid)["status"] == "running"


def test_the_item_page_offers_only_the_operations_the_reader_may_do(client, tokens):
    from tests.access_helpers import HTML, csrf, sign_in

    iid = _assigned_item(client, tokens)

    # The 督查室 sees 撤回 and 转办 only; the administrator sees every operation that applies
    sign_in(client, "dcs_li")
    page = client.get(f"/items/{iid}", headers=HTML).get_data(as_text=True)
    assert 'id="operations"' in page and 'id="withdraw-form"' in page and 'id="reassign-form"' in page
    assert 'id="suspend-form"' not in page and 'id="variables-form"' not in page
    # and a withdrawal without a reason is refused next to its field, nothing done
    token = csrf(client, f"/items/{iid}")
    refused = client.post(f"/items/{iid}/operations/withdraw", data={"csrf_token": token, "reason": " "}, headers=HTML)
    assert refused.status_code == 422 and 'id="withdraw-reason-error"' in refused.get_data(as_text=True)
    # nor may the office suspend, even by posting the form
    refused = client.post(f"/items/{iid}/operations/suspend", data={"csrf_token": token, "reason": "x"}, headers=HTML)
    assert refused.status_code == 403
    # nor open the administrator's list of instances
    assert client.get("/admin/instances", headers=HTML).status_code == 403

    sign_in(client, "admin")
    page = client.get(f"/items/{iid}", headers=HTML).get_data(as_text=True)
    for form in ("suspend-form", "withdraw-form", "reassign-form", "variables-form"):
        assert f'id="{form}"' in page, form
    token = csrf(client, f"/items/{iid}")
    done = client.post(f"/items/{iid}/operations/suspend", data={"csrf_token": token, "reason": "待批示"}, headers=HTML)
    assert done.status_code == 302
    page = client.get(f"/items/{iid}", headers=HTML).get_data(as_text=True)
    assert 'id="item-badge"' in page and "已挂起" in page and 'id="resume-form"' in page
    ledger = client.get("/ledger", headers=HTML).get_data(as_text=True)
    assert 'data-status="suspended"' in ledger

    # The administrator's list filters by status and links to the item
    listed = client.get("/admin/instances", query_string={"status": "suspended"}, headers=HTML)
    assert listed.status_code == 200
    assert f'data-instance="{iid}"' in listed.get_data(as_text=True)
    running = client.get("/admin/instances", query_string={"status": "running"}, headers=HTML).get_data(as_text=True)
    assert f'data-instance="{iid}"' not in running
    bad_value = client.post(
        f"/items/{iid}/variables",
        data={"csrf_token": token, "reason": "x", "name": "title", "value": "没有引号"},
        headers=HTML,
    )
    assert bad_value.status_code == 422 and 'id="variables-value-error"' in bad_value.get_data(as_text=True)
