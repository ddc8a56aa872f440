"""Feature: the 考核 page — units by score with their explained lines, the Excel link, the rules form."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from service.db.models.documents import Bulletin, BulletinMention
from service.scoring import rules as scoring_rules
from tests.api_helpers import Actor
from tests.e2e.test_web_sign_in import HTML, _csrf, sign_in

PERIOD = "2027-08"  # a month of its own: no other test's data lands in it
DEFAULT_RULES = scoring_rules.to_json(scoring_rules.DEFAULTS)


@pytest.fixture()
def praised(services: Any, client: Any, tokens: dict[str, str]) -> Iterator[str]:
    """水口镇 praised in a bulletin of 2027-08, with the default rules in force."""
    admin = Actor(client, tokens["admin"])
    assert client.put("/api/v1/scores/rules", json={"rules": DEFAULT_RULES}, headers=admin.headers).status_code == 200
    with services.uow() as uow:
        bulletin = Bulletin(
            year=2027,
            issue_no=800_000 + uuid.uuid4().int % 99_999,
            title="八月督查通报（页面测试）",
            period_start="2027-08-01",
            period_end="2027-08-10",
            totals={},
            requirements="",
            storage_key=f"scoring-page-{uuid.uuid4().hex}",
            sha256="0" * 64,
            size=0,
            created_by="dcs_li",
            created_at=datetime(2027, 8, 11, 2, 0, tzinfo=UTC),
        )
        bulletin.mentions = [BulletinMention(unit_code="shuikou", kind="praise", reason="防汛物资储备到位")]
        uow.session.add(bulletin)
        uow.commit()
        bulletin_id = bulletin.id
    yield "shuikou"
    with services.uow() as uow:
        uow.session.delete(uow.session.get(Bulletin, bulletin_id))
        uow.commit()
    client.put("/api/v1/scores/rules", json={"rules": DEFAULT_RULES}, headers=admin.headers)


def _row(page: str, unit: str) -> str:
    match = re.search(rf'<tr class="score-unit" data-unit="{unit}">(.*?)</tr>', page, re.S)
    assert match, page[:2000]
    return match.group(1)


def test_the_office_sees_every_unit_ranked_with_its_explained_lines(client: Any, praised: str) -> None:
    # Given 督查室 signed in
    sign_in(client, "dcs_li")
    # When they open the scores of 2027-08
    page = client.get("/scores", query_string={"period": PERIOD}, headers=HTML).get_data(as_text=True)
    # Then the nav shows 考核, every unit has a row, the praised unit leads with 101 and its line explains why
    assert 'href="/scores"' in page and "考核" in page
    assert "101" in _row(page, "shuikou") and "100" in _row(page, "xiayang")
    assert page.index('data-unit="shuikou"') < page.index('data-unit="xiayang"')
    lines = re.search(r'data-lines-for="shuikou">(.*?)</details>', page, re.S)
    assert lines and "<summary>" in lines.group(1)
    assert "督查通报《八月督查通报（页面测试）》通报表扬（防汛物资储备到位）：+1" in lines.group(1)
    assert 'href="/api/v1/scores/export.xlsx?period=2027-08"' in page
    assert 'id="score-rules-form"' in page and 'name="overdue_lead"' in page
    # and the Excel link answers for the browser session
    export = client.get("/api/v1/scores/export.xlsx?period=2027-08")
    assert export.status_code == 200 and export.data[:2] == b"PK"


def test_a_bad_period_is_shown_next_to_its_field(client: Any) -> None:
    sign_in(client, "xianzhang")
    page = client.get("/scores", query_string={"period": "2027Q9"}, headers=HTML)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-error-for="period"' in text and 'id="score-list"' not in text
    dates = client.get("/scores", query_string={"start": "2027-02-01", "end": "2027-01-01"}, headers=HTML)
    assert 'data-error-for="end"' in dates.get_data(as_text=True)
    assert 'id="score-rules-form"' not in text  # a leader reads the rules, does not change them
    assert 'id="score-rules-read"' in text


def test_the_rules_form_refuses_bad_numbers_next_to_the_field_and_saves_good_ones(
    client: Any, tokens: dict[str, str], praised: str
) -> None:
    office = Actor(client, tokens["dcs_li"])
    version = office.get("/scores/rules").get_json()["version"]
    sign_in(client, "dcs_li")
    form = {f.key: str(v) for f, v in zip(scoring_rules.RULE_FIELDS, DEFAULT_RULES.values(), strict=True)}
    # When the praise is not a number
    bad = client.post(
        f"/scores/rules?period={PERIOD}",
        data={**form, "praise": "abc", "csrf_token": _csrf(client, "/scores"), "based_on": str(version)},
        headers=HTML,
    )
    # Then the page says so next to the field and nothing is saved
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'data-error-for="praise"' in text and 'value="abc"' in text
    assert office.get("/scores/rules").get_json()["version"] == version
    # When the praise is raised to 2
    good = client.post(
        f"/scores/rules?period={PERIOD}",
        data={**form, "praise": "2", "csrf_token": _csrf(client, "/scores"), "based_on": str(version)},
        headers=HTML,
    )
    # Then a new version is saved and the scores use it
    assert good.status_code == 302 and good.headers["Location"].endswith(f"/scores?period={PERIOD}")
    page = client.get(good.headers["Location"], headers=HTML).get_data(as_text=True)
    assert f"考核规则已保存为第 {version + 1} 版" in page and "102" in _row(page, "shuikou")
    assert f"考核规则第 {version + 1} 版" in page
    # A post without the CSRF token changes nothing
    forged = client.post("/scores/rules", data={**form, "praise": "3"}, headers=HTML)
    assert forged.status_code == 403 and office.get("/scores/rules").get_json()["version"] == version + 1


def test_a_unit_sees_only_its_own_row_and_cannot_change_the_rules(client: Any, praised: str) -> None:
    sign_in(client, "shuikou_ll")
    page = client.get("/scores", query_string={"period": PERIOD}, headers=HTML).get_data(as_text=True)
    assert re.findall(r'class="score-unit" data-unit="(\w+)"', page) == ["shuikou"]
    assert "通报表扬" in page and 'id="score-rules-form"' not in page
    csrf = _csrf(client, "/scores")
    assert client.post("/scores/rules", data={"praise": "5", "csrf_token": csrf}, headers=HTML).status_code == 403
