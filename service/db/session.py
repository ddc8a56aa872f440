"""Engine creation and the unit of work: one transaction per command."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import TracebackType
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError, InvalidatePoolError
from sqlalchemy.orm import Session, sessionmaker

from service.db.queries import process
from service.db.queries.access import AccessRepository, AuditRepository
from service.db.queries.accountability import AccountabilityRepository
from service.db.queries.archive import ArchiveRepository
from service.db.queries.attachment import AttachmentRepository
from service.db.queries.bulletin import BulletinRepository
from service.db.queries.cadre import CadreRepository
from service.db.queries.calendar import CalendarRepository
from service.db.queries.campaign import CampaignRepository
from service.db.queries.deadline import DeadlineRepository
from service.db.queries.definitions import DefinitionRepository
from service.db.queries.digest import DigestRepository
from service.db.queries.draft import DraftRepository
from service.db.queries.fact import FactRepository
from service.db.queries.history import HistoryRepository
from service.db.queries.inbox import InboxRepository
from service.db.queries.ledger import LedgerRepository
from service.db.queries.ledger_exports import LedgerExportRepository
from service.db.queries.migration import MigrationRepository
from service.db.queries.modeling import ModelingRepository
from service.db.queries.notification import NotificationRepository
from service.db.queries.organisation import UnitRepository, UserRepository
from service.db.queries.scoring import ScoringRepository
from service.db.queries.stall import StallRepository
from service.db.queries.tasks import TaskRepository
from service.db.write_gate import WriteGate

# Whether the next SQLite transaction begins IMMEDIATE (takes the write lock up front) or deferred (a
# reader: in WAL mode it never waits for the writer). Commands write; GET requests and the read phase
# of an engine command read (see `reading()` and `UnitOfWork.begin_write`).
_write_intent: ContextVar[bool] = ContextVar("duban_write_intent", default=True)


@contextmanager
def reading() -> Iterator[None]:
    """Transactions begun inside this block are readers (deferred on SQLite)."""
    token = _write_intent.set(False)
    try:
        yield
    finally:
        _write_intent.reset(token)


def prefer_reads(flag: bool) -> None:
    """For a whole request: a GET reads, so its transactions should not queue behind writers."""
    _write_intent.set(not flag)


SQLITE_SYNCHRONOUS = ("NORMAL", "FULL")
SQLITE_BUSY_SECONDS = 30
_GATE = "duban_write_gate"  # in a connection's info while its transaction holds the process's write gate


def make_engine(url: str, *, sqlite_synchronous: str = "NORMAL") -> Engine:
    if sqlite_synchronous not in SQLITE_SYNCHRONOUS:
        raise ValueError(f"sqlite synchronous must be one of {', '.join(SQLITE_SYNCHRONOUS)}: {sqlite_synchronous!r}")
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # WAL lets readers run beside the one writer. NORMAL (the default) fsyncs the WAL at its
            # checkpoints rather than in every commit, which the write lock is held for; FULL keeps
            # every commit durable against a power cut too (Settings.sqlite_synchronous).
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={sqlite_synchronous}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
            cur.close()

        # Writers queue for SQLite's one write lock at the gate (threads and processes, service/db/write_gate.py).
        database = engine.url.database
        gate = WriteGate(database if database and database != ":memory:" else None)

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # BEGIN IMMEDIATE takes the write lock up front, so two writers queue instead of failing
            # on lock upgrade; our optimistic version check then decides who wins. Readers begin
            # deferred and read their WAL snapshot without waiting.
            if not _write_intent.get():
                conn.exec_driver_sql("BEGIN")
                return
            conn.info[_GATE] = gate.acquire(SQLITE_BUSY_SECONDS)
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                _open_gate(conn)
                raise

        def _open_gate(conn: Any) -> None:
            if conn.info.pop(_GATE, False):
                gate.release()

        def _end(conn: Any, statement: str) -> None:
            # These events come before SQLAlchemy ends the transaction: end it here first, so the next
            # writer is let in only once the write lock is free (the driver's own commit or rollback
            # that follows finds no transaction open and does nothing).
            if conn.info.get(_GATE) is None:
                return  # a reader, or a connection that never began here
            try:
                if conn.connection.driver_connection.in_transaction:
                    conn.connection.driver_connection.execute(statement)
            finally:
                _open_gate(conn)

        event.listen(engine, "commit", lambda conn: _end(conn, "COMMIT"))
        event.listen(engine, "rollback", lambda conn: _end(conn, "ROLLBACK"))
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20)
    _ping_when_idle(engine)
    return engine


PING_IDLE_SECONDS = 5.0
_IDLE_SINCE = "duban_idle_since"


def _ping_when_idle(engine: Engine) -> None:
    """A pooled connection is pinged before use only when it sat idle for PING_IDLE_SECONDS: one that
    just came back is in use all the time under load, and a ping on every checkout (`pool_pre_ping`) cost a
    round trip per transaction — 10 of a completion-and-GET pair's 74 (docs/decisions/0027). A connection
    the server dropped while it sat idle (a restart, an idle timeout of PgBouncer or a firewall) is found by
    the ping and replaced, as with pool_pre_ping; one dropped within the last seconds fails its statement."""

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_conn: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, proxy: Any) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or time.monotonic() - since < PING_IDLE_SECONDS:
            return  # new, or back a moment ago
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            if engine.dialect.is_disconnect(exc, dbapi_conn, None):  # the server went away: so did the others
                raise InvalidatePoolError("connection dropped while idle") from exc  # as pool_pre_ping does
            raise DisconnectionError("connection unusable") from exc  # this one is replaced


def ping(engine: Engine) -> str:
    """A round trip to the database (for /health); returns the dialect's name."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return engine.dialect.name


class UnitOfWork:
    """`with uow:` opens a session; `uow.commit()` ends the transaction; leaving without commit rolls back."""

    session: Session
    definitions: DefinitionRepository
    instances: process.InstanceRepository
    tasks: TaskRepository
    history: HistoryRepository
    digests: DigestRepository
    users: UserRepository
    units: UnitRepository
    counters: process.CounterRepository
    drafts: DraftRepository
    inbox: InboxRepository
    facts: FactRepository
    attachments: AttachmentRepository
    archives: ArchiveRepository
    accountability: AccountabilityRepository
    ledger: LedgerRepository
    ledger_exports: LedgerExportRepository
    calendar: CalendarRepository
    deadlines: DeadlineRepository
    notifications: NotificationRepository
    bulletins: BulletinRepository
    campaigns: CampaignRepository
    scoring: ScoringRepository
    cadres: CadreRepository
    audit: AuditRepository
    access: AccessRepository
    modeling: ModelingRepository
    migrations: MigrationRepository
    stalls: StallRepository

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._factory = session_factory

    def __enter__(self) -> UnitOfWork:
        session = self.session = self._factory()
        # one repository per area, all over this one session (and so this one transaction)
        self.definitions = DefinitionRepository(session)
        self.instances = process.InstanceRepository(session)
        self.tasks = TaskRepository(session)
        self.history = HistoryRepository(session)
        self.digests = DigestRepository(session)
        self.users = UserRepository(session)
        self.units = UnitRepository(session)
        self.counters = process.CounterRepository(session)
        self.drafts = DraftRepository(session)
        self.inbox = InboxRepository(session)
        self.facts = FactRepository(session)
        self.attachments = AttachmentRepository(session)
        self.archives = ArchiveRepository(session)
        self.accountability = AccountabilityRepository(session)
        self.ledger = LedgerRepository(session)
        self.ledger_exports = LedgerExportRepository(session)
        self.calendar = CalendarRepository(session)
        self.deadlines = DeadlineRepository(session)
        self.notifications = NotificationRepository(session)
        self.bulletins = BulletinRepository(session)
        self.campaigns = CampaignRepository(session)
        self.scoring = ScoringRepository(session)
        self.cadres = CadreRepository(session)
        self.audit = AuditRepository(session)
        self.access = AccessRepository(session)
        self.modeling = ModelingRepository(session)
        self.migrations = MigrationRepository(session)
        self.stalls = StallRepository(session)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # close() ends any open transaction (rolling back what was not committed) and detaches the
        # loaded objects intact, so handlers can still dump them after the block.
        self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def begin_read(self, *, brief: bool = False) -> None:
        """End what is open and begin a reading transaction (deferred on SQLite).

        `brief`: a few reads whose result is checked again by whatever acts on it (a command's write phase
        re-reads under its lock; a caller's token is looked up once). On PostgreSQL they then run outside a
        transaction block, each statement on its own snapshot — what READ COMMITTED gives inside one too —
        without the BEGIN and the ROLLBACK (which also makes psycopg drop its prepared statements): two or
        three round trips fewer per request (docs/decisions/0027). Not for server-side cursors."""
        self.session.rollback()
        with reading():
            if brief and self.dialect == "postgresql":
                self.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            else:
                self.session.connection()

    def end_read(self) -> None:
        """End the reading transaction before the engine runs: nothing is held while it does."""
        self.session.rollback()

    def begin_write(self) -> None:
        """Begin the writing transaction of a command (on SQLite: BEGIN IMMEDIATE, the write lock).
        Rows read before are expired and read again."""
        self.session.rollback()
        token = _write_intent.set(True)
        try:
            self.session.connection()
        finally:
            _write_intent.reset(token)

    def reread(self, row: object) -> None:
        """Read a loaded row again in this transaction (another command may have changed it meanwhile)."""
        self.session.refresh(row)

    def release_loaded(self) -> None:
        """Forget the rows loaded so far (a long read keeps its memory flat)."""
        self.session.expunge_all()

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name
