"""督查考核: unit scores per period from configurable rules, every deduction and addition explained.

    scores(...)           every unit's score for a period, with its lines (service.scoring.use_cases)
    write_xlsx(sheet)     the same as an Excel workbook (得分 / 明细)
    export_xlsx(...)      that workbook for a reader, an auditor's export logged
    in_force / save       the rules in force, and a new version of them (admin / 督查室)
    periods.resolve(...)  `2026`, `2026H1`, `2026Q4`, `2026-11` or explicit dates

Units are ranked, never people (PRODUCT.md anti-requirements).
"""

from __future__ import annotations

from service.scoring import periods
from service.scoring.arithmetic import ScoreLine
from service.scoring.export import export_xlsx, write_xlsx
from service.scoring.rule_store import history, in_force, may_edit, save
from service.scoring.rules import FIELDS, RULE_FIELDS, RuleField, RuleSet
from service.scoring.use_cases import SCORED_KINDS, ScoreSheet, UnitScore, may_view, scores

__all__ = [
    "FIELDS",
    "RULE_FIELDS",
    "SCORED_KINDS",
    "RuleField",
    "RuleSet",
    "ScoreLine",
    "ScoreSheet",
    "UnitScore",
    "history",
    "in_force",
    "may_edit",
    "may_view",
    "periods",
    "save",
    "scores",
    "write_xlsx",
    "export_xlsx",
]
