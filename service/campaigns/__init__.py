"""Inspection campaigns (Flow A) and their rectification items.

Each problem a campaign finds becomes its own 督办事项 instance (its own number, 台账 row, 督办通知单, lights,
催办, 延期, 通报 and 考核), linked both ways with the campaign (table campaign_items). Public API:

    plans.on_step_saved           step subscriber: an adopted 年度督查计划 becomes plan items; a campaign's
                                  督查立项核对 uses one plan item or one approved 附件1
    field_work.on_step_saved      step subscriber: the 督查通知 (.docx) when the plan is set; each group's
                                  反馈意见 to the units it inspected
    rectification.on_step_saved   step subscriber: create the items when the campaign reaches
                                  整改事项办理中; resume the campaign when its last item completes
    rectification.spawn_pending   create the items a large campaign still waits for (the background pass)
    reading.items_of              a campaign's items and where each stands (campaign page, API)
    reading.campaign_of           the campaign an item came from (item page, API)
"""

from service.campaigns import field_work, plans, reading, rectification

__all__ = ["field_work", "plans", "reading", "rectification"]
