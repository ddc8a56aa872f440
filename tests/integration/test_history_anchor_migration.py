"""Feature: migration 0026 anchors the chains that exist (head = newest event's hash, count = its seq),
and the digest tables go away again on a downgrade."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, update

from service.db.migrate import alembic_config, upgrade
from service.db.models import ProcessInstance
from service.process import history
from tests.api_helpers import Actor
from tests.conftest import own_database

services, app, tokens = own_database()

ITEM = {
    "title": "迁移前已有的事项",
    "content": "锚定已有的历史链",
    "source_type": "常务会议",
    "source_ref": "县政府第9次常务会议",
    "lead_unit": "zjj",
    "co_units": [],
    "time_limit_days": 15,
}


def test_the_migration_backfills_the_anchor_from_existing_chains(services, client, tokens):
    office = Actor(client, tokens["dcs_li"])
    iid = office.start("supervision_item", ITEM)["id"]
    office.do(iid, "register", ITEM)
    config = alembic_config(services.db)
    with services.db.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0025_migration_jobs")
    assert "history_digests" not in inspect(services.db).get_table_names()
    upgrade(services.db)
    with services.uow() as uow:
        events = uow.history.for_instance(iid)
        assert uow.instances.anchor(iid) == (events[-1].hash, events[-1].seq)
        assert history.verify(uow, iid).ok
    # an instance with no events at all is anchored at nothing
    with services.db.begin() as conn:
        conn.execute(update(ProcessInstance.__table__).values(history_head=None, history_count=0))
    with services.uow() as uow:  # an unanchored chain still verifies, and the next event continues it
        uow.begin_write()
        history.append(uow, iid, "test_event", "test", events[-1].at, {})
        uow.commit()
    with services.uow() as uow:
        assert uow.instances.anchor(iid)[1] == len(events) + 1 and history.verify(uow, iid).ok
