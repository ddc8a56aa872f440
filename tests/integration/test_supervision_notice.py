"""Feature: the 督办通知单 of an item, as Word — for whoever may read the item, once it is 交办."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import docx

from tests.api_helpers import Actor

ITEM = {
    "title": "县城区停车场规划建设",
    "content": "完成城区三处公共停车场选址与规划",
    "source_type": "专题会议",
    "source_ref": "县政府专题会议纪要〔2026〕12号",
    "lead_unit": "zrzyj",
    "co_units": ["zjj"],
    "time_limit_days": 15,
    "requirements": "每两周报送进度",
    "responsible_leader": "刘分管副县长",
}


def _fields(body: bytes) -> tuple[str, dict[str, str]]:
    document = docx.Document(BytesIO(body))
    table = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    return "\n".join(p.text for p in document.paragraphs), table


def test_the_notice_is_issued_on_assignment_to_the_items_readers(client: Any, tokens: dict[str, str]) -> None:
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    item = office.start("supervision_item", ITEM)
    path = f"/process-instances/{item['id']}/supervision-notice.docx"
    # Given an item still being registered, Then there is no notice yet
    office.do(item["id"], "register", ITEM)
    assert office.get(path).status_code == 409

    # When it is approved (交办), Then the office gets the notice with the item's facts
    leader.do(item["id"], "approve", {"decision": "approve"})
    response = office.get(path)
    assert response.status_code == 200 and response.mimetype.endswith("wordprocessingml.document")
    assert "filename*=UTF-8''%E7%9D%A3%E5%8A%9E%E9%80%9A%E7%9F%A5%E5%8D%95" in response.headers["Content-Disposition"]
    text, table = _fields(response.data)
    deadline = office.instance(item["id"])["data"]["deadline"]
    year, month, day = (int(x) for x in deadline.split("-"))
    assert f"编号：{item['business_number']}" in text and "2026年11月23日" in text  # issued on 交办 day
    assert table["事项名称"] == ITEM["title"] and table["来源依据"] == ITEM["source_ref"]
    assert table["牵头单位"] == "县自然资源局" and table["协办单位"] == "县住房和城乡建设局"
    assert table["办理时限"] == "15个工作日" and table["截止日期"] == f"{year}年{month}月{day}日"
    assert table["责任县领导"] == "刘分管副县长" and table["工作要求"] == "每两周报送进度"

    # And the handling units and the auditor may download it; another unit does not even see the item
    for reader in ("zrzyj_ll", "zjj_fzr", "shenji"):
        assert _fields(Actor(client, tokens[reader]).get(path).data) == (text, table), reader
    assert Actor(client, tokens["luyuan_ll"]).get(path).status_code == 404
    assert office.get("/process-instances/999999999/supervision-notice.docx").status_code == 404
