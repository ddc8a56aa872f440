"""Paging, the one way for the API and the pages: which rows a page is, the API's page envelope
(`items`, `total`, `page`, `per_page`, published in the OpenAPI document) and the links between pages.

The API reads `page` and `per_page` validated by its schema (service.api.schemas.Pagination: a bad value
is a 422); a page reads `?page=` leniently (a bad value is page 1) with a fixed page size.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from flask import request, url_for

MAX_PAGE = 1_000_000


@dataclass(frozen=True)
class Pager:
    page: int
    per_page: int
    total: int = 0

    @classmethod
    def from_request(cls, per_page: int = 20) -> Pager:
        """A page's pager: `?page=` of the query string (1 when missing or not a number), `per_page` fixed."""
        try:
            page = max(1, min(int(request.args.get("page", "1")), MAX_PAGE))
        except ValueError:
            page = 1
        return cls(page=page, per_page=per_page)

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> Pager:
        """The API's pager: `page` and `per_page` of a query its Pagination schema has validated."""
        return cls(page=query["page"], per_page=query["per_page"])

    def envelope(self, items: Sequence[Any], total: int) -> dict[str, Any]:
        """The API's page of a list: this page's items and the total of the whole list."""
        return {"items": items, "total": total, "page": self.page, "per_page": self.per_page}

    def slice(self, items: Sequence[Any]) -> dict[str, Any]:
        """`envelope` of a list read whole (a short one: the cadre records of a county)."""
        return self.envelope(items[self.offset : self.offset + self.per_page], len(items))

    def with_total(self, total: int) -> Pager:
        return replace(self, total=total)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def url(self, page: int) -> str:
        args: dict[str, Any] = {**request.args.to_dict(), **(request.view_args or {}), "page": str(page)}
        return url_for(request.endpoint or "web.inbox", **args)


def paginate(query: dict[str, Any], search: Callable[..., tuple[Sequence[Any], int]]) -> dict[str, Any]:
    """Run `search(offset=, limit=, **filters)` for the page the API query asks for (`page` and `per_page`
    taken out of `query`, the rest are the filters); the API's page envelope."""
    pager = Pager.from_query(query)
    del query["page"], query["per_page"]
    rows, total = search(offset=pager.offset, limit=pager.per_page, **query)
    return pager.envelope(rows, total)
