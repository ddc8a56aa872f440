"""Feature: 督查问责 (炎陵 §四(一)(二), 004 §六.3–4; issue 11 point 10).

督查室 refers a handling unit for 推诿、拒办、弄虚作假 or 失职 with the facts and the outcome; the referral is on
the item, the unit is told, the leaders list it, and 考核 deducts for it by the rule `accountability`."""

from __future__ import annotations

from typing import Any

from service import workdays
from tests.access_helpers import HTML, csrf, sign_in
from tests.api_helpers import Actor
from tests.integration.test_supervised_item_flow import ITEM

REFERRAL = {
    "unit": "zjj",
    "kind": "弄虚作假",
    "facts": "报送的竣工验收材料系伪造",
    "outcome": "通报批评，移送县纪委监委",
}


def _item(client: Any, tokens: dict[str, str]) -> int:
    office, leader = Actor(client, tokens["dcs_li"]), Actor(client, tokens["changwu"])
    iid = office.start("supervision_item", {})["id"]
    office.do(iid, "register", {**ITEM, "title": "问责测试：老旧小区改造"})
    leader.do(iid, "approve", {"decision": "approve"})
    return int(iid)


def test_a_referral_is_recorded_told_listed_and_scored(client: Any, tokens: dict[str, str], clock: Any) -> None:
    office, leader, unit = (
        Actor(client, tokens["dcs_li"]),
        Actor(client, tokens["changwu"]),
        Actor(client, tokens["zjj_ll"]),
    )
    iid = _item(client, tokens)
    assert unit.post(f"/process-instances/{iid}/accountability", json=REFERRAL).status_code == 403
    response = office.post(f"/process-instances/{iid}/accountability", json=REFERRAL)
    assert response.status_code == 201, response.get_json()
    assert [r["kind"] for r in office.get(f"/process-instances/{iid}/accountability").get_json()] == ["弄虚作假"]
    told = unit.get("/notifications", query_string={"per_page": 100}).get_json()["items"]
    assert any(n["kind"] == "accountability" and "伪造" in n["body"] for n in told)
    listed = leader.get("/accountability").get_json()["items"]
    assert any(r["instance_id"] == iid and r["unit_code"] == "zjj" for r in listed)
    others = Actor(client, tokens["czj_ll"]).get("/accountability").get_json()["items"]
    assert all(r["unit_code"] == "czj" for r in others)  # a unit sees its own referrals only
    history = office.get(f"/process-instances/{iid}/history").get_json()
    assert [e["payload"]["kind"] for e in history if e["kind"] == "accountability_recorded"] == ["弄虚作假"]
    period = workdays.as_date(clock()).strftime("%Y-%m")
    units = {u["unit"]: u for u in office.get("/scores", query_string={"period": period}).get_json()["units"]}
    lines = [line for line in units["zjj"]["lines"] if line["rule"] == "accountability" and line["instance_id"] == iid]
    assert [line["points"] for line in lines] == [-5] and "弄虚作假" in lines[0]["explanation"]


def test_a_referral_names_a_handling_unit_facts_and_outcome(client: Any, tokens: dict[str, str]) -> None:
    office = Actor(client, tokens["dcs_li"])
    iid = _item(client, tokens)
    body = office.post(f"/process-instances/{iid}/accountability", json={**REFERRAL, "unit": "jyj"}).get_json()
    assert body["details"]["errors"] == {"unit": ["只能是该事项的承办单位"]}
    body = office.post(f"/process-instances/{iid}/accountability", json={**REFERRAL, "facts": " ", "outcome": ""})
    assert body.status_code == 422 and set(body.get_json()["details"]["errors"]) == {"facts", "outcome"}
    assert office.post(f"/process-instances/{iid}/accountability", json={**REFERRAL, "kind": "迟到"}).status_code == 422
    assert office.get(f"/process-instances/{iid}/accountability").get_json() == []

    # on the page the message stands next to the field, the typed facts are kept, and nothing is recorded
    sign_in(client, "dcs_li")
    form = {"csrf_token": csrf(client, f"/items/{iid}"), **REFERRAL, "unit": ""}
    refused = client.post(f"/items/{iid}/accountability", data=form, headers=HTML)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'data-error-for="unit"' in page and "报送的竣工验收材料系伪造" in page
    form["unit"] = "zjj"
    assert client.post(f"/items/{iid}/accountability", data=form, headers=HTML).status_code == 302
    listing = client.get("/accountability", headers=HTML).get_data(as_text=True)
    assert "问责测试：老旧小区改造" in listing and "移送县纪委监委" in listing
