"""Regression (issue 2): the engine alone fails both of these — see docs/decisions/0001-engine-limits.md.

Long histories: marked `slow` (CI runs them; `DUBAN_TEST_FAST=1 make test` leaves them out) and on a database of
the module's own, so the 1,200-item campaign and the 300-round item never slow another module's queries or timers.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from service.campaigns import rectification
from tests.api_helpers import Actor, confirm
from tests.campaign_helpers import campaign_in_rectification, item_returned, problems
from tests.conftest import own_database

services, app, tokens = own_database()


@pytest.mark.slow
def test_an_item_returned_300_times_still_works(client, tokens):
    office, leader, unit = (
        Actor(client, tokens["dcs_li"]),
        Actor(client, tokens["changwu"]),
        Actor(client, tokens["fgj_ll"]),
    )
    iid = item_returned(client, tokens, 300)
    handle = unit.task(iid, "handle")
    assert unit.get(f"/tasks/{handle['id']}").get_json()["data"]["round"] == 301
    unit.complete(handle["id"], {"progress": "终于完成", "completion": "done"})
    confirm(client, tokens, "fgj", iid)
    office.do(iid, "review", {"review_decision": "accept"})
    office.do(iid, "report_upward", {"summary": "完成"})
    leader.do(iid, "leader_read", {"conclusion": "concluded"})
    office.do(iid, "archive", {"retention": "30年"})
    final = office.instance(iid)
    assert final["status"] == "completed"
    assert final["data"]["unit_results"][0]["returns"] == 300
    assert office.get(f"/process-instances/{iid}/history/verify").get_json()["ok"]


@pytest.mark.slow
def test_a_campaign_with_1200_rectification_items_finds_every_ready_task(client, tokens, services):
    office = Actor(client, tokens["dcs_li"])
    iid = campaign_in_rectification(client, tokens, 1200)

    # The first items exist at once; the background pass makes the rest, in batches (issue 11, point 5)
    first = office.get(f"/process-instances/{iid}/rectification-items", query_string={"per_page": 500}).get_json()
    assert first["total"] == 1200 and any(r["item_id"] for r in first["items"])
    started = time.perf_counter()
    made = rectification.spawn_pending(services.uow, services.ctx, iid, most=5000)
    print(f"1,180 rectification items created in {time.perf_counter() - started:.1f} s")
    assert made == 1200 - len([r for r in first["items"] if r["item_id"]])
    listing = office.get(f"/process-instances/{iid}/rectification-items", query_string={"per_page": 500, "page": 3})
    assert all(r["item_id"] and r["status"] == "handling" for r in listing.get_json()["items"])
    per_unit = Actor(client, tokens["shuikou_ll"]).get("/tasks", query_string={"per_page": 1}).get_json()
    assert per_unit["total"] >= len([p for p in problems(1200) if p["unit"] == "shuikou"])
    # and the last of them can still be worked on, in its own small instance
    last = listing.get_json()["items"][-1]
    worker = Actor(client, tokens[f"{last['lead_unit']}_ll"])
    worker.do(last["item_id"], "handle", {"progress": "已整改", "completion": "done"})
    confirm(client, tokens, last["lead_unit"], last["item_id"])
    assert len(office.tasks(last["item_id"], "review")) == 1
    with services.db.connect() as conn:
        size = conn.execute(text("SELECT length(state) FROM process_instances WHERE id = :i"), {"i": iid}).scalar()
    print(f"campaign state with 1,200 live items: {size / 1e3:.0f} kB")
