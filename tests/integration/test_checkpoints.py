"""Feature: every engine step leaves a checkpoint in the history — the data it set, the tasks ready and the
timers waiting after it — from which the data at any step is rebuilt exactly as it was stored."""

from __future__ import annotations

from service.process.checkpoints import data_after_each, state_digest
from tests.api_helpers import Actor
from tests.integration.test_supervised_item_flow import ITEM


def test_the_data_rebuilt_from_checkpoints_is_the_stored_data_after_every_step(client, tokens, services):
    """Given an item registered, sent back, registered again and approved, when its history is read, then
    after each step the data rebuilt from the checkpoints equals what the instance held then, the last
    checkpoint names the tasks ready and the reminder timers waiting, and the saved state's digest."""
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    iid = office.start("supervision_item", ITEM)["id"]
    seen = []
    for actor, element, data in (
        (office, "register", ITEM),
        (leader, "approve", {"decision": "send_back", "opinion": "请明确验收标准"}),
        (office, "register", {**ITEM, "requirements": "按住建部验收标准"}),
        (leader, "approve", {"decision": "approve"}),
    ):
        actor.do(iid, element, data)
        seen.append(office.instance(iid)["data"])

    with services.uow() as uow:
        events = uow.history.for_instance(iid)
        rebuilt = [data for _, data in data_after_each(events)]
        assert rebuilt[-len(seen) :] == seen  # one checkpoint per completion, each equal to the data then
        instance = uow.instances.get(iid)
        last = events[-1]
        assert last.kind == "checkpoint" and last.payload["state_sha256"] == state_digest(instance.state)
        assert last.payload["status"] == "running"
        assert set(last.payload["ready"]) == {t.element_id for t in uow.tasks.ready_for_instance(iid)} == {"handle"}
        assert last.payload["waiting"], "the reminder timers of the handling units wait"
