"""The Word builders: 催办通知, 督办通知单 and 督查通报 open in python-docx and say what they must;
bulletin requests are checked."""

from __future__ import annotations

from datetime import UTC, date, datetime
from io import BytesIO

import docx
import pytest
from docx.oxml.ns import qn

from service.documents import layout
from service.documents.bulletin import BulletinContent, build_bulletin, summary_text
from service.documents.bulletin_figures import LedgerLine, Period
from service.documents.bulletin_input import parse_period, parse_request
from service.documents.reminder_notice import ReminderNotice, build_reminder_notice
from service.documents.supervision_notice import SupervisionNotice, build_supervision_notice, time_limit_text
from service.errors import InvalidInput

REMINDER = ReminderNotice(
    business_number="督办〔2026〕第3号",
    title="推进城区老旧小区改造",
    unit_names=["县住房和城乡建设局", "县财政局"],
    original_deadline=date(2026, 11, 20),
    days_overdue=3,
    new_deadline=date(2026, 12, 1),
    message="请加快施工进度。\n每日报送进展。",
    issued_at=datetime(2026, 11, 25, 17, 30, tzinfo=UTC),  # 01:30 on the 26th in Shanghai
    issued_by="李督查（督查室）",
    reminder_no=2,
)
TOTALS = {"due": 3, "on_time": 1, "overdue": 1, "overdue_open": 1, "open": 2, "closed": 1, "returned": 2}


def _read(body: bytes) -> tuple[docx.document.Document, str]:
    document = docx.Document(BytesIO(body))
    paragraphs = [p.text for p in document.paragraphs]
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return document, "\n".join(paragraphs + cells)


def test_a_reminder_notice_names_the_item_its_deadlines_and_days_overdue() -> None:
    document, text = _read(build_reminder_notice(REMINDER))
    assert text.startswith("催办通知\n（第2次催办）\n原督办编号：督办〔2026〕第3号")
    assert "县住房和城乡建设局、县财政局：" in text
    assert "办理时限为2026年11月20日，截至2026年11月26日，已超过办理时限3个工作日，仍未办结。" in text
    assert "请于2026年12月1日前办结" in text and "逾期3个工作日" in text
    assert "催办要求：请加快施工进度。\n每日报送进展。" in text and "李督查（督查室）" in text
    # 公文 style: A4, the title centred in the title font, Chinese text with its East Asian font
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    title = document.paragraphs[0]
    assert title.alignment == 1 and title.runs[0].bold and title.runs[0].font.size.pt == 22
    fonts = {r._element.rPr.rFonts.get(qn("w:eastAsia")) for p in document.paragraphs for r in p.runs}
    assert fonts <= {layout.TITLE_FONT, layout.BODY_FONT, layout.HEADING_FONT} and layout.BODY_FONT in fonts


def test_a_reminder_before_the_deadline_says_so_and_sets_no_new_date() -> None:
    early = ReminderNotice(
        **{**REMINDER.__dict__, "days_overdue": 0, "days_left": 2, "new_deadline": None, "message": ""}
    )
    _, text = _read(build_reminder_notice(early))
    assert "尚未办结，办理时限即将届满（还有2个工作日）" in text and "未逾期" in text and "请抓紧办理" in text
    # long before the deadline it does not say 即将届满 (issue 11)
    _, text = _read(build_reminder_notice(ReminderNotice(**{**early.__dict__, "days_left": 12})))
    assert "即将届满" not in text and "距办理时限还有12个工作日" in text
    assert "催办要求" not in text
    with pytest.raises(ValueError):
        build_reminder_notice(ReminderNotice(**{**REMINDER.__dict__, "issued_at": datetime(2026, 11, 25, 9)}))


def test_an_assignment_notice_lists_the_facts_of_the_item() -> None:
    notice = SupervisionNotice(
        business_number="督办〔2026〕第7号",
        title="校舍安全排查\x0b",  # a control character from user input must not break the file
        source_type="文件",
        source_ref="县政发〔2026〕1号",
        content="排查全县校舍\n形成台账",
        requirements="每周报送进度",
        lead_unit_name="县教育局",
        co_unit_names=["县财政局", "县住房和城乡建设局"],
        time_limit="15个工作日",
        deadline=date(2026, 12, 14),
        responsible_leader="刘分管副县长",
        issued_on=date(2026, 11, 23),
    )
    document, text = _read(build_supervision_notice(notice))
    assert document.paragraphs[0].text == "督办通知单" and "编号：督办〔2026〕第7号" in text
    table = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert table["事项名称"] == "校舍安全排查" and table["事项内容"] == "排查全县校舍\n形成台账"
    assert table["协办单位"] == "县财政局、县住房和城乡建设局" and table["办理时限"] == "15个工作日"
    assert table["截止日期"] == "2026年12月14日" and table["责任县领导"] == "刘分管副县长"
    assert "于2026年12月14日前将办理情况书面报送县人民政府督查室" in text and "2026年11月23日" in text


def test_the_time_limit_reads_in_working_days_or_months_and_agrees_with_the_deadline() -> None:
    monday, friday = date(2031, 3, 3), date(2031, 3, 14)  # 2031 is unpublished: Monday to Friday
    months = {"time_limit_days": 3, "time_limit_unit": "months"}
    assert time_limit_text(months, 3, None, friday) == "3个月"
    assert time_limit_text(months, 3, monday, date(2031, 6, 3)) == "3个月"
    assert time_limit_text({}, 9, monday, friday) == "9个工作日"
    assert time_limit_text({}, 15, None, friday) == "15个工作日"
    assert time_limit_text({"time_limit_days": 15}, 15, monday, friday) == "9个工作日"  # deadline entered by hand
    assert time_limit_text({}, None, None, friday) == ""


def test_a_bulletin_carries_its_issue_totals_mentions_requirements_and_ledger() -> None:
    period = Period(date(2026, 11, 1), date(2026, 11, 30))
    line = LedgerLine(
        "督办〔2026〕第3号",
        "老旧小区改造",
        "县住房和城乡建设局",
        ["县财政局"],
        "2026-11-20",
        "办理中",
        "红灯",
        None,
        "overdue",
    )
    content = BulletinContent(
        year=2026,
        issue_no=4,
        title="关于11月督办事项办理情况的通报",
        period=period,
        issued_on=date(2026, 12, 1),
        totals={**TOTALS, "returned_items": 1},
        praise=[("县财政局", "按期办结")],
        criticism=[],
        requirements="限期整改\n\n举一反三",
        lines=[line] * 3,
    )
    document, text = _read(build_bulletin(content))
    assert "督查通报\n2026年第4期" in text and "关于11月督办事项办理情况的通报" in text
    assert summary_text(period, content.totals) in text and "到期督办事项3件" in text
    assert "1. 县财政局：按期办结" in text and "本期无通报批评的单位。" in text and "限期整改\n举一反三" in text
    rows = document.tables[0].rows
    assert [c.text for c in rows[0].cells][:3] == ["序号", "编号", "事项"] and len(rows) == 4
    last = [
        "3",
        "督办〔2026〕第3号",
        "老旧小区改造",
        "县住房和城乡建设局",
        "县财政局",
        "2026-11-20",
        "办理中",
        "红灯",
        "",
    ]
    assert [c.text for c in rows[3].cells] == last
    assert round(document.sections[1].page_width.mm) == 297  # the ledger on landscape pages


def test_dates_are_read_in_shanghai() -> None:
    assert layout.cn_date(datetime(2026, 11, 22, 16, 0, tzinfo=UTC)) == "2026年11月23日"
    assert layout.cn_date(date(2027, 1, 5)) == "2027年1月5日"


def test_a_bulletin_request_is_checked_field_by_field() -> None:
    units = {"fgj": "县发展和改革局", "jyj": "县教育局"}
    good = parse_request(
        {
            "start": "2027-03-01",
            "end": "2027-03-31",
            "praise": [{"unit": "fgj", "reason": " 按期 "}],
            "requirements": "",
        },
        units,
    )
    assert good.period == Period(date(2027, 3, 1), date(2027, 3, 31)) and good.mentions[0].reason == "按期"
    with pytest.raises(InvalidInput) as bad:
        parse_request(
            {
                "start": "2027-03-31",
                "end": "2027-03-01",
                "praise": [{"unit": "nowhere", "reason": "x"}, {"unit": "fgj", "reason": ""}],
                "criticism": [{"unit": "jyj", "reason": "a"}, {"unit": "jyj", "reason": "b"}],
                "title": "长" * 301,
            },
            units,
        )
    assert set(bad.value.details["errors"]) == {
        "end",
        "praise.0.unit",
        "praise.1.reason",
        "criticism.1.unit",
        "title",
    }
    assert parse_period("2024-01-01", "2024-12-31").end == date(2024, 12, 31)  # a leap year is still one year
    assert parse_period("2024-02-29", "2025-02-28").start == date(2024, 2, 29)
    for start, end in (("2027-01-01", "2028-01-01"), ("", "2027-01-01"), ("2027/01/01", "2027-02-01")):
        with pytest.raises(InvalidInput):
            parse_period(start, end)
