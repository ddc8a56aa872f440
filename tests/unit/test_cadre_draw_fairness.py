"""Feature: the 轮训抽选 is fair and reproducible, over any pool of cadres (property-based)."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from service.cadres import lottery
from service.cadres.eligibility import Profile, check
from service.cadres.vocabulary import GRADES, HEALTH_OPTIONS, RANKS

ON = date(2026, 11, 23)
HALVES = [f"{y}H{h}" for y in range(2019, 2027) for h in (1, 2)]

# Weighted towards passing values, so that pools mix eligible and ineligible cadres for every reason.
PASSING_MOSTLY = st.sampled_from([*GRADES, "优秀", "称职", "称职", "合格", "合格", "合格"])
profiles = st.builds(
    Profile,
    rank=st.sampled_from(RANKS),
    birth_month=st.builds(lambda y, m: f"{y}-{m:02d}", st.integers(1972, 2002), st.integers(1, 12)),
    work_start=st.builds(lambda y, m: f"{y}-{m:02d}", st.integers(2018, 2026), st.integers(1, 10)),
    health_status=st.sampled_from([*HEALTH_OPTIONS, "健康", "健康", "良好"]),
    disciplines=st.lists(
        st.tuples(st.dates(date(2012, 1, 1), ON).map(date.isoformat), st.just("警告")), max_size=1
    ).map(tuple),
    evaluations=st.dictionaries(st.integers(2022, 2026), PASSING_MOSTLY, min_size=1, max_size=3).map(
        lambda d: tuple(sorted(d.items()))
    ),
)


@st.composite
def pools(draw: st.DrawFn) -> list[lottery.Candidate]:
    people = draw(st.lists(st.tuples(profiles, st.none() | st.sampled_from(HALVES)), max_size=12))
    return [
        lottery.Candidate(cadre_id=i + 1, eligible=check(p, ON).eligible, last_drawn=last, name=f"干部{i + 1}")
        for i, (p, last) in enumerate(people)
    ]


@settings(max_examples=300, deadline=None)
@given(pool=pools(), count=st.integers(1, 2), seed=st.integers(0, 2**128 - 1).map(lambda n: f"{n:032x}"))
def test_the_draw_is_fair_and_reproducible(pool: list[lottery.Candidate], count: int, seed: str) -> None:
    picked = lottery.draw(pool, count, seed)
    by_id = {c.cadre_id: c for c in pool}
    eligible = [c for c in pool if c.eligible]
    # never an ineligible cadre, never the same one twice, at most `count`, and as many as there can be
    assert all(by_id[i].eligible for i in picked)
    assert len(set(picked)) == len(picked) == min(count, len(eligible))
    # never-drawn before ever-drawn; among the drawn-before, the least recently drawn first
    left_out = [c for c in eligible if c.cadre_id not in picked]
    for i in picked:
        chosen = by_id[i]
        for other in left_out:
            if chosen.last_drawn is not None:
                assert other.last_drawn is not None and other.last_drawn >= chosen.last_drawn
    # the recorded seed and candidate snapshot give the same result, whatever order the snapshot is in
    snapshot = [c.as_dict() for c in pool]
    assert lottery.rerun(snapshot, count, seed) == picked
    assert lottery.rerun(list(reversed(snapshot)), count, seed) == picked
    assert lottery.digest("2026H2", count, seed, snapshot, picked) == lottery.digest(
        "2026H2", count, seed, snapshot, lottery.rerun(snapshot, count, seed)
    )


def test_ties_are_broken_by_the_seed_and_every_tied_cadre_can_be_drawn() -> None:
    pool = [lottery.Candidate(cadre_id=i, eligible=True) for i in range(1, 6)]
    winners = {lottery.draw(pool, 1, f"{n:032x}")[0] for n in range(200)}
    assert winners == {1, 2, 3, 4, 5}


def test_a_seed_from_secrets_is_recorded_as_hex() -> None:
    seed = lottery.new_seed()
    assert len(seed) == 32 and int(seed, 16) >= 0 and seed != lottery.new_seed()
