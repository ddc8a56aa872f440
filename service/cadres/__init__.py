"""督查人员信息库 (炎陵 §四(三), 附件2/附件3) and the half-yearly 轮训抽选.

records      附件2 分管领导 / 附件3 督查干部: list, read, create, edit, remove (unit-scoped)
eligibility  the 人员标准 as pure functions: every failed rule, in Chinese
lottery      the fair, seeded, reproducible draw (pure)
draws        draw for a half year, list, verify, void (督查室 / admin)
present      records as the API and pages show them
demo         a few demo cadres and leaders for `duban demo`
"""

from __future__ import annotations

from service.cadres import access, draws, eligibility, lottery, present, records, vocabulary

__all__ = ["access", "draws", "eligibility", "lottery", "present", "records", "vocabulary"]
