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
    "plan_purpose": "查清违法占用耕地问题",
    "plan_period": "2026年12月7日至18日",
    "plan_targets": "各乡镇",
    "plan_method": "四不两直，明察暗访",
    "plan_participants": "县自然资源局、县农业农村局抽调人员",
    "plan_result_use": "纳入年度考核",
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


def test_the_approved_form_prints_as_the_paper_form_with_every_signature(client, tokens):
    """附件1 printed (issue 11, point 3): the header, the six opinions in order with who signed, the 督查方案."""
    from io import BytesIO

    import docx

    applicant = Actor(client, tokens["zrzyj_ll"])
    iid = applicant.start("special_inspection_application", {"unit": "zrzyj"})["id"]
    applicant.do(iid, "apply", APPLICATION)
    for element, user in SIGNERS:
        _sign(Actor(client, tokens[user]), iid, element, "agree")
    response = applicant.get(f"/process-instances/{iid}/application.docx")
    assert response.status_code == 200
    document = docx.Document(BytesIO(response.data))
    cells = [[c.text for c in row.cells] for table in document.tables for row in table.rows]
    labels = [row[0] for row in cells]
    assert labels[:9] == ["事项名称", "督查依据", "督查内容", "县政府督查室意见", "县政府办分管督查领导意见",
                          "县政府办主任意见", "分管副县长意见", "常务副县长意见", "县长意见"]  # fmt: skip
    assert all(row[1].startswith("同意") and "签署：" in row[1] for row in cells[3:9])
    plan = dict((row[0], row[1]) for row in cells[9:])
    assert plan["督查目的"] == "查清违法占用耕地问题" and plan["参加人员"] == "县自然资源局、县农业农村局抽调人员"
    text = "\n".join(p.text for p in document.paragraphs)
    assert "呈报单位（盖章）：县自然资源局" in text
    assert Actor(client, tokens["xiayang_ll"]).get(f"/process-instances/{iid}/application.docx").status_code == 404


def test_the_plan_must_name_the_elements_the_form_requires(client, tokens):
    applicant = Actor(client, tokens["zrzyj_ll"])
    iid = applicant.start("special_inspection_application", {"unit": "zrzyj"})["id"]
    task = applicant.task(iid, "apply")
    partial = {k: v for k, v in APPLICATION.items() if k not in ("plan_method", "plan_result_use")}
    body = applicant.complete(task["id"], partial, status=422)
    assert set(body["details"]["errors"]) == {"plan_method", "plan_result_use"}
