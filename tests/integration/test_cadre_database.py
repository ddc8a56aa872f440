"""Feature: the 督查人员信息库 (附件2/附件3) through the API — records, the 人员标准, and the 轮训抽选.

The database is shared by the whole test session: every test makes its own people (unique names) and
draws for its own half years.
"""

from __future__ import annotations

import re
import threading
import uuid
from typing import Any

from tests.api_helpers import Actor

BASE = "/cadre-db"


class Person(Actor):
    """Actor plus PUT and DELETE."""

    def put(self, path: str, **kw: Any) -> Any:
        return self.client.put(f"/api/v1{path}", headers=self.headers, **kw)

    def delete(self, path: str) -> Any:
        return self.client.delete(f"/api/v1{path}", headers=self.headers)


def _unique(name: str) -> str:
    return f"{name}{uuid.uuid4().hex[:6]}"


def cadre(unit: str | None = "xiayang", **changes: Any) -> dict[str, Any]:
    """A complete 附件3 record of someone who meets every rule on 2026-11-23."""
    body: dict[str, Any] = {
        "unit": unit,
        "name": _unique("测试干部"),
        "gender": "女",
        "birth_month": "1990-05",
        "ethnicity": "汉族",
        "native_place": "湖南炎陵",
        "birthplace": "湖南省炎陵县霞阳镇",
        "party_joined": "2012-06",
        "work_start": "2013-08",
        "health_status": "健康",
        "mobile": "13873300001",
        "specialty": "文字综合",
        "fulltime_education": "大学 学士",
        "fulltime_school": "湘潭大学 法学院 法学专业",
        "inservice_education": "研究生 硕士",
        "inservice_school": "中央党校 经济管理专业",
        "position": "党政综合办副主任",
        "rank": "副科级",
        "resume": "2013.08—至今 霞阳镇人民政府工作",
        "unit_opinion": "同意推荐",
        "unit_head": "谭镇长",
        "opinion_date": "2026-03-01",
        "disciplines": [],
        "evaluations": [
            {"year": 2023, "grade": "称职"},
            {"year": 2024, "grade": "优秀"},
            {"year": 2025, "grade": "称职"},
        ],
    }
    if unit is None:
        del body["unit"]
    return {**body, **changes}


def leader(unit: str = "fgj", **changes: Any) -> dict[str, Any]:
    body = {
        "unit": unit,
        "name": _unique("测试领导"),
        "gender": "男",
        "birth_month": "1978-09",
        "ethnicity": "汉族",
        "native_place": "湖南炎陵",
        "work_start": "1999-08",
        "party_joined": "2001-07",
        "mobile": "13973305678",
        "position": "副局长",
        "duties": "办公室、政务督查",
    }
    return {**body, **changes}


def _create(actor: Person, body: dict[str, Any]) -> dict[str, Any]:
    response = actor.post(f"{BASE}/cadres", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _named(actor: Person, name: str, **query: Any) -> list[dict[str, Any]]:
    response = actor.get(f"{BASE}/cadres", query_string={"per_page": 500, **query})
    assert response.status_code == 200, response.get_json()
    return [c for c in response.get_json()["items"] if c["name"] == name]


def test_the_office_registers_a_cadre_with_every_field_of_the_form(client: Any, tokens: dict[str, str]) -> None:
    office = Person(client, tokens["dcs_li"])
    # Given a complete 附件3 record with a 处分 long ago
    body = cadre(disciplines=[{"date": "2021-05-10", "kind": "警告", "issuer": "县纪委监委"}])
    # When the office registers it
    created = _create(office, body)
    # Then every field comes back, with the age, the health flag and the eligibility worked out
    for key in ("name", "gender", "birth_month", "birthplace", "party_joined", "work_start", "mobile", "specialty"):
        assert created[key] == body[key]
    for key in ("fulltime_education", "fulltime_school", "inservice_education", "inservice_school", "resume"):
        assert created[key] == body[key]
    assert created["unit"] == "xiayang" and created["unit_name"] == "霞阳镇人民政府"
    assert created["age"] == 36 and created["healthy"] is True and created["rank"] == "副科级"
    assert created["disciplines"] == body["disciplines"] and created["evaluations"] == body["evaluations"]
    assert (created["unit_opinion"], created["unit_head"], created["opinion_date"]) == (
        "同意推荐",
        "谭镇长",
        "2026-03-01",
    )
    assert created["eligible"] is True and created["eligibility"]["failed"] == []
    assert created["last_drawn"] is None and created["version"] == 1
    # and it is listed under its unit as eligible, and read back alone
    assert _named(office, body["name"], unit="xiayang", eligible="true")
    assert not _named(office, body["name"], eligible="false")
    assert office.get(f"{BASE}/cadres/{created['id']}").get_json()["name"] == body["name"]


def test_the_eligibility_check_lists_every_failed_rule_on_a_given_date(client: Any, tokens: dict[str, str]) -> None:
    office = Person(client, tokens["dcs_li"])
    # Given a 科级以下 cadre aged 45 in poor health with a 处分 in 2025 and a 基本称职 for 2025
    body = cadre(
        rank="科级以下",
        birth_month="1981-06",
        work_start="2003-07",
        health_status="一般",
        disciplines=[{"date": "2025-01-15", "kind": "党内警告", "issuer": "县纪委"}],
        evaluations=[{"year": 2024, "grade": "称职"}, {"year": 2025, "grade": "基本称职"}],
    )
    created = _create(office, body)
    # When checked today, Then every failed rule is listed with a Chinese message
    today = office.get(f"{BASE}/cadres/{created['id']}/eligibility").get_json()
    assert today["eligible"] is False
    assert [f["rule"] for f in today["failed"]] == ["age", "health", "discipline", "evaluation"]
    assert today["failed"][0]["message"] == "科级以下干部年龄应在 45 岁以下，现年 45 岁"
    # When checked on an earlier date (before the 处分 and the poor grade, aged 44), only health remains
    earlier = office.get(f"{BASE}/cadres/{created['id']}/eligibility", query_string={"on": "2024-12-01"}).get_json()
    assert earlier["on"] == "2024-12-01" and [f["rule"] for f in earlier["failed"]] == ["health"]
    assert (
        office.get(f"{BASE}/cadres/{created['id']}/eligibility", query_string={"on": "2024-13-01"}).status_code == 422
    )
    assert _named(office, body["name"], eligible="false")


def test_invalid_input_is_refused_with_every_field_error_and_nothing_is_saved(
    client: Any, tokens: dict[str, str]
) -> None:
    office = Person(client, tokens["dcs_li"])
    # Given a record with a short mobile, work before birth, no 姓名, a bad grade and a future 处分
    bad = cadre(
        name="  ",
        mobile="1387330",
        birth_month="1990-05",
        work_start="1989-01",
        gender="未知",
        rank="处级",
        opinion_date="2030-01-01",
        disciplines=[{"date": "2030-01-01", "kind": "警告", "issuer": ""}],
        evaluations=[{"year": 2025, "grade": "很好"}, {"year": 2025, "grade": "称职"}],
    )
    before = office.get(f"{BASE}/cadres", query_string={"per_page": 1}).get_json()["total"]
    # When it is submitted
    response = office.post(f"{BASE}/cadres", json=bad)
    # Then 422 names every bad field, in Chinese
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    for key in ("name", "mobile", "work_start", "gender", "rank", "opinion_date"):
        assert key in errors, key
    for key in ("disciplines.0.date", "disciplines.0.issuer", "evaluations.0.grade", "evaluations.1.year"):
        assert key in errors, key
    assert errors["mobile"] == ["手机号码应为 11 位数字，以 1 开头"]
    assert errors["work_start"] == ["参加工作时间应晚于出生年月"]
    # and nothing was saved
    assert office.get(f"{BASE}/cadres", query_string={"per_page": 1}).get_json()["total"] == before
    # Given a saved record, When an edit is invalid, Then it stays as it was
    saved = _create(office, cadre())
    refused = office.put(f"{BASE}/cadres/{saved['id']}", json={**cadre(), "name": saved["name"], "evaluations": "x"})
    assert refused.status_code == 422 and "evaluations" in refused.get_json()["errors"]
    missing = office.put(f"{BASE}/cadres/{saved['id']}", json={"name": "只有姓名"})
    assert missing.status_code == 422 and {"mobile", "birth_month", "resume"} <= set(missing.get_json()["errors"])
    again = office.get(f"{BASE}/cadres/{saved['id']}").get_json()
    assert again["version"] == 1 and again["evaluations"] == saved["evaluations"] and again["name"] == saved["name"]


def test_an_edit_replaces_the_rows_and_a_stale_version_is_refused(client: Any, tokens: dict[str, str]) -> None:
    office = Person(client, tokens["dcs_wang"])
    saved = _create(office, cadre())
    # When the 2025 grade is corrected and a 处分 added, with the version read
    changed = {
        **cadre(),
        "name": saved["name"],
        "version": 1,
        "evaluations": [{"year": 2024, "grade": "称职"}, {"year": 2025, "grade": "不称职"}],
        "disciplines": [{"date": "2026-02-01", "kind": "记过", "issuer": "县监委"}],
    }
    response = office.put(f"{BASE}/cadres/{saved['id']}", json=changed)
    assert response.status_code == 200, response.get_json()
    edited = response.get_json()
    assert edited["version"] == 2 and edited["evaluations"] == changed["evaluations"]
    assert [f["rule"] for f in edited["eligibility"]["failed"]] == ["discipline", "evaluation"]
    # Then an edit made from the old version is refused
    stale = office.put(f"{BASE}/cadres/{saved['id']}", json=changed)
    assert stale.status_code == 409


def test_a_unit_edits_its_own_cadres_only_and_leaders_read(client: Any, tokens: dict[str, str]) -> None:
    office, own = Person(client, tokens["dcs_li"]), Person(client, tokens["shuikou_ll"])
    # Given a 水口镇 liaison who recommends a cadre without naming the unit
    mine = _create(own, cadre(unit=None))
    assert mine["unit"] == "shuikou"
    other = _create(office, cadre(unit="luyuan"))
    # Then they cannot register one for another unit, nor see or edit another unit's cadre
    assert own.post(f"{BASE}/cadres", json=cadre(unit="luyuan")).status_code == 403
    assert own.get(f"{BASE}/cadres/{other['id']}").status_code == 404
    assert own.put(f"{BASE}/cadres/{other['id']}", json=cadre(unit="luyuan")).status_code == 404
    assert own.delete(f"{BASE}/cadres/{other['id']}").status_code == 404
    # nor move their own cadre to another unit
    moved = own.put(f"{BASE}/cadres/{mine['id']}", json={**cadre(unit="luyuan"), "name": mine["name"]})
    assert moved.status_code == 403
    listed = own.get(f"{BASE}/cadres", query_string={"per_page": 500}).get_json()["items"]
    assert listed and {c["unit"] for c in listed} == {"shuikou"}
    assert own.get(f"{BASE}/cadres", query_string={"unit": "luyuan"}).status_code == 403
    # but edit their own
    edited = own.put(
        f"{BASE}/cadres/{mine['id']}", json={**cadre(unit=None), "name": mine["name"], "mobile": "13900000000"}
    )
    assert edited.status_code == 200 and edited.get_json()["mobile"] == "13900000000"
    # And a county leader and an auditor read everything but change nothing
    for reader in ("changwu", "shenji"):
        actor = Person(client, tokens[reader])
        assert actor.get(f"{BASE}/cadres/{other['id']}").status_code == 200
        assert actor.post(f"{BASE}/cadres", json=cadre(unit="luyuan")).status_code == 403
        assert actor.post(f"{BASE}/draws", json={"half": "2018H1", "count": 1}).status_code == 403
    assert own.get(f"{BASE}/draws").status_code == 403


def test_leaders_records_of_attachment_2(client: Any, tokens: dict[str, str]) -> None:
    office, unit = Person(client, tokens["dcs_li"]), Person(client, tokens["zjj_fzr"])
    body = leader(unit="zjj", unit_opinion="同意", unit_head="局长", opinion_date="2026-02-01")
    created = office.post(f"{BASE}/leaders", json=body)
    assert created.status_code == 201, created.get_json()
    record = created.get_json()
    assert record["duties"] == body["duties"] and record["age"] == 48 and record["unit_name"] == "县住房和城乡建设局"
    # an opinion needs its 单位负责人 and date; the mobile must be 11 digits
    bad = office.post(f"{BASE}/leaders", json=leader(unit_opinion="同意", mobile="12345"))
    assert bad.status_code == 422 and {"unit_head", "opinion_date", "mobile"} <= set(bad.get_json()["errors"])
    assert [x["name"] for x in unit.get(f"{BASE}/leaders").get_json()["items"]] == [body["name"]]
    changed = unit.put(f"{BASE}/leaders/{record['id']}", json={**body, "duties": "政务督查"})
    assert changed.status_code == 200 and changed.get_json()["duties"] == "政务督查"
    assert unit.delete(f"{BASE}/leaders/{record['id']}").status_code == 204
    assert office.get(f"{BASE}/leaders/{record['id']}").status_code == 404


def test_a_draw_records_its_seed_and_candidates_and_can_be_reproduced(client: Any, tokens: dict[str, str]) -> None:
    office = Person(client, tokens["dcs_li"])
    # Given eligible and ineligible cadres in the database
    good = _create(office, cadre(unit="wjj"))
    old = _create(office, cadre(unit="wjj", rank="正科级", birth_month="1970-01", work_start="1990-01"))
    # When the office draws two for 2019H1
    response = office.post(f"{BASE}/draws", json={"half": "2019H1", "count": 2})
    assert response.status_code == 201, response.get_json()
    drawn = response.get_json()
    # Then the seed, the candidate list with eligibility and the result are recorded with who drew when
    assert re.fullmatch(r"[0-9a-f]{32}", drawn["seed"]) and drawn["drawn_by"] == "dcs_li"
    assert drawn["drawn_at"].startswith("2026-11-23") and drawn["checked_on"] == "2026-11-23"
    candidates = {c["cadre_id"]: c for c in drawn["candidates"]}
    assert candidates[good["id"]]["eligible"] is True
    assert candidates[old["id"]]["eligible"] is False and candidates[old["id"]]["failed"][0]["rule"] == "age"
    assert 1 <= len(drawn["result"]) <= 2 and all(candidates[i]["eligible"] for i in drawn["result"])
    assert [d["cadre_id"] for d in drawn["drawn"]] == drawn["result"]
    # and re-running it from the record gives the same result
    verify = office.get(f"{BASE}/draws/{drawn['id']}/verify").get_json()
    assert verify == {**verify, "reproducible": True, "intact": True, "recorded": drawn["result"]}
    assert verify["recomputed"] == drawn["result"]
    # and a leader reads it; the drawn cadres show it
    listed = Person(client, tokens["xianzhang"]).get(f"{BASE}/draws").get_json()
    assert any(d["id"] == drawn["id"] and d["reproducible"] for d in listed)
    assert office.get(f"{BASE}/cadres/{drawn['result'][0]}").get_json()["drawn_halves"][-1] >= "2019H1"


def test_one_draw_per_half_year_unless_voided_with_a_reason(client: Any, tokens: dict[str, str]) -> None:
    office = Person(client, tokens["dcs_wang"])
    _create(office, cadre(unit="fgj"))
    first = office.post(f"{BASE}/draws", json={"half": "2019H2", "count": 1})
    assert first.status_code == 201, first.get_json()
    # When a second draw is asked for the same half year, Then it is refused
    second = office.post(f"{BASE}/draws", json={"half": "2019H2", "count": 2})
    assert second.status_code == 409 and second.get_json()["details"]["draw_id"] == first.get_json()["id"]
    assert office.post(f"{BASE}/draws", json={"half": "2019H3", "count": 1}).status_code == 422
    assert office.post(f"{BASE}/draws", json={"half": "2019H2", "count": 3}).status_code == 422
    # When the first is voided without a reason, Then nothing changes; with one, it is voided and recorded
    draw_id = first.get_json()["id"]
    assert office.post(f"{BASE}/draws/{draw_id}/void", json={"reason": " "}).status_code == 422
    voided = office.post(f"{BASE}/draws/{draw_id}/void", json={"reason": "候选人信息录入有误，重新抽选"})
    assert voided.status_code == 200
    record = voided.get_json()
    assert (
        record["voided"]
        and record["voided_by"] == "dcs_wang"
        and record["void_reason"] == "候选人信息录入有误，重新抽选"
    )
    assert office.post(f"{BASE}/draws/{draw_id}/void", json={"reason": "再次"}).status_code == 409
    # Then the half year can be drawn again, and both draws stay on record
    redraw = office.post(f"{BASE}/draws", json={"half": "2019H2", "count": 2})
    assert redraw.status_code == 201, redraw.get_json()
    halves = [d for d in office.get(f"{BASE}/draws").get_json() if d["half"] == "2019H2"]
    assert sorted(d["voided"] for d in halves) == [False, True]


def test_two_clerks_drawing_the_same_half_year_at_once_get_one_draw(app: Any, tokens: dict[str, str]) -> None:
    _create(Person(app.test_client(), tokens["dcs_li"]), cadre(unit="shidu"))
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def draw(username: str) -> None:
        clerk = Person(app.test_client(), tokens[username])
        barrier.wait()
        statuses.append(clerk.post(f"{BASE}/draws", json={"half": "2022H1", "count": 1}).status_code)

    threads = [threading.Thread(target=draw, args=(u,)) for u in ("dcs_li", "dcs_wang")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201, 409]
    listed = Person(app.test_client(), tokens["dcs_li"]).get(f"{BASE}/draws").get_json()
    assert [d["voided"] for d in listed if d["half"] == "2022H1"] == [False]


def test_a_cadre_drawn_in_the_first_half_is_not_drawn_in_the_second_while_others_never_were(
    client: Any, tokens: dict[str, str]
) -> None:
    office = Person(client, tokens["dcs_li"])
    # Given four more eligible cadres nobody has drawn yet
    for unit in ("czj", "zrzyj", "jyj", "miandu"):
        _create(office, cadre(unit=unit))
    # When two are drawn for 2026H1 and two for 2026H2
    first = office.post(f"{BASE}/draws", json={"half": "2026H1", "count": 2})
    assert first.status_code == 201, first.get_json()
    second = office.post(f"{BASE}/draws", json={"half": "2026H2", "count": 2}).get_json()
    # Then nobody drawn in 2026H1 is drawn in 2026H2, and those drawn had never been drawn
    assert len(second["result"]) == 2 and not set(second["result"]) & set(first.get_json()["result"])
    snapshot = {c["cadre_id"]: c for c in second["candidates"]}
    assert all(snapshot[i]["last_drawn"] is None for i in second["result"])
    assert all(snapshot[i]["last_drawn"] == "2026H1" for i in first.get_json()["result"])


def test_a_removed_cadre_leaves_the_list_and_the_draws(client: Any, tokens: dict[str, str]) -> None:
    office = Person(client, tokens["dcs_li"])
    gone = _create(office, cadre(unit="shidu"))
    assert office.delete(f"{BASE}/cadres/{gone['id']}").status_code == 204
    assert office.get(f"{BASE}/cadres/{gone['id']}").status_code == 404
    assert not _named(office, gone["name"])
    drawn = office.post(f"{BASE}/draws", json={"half": "2020H1", "count": 1}).get_json()
    assert gone["id"] not in {c["cadre_id"] for c in drawn["candidates"]}
