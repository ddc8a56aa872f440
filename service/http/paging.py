"""Page numbers from the query string, and the links between pages."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from flask import request, url_for


@dataclass(frozen=True)
class Pager:
    page: int
    per_page: int
    total: int = 0

    @classmethod
    def from_request(cls, per_page: int = 20) -> Pager:
        try:
            page = max(1, min(int(request.args.get("page", "1")), 1_000_000))
        except ValueError:
            page = 1
        return cls(page=page, per_page=per_page)

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
