"""Feature: 专项督查工作申报表 (附件1) goes through six sign-offs in the regulation's order."""

from __future__ import annotations

from tests.api_helpers import Actor

APPLICATION = {
    "reporting_unit": "县自然资源局",
    "person_in_charge": "自然资源局负责人",
    "report_date": "2026-11-23",
    "item_name": "耕地保护专项督查",
    "basis": "县委县政府耕地保护部署",
    "content": "核查违法占用耕地问题",
    "plan": "分三组实地核查，详见附件督查方案",
    "start_date": "2026-12-07",
}
SIGNERS = [
    ("sign_office", "dcs_li"),
    ("sign_supervising_leader", "dcld"),
    ("sign_office_director", "zhuren"),
    ("sign_vice_magistrate", "fenguan"),
    ("sign_executive_vice", "changwu"),
    ("sign_magistrate", "xianzhang"),
]


def _sign(actor: Actor, iid: int, element: str, decision: str) -> None:
    actor.do(
        iid,
        element,
        {"decision": decision, "opinion": "同意" if decision == "agree" else "请补充方案", "signed_on": "2026-11-24"},
    )


def test_rejected_at_the_fourth_signer_then_resubmitted_and_approved(client, tokens):
    applicant = Actor(client, tokens["zrzyj_ll"])
    iid = applicant.start("special_inspection_application", {"unit": "zrzyj"})["id"]
    applicant.do(iid, "apply", APPLICATION)
    for element, user in SIGNERS[:3]:
        _sign(Actor(client, tokens[user]), iid, element, "agree")
    # the 4th signer (分管副县长) rejects: the form goes back to the applicant
    _sign(Actor(client, tokens["fenguan"]), iid, "sign_vice_magistrate", "reject")
    assert applicant.task(iid, "apply")
    applicant.do(iid, "apply", {**APPLICATION, "plan": "补充后的督查方案"})
    for element, user in SIGNERS:
        _sign(Actor(client, tokens[user]), iid, element, "agree")
    final = applicant.instance(iid)
    assert final["status"] == "completed"
    assert [r["by"] for r in final["data"]["rejections"]] == ["分管副县长"]
    history = applicant.get(f"/process-instances/{iid}/history").get_json()
    order = [e["payload"]["element_id"] for e in history if e["kind"] == "task_completed"]
    assert order == ["apply", *[s for s, _ in SIGNERS[:4]], "apply", *[s for s, _ in SIGNERS]]


def test_a_start_date_less_than_a_week_away_goes_back_to_the_applicant(client, tokens):
    applicant = Actor(client, tokens["zrzyj_ll"])
    iid = applicant.start("special_inspection_application", {"unit": "zrzyj"})["id"]
    applicant.do(iid, "apply", {**APPLICATION, "start_date": "2026-11-26"})
    assert applicant.task(iid, "apply")  # not passed on to the office
    assert Actor(client, tokens["dcs_li"]).tasks(iid, "sign_office") == []
