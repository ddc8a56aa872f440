"""Feature: the 台账's 进展 names each ready unit task's unit, and the step writing the row reads the names
inside that row's own INSERT or UPDATE; the command's locked read brings the row, so a step that moves an
item reads neither the units table nor the ledger row by a statement of its own."""

from __future__ import annotations

from sqlalchemy import event, select

from service.db.queries.organisation import UnitRepository
from tests.api_helpers import Actor
from tests.conftest import own_database

services, app, tokens = own_database()

ITEM = {
    "title": "进展写入时取单位名称",
    "content": "测试",
    "source_type": "文件",
    "source_ref": "县政办发〔2026〕11号",
    "lead_unit": "xiayang",
    "co_units": ["czj"],
    "time_limit_days": 10,
}


def _evaluated(services, pieces, limit=1000):  # type: ignore[no-untyped-def]
    with services.db.connect() as connection:
        return connection.scalar(select(UnitRepository.spelled(pieces, limit)))


def test_the_text_takes_each_units_name_and_the_code_of_an_unknown_one(services):
    # Given pieces naming a unit, no unit, and a code no unit has
    pieces = [("办理并报告（", "xiayang"), ("）", None), ("；审核", None), ("；办理（", "nosuch"), ("）", None)]
    # Then the database spells them out
    assert _evaluated(services, pieces) == "办理并报告（霞阳镇人民政府）；审核；办理（nosuch）"
    # and a long text is cut at the limit, in characters
    assert _evaluated(services, [("长" * 998, "czj")]) == "长" * 998 + "县财"
    assert (
        _evaluated(services, [("'); DROP TABLE units; --", "x' OR '1'='1")]) == "'); DROP TABLE units; --x' OR '1'='1"
    )


def test_a_step_readying_unit_tasks_reads_neither_units_nor_the_ledger_row_apart(client, tokens, services):
    # Given an item registered, with every statement of its approval recorded
    office = Actor(client, tokens["dcs_li"])
    iid = int(office.start("supervision_item", ITEM)["id"])
    office.do(iid, "register", ITEM)
    leader = Actor(client, tokens["changwu"])
    approval = leader.task(iid, "approve")["id"]
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split()).upper())

    event.listen(services.db, "before_cursor_execute", seen)
    try:
        # When the leader approves it, so that both units' 办理并报告 become ready
        leader.complete(approval, {"decision": "approve"})
    finally:
        event.remove(services.db, "before_cursor_execute", seen)
    # Then the ledger row shows both units by name
    rows = office.get("/ledger", query_string={"q": ITEM["title"]}).get_json()["items"]
    assert [r["instance_id"] for r in rows] == [iid]
    assert set(rows[0]["progress"].split("；")) == {"办理并报告（霞阳镇人民政府）", "办理并报告（县财政局）"}
    # and the command read the units table only inside the ledger row's UPDATE, the row itself with the lock
    units_reads = [s for s in statements if "FROM UNITS" in s and not s.startswith("UPDATE LEDGER_ITEMS")]
    assert not [s for s in units_reads if s.startswith("SELECT UNITS.CODE")], units_reads
    ledger_reads = [s for s in statements if s.startswith("SELECT") and "FROM LEDGER_ITEMS" in s]
    assert ledger_reads == [], ledger_reads
    assert any(s.startswith("UPDATE LEDGER_ITEMS") and "FROM UNITS" in s for s in statements)


def test_a_unit_renamed_shows_its_new_name_at_the_next_step(client, tokens, services):
    # Given a registered item, and one of its units renamed before the item is approved
    office = Actor(client, tokens["dcs_li"])
    data = {**ITEM, "title": "单位更名后的进展"}
    iid = int(office.start("supervision_item", data)["id"])
    office.do(iid, "register", data)
    with services.uow() as uow:
        uow.begin_write()
        unit = uow.units.by_code("czj")
        old, unit.name = unit.name, "县财政局（更名）"
        uow.commit()
    try:
        # When the approval readies that unit's 办理并报告
        Actor(client, tokens["changwu"]).do(iid, "approve", {"decision": "approve"})
        rows = office.get("/ledger", query_string={"q": "单位更名后的进展"}).get_json()["items"]
        # Then its 进展 reads the name as it now is
        assert set(rows[0]["progress"].split("；")) == {
            "办理并报告（霞阳镇人民政府）",
            "办理并报告（县财政局（更名））",
        }
    finally:
        with services.uow() as uow:
            uow.begin_write()
            uow.units.by_code("czj").name = old
            uow.commit()
