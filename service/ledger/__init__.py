"""督查台账 (the ledger): one row per process instance, projected by every command that moves it.

    project(...)        keep an instance's row in step (called by service.progress.persist)
    search(...)         a filtered, sorted page of the rows the actor may see, with lights
    search_page(...)    the same with the keyset cursor of the next page (`after=`): deep pages stay cheap
    overview(...)       counts by status and light, per lead unit with the on-time rate
    export_xlsx(...)    the same rows as an Excel workbook (streamed)
    export_jobs         a large export as a background job: request_export, get_export, export_file, and
                        run_pending and expire_old (files dropped KEEP_DAYS after they were written)
                        for the background loop (service.background)

Statuses, lights and their Chinese labels live in `service.ledger.labels` and are re-exported here.
"""

from __future__ import annotations

from service.access.principal import COUNTY_LEADERS  # re-exported: defined once, in service.principal
from service.ledger.export import HEADERS, export_xlsx
from service.ledger.labels import (
    CLOSED,
    ERROR,
    HANDLING,
    LIGHT_LABELS,
    NO_LIGHT_LABEL,
    PRIORITIES,
    REGISTERING,
    SORT_KEYS,
    SORT_LABELS,
    SOURCE_TYPES,
    STATUS_LABELS,
    STATUSES,
    light_label,
    status_label,
)
from service.ledger.projection import ReadyStep, project
from service.ledger.reading import LedgerEntry, LedgerFilters, visible_scope
from service.ledger.use_cases import LedgerPage, overview, search, search_page

__all__ = [
    "CLOSED",
    "COUNTY_LEADERS",
    "ERROR",
    "HANDLING",
    "HEADERS",
    "LIGHT_LABELS",
    "NO_LIGHT_LABEL",
    "PRIORITIES",
    "REGISTERING",
    "SORT_KEYS",
    "SOURCE_TYPES",
    "SORT_LABELS",
    "STATUSES",
    "STATUS_LABELS",
    "LedgerEntry",
    "LedgerFilters",
    "LedgerPage",
    "ReadyStep",
    "export_xlsx",
    "light_label",
    "overview",
    "project",
    "search",
    "search_page",
    "status_label",
    "visible_scope",
]
