"""The names in the diagrams that Python relies on. A process administrator may change anything else in a
flow; renaming one of these in a diagram silently switches off the feature next to it.

Process keys (the `id` of the BPMN process element)
    SUPERVISION_ITEM     督办事项: 台账 figures, 督办通知单, 通报, 考核, 延期 and 催办 act on its instances
    DEADLINE_EXTENSION   延期申请: started by the service for an item; its completion decides the deadline
    INSPECTION_CAMPAIGN  综合/专项督查: its 印发督查通报 step issues the next 第N期 bulletin
    SPECIAL_APPLICATION  专项督查工作申报 (附件1): a completed one is approved, and may start one campaign
    ANNUAL_PLAN          年度督查计划: when it completes, its `plan_items` become the plan a campaign starts from

Element ids
    REVIEW               the 督查室 review task of 督办事项; a completion with review_decision = "return"
                         counts as a return for redo (退回) in 通报 and 考核
    REMIND_BEFORE_DEADLINE, REMIND_OVERDUE   the timers of a unit's branch: listed as automatic 催办
    PLAN_CHECK           the campaign's 督查立项核对: binds it to a plan item (`plan_item`) or an approved
                         application (`application`), each used once
    ITEM_ARCHIVE, CAMPAIGN_ARCHIVE   销号归档 / 资料归档: completing one builds the electronic archive package
    PUBLISH_BULLETIN     the campaign's 印发督查通报 task: completing it numbers, builds and stores the bulletin
    RECTIFICATION_WAIT   the campaign's 整改事项办理中 task (lane 系统管理员, nobody acts on it): when it is
                         reached, each entry of `rectifications` becomes its own 督办事项; when all of those
                         have completed the service completes it with `rectification_results`

Process data keys the service reads or writes (docs/process-conventions.md has the whole list)
    deadline, assigned_at, time_limit_days, time_limit_unit   the item's deadline and how it was computed
    lead_unit, co_units, title, content, source_type, ...      the ledger row
    review_decision, return_reason                             the review's outcome
    item_instance_id, unit, reason, requested_deadline, extension_result, approved_deadline   延期申请
    bulletin_title, requirements, rectifications, instruction       the campaign's 督查通报
    rectification, campaign_instance_id, campaign_number            a rectification item's start data
    rectification_results                                           the campaign's items, once all concluded

Lanes are roles (service.access.principal.LANE_ROLES); a 承办单位 lane task's `unit` names its unit, a
牵头单位 lane task's `lead_unit` (the campaign's lead unit).
"""

from __future__ import annotations

SUPERVISION_ITEM = "supervision_item"
DEADLINE_EXTENSION = "deadline_extension"
INSPECTION_CAMPAIGN = "inspection_campaign"
SPECIAL_APPLICATION = "special_inspection_application"
ANNUAL_PLAN = "annual_plan"

REVIEW = "review"
RETURN_DECISION = "return"  # review_decision of a return for redo

LEAD_UNIT = "lead_unit"  # an item's 牵头/责任单位; a campaign's 牵头单位 (its lane's unit)
PLAN_CHECK = "plan_check"
INVITED = "invited"  # a campaign's invited 人大代表 / 政协委员 (usernames): they may read it
INSPECTION_PLAN = "inspection_plan"  # 督查分组与方案: completing it issues the 督查通知
INSPECTION_FEEDBACK = "inspection_feedback"  # 反馈督查意见: the inspected units are told
ITEM_ARCHIVE = "archive"  # 督办事项's 销号归档
CAMPAIGN_ARCHIVE = "campaign_archive"  # the campaign's 资料归档
PUBLISH_BULLETIN = "publish_bulletin"
RECTIFICATION_WAIT = "rectify"

REMIND_BEFORE_DEADLINE = "remind_before_deadline"
REMIND_OVERDUE = "remind_overdue"
