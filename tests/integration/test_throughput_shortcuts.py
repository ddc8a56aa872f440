"""Feature: the shortcuts that make a completion cheap (issue 14, decision 0022) change nothing that is stored.

- The engine loads a state on the compiled spec instead of restoring the spec from JSON, and dumps without
  converting the spec: the state text stays byte for byte what SpiffWorkflow's own serializer gives with
  the spec removed (checkpoints hash that text; re-execution compares it).
- A command that appends several history events reads the chain's anchor once, then continues from what
  it moved it to.
- After the versioned save the loaded instance holds the saved values without being read back.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, text

from service.config import ROOT
from service.db.session import make_engine
from service.engine.parser import compile_definition
from service.engine.runtime import ProcessEngine
from service.engine.state_codec import SERIALIZER as _SERIALIZER
from service.process import history
from service.process.checkpoints import state_digest
from service.process.script_helpers import script_helpers
from tests.api_helpers import Actor
from tests.integration.test_supervised_item_flow import ITEM

HANDLE = {"progress": "已完成部分工作", "completion": "in_progress", "need_coordination": False}
RETURN = {"review_decision": "return", "return_reason": "材料不全，退回重办"}


def _serializer_text(workflow: Any) -> str:
    """What the serializer itself gives, spec keys removed, as the service stored states before."""
    dct = _SERIALIZER.to_dict(workflow)
    for key in ("spec", "subprocess_specs"):
        dct.pop(key)
    dct[_SERIALIZER.VERSION_KEY] = _SERIALIZER.VERSION
    return ProcessEngine._encode(dct)


def _serializer_load(compiled: Any, state: str) -> Any:
    """The workflow as the serializer itself restores it, the spec spliced in from its own JSON (as the
    service loaded states before)."""
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

    fresh = _SERIALIZER.to_dict(BpmnWorkflow(compiled.spec, compiled.subprocess_specs))
    dct = json.loads(state, cls=_SERIALIZER.json_decoder_cls)
    dct.pop(_SERIALIZER.VERSION_KEY)
    return _SERIALIZER.from_dict({**dct, "spec": fresh["spec"], "subprocess_specs": fresh["subprocess_specs"]})


def _ready(engine: ProcessEngine, workflow: Any, element: str) -> str:
    found = [t.id for t in engine.ready_user_tasks(workflow) if t.element_id == element]
    assert len(found) == 1, (element, [t.element_id for t in engine.ready_user_tasks(workflow)])
    return found[0]


def test_a_state_dumped_and_loaded_again_is_the_serializers_own_text_at_every_step() -> None:
    """Given a supervision item driven through 30 return rounds by the engine alone, when each step's
    workflow is dumped, then the text equals the serializer's own (spec removed), and loading that text
    and dumping it again gives the same text."""
    engine = ProcessEngine(script_helpers())
    bpmn = ROOT / "processes" / "supervision_item.bpmn"
    compiled = compile_definition({bpmn.name: bpmn.read_bytes()})

    def clock() -> datetime:
        return datetime(2026, 12, 7, 9, 0, tzinfo=UTC)

    data = {**ITEM, "lead_unit": "fgj", "co_units": []}
    workflow = engine.new_workflow(compiled, data)
    assert engine.advance(workflow, clock).error is None
    engine.complete(workflow, _ready(engine, workflow, "register"), data, clock)
    engine.complete(workflow, _ready(engine, workflow, "approve"), {"decision": "approve"}, clock)
    state = engine.dump(workflow, "k")
    for round_ in range(60):
        assert state == _serializer_text(workflow)
        workflow = engine.load(compiled, state, "k")
        reference = _serializer_text(_serializer_load(compiled, state))
        assert engine.dump(workflow, "k") == reference, f"load -> dump differs from the serializer's at {round_}"
        element, payload = ("handle", HANDLE) if round_ % 2 == 0 else ("review", RETURN)
        record = engine.complete(workflow, _ready(engine, workflow, element), payload, clock)
        assert record.error is None
        state = engine.dump(workflow, "k")
    assert workflow.spec is compiled.spec  # shared, as new_workflow shares it


def _at_handle(client: Any, tokens: dict[str, str]) -> tuple[Actor, int]:
    """A 督办事项 registered and approved, its 办理 ready for 县发改局: the unit's actor and the instance id."""
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    iid = office.start("supervision_item", {**ITEM, "lead_unit": "fgj", "co_units": []})["id"]
    office.do(iid, "register", {**ITEM, "lead_unit": "fgj", "co_units": []})
    leader.do(iid, "approve", {"decision": "approve"})
    return Actor(client, tokens["fgj_ll"]), iid


def test_a_completion_takes_the_anchor_from_the_locked_row_and_its_chain_verifies(client, tokens, services) -> None:
    """Given an item at 办理, when the unit completes it (a completion, engine steps and a checkpoint: three
    events), then the anchor was not read on its own (the locked row brought it), the events are numbered
    on from it, and the chain verifies against the anchor."""
    unit, iid = _at_handle(client, tokens)
    with services.uow() as uow:
        before = uow.instances.anchor(iid)[1]
    reads: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().startswith("SELECT process_instances.history_head"):
            reads.append(statement)

    event.listen(services.db, "before_cursor_execute", count)
    try:
        unit.do(iid, "handle", HANDLE)
    finally:
        event.remove(services.db, "before_cursor_execute", count)
    assert reads == []
    with services.uow() as uow:
        events = uow.history.for_instance(iid)
        head, count_after = uow.instances.anchor(iid)
        assert count_after >= before + 3 and [e.seq for e in events] == list(range(1, count_after + 1))
        assert head == events[-1].hash
        assert history.verify(uow, iid).ok


def test_a_completion_writes_its_events_by_one_insert_and_its_instance_row_by_one_update(
    client, tokens, services
) -> None:
    """Given an item at 办理, when the unit completes it, then its task_completed event goes in with the step's
    own events (one INSERT, before the save) and the anchor rides on the versioned save: the instance row is
    written once."""
    unit, iid = _at_handle(client, tokens)
    task_id = unit.task(iid, "handle")["id"]
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(" ".join(statement.split()).upper())

    event.listen(services.db, "before_cursor_execute", seen)
    try:
        unit.complete(task_id, HANDLE)
    finally:
        event.remove(services.db, "before_cursor_execute", seen)
    inserts = [n for n, s in enumerate(statements) if s.startswith("INSERT INTO HISTORY_EVENTS")]
    updates = [n for n, s in enumerate(statements) if s.startswith("UPDATE PROCESS_INSTANCES")]
    assert len(inserts) == 1 and len(updates) == 1 and inserts[0] < updates[0], statements
    assert "HISTORY_HEAD" in statements[updates[0]] and "VERSION" in statements[updates[0]]
    # and the tasks were read twice in each phase (the task, the instance's ready ones): the new 审核 task's
    # id was looked for among the instance's rows by the same read, not by a primary-key read of its own
    task_reads = [s for s in statements if s.startswith("SELECT") and "FROM HUMAN_TASKS" in s]
    assert len(task_reads) == 4, task_reads
    with services.uow() as uow:
        kinds = [e.kind for e in uow.history.for_instance(iid)]
        assert kinds[-3:] == ["task_completed", "engine_steps", "checkpoint"]
        assert history.verify(uow, iid).ok


def test_after_the_versioned_save_the_instance_holds_what_a_fresh_read_finds(services, tokens, client) -> None:
    """Given an item at 办理, when the unit completes it through the use case, then the instance object the
    command holds has the saved version, status, data and state — the same as a fresh read."""
    from service.access.principal import Principal
    from service.process import tasks

    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    iid = office.start("supervision_item", {**ITEM, "lead_unit": "fgj", "co_units": []})["id"]
    office.do(iid, "register", {**ITEM, "lead_unit": "fgj", "co_units": []})
    leader.do(iid, "approve", {"decision": "approve"})
    with services.uow() as uow:
        task_id = next(t.id for t in uow.tasks.ready_for_instance(iid) if t.element_id == "handle")
        principal = Principal.of(uow.users.by_username("fgj_ll"))
    with services.uow() as uow:
        _, instance = tasks.complete(uow, services.ctx, principal, task_id, HANDLE)
        held = (instance.version, instance.status, instance.data, state_digest(instance.state), instance.title)
    with services.uow() as uow:
        fresh = uow.instances.get(iid)
        assert held == (fresh.version, fresh.status, fresh.data, state_digest(fresh.state), fresh.title)


@pytest.mark.parametrize(("setting", "expected"), [("NORMAL", 1), ("FULL", 2)])
def test_sqlite_commits_are_synced_as_the_setting_says(tmp_path, setting: str, expected: int) -> None:
    """Given a SQLite database, when the service's engine connects with a synchronous setting, then the
    connection uses it (NORMAL = 1, FULL = 2), in WAL mode."""
    engine = make_engine(f"sqlite:///{tmp_path / 'sync.sqlite3'}", sqlite_synchronous=setting)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA synchronous")).scalar() == expected
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    finally:
        engine.dispose()


def test_an_unknown_synchronous_setting_is_refused(tmp_path) -> None:
    with pytest.raises(ValueError, match="synchronous"):
        make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}", sqlite_synchronous="OFF")


def test_sqlite_writers_of_one_process_take_turns_and_every_end_lets_the_next_in(tmp_path) -> None:
    """Given 8 threads of one process, when each writes 20 times (committing, or rolling back every
    fifth), then every commit is kept, none failed with "database is locked", and a write afterwards
    begins at once (no turn was left taken)."""
    import threading

    engine = make_engine(f"sqlite:///{tmp_path / 'gate.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE hits (n INTEGER)"))
    failures: list[BaseException] = []

    def writer() -> None:
        try:
            for i in range(20):
                with engine.connect() as conn:
                    conn.execute(text("INSERT INTO hits VALUES (1)"))
                    conn.rollback() if i % 5 == 4 else conn.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert failures == []
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM hits")).scalar() == 8 * 16
            conn.execute(text("INSERT INTO hits VALUES (2)"))  # would wait 30 s for a turn never given back
            conn.commit()
    finally:
        engine.dispose()


def test_a_completion_over_http_takes_the_write_lock_once(client, tokens, services) -> None:
    """Given an item at 办理, when the unit completes it with a bearer token, then of the transactions the
    request begins only one is a writer (the command's write phase): the token lookup and the command's
    read phase are readers, which on SQLite never queue for the write lock."""
    from service.db.session import _write_intent

    unit, iid = _at_handle(client, tokens)
    task_id = unit.task(iid, "handle")["id"]
    begun: list[bool] = []

    def note(conn: Any) -> None:
        begun.append(_write_intent.get())

    event.listen(services.db, "begin", note)
    try:
        unit.complete(task_id, HANDLE)
    finally:
        event.remove(services.db, "begin", note)
    assert begun.count(True) == 1 and len(begun) >= 3, begun
