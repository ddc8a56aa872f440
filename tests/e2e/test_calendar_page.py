"""Feature: an administrator enters a year's holidays on the 工作日历 page; others may only look."""

from __future__ import annotations

from typing import Any

from tests.api_helpers import Actor
from tests.e2e.test_web_sign_in import HTML, _csrf, sign_in


def test_an_administrator_enters_a_year_on_the_page(client: Any, tokens: dict[str, str]) -> None:
    # Given 2099 has no published arrangement
    sign_in(client, "admin")
    page = client.get("/calendar?year=2099", headers=HTML).get_data(as_text=True)
    assert 'data-published="0"' in page and 'id="calendar-form"' in page
    # When the admin saves two bad lines among good ones, each bad line is named and nothing is stored
    text = "2099-10-01,holiday,国庆节,国办发明电〔2098〕1号\n2099-13-01,holiday\n2098-10-02,holiday\n"
    form = {"csrf_token": _csrf(client, "/calendar?year=2099"), "days": text, "source": ""}
    response = client.post("/calendar/2099", data=form, headers=HTML)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "第 2 行" in body and "第 3 行" in body and "2099-13-01" in body
    days = Actor(client, tokens["admin"]).get("/calendar/years/2099").get_json()
    assert days["published"] is False and days["days"] == []
    # Then correct lines are entered and shown; the API and add-workdays follow
    form["days"] = "2099-10-01,holiday,国庆节,国办发明电〔2098〕1号\n2099-10-10,workday,国庆节调休,\n"
    assert client.post("/calendar/2099", data=form, headers=HTML).status_code == 302
    page = client.get("/calendar?year=2099", headers=HTML).get_data(as_text=True)
    assert 'data-published="1"' in page and "国庆节调休" in page
    year = Actor(client, tokens["admin"]).get("/calendar/years/2099").get_json()
    assert [(d["date"], d["kind"]) for d in year["days"]] == [("2099-10-01", "holiday"), ("2099-10-10", "workday")]


def test_others_see_the_calendar_but_cannot_enter_it(client: Any) -> None:
    sign_in(client, "dcs_li")
    page = client.get("/calendar?year=2026", headers=HTML).get_data(as_text=True)
    assert 'data-published="1"' in page and "国庆节" in page and 'id="calendar-form"' not in page
    form = {"csrf_token": _csrf(client, "/calendar?year=2098"), "days": "2098-10-01,holiday,国庆节,"}
    assert client.post("/calendar/2098", data=form, headers=HTML).status_code == 403
