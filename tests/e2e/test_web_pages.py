"""Feature: what each role sees on the pages — own unit's work only, ledger filters, overview, assets."""

from __future__ import annotations

from typing import Any

from tests.api_helpers import Actor
from tests.e2e.test_web_sign_in import HTML, sign_in


def _approved_item(client: Any, tokens: dict[str, str], title: str, unit: str) -> int:
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    item = office.start("supervision_item", {})
    office.do(
        item["id"],
        "register",
        {
            "title": title,
            "content": f"{title}的内容",
            "source_type": "文件",
            "source_ref": "县政发〔2026〕1号",
            "lead_unit": unit,
        },
    )
    leader.do(item["id"], "approve", {"decision": "approve"})
    return int(item["id"])


def test_a_units_staff_see_only_their_units_tasks_and_items(client: Any, tokens: dict[str, str]) -> None:
    mine = _approved_item(client, tokens, "水口镇防汛物资核查", "shuikou")
    other = _approved_item(client, tokens, "鹿原镇道路硬化", "luyuan")
    sign_in(client, "shuikou_ll")
    inbox = client.get("/inbox", headers=HTML).get_data(as_text=True)
    assert "水口镇防汛物资核查" in inbox and "鹿原镇道路硬化" not in inbox
    assert client.get(f"/items/{mine}", headers=HTML).status_code == 200
    assert client.get(f"/items/{other}", headers=HTML).status_code == 404
    ledger = client.get("/ledger", headers=HTML).get_data(as_text=True)
    assert "水口镇防汛物资核查" in ledger and "鹿原镇道路硬化" not in ledger


def test_the_ledger_filters_and_reports_a_bad_date_next_to_its_field(client: Any, tokens: dict[str, str]) -> None:
    _approved_item(client, tokens, "县教育局校舍排查", "jyj")
    sign_in(client, "xianzhang")
    found = client.get("/ledger", query_string={"q": "校舍排查", "status": "handling"}, headers=HTML)
    text = found.get_data(as_text=True)
    assert found.status_code == 200 and "县教育局校舍排查" in text and "县教育局" in text
    none = client.get("/ledger", query_string={"q": "校舍排查", "status": "closed"}, headers=HTML)
    assert "县教育局校舍排查" not in none.get_data(as_text=True)
    bad = client.get("/ledger", query_string={"registered_from": "2026-13-45"}, headers=HTML)
    assert bad.status_code == 200 and 'data-error-for="registered_from"' in bad.get_data(as_text=True)


def test_the_overview_counts_items_and_draws_the_chart_from_local_assets(client: Any, tokens: dict[str, str]) -> None:
    _approved_item(client, tokens, "县财政局资金拨付", "czj")
    sign_in(client, "xianzhang")
    page = client.get("/overview", headers=HTML).get_data(as_text=True)
    assert "各单位按期办结率" in page and "县财政局" in page
    assert "/vendor/chart.js/chart.umd.min.js" in page
    for asset in (
        "/vendor/chart.js/chart.umd.min.js",
        "/vendor/form-js/form-viewer.umd.js",
        "/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js",
    ):
        response = client.get(asset)
        response.close()  # a file response: close it, or the open file warns
        assert response.status_code == 200, asset
    assert client.get("/vendor/form-js/../package.json").status_code == 404
    assert client.get("/vendor/left-pad/index.js").status_code == 404


def test_a_draft_comes_back_on_the_task_page(client: Any, tokens: dict[str, str]) -> None:
    item = _approved_item(client, tokens, "十都镇人居环境整治", "shidu")
    unit = Actor(client, tokens["shidu_ll"])
    task = unit.task(item, "handle")
    saved = client.put(
        f"/api/v1/tasks/{task['id']}/draft",
        json={"data": {"progress": "草稿：已清理 3 处垃圾点"}},
        headers=unit.headers,
    )
    assert saved.status_code == 200, saved.get_json()
    sign_in(client, "shidu_ll")
    page = client.get(f"/tasks/{task['id']}", headers=HTML).get_data(as_text=True)
    assert "草稿：已清理 3 处垃圾点" in page and "草稿已保存于" in page
