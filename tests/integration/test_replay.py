"""Feature (issue 13 point 1): an auditor replays an instance step by step — the state after each step, what
the step changed in the forms' own words, page by page — and only whoever may read the instance can."""

from __future__ import annotations

import pytest

from service.process import checkpoints, replay
from tests.api_helpers import Actor
from tests.integration.test_supervised_item_flow import ITEM


def _sent_back_and_approved(client, tokens) -> int:
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    iid = office.start("supervision_item", ITEM)["id"]
    office.do(iid, "register", ITEM)
    leader.do(iid, "approve", {"decision": "send_back", "opinion": "请明确验收标准"})
    office.do(iid, "register", {**ITEM, "requirements": "按住建部验收标准"})
    leader.do(iid, "approve", {"decision": "approve"})
    return iid


def _all_steps(actor: Actor, iid: int, limit: int = 200) -> list[dict]:
    steps, offset = [], 0
    while True:
        page = actor.get(f"/process-instances/{iid}/replay", query_string={"offset": offset, "limit": limit})
        assert page.status_code == 200, page.get_json()
        body = page.get_json()
        steps += body["steps"]
        offset += limit
        if offset >= body["total"]:
            assert len(steps) == body["total"]
            return steps


def _data(step: dict) -> dict:
    return {e["key"]: e["value"] for e in step["state"]["data"]}


def test_every_step_shows_the_state_after_it_and_what_it_changed_in_labels(client, tokens, services):
    """Given an item registered, sent back, registered again with new requirements and approved, when an
    auditor replays it, then there is one step per history event but the checkpoints, the data after each
    command is what the instance held, the diagram marks follow, and the change reads in the form's labels."""
    iid = _sent_back_and_approved(client, tokens)
    auditor = Actor(client, tokens["shenji"])
    steps = _all_steps(auditor, iid)

    with services.uow() as uow:
        events = uow.history.for_instance(iid)
        after = dict(checkpoints.data_after_each(events))
    visible = [e for e in events if e.kind != checkpoints.KIND]
    assert [s["seq"] for s in steps] == [e.seq for e in visible]
    assert steps[0]["kind"] == "instance_started" and steps[0]["kind_word"] == "发起"
    assert all(s["state"]["data_complete"] for s in steps)
    # the data after a step is the data its command's checkpoint left
    for step in steps:
        cp = min(seq for seq in after if seq > step["seq"])
        assert _data(step) == after[cp]

    completions = [s for s in steps if s["kind"] == "task_completed"]
    assert completions[0]["actor"] == "李督查（督查室）"  # the display name, not the username
    send_back, second_register, approved = completions[1], completions[2], completions[3]
    assert send_back["state"]["active"] == ["register"]
    assert "approve" in send_back["state"]["finished"] and send_back["state"]["taken"]
    changed = {c["key"]: c for c in second_register["changes"]["changed"]}
    assert changed["requirements"]["label"] == "工作要求"  # as the 登记 form names it
    assert changed["requirements"]["before"] == "每周报送进度"
    assert changed["requirements"]["value"] == "按住建部验收标准"
    assert approved["state"]["active"] == ["handle"] and approved["state"]["waiting"]
    assert {"register", "approve"} <= set(approved["state"]["finished"])
    assert approved["at"].endswith("+00:00")
    # the engine's steps of the same command show the same state and no second diff
    same_command = [s for s in steps if s["seq"] > approved["seq"] and s["kind"] == "engine_steps"][:1]
    for s in same_command:
        assert s["changes"] is None and s["state"]["data"] == approved["state"]["data"]


def test_pages_of_steps_are_the_same_steps_whichever_way_they_are_read(client, tokens):
    """Given an item with several commands, when its replay is read in pages of 3 — forwards, then a middle
    page on its own with nothing remembered — then the steps are exactly those of one big page."""
    iid = _sent_back_and_approved(client, tokens)
    office = Actor(client, tokens["dcs_li"])
    replay.forget()
    whole = _all_steps(office, iid, limit=200)
    replay.forget()
    assert _all_steps(office, iid, limit=3) == whole
    replay.forget()
    middle = office.get(f"/process-instances/{iid}/replay", query_string={"offset": 4, "limit": 3}).get_json()
    assert middle["steps"] == whole[4:7] and middle["total"] == len(whole)
    beyond = office.get(f"/process-instances/{iid}/replay", query_string={"offset": 10_000}).get_json()
    assert beyond["steps"] == [] and beyond["total"] == len(whole)


def test_only_readers_replay_and_pages_are_bounded(client, tokens):
    """Given an item of 住建局 and 财政局, when a unit with no part in it asks for its replay, then 404 (its
    existence is not revealed), as for the instance itself; without a token 401; a page over 200 steps 422."""
    iid = _sent_back_and_approved(client, tokens)
    stranger = Actor(client, tokens["fgj_ll"])
    assert stranger.get(f"/process-instances/{iid}").status_code == 404
    assert stranger.get(f"/process-instances/{iid}/replay").status_code == 404
    assert client.get(f"/api/v1/process-instances/{iid}/replay").status_code == 401
    auditor = Actor(client, tokens["shenji"])
    assert auditor.get(f"/process-instances/{iid}/replay", query_string={"limit": 201}).status_code == 422
    assert auditor.get(f"/process-instances/{iid}/replay", query_string={"offset": -1}).status_code == 422
    assert auditor.get("/process-instances/999999/replay").status_code == 404


def test_an_instance_from_before_checkpoints_replays_with_partial_data(client, tokens, monkeypatch):
    """Given an item whose first commands left no checkpoint (it was started before they existed), when it
    is replayed, then every event is a step, the data is what the events carried (the start data, each
    completion's submitted data) marked incomplete, and the diagram still marks the finished steps."""
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    with monkeypatch.context() as m:
        m.setattr(checkpoints, "record", lambda *a, **k: None)
        iid = office.start("supervision_item", ITEM)["id"]
        office.do(iid, "register", ITEM)
    leader.do(iid, "approve", {"decision": "approve"})  # after the upgrade: a checkpoint again
    steps = _all_steps(office, iid)
    body = office.get(f"/process-instances/{iid}/replay").get_json()
    assert body["partial"] is True
    assert all(not s["state"]["data_complete"] for s in steps)
    register = next(s for s in steps if s["kind"] == "task_completed")
    assert _data(register)["title"] == ITEM["title"] and "register" in register["state"]["finished"]
    last = steps[-1]
    assert last["state"]["active"] == ["handle"]


@pytest.mark.parametrize("who", ["dcs_li", "shenji"])
def test_office_and_auditors_see_the_data_panel(client, tokens, who):
    iid = _sent_back_and_approved(client, tokens)
    steps = _all_steps(Actor(client, tokens[who]), iid)
    assert all(s["state"]["data"] is not None for s in steps)


def test_the_replay_page_and_its_link_from_the_item_page(app, client, tokens):
    """Given an item, when an auditor opens its page, then it links to its replay; the replay page carries
    the diagram and the number of steps for replay.js, and a unit with no part in it gets 404."""
    from tests.access_helpers import HTML, sign_in

    iid = _sent_back_and_approved(client, tokens)
    browser = app.test_client()
    sign_in(browser, "shenji")
    item = browser.get(f"/items/{iid}", headers=HTML).get_data(as_text=True)
    assert f'href="/items/{iid}/replay"' in item
    page = browser.get(f"/items/{iid}/replay", headers=HTML)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="replay-slider"' in html and "replay.js" in html and "重新执行核对" in html
    assert '"total": ' in html and "<script>" not in html
    stranger = app.test_client()
    sign_in(stranger, "fgj_ll")
    assert stranger.get(f"/items/{iid}/replay", headers=HTML).status_code == 404


def test_a_units_staff_replay_without_the_other_units_parts(client, tokens):
    """Given an item of 住建局 (lead) and 财政局 (co-handling) where 住建局 reported, when 财政局's staff replay
    it, then 住建局's report is a hidden step and the data panel (every unit's reports) is withheld."""
    from tests.integration.test_supervised_item_flow import REPORT

    iid = _sent_back_and_approved(client, tokens)
    Actor(client, tokens["zjj_ll"]).do(iid, "handle", REPORT)
    steps = _all_steps(Actor(client, tokens["czj_ll"]), iid)
    reports = [s for s in steps if s["kind"] == "task_completed" and s["hidden"]]
    assert reports and all(s["fields"] == [] and s["changes"] is None for s in reports)
    assert all(s["state"]["data"] is None for s in steps)
    assert any(s["kind"] == "task_completed" and not s["hidden"] for s in steps)  # the shared steps stay
