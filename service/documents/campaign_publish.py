"""印发督查通报 of an inspection campaign: when its publish task is completed, the service numbers the
bulletin (the next 第N期 of the year, shared with the office's period bulletins), builds the .docx from the
campaign's own data, stores and hashes it — in the step's transaction, so a failed step issues nothing.

A step subscriber (service/wiring.py). It reads the process data keys named in service.process.names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError

from service import workdays
from service.db.models.documents import Bulletin
from service.db.session import UnitOfWork
from service.documents.bulletins import store_document
from service.documents.campaign_bulletin import CampaignBulletinContent, Problem, build_campaign_bulletin, overview_text
from service.errors import Conflict
from service.process.context import ServiceContext
from service.process.events import StepSaved
from service.process.names import INSPECTION_CAMPAIGN, PUBLISH_BULLETIN

CAMPAIGN = "campaign"


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


def _limit(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _problems(data: Mapping[str, Any], names: Mapping[str, str]) -> list[Problem]:
    """The rectifications the flow drew up from the groups' findings (or, before that, the findings)."""
    found: list[Mapping[str, Any]] = []
    if isinstance(data.get("rectifications"), list):
        found = [r for r in data["rectifications"] if isinstance(r, Mapping)]
        pairs = [(r.get("lead_unit"), r.get("content"), r.get("time_limit_days")) for r in found]
    else:
        raw = data.get("group_results")
        groups: list[Any] = raw if isinstance(raw, list) else []
        problems = [
            p for g in groups if isinstance(g, Mapping) for p in g.get("problems") or [] if isinstance(p, Mapping)
        ]
        pairs = [(p.get("unit"), p.get("description"), p.get("deadline_days")) for p in problems]
    return [Problem(names.get(str(u), str(u or "")), str(d or ""), _limit(t)) for u, d, t in pairs]


def content_of(
    data: Mapping[str, Any], names: Mapping[str, str], year: int, issue_no: int, issued_on: Any
) -> CampaignBulletinContent:
    campaign = _text(data, "title") or "专项督查"
    groups = data.get("groups")
    return CampaignBulletinContent(
        year=year,
        issue_no=issue_no,
        title=_text(data, "bulletin_title") or f"关于{campaign}情况的通报",
        campaign=campaign,
        issued_on=issued_on,
        overview=overview_text(
            campaign,
            _text(data, "purpose"),
            _text(data, "period"),
            _text(data, "targets"),
            len(groups) if isinstance(groups, list) else 0,
        ),
        problems=_problems(data, names),
        requirements=_text(data, "requirements"),
        instruction=_text(data, "instruction"),
    )


def on_step_saved(uow: UnitOfWork, ctx: ServiceContext, step: StepSaved) -> None:
    task = step.completed_task
    if task is None or task.element_id != PUBLISH_BULLETIN or step.instance.process_key != INSPECTION_CAMPAIGN:
        return
    instance_id = step.instance.id
    if uow.bulletins.for_instance(instance_id) is not None or ctx.data_dir is None:
        return  # published once already (the bulletin is never issued twice for a campaign)
    year = step.now.astimezone(workdays.SHANGHAI).year
    issue_no = uow.bulletins.max_issue_no(year) + 1
    content = content_of(step.data, uow.units.names(), year, issue_no, workdays.as_date(step.now))
    key, received, path = store_document(ctx.data_dir, build_campaign_bulletin(content))
    started = workdays.as_date(step.instance.started_at)
    bulletin = Bulletin(
        year=year,
        issue_no=issue_no,
        title=content.title,
        kind=CAMPAIGN,
        instance_id=instance_id,
        period_start=started.isoformat(),
        period_end=content.issued_on.isoformat(),
        totals={"problems": len(content.problems)},
        requirements=content.requirements,
        storage_key=key,
        sha256=received.sha256,
        size=received.size,
        created_by=step.actor,
        created_at=step.now,
        mentions=[],
    )
    try:
        uow.bulletins.add(bulletin)
        uow.bulletins.flush()
    except IntegrityError:  # another bulletin took this number in the meantime: the command is tried again
        path.unlink(missing_ok=True)
        raise Conflict("通报期号分配冲突，请重新提交") from None
