"""What every document shares: an A4 page in 公文 style (GB/T 9704 in spirit, without the red header), the
fonts set for East Asian text, Chinese dates, label/value tables, and the bytes.

Fonts are names only (方正小标宋简体 for titles, 仿宋_GB2312 for the body, 黑体 for headings): Word uses them
when installed, as they are on government PCs, and substitutes otherwise. A run's Chinese text takes its
font from `w:eastAsia`, not from the Latin font name, so both are set.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from copy import deepcopy
from datetime import date, datetime

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from service import workdays

ISSUER = "县人民政府督查室"
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
TITLE_SIZE = Pt(22)  # 二号
BODY_SIZE = Pt(16)  # 三号
TABLE_SIZE = Pt(12)  # 小四
SMALL_SIZE = Pt(10.5)  # 五号, for the wide ledger table
LINE = Pt(28)  # fixed line spacing of 公文 body text
TABLE_STYLE = "Table Grid"
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
LABEL_WIDTH, VALUE_WIDTH = Mm(32), Mm(124)  # of the 156 mm text width


def clean(text: str) -> str:
    """Text XML can hold: process data is user input, and a control character would break the file."""
    return _NOT_IN_XML.sub("", text)


def add_text(paragraph: Paragraph, text: str, font: str, size: Pt | None = None, *, bold: bool | None = None) -> Run:
    return set_font(paragraph.add_run(clean(text)), font, size, bold=bold)


def set_font(run: Run, name: str, size: Pt | None = None, *, bold: bool | None = None) -> Run:
    """Latin and East Asian font of one run."""
    run.font.name = name
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if size is not None:
        run.font.size = size
    if bold is not None:
        run.font.bold = bold
    return run


def new_document() -> DocumentType:
    """An empty A4 document (margins 37/35/28/26 mm) whose Normal style is 仿宋 三号 at a fixed 28 pt line."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT  # type: ignore[attr-defined]
    normal.font.size = BODY_SIZE  # type: ignore[attr-defined]
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    fmt = normal.paragraph_format  # type: ignore[attr-defined]
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, LINE
    fmt.space_before = fmt.space_after = Pt(0)
    return doc


def cn_date(value: date | datetime) -> str:
    """2026年11月23日; an aware datetime is read in Asia/Shanghai."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: dates in documents are read in Asia/Shanghai")
        value = value.astimezone(workdays.SHANGHAI).date()
    return f"{value.year}年{value.month}月{value.day}日"


def title(doc: DocumentType, text: str, size: Pt = TITLE_SIZE) -> Paragraph:
    """A centred title in the large bold title font, with space below."""
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    paragraph.paragraph_format.space_after = Pt(12)
    add_text(paragraph, text, TITLE_FONT, size, bold=True)
    return paragraph


def masthead(
    doc: DocumentType, name: str, year: int, issue_no: int, issuer: str, issued_on: date | datetime, heading_text: str
) -> None:
    """The head of a numbered issue (督查通报, 督查专报): its name, 第N期, issuer and date, and its title."""
    title(doc, name, size=Pt(26))
    centred(doc, f"{year}年第{issue_no}期")
    centred(doc, f"{issuer}　　　　{cn_date(issued_on)}")
    title(doc, heading_text)


def centred(doc: DocumentType, text: str, *, size: Pt = BODY_SIZE, bold: bool = False) -> Paragraph:
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    add_text(paragraph, text, BODY_FONT, size, bold=bold)
    return paragraph


def heading(doc: DocumentType, text: str) -> Paragraph:
    """A first-level heading (一、…) in 黑体, indented like body text."""
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.first_line_indent = Pt(32)
    add_text(paragraph, text, HEADING_FONT, BODY_SIZE)
    return paragraph


def body(doc: DocumentType, text: str, *, label: str | None = None, indent: bool = True) -> Paragraph:
    """A body paragraph, first line indented two characters; `label` is printed bold before the text."""
    paragraph = doc.add_paragraph()
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(32)
    if label:
        add_text(paragraph, label, BODY_FONT, BODY_SIZE, bold=True)
    add_text(paragraph, text, BODY_FONT, BODY_SIZE)
    return paragraph


def body_lines(doc: DocumentType, text: str) -> None:
    """Several paragraphs from multi-line text, blank lines dropped."""
    for line in (part.strip() for part in text.splitlines()):
        if line:
            body(doc, line)


def right(doc: DocumentType, text: str, *, space_before: Pt | None = None) -> Paragraph:
    """A right-aligned line (编号, the issuing office, the date)."""
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    paragraph.paragraph_format.right_indent = Pt(32)
    if space_before is not None:
        paragraph.paragraph_format.space_before = space_before
    add_text(paragraph, text, BODY_FONT, BODY_SIZE)
    return paragraph


def signature(doc: DocumentType, issuer: str, day: date | datetime) -> None:
    """The issuing office and the date, right-aligned under the text."""
    right(doc, issuer, space_before=Pt(24))
    right(doc, cn_date(day))


def _cell_text(cell_paragraph: Paragraph, text: str, size: Pt, *, bold: bool = False, center: bool = False) -> None:
    cell_paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    if center:
        cell_paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    add_text(cell_paragraph, text, BODY_FONT, size, bold=bold)


def field_table(doc: DocumentType, fields: Sequence[tuple[str, str]]) -> Table:
    """A two-column form (label | value), as a 督办单 is printed."""
    table = doc.add_table(rows=len(fields), cols=2)
    table.style = TABLE_STYLE
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row, (label, value) in zip(table.rows, fields, strict=True):
        label_cell, value_cell = row.cells
        label_cell.width, value_cell.width = LABEL_WIDTH, VALUE_WIDTH
        _cell_text(label_cell.paragraphs[0], label, TABLE_SIZE, bold=True, center=True)
        lines = str(value).splitlines() or [""]
        _cell_text(value_cell.paragraphs[0], lines[0], TABLE_SIZE)
        for line in lines[1:]:
            _cell_text(value_cell.add_paragraph(), line, TABLE_SIZE)
    return table


def grid(doc: DocumentType, headers: Sequence[str], rows: Iterable[Sequence[str]], widths: Sequence[Mm]) -> Table:
    """A table with a bold header row repeated on every page; cells in the small font.

    Data rows are copies of one formatted row with their text replaced: python-docx formats a cell in about
    half a millisecond, which made a 2,000-row ledger take seconds."""
    table = doc.add_table(rows=2, cols=len(headers))
    table.style = TABLE_STYLE
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    header, template = table.rows
    header._tr.get_or_add_trPr().append(header._tr.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"}))
    for cell, text, width in zip(header.cells, headers, widths, strict=True):
        cell.width = width
        _cell_text(cell.paragraphs[0], text, SMALL_SIZE, bold=True, center=True)
    for cell, width in zip(template.cells, widths, strict=True):
        cell.width = width
        _cell_text(cell.paragraphs[0], "-", SMALL_SIZE)  # one run with one w:t per cell
    tbl, model = table._tbl, template._tr
    tbl.remove(model)
    for values in rows:
        tr = deepcopy(model)
        for t, text in zip(tr.iter(qn("w:t")), values, strict=True):
            t.text = clean(str(text))
        tbl.append(tr)
    return table


def landscape_section(doc: DocumentType) -> None:
    """Start a new page turned to landscape A4, for a wide appendix table."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(28), Mm(26)
    section.left_margin, section.right_margin = Mm(37), Mm(35)


def to_bytes(doc: DocumentType) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
