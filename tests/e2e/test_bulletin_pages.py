"""Feature: the 通报 pages — the office picks a period, ticks suggested units, generates; everyone lists and downloads;
the item page offers its 督办通知单."""

from __future__ import annotations

import re
from datetime import datetime
from io import BytesIO
from typing import Any

import docx

from tests.api_helpers import Actor
from tests.e2e.test_web_sign_in import HTML, _csrf, sign_in

# June 2031: a period of this file's own (the database is shared by the whole session); bearer tokens
# of the session are issued at 2026-11 and last five years.
START, END = "2031-06-01", "2031-06-30"


def _overdue_item(client: Any, tokens: dict[str, str], clock: Any) -> dict[str, Any]:
    clock.now = datetime.fromisoformat("2031-06-02T09:00:00+08:00")
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    data = {
        "title": "六月汛前河道清障",
        "content": "完成辖区河道清障",
        "source_type": "领导批示",
        "source_ref": "县长批示（2031年5月30日）",
        "lead_unit": "shuikou",
        "deadline": "2031-06-10",
        "responsible_leader": "刘分管副县长",
    }
    item = office.start("supervision_item", data)
    office.do(item["id"], "register", data)
    leader.do(item["id"], "approve", {"decision": "approve"})
    clock.now = datetime.fromisoformat("2031-06-13T10:00:00+08:00")  # Friday: 3 working days past 6-10 (Tue)
    return item


def test_the_office_generates_a_bulletin_from_the_page_and_a_unit_downloads_it(client, tokens, clock):
    item = _overdue_item(client, tokens, clock)
    # Given the office on the generate page for June 2031
    sign_in(client, "dcs_li")
    page = client.get("/bulletins/new", query_string={"start": START, "end": END}, headers=HTML)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-total="due">1<' in text and 'data-total="overdue">1<' in text
    reason = f"{item['business_number']}《六月汛前河道清障》逾期3个工作日未办结"
    assert 'name="criticism_pick" value="shuikou" checked' in text and reason in text
    assert "没有建议的单位" in text  # nobody to praise: the only due item is late

    # When a praised unit is added without a reason, Then the page says so next to the field and stores nothing
    token = _csrf(client, "/bulletins")
    form = {
        "csrf_token": token,
        "start": START,
        "end": END,
        "criticism_pick": "shuikou",
        "criticism_reason_shuikou": reason,
        "praise_extra_unit": "miandu",
        "praise_extra_reason": "",
        "requirements": "水口镇于3个工作日内完成清障并报送整改情况。",
    }
    refused = client.post("/bulletins", data=form, headers=HTML)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'data-error-for="praise_extra_reason"' in body
    assert "水口镇于3个工作日内完成清障" in body  # what was typed is kept

    # When the reason is given, Then the bulletin is generated and listed first
    done = client.post("/bulletins", data={**form, "praise_extra_reason": "防汛物资储备到位"}, headers=HTML)
    assert done.status_code == 302 and done.headers["Location"].endswith("/bulletins")
    listing = client.get("/bulletins", headers=HTML).get_data(as_text=True)
    assert "已生成督查通报2031年第" in listing and "沔渡镇人民政府" in listing and "水口镇人民政府" in listing
    bulletin_id = re.search(r'data-bulletin="(\d+)"', listing).group(1)  # type: ignore[union-attr]

    # And a unit's staff see it in the list (nav link 通报), download it, but may not open the generate page
    sign_in(client, "shuikou_ll")
    listing = client.get("/bulletins", headers=HTML).get_data(as_text=True)
    assert 'data-nav="bulletins"' in listing and f'data-bulletin="{bulletin_id}"' in listing
    assert 'id="bulletin-new"' not in listing
    assert client.get("/bulletins/new", headers=HTML).status_code == 403
    document = client.get(f"/api/v1/bulletins/{bulletin_id}/document.docx")
    text = "\n".join(p.text for p in docx.Document(BytesIO(document.data)).paragraphs)
    assert "1. 沔渡镇人民政府：防汛物资储备到位" in text and f"1. 水口镇人民政府：{reason}" in text

    # And the item page offers its 督办通知单
    item_page = client.get(f"/items/{item['id']}", headers=HTML).get_data(as_text=True)
    assert 'id="supervision-notice-link"' in item_page
    notice = client.get(f"/api/v1/process-instances/{item['id']}/supervision-notice.docx")
    assert notice.status_code == 200
    assert item["business_number"] in "\n".join(p.text for p in docx.Document(BytesIO(notice.data)).paragraphs)
