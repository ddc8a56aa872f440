"""Feature: 通知 — new tasks, returns and reminders reach the right people's notification list, in the
command's own transaction; each user reads and marks only their own, on the API and on the page."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from service import notifications
from service.access.principal import Principal
from service.config import ROOT
from service.db.models import HumanTask
from service.db.queries.process import InstanceRepository
from service.notifications import recipients_of_task
from service.process import scheduler
from service.wiring import Services
from tests.api_helpers import Actor, confirm
from tests.e2e.test_web_sign_in import HTML, sign_in
from tests.outbox_helpers import last_outbox_id, outbox_rows, smtp_fixture  # noqa: F401

ITEM = {
    "title": "沔渡镇农村公路养护",
    "content": "完成农村公路日常养护",
    "source_type": "文件",
    "source_ref": "县政办发〔2026〕8号",
    "lead_unit": "miandu",
    "co_units": ["jyj"],
    "time_limit_days": 10,
}
REPORT = {"progress": "已完成养护", "completion": "done", "need_coordination": False}


def _mine(actor: Actor, **query: Any) -> dict[str, Any]:
    response = actor.get("/notifications", query_string={"per_page": 500, **query})
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def _demo_users() -> set[str]:
    """The demo organisation's users. Other tests add users with the same roles to the shared database
    (the security admin's tests); who gets notified among *those* is checked against may_act_on below."""
    spec = json.loads((ROOT / "service" / "demo" / "organisation.json").read_text(encoding="utf-8"))
    staff = {f"{unit['code']}_{suffix}" for unit in spec["units"] for suffix in spec["unit_staff"].values()}
    return {u["username"] for u in spec["users"]} | staff


DEMO_USERS = _demo_users()


def _for_instance(services: Services, instance_id: int) -> list[tuple[str, str, str]]:
    with services.uow() as uow:
        notes = uow.notifications.for_instance(instance_id)
        return [(n.username, n.kind, n.title) for n in notes if n.username in DEMO_USERS]


def _notify(services: Services, usernames: list[str], title: str, link: str | None = "/ledger") -> int:
    with services.uow() as uow:
        count = notifications.notify(
            uow, services.ctx, usernames=usernames, kind="bulletin", title=title, body="正文", link=link,
            now=services.ctx.now(),
        )  # fmt: skip
        uow.commit()
    return count


def test_each_new_task_notifies_exactly_who_may_act_on_it(client, tokens, services) -> None:
    # Given the office starts and registers an item for a lead unit and a co-handling unit
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    iid = office.start("supervision_item", ITEM)["id"]
    office.do(iid, "register", ITEM)
    # When the leader approves it
    leader.do(iid, "approve", {"decision": "approve"})
    # Then 分解立项 went to the office, 立项审批 to the leader, and each unit's 办理 to that unit's staff
    sent = _for_instance(services, iid)
    assert {u for u, _, t in sent if t == "新待办：分解立项"} == {"dcs_li", "dcs_wang"}
    assert {u for u, _, t in sent if t == "新待办：立项审批"} == {"changwu"}
    assert {u for u, _, t in sent if t == "新待办：办理并报告"} == {"miandu_ll", "miandu_fzr", "jyj_ll", "jyj_fzr"}
    assert {k for _, k, _ in sent} == {"task_ready"}
    # and recipients_of_task agrees with Principal.may_act_on for every user and task
    with services.uow() as uow:
        tasks = uow.session.query(HumanTask).filter_by(instance_id=iid).all()
        users = [u for u in uow.users.all() if u.active]
        for task in tasks:
            allowed = sorted(u.username for u in users if Principal.of(u).may_act_on(task))
            assert sorted(recipients_of_task(uow, task)) == allowed, task.name
    # and the unit's liaison reads it with the business number, title, deadline and a link to the task
    liaison = Actor(client, tokens["miandu_ll"])
    [note] = [n for n in _mine(liaison)["items"] if n["instance_id"] == iid]
    task = liaison.task(iid, "handle")
    assert note["link"] == f"/tasks/{task['id']}" and ITEM["title"] in note["body"]
    assert "办理时限：2026-12-07" in note["body"] and not note["read"]


def test_a_return_for_redo_tells_the_unit_why(client, tokens, services) -> None:
    office, leader, unit = (
        Actor(client, tokens["dcs_li"]),
        Actor(client, tokens["changwu"]),
        Actor(client, tokens["fgj_ll"]),
    )
    item = {**ITEM, "title": "发改局项目储备复核", "lead_unit": "fgj", "co_units": []}
    iid = office.start("supervision_item", item)["id"]
    office.do(iid, "register", item)
    leader.do(iid, "approve", {"decision": "approve"})
    # When the office returns the unit's report with a reason
    unit.do(iid, "handle", REPORT)
    confirm(client, tokens, "fgj", iid)
    office.do(iid, "review", {"review_decision": "return", "return_reason": "缺少项目清单"})
    # Then the unit's staff are told it came back, and why
    [note] = [n for n in _mine(unit)["items"] if n["instance_id"] == iid and n["kind"] == "returned"]
    assert note["title"] == "退回重新办理：办理并报告"
    assert "缺少项目清单" in note["body"] and "第 2 轮" in note["body"]


def test_reminders_before_and_after_the_deadline_reach_each_units_staff(client, tokens, services, clock) -> None:
    # Given an approved item for 沔渡镇 and 县教育局, deadline 2026-12-07
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    item = {**ITEM, "title": "催办通知测试事项"}
    iid = office.start("supervision_item", item)["id"]
    office.do(iid, "register", item)
    leader.do(iid, "approve", {"decision": "approve"})
    # When the 临期 reminder comes due (09:00, 3 working days before) and then the 逾期 one
    clock.now = datetime(2026, 12, 2, 1, 0, 1, tzinfo=UTC)
    scheduler.wake(services.uow, services.ctx, iid)
    reminders = [(u, t) for u, k, t in _for_instance(services, iid) if k == "reminder"]
    assert sorted(reminders) == sorted(
        (u, "临期催办：催办通知测试事项") for u in ("miandu_ll", "miandu_fzr", "jyj_ll", "jyj_fzr")
    )
    clock.now = datetime(2026, 12, 7, 16, 0, 1, tzinfo=UTC)
    scheduler.wake(services.uow, services.ctx, iid)
    # Then each unit's staff got both, with the deadline, and the history names the unit of each timer
    jyj = [n for n in _mine(Actor(client, tokens["jyj_fzr"]))["items"] if n["instance_id"] == iid]
    assert [n["title"] for n in jyj if n["kind"] == "reminder"] == [
        "逾期催办：催办通知测试事项",
        "临期催办：催办通知测试事项",
    ]
    assert all("办理时限：2026-12-07" in n["body"] for n in jyj if n["kind"] == "reminder")
    history = office.get(f"/process-instances/{iid}/history").get_json()
    fired = sorted((e["payload"]["element_id"], e["payload"]["unit"]) for e in history if e["kind"] == "timer_fired")
    assert fired == sorted(
        (timer, unit) for timer in ("remind_before_deadline", "remind_overdue") for unit in ("miandu", "jyj")
    )
    assert office.get(f"/process-instances/{iid}/history/verify").get_json()["ok"]


def test_a_rolled_back_command_notifies_nobody(client, tokens, services, smtp, monkeypatch) -> None:
    # Given email is on, and an item waiting for approval
    monkeypatch.setattr(services.ctx, "notify_config", smtp.config())
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    item = {**ITEM, "title": "回滚测试事项"}
    iid = office.start("supervision_item", item)["id"]
    office.do(iid, "register", item)
    before_rows, before_notes = last_outbox_id(services), _for_instance(services, iid)
    # When the approval loses the version check (someone saved the instance meanwhile) and rolls back
    with monkeypatch.context() as patch:
        patch.setattr(InstanceRepository, "save_state", lambda *args: False)
        task = leader.task(iid, "approve")
        leader.complete(task["id"], {"decision": "approve"}, status=409)
    # Then no notification and no outbox message was left behind
    assert _for_instance(services, iid) == before_notes and outbox_rows(services, before_rows) == []
    # and notify() inside a unit of work that is not committed writes nothing either
    with services.uow() as uow:
        assert notifications.notify_unit(
            uow, services.ctx, unit_code="miandu", kind="bulletin", title="未提交", body="", now=services.ctx.now()
        ) == 2  # fmt: skip
    assert outbox_rows(services, before_rows) == []
    # while the same approval, committed, writes both
    leader.complete(task["id"], {"decision": "approve"})
    assert len(_for_instance(services, iid)) > len(before_notes)
    assert {r.destination for r in outbox_rows(services, before_rows)} >= {
        "miandu_ll@duban.local",
        "jyj_fzr@duban.local",
    }


def test_users_read_and_mark_only_their_own_notifications(client, tokens, services) -> None:
    # Given a notification for each of two office staff
    assert _notify(services, ["dcs_li", "dcs_wang", "no_such_user"], "只给本人看的通知") == 2
    li, wang = Actor(client, tokens["dcs_li"]), Actor(client, tokens["dcs_wang"])
    [mine] = [n for n in _mine(li, unread_only="true")["items"] if n["title"] == "只给本人看的通知"]
    [theirs] = [n for n in _mine(wang)["items"] if n["title"] == "只给本人看的通知"]
    # When the other user tries to mark mine read, they get 404 and mine stays unread
    refused = wang.post(f"/notifications/{mine['id']}/read")
    assert refused.status_code == 404 and refused.get_json()["error"] == "not_found"
    assert mine["id"] in [n["id"] for n in _mine(li, unread_only="true")["items"]]
    # When I mark it read, it leaves my unread list; marking again changes nothing
    unread = _mine(li)["unread"]
    done = li.post(f"/notifications/{mine['id']}/read").get_json()
    assert done["read"] and done["id"] == mine["id"]
    assert li.post(f"/notifications/{mine['id']}/read").get_json()["read_at"] == done["read_at"]
    assert _mine(li)["unread"] == unread - 1
    # Then read-all clears the rest of mine and none of theirs
    assert li.post("/notifications/read-all").get_json()["unread"] == 0
    assert _mine(li, unread_only="true")["items"] == []
    assert theirs["id"] in [n["id"] for n in _mine(wang, unread_only="true")["items"]]
    # and paging is newest first
    page = _mine(li, per_page=2)
    assert page["per_page"] == 2 and len(page["items"]) == 2 and page["items"][0]["id"] > page["items"][1]["id"]


def test_bad_ids_and_queries_are_json_errors(client, tokens) -> None:
    li = Actor(client, tokens["dcs_li"])
    for path in ("/notifications/abc/read", "/notifications/99999999999999999999999/read", "/notifications/0/read"):
        response = li.post(path)
        assert response.status_code == 404 and response.get_json()["error"] == "not_found", path
    for query in ({"unread_only": "maybe"}, {"per_page": 0}, {"page": "x"}):
        response = li.get("/notifications", query_string=query)
        assert response.status_code == 422 and response.get_json()["errors"], query
    assert client.get("/api/v1/notifications").status_code == 401


def test_only_admins_see_the_outbox(client, tokens) -> None:
    admin = Actor(client, tokens["admin"])
    overview = admin.get("/outbox", query_string={"limit": 5}).get_json()
    assert set(overview["counts"]) == {"pending", "sending", "sent", "dead"} and len(overview["items"]) <= 5
    assert all("payload" not in row for row in overview["items"])
    assert admin.get("/outbox", query_string={"status": "lost"}).status_code == 422
    assert Actor(client, tokens["dcs_li"]).get("/outbox").status_code == 403


def _csrf(client: Any) -> str:
    page = client.get("/notifications", headers=HTML).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_the_notifications_page_lists_and_marks_read_with_csrf(client, services) -> None:
    # Given two notifications for 水口镇's head, one with a link
    _notify(services, ["shuikou_fzr"], "页面测试：没有链接", link=None)
    _notify(services, ["shuikou_fzr"], "页面测试：台账", link="/ledger")
    sign_in(client, "shuikou_fzr")
    page = client.get("/notifications", headers=HTML).get_data(as_text=True)
    assert "页面测试：台账" in page and "页面测试：没有链接" in page and "全部标为已读" in page
    with services.uow() as uow:
        rows, _ = uow.notifications.listing("shuikou_fzr", unread_only=True, offset=0, limit=100)
        ids = {n.title: n.id for n in rows}
        unread = uow.notifications.unread_count("shuikou_fzr")  # earlier tests may leave more than a page
    assert re.search(rf'data-count="notifications">{unread}<', page)
    # When a form is posted without the CSRF token, it is refused and nothing changes
    refused = client.post(f"/notifications/{ids['页面测试：没有链接']}/read", data={}, headers=HTML)
    assert refused.status_code in (400, 403)
    assert client.post("/notifications/read-all", data={"csrf_token": "forged"}, headers=HTML).status_code in (400, 403)
    with services.uow() as uow:
        assert uow.notifications.unread_count("shuikou_fzr") == unread
    # When one is marked read with the token, it shows as read; clicking a linked title reads it and goes there
    token = _csrf(client)
    marked = client.post(f"/notifications/{ids['页面测试：没有链接']}/read", data={"csrf_token": token}, headers=HTML)
    assert marked.status_code == 302 and marked.headers["Location"].startswith("/notifications")
    opened = client.post(
        f"/notifications/{ids['页面测试：台账']}/read", data={"csrf_token": token, "open": "1"}, headers=HTML
    )
    assert opened.status_code == 302 and opened.headers["Location"] == "/ledger"
    page = client.get("/notifications", query_string={"show": "unread"}, headers=HTML).get_data(as_text=True)
    assert "页面测试" not in page
    # and another user's notification is a 404 page, and read-all empties the unread list
    with services.uow() as uow:
        rows, _ = uow.notifications.listing("dcs_li", unread_only=False, offset=0, limit=1)
    assert client.post(f"/notifications/{rows[0].id}/read", data={"csrf_token": token}, headers=HTML).status_code == 404
    assert client.post("/notifications/read-all", data={"csrf_token": token}, headers=HTML).status_code == 302
    assert 'data-count="notifications">0<' in client.get("/notifications", headers=HTML).get_data(as_text=True)


def test_only_same_site_links_are_kept(services) -> None:
    for n, link in enumerate(("javascript:alert(1)", "https://evil.example/", "//evil.example/x", "/tasks/abc")):
        _notify(services, ["changwu"], f"链接检查{n}", link=link)
    with services.uow() as uow:
        rows, _ = uow.notifications.listing("changwu", unread_only=True, offset=0, limit=4)
    assert [(n.title, n.link) for n in rows] == [
        ("链接检查3", "/tasks/abc"),
        ("链接检查2", None),
        ("链接检查1", None),
        ("链接检查0", None),
    ]
