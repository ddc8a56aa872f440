"""Issue 9: what a county leader may read. Every county leader reads every supervised item (督查督办
practice: 县领导 approve, read reports and give instructions on any item) and acts only on the tasks of
their own lane; units read their own work only; the security and audit administrators read no item.
See docs/decisions/0008-separation-of-duties.md."""

from __future__ import annotations

from typing import Any

import pytest

from service.access.principal import COUNTY_LEADERS
from tests.api_helpers import Actor
from tests.integration.test_supervised_item_flow import ITEM

LEADERS = {
    "县长": "xianzhang",
    "常务副县长": "changwu",
    "分管副县长": "fenguan",
    "政府办主任": "zhuren",
    "政府办分管督查领导": "dcld",
}


@pytest.fixture(scope="module")
def item(app: Any, tokens: Any) -> int:
    office = Actor(app.test_client(), tokens["dcs_li"])
    iid = int(office.start("supervision_item", {**ITEM, "co_units": []})["id"])
    office.do(iid, "register", {**ITEM, "co_units": []})  # now waiting for 常务副县长's approval
    return iid


def test_the_leader_list_is_the_one_in_principal() -> None:
    assert set(LEADERS) == COUNTY_LEADERS


@pytest.mark.parametrize("username", list(LEADERS.values()))
def test_every_county_leader_reads_every_item(client: Any, tokens: Any, item: int, username: str) -> None:
    leader = Actor(client, tokens[username])
    assert leader.get(f"/process-instances/{item}").status_code == 200
    assert leader.get(f"/process-instances/{item}/history").status_code == 200
    ledger = leader.get("/ledger", query_string={"per_page": 500}).get_json()["items"]
    assert item in [row["instance_id"] for row in ledger]


@pytest.mark.parametrize("username", ["xianzhang", "fenguan", "zhuren", "dcld"])
def test_a_leader_acts_only_on_their_own_lanes_tasks(client: Any, tokens: Any, item: int, username: str) -> None:
    approval = Actor(client, tokens["changwu"]).task(item, "approve")
    other = Actor(client, tokens[username])
    response = other.post(f"/tasks/{approval['id']}/complete", json={"data": {"decision": "approve"}})
    assert response.status_code in (403, 404)
    assert Actor(client, tokens["changwu"]).task(item, "approve")["id"] == approval["id"]  # still waiting


@pytest.mark.parametrize("username", ["xiayang_ll", "anquan", "shenjiguan"])
def test_units_not_involved_and_the_security_and_audit_admins_read_no_item(
    client: Any, tokens: Any, item: int, username: str
) -> None:
    reader = Actor(client, tokens[username])
    assert reader.get(f"/process-instances/{item}").status_code == 404
    assert reader.get("/ledger").get_json()["total"] == 0 or username == "xiayang_ll"
