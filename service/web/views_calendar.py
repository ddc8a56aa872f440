"""工作日历 page: a year's holidays and 调休 working days; administrators enter a year's arrangement."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from service.access.principal import Principal
from service.deadlines import calendar_entry
from service.errors import InvalidInput
from service.i18n import gettext
from service.web import bp
from service.web.pages import page, services
from service.workdays import calendar

FIELDS = ("date", "kind", "name", "source")


def _year() -> int:
    raw = request.args.get("year", "")
    short = raw.isdigit() and len(raw) <= 4  # before int(): 5,000 digits would not even convert
    return int(raw) if short and 1900 <= int(raw) <= 2100 else services().ctx.now().year + 1


def _as_text(days: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for d in days:
        writer.writerow([d[f] for f in FIELDS])
    return out.getvalue()


def _rows(text: str) -> list[dict[str, Any]]:
    """One row per non-blank line: date,kind,name,source (name and source optional)."""
    lines = [line for line in text.splitlines() if line.strip()]
    return [dict(zip(FIELDS, (c.strip() for c in cells), strict=False)) for cells in csv.reader(lines)]


def _render(
    principal: Principal,
    year: int,
    text: str | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    with services().uow() as uow:
        shown = calendar.get_year(uow, year)
    lines = [(int(k) + 1, msgs) for k, msgs in sorted((errors or {}).items(), key=lambda kv: int(kv[0]))]
    return render_template(
        "web/calendar.html",
        year=shown,
        text=_as_text(shown["days"]) if text is None else text,
        row_errors=lines,
        may_edit=principal.is_admin,
        active="calendar",
    ), status


@bp.get("/calendar")
@page
def calendar_page(principal: Principal) -> ResponseReturnValue:
    return _render(principal, _year())


@bp.post("/calendar/<int:year>")
@page
def calendar_save(principal: Principal, year: int) -> ResponseReturnValue:
    app = services()
    text = request.form.get("days", "")
    try:
        calendar_entry.check_may_edit(principal)
        entries = calendar.parse_entries(year, _rows(text))
        result = calendar_entry.put_year(
            app.uow, app.ctx, principal, year, entries, request.form.get("source", "").strip()
        )
    except InvalidInput as exc:
        flash(exc.message, "error")
        return _render(principal, year, text, (exc.details or {}).get("errors", {}), 422)
    flash(
        gettext(
            "{year} 年安排已录入：{n} 天；{moved} 件在办事项时限已重算",
            year=year,
            n=result.days,
            moved=len(result.recomputed),
        ),
        "info",
    )
    return redirect(url_for("web.calendar_page", year=year))
