"""Feature (issue 13 point 1): the replay of an item returned 300 times and of a campaign with 1,200
rectification items — every step there, page by page, the data after each as stored, big lists cut for
transport. Correctness only (no timing: bench/ measures). Marked `slow`, on a database of its own like
tests/integration/test_long_histories.py."""

from __future__ import annotations

from typing import Any

import pytest

from service.campaigns import rectification
from service.process import checkpoints, replay
from tests.api_helpers import Actor, confirm
from tests.campaign_helpers import campaign_in_rectification, item_returned
from tests.conftest import own_database

services, app, tokens = own_database()


def _pages(actor: Actor, iid: int, limit: int = 200) -> tuple[list[dict[str, Any]], int]:
    steps: list[dict[str, Any]] = []
    offset, total = 0, None
    while total is None or offset < total:
        body = actor.get(f"/process-instances/{iid}/replay", query_string={"offset": offset, "limit": limit})
        assert body.status_code == 200, body.get_json()
        page = body.get_json()
        total = page["total"]
        steps += page["steps"]
        offset += limit
    return steps, total


def _matches(step: dict[str, Any], data: dict[str, Any]) -> None:
    shown = {e["key"]: e for e in step["state"]["data"]}
    assert set(shown) == set(data)
    for key, value in data.items():
        if isinstance(value, list):
            assert shown[key]["count"] == len(value) and shown[key]["value"] == value[: replay.LIST_ENTRIES]
        else:
            assert shown[key]["value"] == value


@pytest.mark.slow
def test_an_item_returned_300_times_replays_every_round(client, tokens, services):
    iid = item_returned(client, tokens, 300)
    auditor = Actor(client, tokens["shenji"])
    replay.forget()
    steps, total = _pages(auditor, iid)

    with services.uow() as uow:
        events = uow.history.for_instance(iid)
        instance = uow.instances.get(iid)
        data_now = dict(instance.data)
        after = dict(checkpoints.data_after_each(events))
        by_seq = {e.seq: e for e in events}
    assert total == len(steps) == len([e for e in events if e.kind != checkpoints.KIND])
    _matches(steps[-1], data_now)
    returns = [s for s in steps if s["kind"] == "task_completed" and s["return_reason"]]
    assert [s["return_reason"] for s in returns] == [f"退回{n + 1}" for n in range(300)]
    for s in returns[::37]:  # after each return the unit's 办理 is active again, and the data is as stored
        assert s["state"]["active"] == ["handle"]
        cp = min(seq for seq in after if seq > s["seq"])
        _matches(s, after[cp])
        written = by_seq[cp].payload  # the diff is what the command's checkpoint recorded
        assert {c["key"] for c in s["changes"]["changed"] + s["changes"]["added"]} == set(written["set"])
        assert {c["key"] for c in s["changes"]["removed"]} == set(written["removed"])
    # a page in the middle read on its own, with nothing remembered, is the same page
    replay.forget()
    middle = auditor.get(f"/process-instances/{iid}/replay", query_string={"offset": 900, "limit": 200}).get_json()
    assert middle["steps"] == steps[900:1100]


@pytest.mark.slow
def test_a_campaign_with_1200_rectification_items_replays_with_its_lists_cut(client, tokens, services):
    office = Actor(client, tokens["dcs_li"])
    iid = campaign_in_rectification(client, tokens, 1200)
    rectification.spawn_pending(services.uow, services.ctx, iid, most=5000)

    auditor = Actor(client, tokens["shenji"])
    steps, total = _pages(auditor, iid, limit=50)
    with services.uow() as uow:
        data_now = dict(uow.instances.get(iid).data)
    _matches(steps[-1], data_now)

    # the lists of 1,200 rows (the problems found, the rectification results) travel cut, with their length
    big = sorted(k for k, v in data_now.items() if isinstance(v, list) and len(v) >= 1200)
    assert big
    last = {e["key"]: e for e in steps[-1]["state"]["data"]}
    for key in big:
        assert last[key]["count"] == len(data_now[key]) and len(last[key]["value"]) == replay.LIST_ENTRIES
        assert f"共 {len(data_now[key])} 项" in last[key]["words"]

    def diff_of(step: dict[str, Any]) -> list[dict[str, Any]]:
        return [] if not step["changes"] else step["changes"]["added"] + step["changes"]["changed"]

    assert any(e["key"] in big and e["count"] >= 1200 for s in steps for e in diff_of(s))
    assert "field_inspection" in steps[-1]["state"]["finished"]
    # and one of its rectification items replays on its own
    items = office.get(f"/process-instances/{iid}/rectification-items", query_string={"per_page": 1}).get_json()
    item_id = items["items"][0]["item_id"]
    worker = Actor(client, tokens[f"{items['items'][0]['lead_unit']}_ll"])
    worker.do(item_id, "handle", {"progress": "已整改", "completion": "done"})
    confirm(client, tokens, items["items"][0]["lead_unit"], item_id)
    item_steps, _ = _pages(auditor, item_id)
    assert item_steps[-1]["state"]["active"] == ["review"]
