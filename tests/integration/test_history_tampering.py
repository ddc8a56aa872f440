"""Feature: history you can prove (issue 13 points 3 and 6). An attacker with database access changes,
deletes, reorders or re-hashes history events straight in the tables; verify names the first bad or
missing event, the anchored head catches deleted newest events, and the day's digest catches what the
anchor cannot (the attacker rewrote the anchor too). An export verifies offline and shows any change."""

from __future__ import annotations

import argparse
import io
import json
import zipfile
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from service import cli_history, workdays
from service.db.models import HistoryEvent, ProcessInstance
from service.history_integrity import export
from service.process import digests, history
from tests.access_helpers import sign_in
from tests.api_helpers import Actor
from tests.conftest import START, own_database

services, app, tokens = own_database()

ITEM = {
    "title": "核查历史完整性",
    "content": "为审计准备一个有若干事件的事项",
    "source_type": "常务会议",
    "source_ref": "县政府第9次常务会议",
    "lead_unit": "zjj",
    "co_units": [],
    "time_limit_days": 15,
    "requirements": "按时报送",
}


def _item(services, client, tokens, clock) -> int:  # type: ignore[no-untyped-def]
    """An item with a few events, on a day after the newest digest (digests go in day order)."""
    with services.uow() as uow:
        latest = uow.digests.latest()
    day = (latest.day + timedelta(days=1)) if latest else START.astimezone(workdays.SHANGHAI).date()
    clock.now = datetime.combine(day, time(9), tzinfo=workdays.SHANGHAI)
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    iid = office.start("supervision_item", ITEM)["id"]
    office.do(iid, "register", ITEM)
    leader.do(iid, "approve", {"decision": "send_back", "opinion": "请补充"})
    office.do(iid, "register", ITEM)
    leader.do(iid, "approve", {"decision": "approve"})
    return iid


def _digest_today(services, clock) -> None:  # type: ignore[no-untyped-def]
    """The digest of the day the item was made in, made the next morning."""
    day = clock.now.astimezone(workdays.SHANGHAI).date()
    clock.advance(days=1)
    with services.uow() as uow:
        digests.create(uow, services.ctx, "test", day)


def _verify(client, tokens, iid: int) -> dict:  # type: ignore[no-untyped-def]
    response = Actor(client, tokens["shenji"]).get(f"/process-instances/{iid}/history/verify")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _events(services, iid: int) -> list[HistoryEvent]:  # type: ignore[no-untyped-def]
    with services.uow() as uow:
        rows = list(uow.history.for_instance(iid))
        uow.session.expunge_all()
        return rows


def _sql(services, *statements) -> None:  # type: ignore[no-untyped-def]
    with services.db.begin() as conn:
        for stmt in statements:
            conn.execute(stmt)


def _events_of(iid: int):  # type: ignore[no-untyped-def]
    return HistoryEvent.__table__.c.instance_id == iid


def test_an_untouched_history_verifies_with_its_anchor_and_digest_and_a_proof_reaches_the_root(
    services, client, tokens, clock
):
    iid = _item(services, client, tokens, clock)
    events = _events(services, iid)
    assert len(events) >= 5
    with services.uow() as uow:
        assert uow.instances.anchor(iid) == (events[-1].hash, events[-1].seq)
    _digest_today(services, clock)
    result = _verify(client, tokens, iid)
    assert result["ok"] and result["problem"] is None and result["digests_checked"] == 1
    assert "历史完整" in result["message"]

    auditor = Actor(client, tokens["shenji"])
    proof = auditor.get(f"/process-instances/{iid}/history/proof").get_json()
    assert proof["head"] == events[-1].hash and proof["count"] == len(events)
    assert digests.root_from_path(proof["leaf"], proof["path"]) == proof["root"]
    listed = auditor.get("/history/digests").get_json()
    assert listed[-1]["root"] == proof["root"] and digests.check_digest_chain(listed) is None
    # a unit's liaison reads neither digests nor proofs
    assert Actor(client, tokens["zjj_ll"]).get("/history/digests").status_code == 403


def test_a_changed_payload_is_named(services, client, tokens, clock):
    iid = _item(services, client, tokens, clock)
    table = HistoryEvent.__table__
    _sql(services, update(table).where(_events_of(iid), table.c.seq == 2).values(payload={"forged": True}))
    result = _verify(client, tokens, iid)
    assert (result["ok"], result["problem"], result["first_bad_seq"]) == (False, "changed_payload", 2)
    assert "第 2 号事件的内容" in result["message"]


def test_a_deleted_middle_event_is_named(services, client, tokens, clock):
    iid = _item(services, client, tokens, clock)
    table = HistoryEvent.__table__
    _sql(services, delete(table).where(_events_of(iid), table.c.seq == 3))
    result = _verify(client, tokens, iid)
    assert (result["ok"], result["problem"], result["first_bad_seq"]) == (False, "missing_event", 3)
    assert "第 3 号事件缺失" in result["message"]


def test_deleted_newest_events_are_caught_by_the_anchored_head(services, client, tokens, clock):
    iid = _item(services, client, tokens, clock)
    n = len(_events(services, iid))
    table = HistoryEvent.__table__
    _sql(services, delete(table).where(_events_of(iid), table.c.seq >= n - 1))
    result = _verify(client, tokens, iid)
    assert (result["ok"], result["problem"], result["first_bad_seq"]) == (False, "missing_newest", n - 1)
    assert f"应有 {n} 个事件" in result["message"]


def test_deleted_newest_events_with_the_anchor_rewritten_are_caught_by_the_digest(services, client, tokens, clock):
    iid = _item(services, client, tokens, clock)
    events = _events(services, iid)
    n = len(events)
    _digest_today(services, clock)
    table, instances = HistoryEvent.__table__, ProcessInstance.__table__
    _sql(
        services,
        delete(table).where(_events_of(iid), table.c.seq >= n - 1),
        update(instances).where(instances.c.id == iid).values(history_head=events[n - 3].hash, history_count=n - 2),
    )
    with services.uow() as uow:  # the chain and the anchor alone now agree: only the digest tells
        alone = history.check_chain(iid, uow.history.for_instance(iid), uow.instances.anchor(iid))
    assert alone.ok
    result = _verify(client, tokens, iid)
    assert (result["ok"], result["problem"], result["first_bad_seq"]) == (False, "missing_newest", n - 1)


def test_a_reordered_pair_is_named(services, client, tokens, clock):
    iid = _item(services, client, tokens, clock)
    table = HistoryEvent.__table__
    _sql(
        services,
        update(table).where(_events_of(iid), table.c.seq == 2).values(seq=-2),
        update(table).where(_events_of(iid), table.c.seq == 3).values(seq=2),
        update(table).where(_events_of(iid), table.c.seq == -2).values(seq=3),
    )
    result = _verify(client, tokens, iid)
    assert (result["ok"], result["problem"], result["first_bad_seq"]) == (False, "reordered", 2)


def _forge(services, iid: int, seq: int) -> None:  # type: ignore[no-untyped-def]
    """Change event `seq` and recompute every hash from it onward, then rewrite the anchor."""
    table, instances = HistoryEvent.__table__, ProcessInstance.__table__
    events = _events(services, iid)
    prev = events[seq - 2].hash if seq > 1 else history.GENESIS
    statements = []
    for ev in events[seq - 1 :]:
        payload = {"forged": True} if ev.seq == seq else ev.payload
        new = history.event_hash(iid, ev.seq, ev.kind, ev.actor, ev.at, payload, prev)
        statements.append(update(table).where(table.c.id == ev.id).values(payload=payload, prev_hash=prev, hash=new))
        prev = new
    statements.append(update(instances).where(instances.c.id == iid).values(history_head=prev))
    _sql(services, *statements)


def test_a_forged_hash_chain_with_the_anchor_rewritten_is_caught_by_the_digest(services, client, tokens, clock):
    iid = _item(services, client, tokens, clock)
    _digest_today(services, clock)
    _forge(services, iid, 2)
    with services.uow() as uow:
        assert history.check_chain(iid, uow.history.for_instance(iid), uow.instances.anchor(iid)).ok
    result = _verify(client, tokens, iid)
    assert (result["ok"], result["problem"]) == (False, "forged_hash")
    assert result["first_bad_seq"] == 1  # the digest proves the whole chain up to its day; nothing of it holds


def test_a_rehashed_event_that_breaks_the_next_link_is_named_forged(services, client, tokens, clock):
    iid = _item(services, client, tokens, clock)
    ev = _events(services, iid)[1]
    table = HistoryEvent.__table__
    forged = history.event_hash(iid, ev.seq, ev.kind, ev.actor, ev.at, {"forged": True}, ev.prev_hash)
    _sql(services, update(table).where(table.c.id == ev.id).values(payload={"forged": True}, hash=forged))
    result = _verify(client, tokens, iid)
    assert (result["ok"], result["problem"], result["first_bad_seq"]) == (False, "forged_hash", 2)


def test_digests_are_append_only_in_the_database(services, client, tokens, clock):
    _item(services, client, tokens, clock)
    _digest_today(services, clock)
    for sql in (
        "UPDATE history_digests SET root = 'x'",
        "DELETE FROM history_digests",
        "UPDATE history_digest_leaves SET head = 'x'",
        "DELETE FROM history_digest_leaves",
    ):
        with pytest.raises(DBAPIError):
            _sql(services, text(sql))
    with services.uow() as uow:
        assert all(d.root != "x" for d in uow.digests.all())


def test_the_background_pass_makes_yesterdays_digest_once(services, client, tokens, clock):
    _item(services, client, tokens, clock)
    clock.advance(days=1)
    yesterday = clock.now.astimezone(workdays.SHANGHAI).date() - timedelta(days=1)
    assert digests.create_daily(services.uow, services.ctx) == yesterday
    assert digests.create_daily(services.uow, services.ctx) is None
    with services.uow() as uow:
        assert uow.digests.latest().day == yesterday
    with services.db.connect() as conn:  # in the audit log, by the system
        actors = (
            conn.execute(
                text("SELECT actor FROM audit_log WHERE action = 'history_digest_created' AND target = :d"),
                {"d": yesterday.isoformat()},
            )
            .scalars()
            .all()
        )
    assert actors == ["system"]


def _args(**kw):  # type: ignore[no-untyped-def]
    return argparse.Namespace(**kw)


def test_an_export_verifies_offline_and_shows_a_change(services, client, tokens, clock, tmp_path, capsys):
    iid = _item(services, client, tokens, clock)
    _digest_today(services, clock)
    response = Actor(client, tokens["shenji"]).get(f"/process-instances/{iid}/export")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert Actor(client, tokens["zjj_ll"]).get(f"/process-instances/{iid}/export").status_code in (403, 404)
    package = tmp_path / "one.zip"
    package.write_bytes(response.data)
    with zipfile.ZipFile(package) as zf:
        names = set(zf.namelist())
        document = json.loads(zf.read("instance.json"))
        page = zf.read("index.html").decode()
    assert {"instance.json", "index.html", document["definition"]["bpmn_file"]} <= names
    assert document["proofs"] and document["instance"]["history_count"] == len(document["events"])
    assert "时间线" in page and "发起" in page and "http" not in page.split("</style>")[0]

    digest_copy = tmp_path / "digests.json"
    assert cli_history.run_digests(services, _args(export=str(digest_copy))) == 0
    assert cli_history.run_verify_export(_args(file=str(package), digests=str(digest_copy))) == 0
    assert capsys.readouterr().out.strip().endswith(export.CONSISTENT)

    # someone edits the package: the changed event is named
    document["events"][1]["payload"] = {"forged": True}
    changed = tmp_path / "changed.zip"
    with zipfile.ZipFile(package) as src, zipfile.ZipFile(changed, "w") as dst:
        for name in names:
            body = json.dumps(document).encode() if name == "instance.json" else src.read(name)
            dst.writestr(name, body)
    assert cli_history.run_verify_export(_args(file=str(changed), digests=None)) == 1
    assert "第 2 号事件" in capsys.readouterr().out


def test_a_period_export_and_the_command_line_verify(services, client, tokens, clock, tmp_path, capsys):
    iid = _item(services, client, tokens, clock)
    day = clock.now.astimezone(workdays.SHANGHAI).date()
    out = tmp_path / "period.zip"
    assert cli_history.run_export(services, _args(instance_id=None, since=day, until=day, output=str(out))) == 0
    with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as zf:
        assert f"{iid}/instance.json" in zf.namelist() and "index.html" in zf.namelist()
    assert export.verify_package(out) == export.CONSISTENT
    assert cli_history.run_verify(services, _args(all=False, instance_id=iid, quiet=False)) == 0
    assert "一致" in capsys.readouterr().out
    # earlier tests in this module tampered with chains: --all finds them and fails
    assert cli_history.run_verify(services, _args(all=True, instance_id=None, quiet=True)) == 1
    assert "不一致" in capsys.readouterr().out


def test_a_new_event_after_deleted_newest_events_leaves_a_gap(services, client, tokens, clock):
    iid = _item(services, client, tokens, clock)
    n = len(_events(services, iid))
    table = HistoryEvent.__table__
    _sql(services, delete(table).where(_events_of(iid), table.c.seq == n))
    with services.uow() as uow:
        uow.begin_write()
        history.append(uow, iid, "test_event", "test", clock.now, {})
        uow.commit()
    with services.uow() as uow:
        assert [e.seq for e in uow.history.for_instance(iid)][-1] == n + 1
        assert uow.session.scalar(select(ProcessInstance.history_count).where(ProcessInstance.id == iid)) == n + 1
    result = _verify(client, tokens, iid)
    assert (result["problem"], result["first_bad_seq"]) == ("missing_event", n)


def test_the_item_page_and_the_integrity_page_show_the_result_in_words(services, app, client, tokens, clock):
    iid = _item(services, client, tokens, clock)
    sign_in(client, "shenji")
    page = client.get(f"/items/{iid}").get_data(as_text=True)
    assert 'id="integrity-card"' in page and 'data-ok="true"' in page and "历史完整" in page
    table = HistoryEvent.__table__
    _sql(services, update(table).where(_events_of(iid), table.c.seq == 2).values(payload={"forged": True}))
    detail = client.get(f"/items/{iid}/integrity")
    assert detail.status_code == 200
    text_ = detail.get_data(as_text=True)
    assert 'data-ok="false"' in text_ and 'data-problem="changed_payload"' in text_ and "第 2 号事件的内容" in text_
    # a unit's liaison sees no such section
    other = app.test_client()
    sign_in(other, "zjj_ll")
    page = other.get(f"/items/{iid}")
    assert page.status_code == 200 and 'id="integrity-card"' not in page.get_data(as_text=True)
    assert other.get(f"/items/{iid}/integrity").status_code == 404
