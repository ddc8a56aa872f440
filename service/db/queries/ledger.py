"""SQL of the ledger (台账): filtered pages, counts, streaming for export, GROUP BY statistics.

Callers hand over a `LedgerCriteria` already in database terms (light → deadline_at range, dates →
datetimes); every statement here applies it the same way, so a page, its total, the export and the
statistics always agree.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    Select,
    case,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
    table,
    text,
    tuple_,
)
from sqlalchemy import (
    column as sql_column,
)

from service.db.models import LedgerItem
from service.db.models.ledger import involves_unit
from service.db.queries.base import Repository

OPEN_STATUSES = ("registering", "handling", "error")  # every status but "closed"; IN (...) uses the index
_L = LedgerItem
SORTS: dict[str, tuple[Any, ...]] = {
    "registered_desc": (_L.registered_at.desc(), _L.instance_id.desc()),
    "registered_asc": (_L.registered_at.asc(), _L.instance_id.asc()),
    "deadline_asc": (_L.deadline_at.asc().nulls_last(), _L.instance_id.asc()),
    "deadline_desc": (_L.deadline_at.desc().nulls_last(), _L.instance_id.desc()),
    "number": (_L.instance_id.asc(),),  # numbers are handed out in creation order
}
UNINDEXED_SORTS = {"deadline_asc", "deadline_desc"}  # deadline_at NULLS LAST: no index serves these
# The export reads plain rows, not ORM objects, and only the columns its sheet shows: 100,000 of them
# stream in batches of EXPORT_BATCH. Its rows are tuples in this order (service.ledger.export reads them).
EXPORT_FIELDS = (
    "business_number", "source_type", "source_ref", "title", "content", "responsible_leader", "lead_unit",
    "co_units", "deadline", "deadline_at", "status", "progress", "closed_at", "remarks",
)  # fmt: skip
EXPORT_COLUMNS = tuple(LedgerItem.__table__.columns[name] for name in EXPORT_FIELDS)
EXPORT_BATCH = 1000


@dataclass(frozen=True)
class LedgerCriteria:
    unit_scope: str | None = None  # visibility: only rows this unit leads or co-handles
    status: str | None = None
    open_only: bool = False
    unit: str | None = None  # lead or co-handling unit
    source_type: str | None = None
    priority: str | None = None  # 重点 / 一般
    process_key: str | None = None
    deadline_after: datetime | None = None  # deadline_at > this
    deadline_until: datetime | None = None  # deadline_at <= this
    registered_from: datetime | None = None  # registered_at >= this
    registered_before: datetime | None = None  # registered_at < this
    deadline_from: str | None = None  # deadline (YYYY-MM-DD) >= this
    deadline_to: str | None = None  # deadline <= this
    q: str | None = None  # substring of title, content or business number


# --- substring search (docs/decisions/0023-ledger-at-scale.md) -----------------------------------------
# SQLite: ledger_search (FTS5 trigram, external content, triggers) for 3+ characters; ledger_chars (FTS5,
# one token per character, written by `index_chars`) for 1-2. PostgreSQL: the GIN index ix_ledger_chars
# over PG_CHARS_TSVECTOR (one lexeme per character, any locale, any length) with an ILIKE recheck, or the
# pg_trgm GIN indexes for 3+ characters when migration 0027 could create them.
TRIGRAM_MIN = 3
# More matches than this (SQLite): the rows are tested with LIKE as the other conditions or the sort's index
# reach them (a page of 50 stops after ~50 rows), rather than fetched by id from the index's match set.
DENSE_MATCHES = 2000
_SEARCH = table("ledger_search", sql_column("rowid", Integer), sql_column("ledger_search"))
_CHARS = table("ledger_chars", sql_column("rowid", Integer), sql_column("chars"), sql_column("ledger_chars"))
PG_CHARS_TEXT = r"regexp_replace(lower(title || ' ' || content || ' ' || business_number), '(.)', '\1 ', 'g')"
PG_CHARS_TSVECTOR = f"to_tsvector('simple'::regconfig, {PG_CHARS_TEXT})"
PG_CHARS_COLUMN = "search_chars"  # ledger_items' stored generated column of PG_CHARS_TSVECTOR (PostgreSQL only)
_FIELD_BREAK = "zz"  # a token no character maps to: a phrase never spans two fields
_trigram_indexes: dict[str, bool] = {}  # per database URL: did migration 0027 create the pg_trgm indexes?


def _char_token(c: str) -> str:
    return f"x{ord(c):x}"


def char_tokens(title: str | None, content: str | None, number: str | None) -> str:
    """The text of ledger_chars for a row: each character of the lower-cased fields as a token."""
    return f" {_FIELD_BREAK} ".join(" ".join(map(_char_token, (f or "").lower())) for f in (title, content, number))


def _fts_phrase(q: str) -> str:
    return '"' + q.replace('"', '""') + '"'


def _like_any(q: str, *, ilike: bool) -> ColumnElement[bool]:
    if ilike:
        return (
            _L.title.icontains(q, autoescape=True)
            | _L.content.icontains(q, autoescape=True)
            | (_L.business_number.icontains(q, autoescape=True))
        )
    return (
        _L.title.contains(q, autoescape=True)
        | _L.content.contains(q, autoescape=True)
        | _L.business_number.contains(q, autoescape=True)
    )


def _sqlite_matches(q: str) -> Select[Any]:
    """The rowids whose title, content or number contain q (case-insensitive)."""
    if len(q) >= TRIGRAM_MIN:
        return select(_SEARCH.c.rowid).where(_SEARCH.c.ledger_search.op("MATCH")(_fts_phrase(q)))
    phrase = '"' + " ".join(map(_char_token, q.lower())) + '"'
    return select(_CHARS.c.rowid).where(_CHARS.c.ledger_chars.op("MATCH")(phrase))


def _text_condition(q: str, dialect: str, *, trigram: bool = False, dense: bool = False) -> ColumnElement[bool]:
    if dialect == "sqlite":
        if dense:  # most rows match: test each row the other conditions or the sort's index walk to
            return _like_any(q, ilike=False)
        return _L.instance_id.in_(_sqlite_matches(q))  # few: fetch them by id through the index
    if dialect == "postgresql":
        recheck = _like_any(q, ilike=True)
        if (trigram and len(q) >= TRIGRAM_MIN) or not any(c.isalnum() for c in q):
            return recheck  # pg_trgm's indexes serve ILIKE; a query of no word character has no lexeme
        query = func.phraseto_tsquery(
            literal_column("'simple'::regconfig"), func.regexp_replace(func.lower(literal(q)), "(.)", r"\1 ", "g")
        )
        found = literal_column(f"ledger_items.{PG_CHARS_COLUMN}").op("@@")(query)
        # one letter or digit is one lexeme: its presence is the answer, no recheck needed
        return found if len(q) == 1 else found & recheck
    return _like_any(q, ilike=False)


def _where(
    c: LedgerCriteria, dialect: str = "", trigram: bool = False, dense: bool = False
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if c.unit_scope is not None:
        conditions.append(involves_unit(c.unit_scope))
    if c.unit:
        conditions.append(involves_unit(c.unit))
    if c.status:
        conditions.append(_L.status == c.status)
    if c.open_only:
        conditions.append(_L.status.in_(OPEN_STATUSES))
    for column, value in ((_L.source_type, c.source_type), (_L.process_key, c.process_key), (_L.priority, c.priority)):
        if value:
            conditions.append(column == value)
    if c.deadline_after is not None:
        conditions.append(_L.deadline_at > c.deadline_after)
    if c.deadline_until is not None:
        conditions.append(_L.deadline_at <= c.deadline_until)
    if c.registered_from is not None:
        conditions.append(_L.registered_at >= c.registered_from)
    if c.registered_before is not None:
        conditions.append(_L.registered_at < c.registered_before)
    if c.deadline_from:
        conditions.append(_L.deadline >= c.deadline_from)
    if c.deadline_to:
        conditions.append(_L.deadline <= c.deadline_to)
    if c.q:
        conditions.append(_text_condition(c.q, dialect, trigram=trigram, dense=dense))
    return conditions


def after_condition(sort: str, after: tuple[Any, int]) -> ColumnElement[bool]:
    """Keyset: the rows that come after (sort value, instance id) in `sort` order (deadlines NULLS LAST)."""
    value, key = after
    if sort == "number":
        return _L.instance_id > key
    if sort in ("registered_desc", "registered_asc"):
        at = literal(value, _L.registered_at.type)
        pair, bound = tuple_(_L.registered_at, _L.instance_id), tuple_(at, literal(key))
        return pair < bound if sort == "registered_desc" else pair > bound
    deadline, forward = _L.deadline_at, sort == "deadline_asc"
    if value is None:  # among the rows without a deadline, which come last
        return deadline.is_(None) & (_L.instance_id > key if forward else _L.instance_id < key)
    at = literal(value, _L.deadline_at.type)
    if forward:
        return (deadline > at) | ((deadline == at) & (_L.instance_id > key)) | deadline.is_(None)
    return (deadline < at) | ((deadline == at) & (_L.instance_id < key)) | deadline.is_(None)


def sort_value(sort: str, row: Any) -> Any:
    """The value of `sort` of a row (None for "number", which orders by the id alone)."""
    if sort.startswith("registered"):
        return row.registered_at
    if sort.startswith("deadline"):
        return row.deadline_at
    return None


class LedgerRepository(Repository):
    def __init__(self, session: Any) -> None:
        super().__init__(session)
        self._matches: dict[str, int] = {}  # text query → rows matching it (SQLite), for this unit of work

    def get(self, instance_id: int) -> LedgerItem | None:
        return self.session.get(LedgerItem, instance_id)

    def add(self, item: LedgerItem) -> None:
        self.session.add(item)

    @property
    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name

    def _trigram(self) -> bool:
        """PostgreSQL: whether the pg_trgm indexes exist (migration 0027 makes them only where they work)."""
        if self._dialect != "postgresql":
            return False
        bind = self.session.get_bind()
        url = str(bind.engine.url)
        if url not in _trigram_indexes:
            found = self.session.scalar(
                text("SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_ledger_content_trgm'")
            )
            _trigram_indexes[url] = bool(found)
        return _trigram_indexes[url]

    def _where(self, criteria: LedgerCriteria, dense: bool = False) -> list[ColumnElement[bool]]:
        return _where(criteria, self._dialect, self._trigram(), dense)

    def index_chars(self, item: LedgerItem) -> None:
        """SQLite: the row's characters in ledger_chars (1-2 character searches); PostgreSQL indexes an
        expression instead, and needs nothing. Call after the row's title, content or number changed."""
        if self._dialect != "sqlite":
            return
        self._matches.clear()
        self.session.flush()
        self.session.execute(delete(_CHARS).where(_CHARS.c.rowid == item.instance_id))
        chars = char_tokens(item.title, item.content, item.business_number)
        self.session.execute(insert(_CHARS).values(rowid=item.instance_id, chars=chars))

    def reindex_chars(self) -> int:
        """SQLite: ledger_chars rebuilt from every row (bulk loads that bypass the projection); returns rows."""
        if self._dialect != "sqlite":
            return 0
        self.session.execute(delete(_CHARS))
        n = 0
        rows = self.session.execute(select(_L.instance_id, _L.title, _L.content, _L.business_number))
        for batch in rows.partitions(EXPORT_BATCH):
            values = [{"rowid": r[0], "chars": char_tokens(r[1], r[2], r[3])} for r in batch]
            self.session.execute(insert(_CHARS), values)
            n += len(values)
        return n

    def text_matches(self, q: str) -> int | None:
        """SQLite: how many rows contain q, from the full-text index alone (cheap, kept for this unit of
        work); None on PostgreSQL, whose planner weighs its GIN index itself."""
        if self._dialect != "sqlite":
            return None
        if q not in self._matches:
            found = select(func.count()).select_from(_sqlite_matches(q).subquery())
            self._matches[q] = self.session.scalar(found) or 0
        return self._matches[q]

    def _dense(self, criteria: LedgerCriteria) -> bool:
        """Whether a text query matches so many rows that testing each row the other conditions (or the
        sort's index) reach beats fetching every match by its id."""
        matches = self.text_matches(criteria.q) if criteria.q else None
        return matches is not None and matches > DENSE_MATCHES

    def count(self, criteria: LedgerCriteria, at_most: int | None = None) -> int:
        """How many rows match; with `at_most`, counting stops after at_most + 1 of them (a text query
        matching 90 % of 100,000 rows took PostgreSQL ~90 ms to count in full, ~6 ms to 1,001)."""
        if criteria.q and self._dialect == "sqlite" and replace(criteria, q=None) == LedgerCriteria():
            found = self.text_matches(criteria.q) or 0  # only a text query: the index counts its matches
            return found if at_most is None else min(found, at_most + 1)
        where = self._where(criteria, self._dense(criteria))
        if at_most is None:
            return self.session.scalar(select(func.count()).select_from(_L).where(*where)) or 0
        first = select(_L.instance_id).where(*where).limit(at_most + 1).subquery()
        return self.session.scalar(select(func.count()).select_from(first)) or 0

    def page(
        self,
        criteria: LedgerCriteria,
        sort: str,
        offset: int,
        limit: int,
        *,
        after: tuple[Any, int] | None = None,
    ) -> Sequence[LedgerItem]:
        """One page in `sort` order: `offset` rows skipped, or (keyset) the rows after `after` — the sort
        value and instance id of the last row of the previous page. A text query with few matches fetches
        them by the index; with many, the page walks the sort's index and tests each row it passes."""
        dense = sort not in UNINDEXED_SORTS and self._dense(criteria)
        order, where = SORTS[sort], self._where(criteria, dense)
        if after is not None:
            where.append(after_condition(sort, after))
            offset = 0
        if sort not in UNINDEXED_SORTS:  # an index gives the order: walk it to the page
            stmt = select(LedgerItem).where(*where).order_by(*order).offset(offset).limit(limit)
        else:  # sort only the narrow (key, deadline) pairs, then fetch just the page's rows (a deferred join)
            keys = select(_L.instance_id).where(*where).order_by(*order).offset(offset).limit(limit)
            stmt = select(LedgerItem).where(_L.instance_id.in_(keys.scalar_subquery())).order_by(*order)
        return self.session.scalars(stmt).all()

    def stream(self, criteria: LedgerCriteria, sort: str) -> Iterator[Row[Any]]:
        """Every matching row (tuples of EXPORT_FIELDS) in `sort` order, fetched EXPORT_BATCH at a time."""
        stmt: Select[Any] = (
            select(*EXPORT_COLUMNS).where(*self._where(criteria, self._dense(criteria))).order_by(*SORTS[sort])
        )
        # Core, not the ORM: plain tuples; yield_per streams (a server-side cursor on PostgreSQL)
        result = self.session.connection().execute(stmt.execution_options(yield_per=EXPORT_BATCH))
        for batch in result.partitions():
            yield from batch

    def statistics(self, criteria: LedgerCriteria, red_until: datetime, yellow_until: datetime) -> Sequence[Row[Any]]:
        """One pass in index order, grouped by (lead_unit, status): n, closed_on_time (closed by the deadline or
        without one) and, for open items with a deadline, red / yellow / green by the bounds of service.lights.
        Everything the overview shows is a sum over these few groups."""
        has_light = _L.status.in_(OPEN_STATUSES) & _L.deadline_at.is_not(None)
        on_time = (_L.status == "closed") & (_L.deadline_at.is_(None) | (_L.closed_at <= _L.deadline_at))

        def how_many(condition: ColumnElement[bool], name: str) -> Any:
            return func.coalesce(func.sum(case((condition, 1), else_=0)), 0).label(name)

        stmt = (
            select(
                _L.lead_unit,
                _L.status,
                func.count().label("n"),
                how_many(on_time, "closed_on_time"),
                how_many(has_light & (_L.deadline_at <= red_until), "red"),
                how_many(has_light & (_L.deadline_at > red_until) & (_L.deadline_at <= yellow_until), "yellow"),
                how_many(has_light & (_L.deadline_at > yellow_until), "green"),
            )
            .where(*self._where(criteria))
            .group_by(_L.lead_unit, _L.status)
        )
        return self.session.execute(stmt).all()
