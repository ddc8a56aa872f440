"""督查问责 (炎陵 §四(一)(二), 004 §六.3–4): 督查室 records that a unit is referred for 推诿、拒办、弄虚作假 or
失职 on an item, with the facts and the outcome. The referral is shown on the item, told to the unit, listed
for the leaders (/accountability) and counted in 考核 by the rule `accountability`.

    use_cases.record     督查室 records a referral (422 on a field, 403 for others); commits
    use_cases.for_item   the referrals of an item its readers see
    use_cases.listing    every referral for the supervisors, leaders and auditors; a unit sees its own
"""

from service.accountability import use_cases

__all__ = ["use_cases"]
