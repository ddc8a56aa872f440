"""Feature: the 督查人员 pages — list with the 人员标准 badges, the 附件3/附件2 forms, the 轮训抽选 page."""

from __future__ import annotations

import re
import uuid
from typing import Any

from tests.api_helpers import Actor
from tests.e2e.test_web_sign_in import HTML, _csrf, sign_in
from tests.integration.test_cadre_database import cadre


def _form(name: str, **changes: Any) -> dict[str, Any]:
    """What the 附件3 page posts: the fields, and the 处分/考核 rows as parallel lists (blank rows included)."""
    body = {k: v for k, v in cadre(unit="zrzyj", name=name).items() if k not in ("disciplines", "evaluations")}
    body.update(
        d_date=["", ""], d_kind=["", ""], d_issuer=["", ""], e_year=["2024", "2025", ""], e_grade=["称职", "优秀", ""]
    )
    return {**body, **changes}


def _created(client: Any, tokens: dict[str, str], **changes: Any) -> dict[str, Any]:
    response = Actor(client, tokens["dcs_li"]).post("/cadre-db/cadres", json=cadre(**changes))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_the_list_shows_each_cadres_failed_rules_next_to_the_badge(client: Any, tokens: dict[str, str]) -> None:
    # Given an eligible cadre and one over age with a poor grade, in 县自然资源局
    fine = _created(client, tokens, unit="zrzyj")
    old = _created(
        client,
        tokens,
        unit="zrzyj",
        rank="正科级",
        birth_month="1975-01",
        work_start="1996-07",
        evaluations=[{"year": 2025, "grade": "基本称职"}],
    )
    # When the office opens the list filtered to that unit
    sign_in(client, "dcs_li")
    page = client.get("/cadres", query_string={"unit": "zrzyj"}, headers=HTML).get_data(as_text=True)
    # Then the link is in the navigation, both are listed, and the failed rules are spelled out
    assert 'data-nav="cadres"' in page and fine["name"] in page and old["name"] in page
    row = page[page.index(f'data-cadre="{old["id"]}"') :]
    row = row[: row.index("</tr>")]
    assert 'data-eligible="no"' in row and 'data-rule="age"' in row and 'data-rule="evaluation"' in row
    assert "科级干部年龄应在 50 岁以下，现年 51 岁" in row
    assert 'data-eligible="yes"' in page[page.index(f'data-cadre="{fine["id"]}"') :]
    only_bad = client.get("/cadres", query_string={"unit": "zrzyj", "eligible": "no"}, headers=HTML)
    assert old["name"] in only_bad.get_data(as_text=True) and fine["name"] not in only_bad.get_data(as_text=True)


def test_the_cadre_form_shows_errors_next_to_fields_and_keeps_what_was_typed(client: Any) -> None:
    sign_in(client, "dcs_wang")
    token = _csrf(client, "/cadres/new")
    name = f"表单干部{uuid.uuid4().hex[:6]}"
    # When the form is posted with a 10-digit mobile and a 处分 row without its issuer
    bad = _form(name, mobile="1387330000", d_date=["2020-01-01", ""], d_kind=["警告", ""])
    response = client.post("/cadres/new", data={**bad, "csrf_token": token}, headers=HTML)
    text = response.get_data(as_text=True)
    # Then the page comes back with each error beside its field and the typed values kept
    assert response.status_code == 422
    assert 'data-error-for="mobile"' in text and 'data-error-for="disciplines.0.issuer"' in text
    assert 'value="1387330000"' in text and f'value="{name}"' in text
    assert name not in client.get("/cadres", headers=HTML).get_data(as_text=True)
    # When it is corrected, Then it is saved and listed
    good = _form(name, d_date=["2020-01-01", ""], d_kind=["警告", ""], d_issuer=["县纪委", ""])
    saved = client.post("/cadres/new", data={**good, "csrf_token": token}, headers=HTML)
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/cadres")
    listed = client.get("/cadres", query_string={"unit": "zrzyj"}, headers=HTML).get_data(as_text=True)
    assert name in listed
    cadre_id = int(re.search(rf'data-cadre="(\d+)">\s*<td[^>]*><a href="/cadres/\d+">{name}', listed).group(1))  # type: ignore[union-attr]
    # and its page shows the form filled in, with the eligibility and the rows
    form = client.get(f"/cadres/{cadre_id}", headers=HTML).get_data(as_text=True)
    assert 'id="cadre-eligibility"' in form and 'value="县纪委"' in form and 'name="csrf_token"' in form
    # a post without the CSRF token changes nothing
    refused = client.post(f"/cadres/{cadre_id}", data=_form("改名"), headers=HTML)
    assert refused.status_code == 403


def test_a_unit_sees_and_edits_only_its_own_cadres_on_the_pages(client: Any, tokens: dict[str, str]) -> None:
    mine = _created(client, tokens, unit="xiayang")
    other = _created(client, tokens, unit="miandu")
    sign_in(client, "xiayang_fzr")
    page = client.get("/cadres", headers=HTML).get_data(as_text=True)
    assert mine["name"] in page and other["name"] not in page
    assert "轮训抽选" not in page
    assert client.get(f"/cadres/{other['id']}", headers=HTML).status_code == 404
    assert client.get("/cadres/draws", headers=HTML).status_code == 403
    own_form = client.get(f"/cadres/{mine['id']}", headers=HTML).get_data(as_text=True)
    assert 'id="save-cadre"' in own_form and 'name="unit" value="xiayang"' in own_form
    # a county leader reads the form but cannot save
    sign_in(client, "fenguan")
    read_only = client.get(f"/cadres/{other['id']}", headers=HTML).get_data(as_text=True)
    assert other["name"] in read_only and 'id="save-cadre"' not in read_only and "disabled" in read_only


def test_the_leader_form_of_attachment_2(client: Any) -> None:
    sign_in(client, "jyj_ll")
    token = _csrf(client, "/cadres/leaders/new")
    name = f"分管领导{uuid.uuid4().hex[:6]}"
    body = {
        "name": name,
        "gender": "男",
        "birth_month": "1979-04",
        "ethnicity": "汉族",
        "native_place": "湖南炎陵",
        "work_start": "2001-08",
        "party_joined": "",
        "mobile": "13800000000",
        "position": "县教育局副局长",
        "duties": "",
        "csrf_token": token,
    }
    missing = client.post("/cadres/leaders/new", data=body, headers=HTML)
    assert missing.status_code == 422 and 'data-error-for="duties"' in missing.get_data(as_text=True)
    saved = client.post("/cadres/leaders/new", data={**body, "duties": "督导、政务督查"}, headers=HTML)
    assert saved.status_code == 302
    assert name in client.get("/cadres", headers=HTML).get_data(as_text=True)


def test_the_office_draws_voids_and_redraws_on_the_draws_page(client: Any, tokens: dict[str, str]) -> None:
    _created(client, tokens, unit="shuikou")
    sign_in(client, "dcs_li")
    token = _csrf(client, "/cadres/draws")
    page = client.get("/cadres/draws", headers=HTML).get_data(as_text=True)
    assert 'id="draw-button"' in page and 'value="2026H2"' in page  # today's half year is the default
    # When the office draws for 2021H1
    drawn = client.post("/cadres/draws", data={"half": "2021H1", "count": "2", "csrf_token": token}, headers=HTML)
    assert drawn.status_code == 302
    page = client.get("/cadres/draws", headers=HTML).get_data(as_text=True)
    # Then the draw is shown with its seed, candidates and the re-run check
    section = page[page.index('data-half="2021H1"') :]
    section = section[: section.index("</section>")]
    assert re.search(r'class="cadre-seed">[0-9a-f]{32}<', section) and 'data-reproducible="yes"' in section
    assert "2021H1 轮训抽选结果" in page and "候选名单" in section
    draw_id = int(re.search(r'data-draw="(\d+)" data-half="2021H1"', page).group(1))  # type: ignore[union-attr]
    # A second draw for the same half year is refused with the reason shown
    again = client.post("/cadres/draws", data={"half": "2021H1", "count": "1", "csrf_token": token}, headers=HTML)
    assert again.status_code == 302
    assert "已抽选" in client.get("/cadres/draws", headers=HTML).get_data(as_text=True)
    bad = client.post("/cadres/draws", data={"half": "2021H9", "count": "1", "csrf_token": token}, headers=HTML)
    assert bad.status_code == 422 and 'data-error-for="half"' in bad.get_data(as_text=True)
    # Voiding needs a reason, shown next to the field; with one the half year can be drawn again
    no_reason = client.post(f"/cadres/draws/{draw_id}/void", data={"reason": "", "csrf_token": token}, headers=HTML)
    assert no_reason.status_code == 422 and f'data-error-for="reason-{draw_id}"' in no_reason.get_data(as_text=True)
    voided = client.post(
        f"/cadres/draws/{draw_id}/void", data={"reason": "测试作废", "csrf_token": token}, headers=HTML
    )
    assert voided.status_code == 302
    redrawn = client.post("/cadres/draws", data={"half": "2021H1", "count": "1", "csrf_token": token}, headers=HTML)
    assert redrawn.status_code == 302
    page = client.get("/cadres/draws", headers=HTML).get_data(as_text=True)
    assert page.count('data-half="2021H1"') == 2 and "测试作废" in page
    # A leader reads the page but gets no draw button
    sign_in(client, "changwu")
    assert 'id="draw-button"' not in client.get("/cadres/draws", headers=HTML).get_data(as_text=True)
