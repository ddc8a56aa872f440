"""Feature: the 台账 stays usable at 100,000 items (issue 14 point 3) — the search finds every substring of
事项名称/内容/编号 of any length (1 and 2 characters too, Chinese and ASCII mixed, ASCII in any case) for
whoever may see the row, pages follow a keyset cursor that neither skips nor repeats rows while items are
added, and a large export runs as a background job that only its asker may follow and download.

A database of the module's own, so that the search can be checked against every row there is: the
expected rows are worked out here from the full list (the oracle), never written down by hand.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook

from service.db.queries import ledger as ledger_queries
from service.ledger import export_jobs
from tests.access_helpers import sign_in
from tests.api_helpers import Actor
from tests.conftest import own_database

services, app, tokens = own_database()

ITEMS = [
    # (title, content, lead unit, co-handlers)
    ("老旧小区改造", "加装电梯与5G基站", "xiayang", []),
    ("校舍安全排查", "排查Abc隐患，100%完成", "jyj", []),
    ("道路修缮", "老城区道路_施工", "zjj", ["xiayang"]),
    ("某甲", "乙丙", "fgj", []),
    ('"引号"事项', "含有 a 的内容", "czj", []),
]
QUERIES = [
    "老", "旧小", "老旧小区", "5g", "5G基", "g基站", "ABC", "c隐", "甲", "甲乙", "乙丙", "督办", "号", "%", "_",
    "100%", "\"", "a", "〔", "区道", "不存在", "改造 ", "城区道路_施",
]  # fmt: skip


def start(office: Actor, leader: Actor | None, title: str, content: str, lead: str, co: list[str]) -> int:
    data = {
        "title": title,
        "content": content,
        "source_type": "文件",
        "source_ref": "县政府第1次常务会议",
        "lead_unit": lead,
        "co_units": co,
        "time_limit_days": 10,
        "responsible_leader": "陈常务副县长",
    }
    iid = office.start("supervision_item", {**data, "title": "临时名称鸮"})["id"]
    office.do(iid, "register", data)  # the title changes: the search index must follow it
    if leader is not None:
        leader.do(iid, "approve", {"decision": "approve"})
    return iid


@pytest.fixture(scope="module")
def items(app, tokens, clock) -> dict[str, int]:  # type: ignore[no-untyped-def]
    client = app.test_client()
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    ids = {}
    for title, content, lead, co in ITEMS:
        clock.advance(minutes=5)
        ids[title] = start(office, leader, title, content, lead, co)
    return ids


def listing(actor: Actor, **query: Any) -> dict[str, Any]:
    response = actor.get("/ledger", query_string={"per_page": 500, **query})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def expected(rows: list[dict[str, Any]], q: str) -> set[int]:
    """The oracle: rows whose title, content or number contain q, ASCII case ignored."""
    needle = q.strip().lower()
    fields = ("title", "content", "business_number")
    return {r["instance_id"] for r in rows if any(needle in r[f].lower() for f in fields)}


@pytest.fixture(params=["few matches", "many matches"])
def density(request, monkeypatch) -> str:  # type: ignore[no-untyped-def]
    """Both ways a text query runs: matches fetched by id, or (as when thousands match) each row tested."""
    if request.param == "many matches":
        monkeypatch.setattr(ledger_queries, "DENSE_MATCHES", -1)
    return str(request.param)


@pytest.mark.parametrize("q", QUERIES)
def test_the_search_finds_every_substring_of_any_length(client, tokens, items, q, density):
    # Given the office, who sees every row
    office = Actor(client, tokens["dcs_li"])
    everything = listing(office)["items"]
    # When it searches
    found = listing(office, q=q)
    # Then it gets exactly the rows that contain the text, and the total says so
    assert {r["instance_id"] for r in found["items"]} == expected(everything, q)
    assert found["total"] == len(expected(everything, q))


def test_the_search_crosses_no_field_boundary_and_forgets_a_replaced_title(client, tokens, items):
    office = Actor(client, tokens["dcs_li"])
    assert listing(office, q="甲乙")["total"] == 0  # 甲 ends a title, 乙 starts its content
    assert listing(office, q="鸮")["total"] == 0  # every item was started as 临时名称鸮, then renamed
    assert listing(office, q="临时名称")["total"] == 0
    assert {r["instance_id"] for r in listing(office, q="老旧")["items"]} == {items["老旧小区改造"]}


@pytest.mark.parametrize(("username", "q"), [("xiayang_ll", "老"), ("xiayang_ll", "道路修缮"), ("jyj_ll", "c"),
                                             ("fgj_ll", "丙"), ("czj_ll", "督办")])  # fmt: skip
def test_the_search_keeps_to_what_the_reader_may_see(client, tokens, items, username, q, density):
    # Given a unit's user, who sees the rows its unit leads or co-handles
    user = Actor(client, tokens[username])
    visible = listing(user)["items"]
    everything = listing(Actor(client, tokens["dcs_li"]))["items"]
    assert len(visible) < len(everything)
    # When they search, they find the matching rows among those only
    found = {r["instance_id"] for r in listing(user, q=q)["items"]}
    assert found == expected(visible, q)
    assert found  # each case finds something, so the scope is what narrows it


SORTS = ["registered_desc", "registered_asc", "number", "deadline_asc", "deadline_desc"]


@pytest.fixture(scope="module")
def paged(app, tokens, clock, items) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Eight more items tagged 翻页: four approved (with a deadline), four only registered (none); two pairs
    registered at the same moment, so that the id breaks ties."""
    client = app.test_client()
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    ids = []
    for n in range(8):
        if n % 3 != 1:
            clock.advance(minutes=7)
        ids.append(start(office, leader if n % 2 else None, f"翻页事项{n}", "分页测试", "xiayang", []))
    return {"ids": ids, "office": office, "leader": leader}


def follow(actor: Actor, sort: str, per_page: int, on_first: Any = None) -> list[int]:
    seen: list[int] = []
    page = listing(actor, q="翻页", sort=sort, per_page=per_page)
    while True:
        seen += [r["instance_id"] for r in page["items"]]
        if on_first is not None:
            on_first()
            on_first = None
        if page["next_after"] is None:
            return seen
        page = listing(actor, q="翻页", sort=sort, per_page=per_page, after=page["next_after"])


@pytest.mark.parametrize("sort", SORTS)
def test_keyset_pages_give_every_row_once_in_order(client, tokens, paged, sort):
    office = Actor(client, tokens["dcs_li"])
    whole = [r["instance_id"] for r in listing(office, q="翻页", sort=sort)["items"]]
    assert len(whole) == 8
    for per_page in (1, 3, 8):
        assert follow(office, sort, per_page) == whole


@pytest.mark.parametrize("sort", ["registered_desc", "number"])
def test_keyset_pages_neither_skip_nor_repeat_while_items_are_added(client, tokens, clock, paged, sort):
    office = Actor(client, tokens["dcs_li"])
    before = [r["instance_id"] for r in listing(office, q="翻页", sort=sort)["items"]]
    added: list[int] = []

    def add_two() -> None:  # while the reader is on page 1, two items are registered
        clock.advance(days=1)  # (each test starts at the same moment: these come after the fixture's)
        for n in range(2):
            clock.advance(minutes=1)
            added.append(start(paged["office"], None, f"翻页新增{sort}{n}", "分页测试", "xiayang", []))

    seen = follow(office, sort, 3, on_first=add_two)
    assert len(seen) == len(set(seen))  # nothing twice
    assert [i for i in seen if i in before] == before  # every row there was, in order
    if sort == "number":
        assert seen[-2:] == added  # numbers grow: the new ones come last, once
    else:
        assert not set(added) & set(seen)  # newest first: they are before page 1, not pushed into later pages
    # while OFFSET pages, read the same way, repeat rows once items are added at the top
    if sort == "registered_desc":
        first = [r["instance_id"] for r in listing(office, q="翻页", sort=sort, per_page=3, page=1)["items"]]
        clock.advance(days=1)
        for n in range(2):
            clock.advance(minutes=1)
            start(paged["office"], None, f"翻页偏移{n}", "分页测试", "xiayang", [])
        second = [r["instance_id"] for r in listing(office, q="翻页", sort=sort, per_page=3, page=2)["items"]]
        assert set(first) & set(second)


def test_a_bad_cursor_or_a_cursor_with_a_page_is_refused_with_what_to_do(client, tokens, paged):
    office = Actor(client, tokens["dcs_li"])
    page = listing(office, q="翻页", sort="number", per_page=2)
    for query in ({"after": "not-a-cursor"}, {"after": page["next_after"], "sort": "registered_desc"},
                  {"after": page["next_after"], "page": 2}):  # fmt: skip
        response = office.get("/ledger", query_string={"q": "翻页", "sort": "number", **query})
        assert response.status_code == 422, response.get_json()
        body = response.get_json()
        assert body["error"] == "invalid_input" and body["message"]
    assert listing(office, q="翻页", sort="number", per_page=2, page=2)["items"]  # page= still answers


def test_the_openapi_document_describes_the_cursor(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    parameters = {p["name"] for p in spec["paths"]["/api/v1/ledger"]["get"]["parameters"]}
    assert {"after", "page", "per_page", "q"} <= parameters
    page_schema = spec["components"]["schemas"]["LedgerPage"]
    assert "next_after" in page_schema["properties"]
    assert "/api/v1/ledger/exports/{job_id}" in spec["paths"]
    assert "202" in spec["paths"]["/api/v1/ledger/export.xlsx"]["get"]["responses"]


def workbook_rows(body: bytes) -> list[tuple[Any, ...]]:
    sheet = load_workbook(io.BytesIO(body)).active
    return list(sheet.iter_rows(values_only=True))


def test_a_large_export_is_a_background_job_its_asker_follows_and_downloads(
    client, tokens, services, items, monkeypatch
):
    monkeypatch.setattr(export_jobs, "BACKGROUND_ABOVE", 2)  # "large" is more than 2 rows here
    office, other = Actor(client, tokens["dcs_li"]), Actor(client, tokens["zhuren"])
    # Given a small export still comes at once
    small = office.get("/ledger/export.xlsx", query_string={"q": "老旧小区"})
    assert small.status_code == 200 and len(workbook_rows(small.data)) == 2
    # When the office exports more rows than that
    response = office.get("/ledger/export.xlsx", query_string={"q": "督办", "sort": "number"})
    # Then a job is queued instead, with where to follow it
    assert response.status_code == 202, response.get_json()
    job = response.get_json()
    assert job["status"] == "queued" and job["total"] >= len(ITEMS) and job["done"] == 0
    assert response.headers["Location"] == job["status_url"] == f"/api/v1/ledger/exports/{job['id']}"
    assert job["download_url"] is None
    # and the file is not there yet, and nobody else may look at the job
    assert office.get(f"/ledger/exports/{job['id']}/file").status_code == 409
    assert other.get(f"/ledger/exports/{job['id']}").status_code == 403
    assert other.get(f"/ledger/exports/{job['id']}/file").status_code == 403
    assert office.get("/ledger/exports/999999").status_code == 404
    # When a worker's background pass runs
    assert export_jobs.run_pending(services.uow, services.ctx) == 1
    assert export_jobs.run_pending(services.uow, services.ctx) == 0  # nothing left: no job runs twice
    # Then the asker sees it done and downloads every row, in the asked order
    done = office.get(job["status_url"].removeprefix("/api/v1")).get_json()
    assert done["status"] == "done" and done["done"] == done["total"] == job["total"] and done["percent"] == 100
    download = office.get(done["download_url"].removeprefix("/api/v1"))
    assert download.status_code == 200
    assert download.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = workbook_rows(download.data)
    assert len(rows) == job["total"] + 1 and rows[0][0] == "序号"
    numbers = [r[1] for r in rows[1:]]
    listed = [r["business_number"] for r in listing(office, q="督办", sort="number")["items"]]
    assert numbers == listed
    # and someone else still may not
    assert other.get(done["download_url"].removeprefix("/api/v1")).status_code == 403


def test_a_units_export_job_holds_only_its_rows(client, tokens, services, items, monkeypatch):
    monkeypatch.setattr(export_jobs, "BACKGROUND_ABOVE", 0)
    unit = Actor(client, tokens["xiayang_ll"])
    response = unit.post("/ledger/exports", json={"q": "督办"})
    assert response.status_code == 202, response.get_json()
    job = response.get_json()
    assert export_jobs.run_pending(services.uow, services.ctx) == 1
    rows = workbook_rows(unit.get(f"/ledger/exports/{job['id']}/file").data)
    visible = {r["business_number"] for r in listing(unit, q="督办")["items"]}
    assert {r[1] for r in rows[1:]} == visible and len(visible) < listing(Actor(client, tokens["dcs_li"]))["total"]


def test_an_export_job_is_validated_like_the_list(client, tokens):
    office = Actor(client, tokens["dcs_li"])
    assert office.post("/ledger/exports", json={"status": "nonsense"}).status_code == 422
    assert office.post("/ledger/exports", json={"sort": "nonsense"}).status_code == 422


def test_a_job_left_by_a_dead_worker_is_taken_over(client, tokens, services, clock, items, monkeypatch):
    office = Actor(client, tokens["dcs_li"])
    job = office.post("/ledger/exports", json={"q": "老"}).get_json()
    with services.uow() as uow:  # a worker claimed it and died
        uow.begin_write()
        row = uow.ledger_exports.get(job["id"])
        row.status, row.claimed_by, row.heartbeat_at = "running", "dead-worker", clock.now
        uow.commit()
    assert export_jobs.run_pending(services.uow, services.ctx) == 0  # its heartbeat is fresh: left alone
    clock.advance(seconds=export_jobs.STALE_SECONDS + 1)
    assert export_jobs.run_pending(services.uow, services.ctx) == 1
    assert office.get(job["status_url"].removeprefix("/api/v1")).get_json()["status"] == "done"
    clock.advance(seconds=-(export_jobs.STALE_SECONDS + 1))


def test_the_ledger_page_follows_the_cursor_and_offers_the_background_export(client, tokens, paged, monkeypatch):
    from service.web import views_ledger

    monkeypatch.setattr(views_ledger, "PAGE_SIZE", 3)
    sign_in(client, "dcs_li")
    page = client.get("/ledger", query_string={"q": "翻页", "sort": "number"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'rel="next"' in html and "after=" in html
    next_url = re.search(r'href="([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    second = client.get(next_url).get_data(as_text=True)
    assert "第 2/" in second and 'rel="next"' in second
    monkeypatch.setattr(export_jobs, "BACKGROUND_ABOVE", 1)
    html = client.get("/ledger", query_string={"q": "翻页"}).get_data(as_text=True)
    assert 'id="ledger-export-background"' in html and "ledger.js" in html
    stale = client.get("/ledger", query_string={"q": "翻页", "after": "broken"}).get_data(as_text=True)
    assert 'data-error-for="after"' in stale


def test_a_finished_file_is_dropped_after_the_keeping_days_and_asked_for_again(client, tokens, services, clock, items):
    office = Actor(client, tokens["dcs_li"])
    # Given an export written by a worker
    job = office.post("/ledger/exports", json={"q": "督办"}).get_json()
    assert export_jobs.run_pending(services.uow, services.ctx) == 1
    file_url = f"/ledger/exports/{job['id']}/file"
    assert office.get(file_url).status_code == 200
    # When a background pass runs within the keeping days, the file stays
    clock.advance(days=export_jobs.KEEP_DAYS - 1)
    assert export_jobs.expire_old(services.uow, services.ctx) == 0
    assert office.get(file_url).status_code == 200
    # When one runs after them
    clock.advance(days=2)
    try:
        assert export_jobs.expire_old(services.uow, services.ctx) >= 1  # this file and the module's earlier ones
        # Then the job says so, offers no download, and the file is refused with what to do
        status = office.get(f"/ledger/exports/{job['id']}").get_json()
        assert (status["status"], status["download_url"]) == ("expired", None)
        refused = office.get(file_url)
        assert refused.status_code == 409
        assert refused.get_json()["error"] and "请重新导出" in refused.get_json()["message"]
        with services.uow() as uow:  # the row stays (who exported what, when), its bytes are gone
            assert uow.ledger_exports.with_body(job["id"]).body is None
        assert export_jobs.expire_old(services.uow, services.ctx) == 0  # nothing left to drop
        # and asking again gives a new file
        again = office.post("/ledger/exports", json={"q": "督办"}).get_json()
        assert export_jobs.run_pending(services.uow, services.ctx) == 1
        assert office.get(f"/ledger/exports/{again['id']}/file").status_code == 200
    finally:
        clock.advance(days=-(export_jobs.KEEP_DAYS + 1))


def test_a_search_counts_its_matches_only_up_to_the_cap_and_says_so(client, tokens, paged, density, monkeypatch):
    """A text search matching most of 100,000 rows cost PostgreSQL ~90 ms just to count them: it counts up to
    SEARCH_COUNT_CAP (1,000; 3 here) and says "more than"; every row is still reached by the cursor."""
    from service.ledger import use_cases

    office = Actor(client, tokens["dcs_li"])
    every = sorted(r["instance_id"] for r in listing(office, q="翻页")["items"])  # the oracle, uncapped
    handling = sorted(r["instance_id"] for r in listing(office, q="翻页", status="handling")["items"])
    assert len(every) >= 8 and len(handling) >= 4
    monkeypatch.setattr(use_cases, "SEARCH_COUNT_CAP", 3)
    first = listing(office, q="翻页", per_page=2)
    assert (first["total"], first["total_capped"]) == (3, True)
    seen, page = [], first
    while True:
        seen += [r["instance_id"] for r in page["items"]]
        if page["next_after"] is None:
            break
        page = listing(office, q="翻页", per_page=2, after=page["next_after"])
    assert sorted(seen) == every  # every row, past the cap
    assert len(listing(office, q="翻页", per_page=2, page=3)["items"]) == 2  # an offset past the cap still reads
    # With another filter too (then not the text index's count alone)
    capped = listing(office, q="翻页", status="handling")
    assert (capped["total"], capped["total_capped"], len(capped["items"])) == (3, True, len(handling))
    # and when the matches do not exceed the cap, the count is exact
    monkeypatch.setattr(use_cases, "SEARCH_COUNT_CAP", len(handling))
    exact = listing(office, q="翻页", status="handling")
    assert (exact["total"], exact["total_capped"]) == (len(handling), False)
    monkeypatch.setattr(use_cases, "SEARCH_COUNT_CAP", len(every))
    exact = listing(office, q="翻页")
    assert (exact["total"], exact["total_capped"]) == (len(every), False)
    # A list without a text query is always counted in full
    monkeypatch.setattr(use_cases, "SEARCH_COUNT_CAP", 1)
    whole = listing(office)
    assert whole["total"] == len(whole["items"]) > 1 and whole["total_capped"] is False
    # and the page says "more than", without a page count it cannot know
    sign_in(client, "dcs_li")
    html = client.get("/ledger", query_string={"q": "翻页"}).get_data(as_text=True)
    assert re.search(r'id="ledger-total">超过 1 条 · 第 1 页<', html), html[html.find("ledger-pager") :][:300]
    # and, not knowing how many rows an export would hold, offers the background export (any size works)
    assert 'id="ledger-export-background"' in html and 'id="ledger-export"' not in html
