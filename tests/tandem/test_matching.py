"""The tandem pairing engine against brute force and a per-pair reference written out plainly here."""

from __future__ import annotations

import dataclasses
import itertools
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schoolpartners.tandem import matching
from schoolpartners.tandem.matching import (
    DEFAULT_WEIGHTS,
    MODES,
    S_MAX,
    Group,
    Learner,
    Proposal,
    Reason,
    Weights,
    build_cost,
    common_hours,
    feasible_matrix,
    pair_round,
    reasons,
    score_matrix,
    slot_code,
    suggest,
    violations,
)

BERLIN, MOSCOW, YEKATERINBURG = "Europe/Berlin", "Europe/Moscow", "Asia/Yekaterinburg"
MON, TUE, SUN = 0, 1, 6
YEARS = 12  # months


def person(learner_id: int, **fields) -> Learner:
    values = {
        "speaks": frozenset({"de"}),
        "learns": "ru",
        "level": 1,
        "age_months": 14 * YEARS,
        "interests": frozenset(),
        "slots": frozenset({slot_code(MON, 14)}),
        "zone": BERLIN,
        "modes": frozenset({"written"}),
    }
    values.update({k: frozenset(v) if isinstance(v, set | tuple | list) else v for k, v in fields.items()})
    return Learner(id=learner_id, **values)


def german(learner_id: int, **fields) -> Learner:
    return person(learner_id, **fields)


def russian(learner_id: int, **fields) -> Learner:
    return person(learner_id, **{"speaks": {"ru"}, "learns": "de", "zone": MOSCOW, **fields})


# --- the reference: one pair at a time, straight from the rules -------------------------------------------------


def ref_ages_fit(a: Learner, b: Learner) -> bool:
    minor = min(a.age_months, b.age_months) < 18 * YEARS
    return not minor or abs(a.age_months - b.age_months) <= 24


def ref_feasible(a: Learner, b: Learner) -> bool:
    if a.learns is None or b.learns is None or a.learns not in b.speaks or b.learns not in a.speaks:
        return False
    return ref_ages_fit(a, b)


def ref_utc_hours(x: Learner, monday: datetime) -> set[int]:
    """The UTC hours of the week starting at `monday` 00:00 UTC in which the learner is free."""
    week_start = monday.replace(tzinfo=UTC)
    hours = set()
    for code in x.slots:
        day, start = divmod(code, 24)
        for hour in (start, start + 1):
            local = (monday + timedelta(days=day, hours=hour)).replace(tzinfo=ZoneInfo(x.zone))
            hours.add(int((local.astimezone(UTC) - week_start).total_seconds() // 3600) % 168)
    return hours


def ref_hours(a: Learner, b: Learner) -> int:
    return min(
        len(ref_utc_hours(a, monday) & ref_utc_hours(b, monday))
        for monday in (datetime(2026, 1, 12), datetime(2026, 7, 13))
    )


def ref_score(a: Learner, b: Learner, w: Weights = DEFAULT_WEIGHTS, hours: int | None = None) -> int:
    hours = ref_hours(a, b) if hours is None else hours
    level = max(0, w.level - w.level // 3 * abs(a.level - b.level))
    interests = w.interests // 3 * min(3, len(a.interests & b.interests))
    time = w.time // 3 * min(3, hours)
    mode = w.mode if a.modes & b.modes else 0
    return level + interests + time + mode


def brute_force(side_a: list[Learner], side_b: list[Learner]) -> tuple[int, int]:
    """Best (feasible pairs, total score) over every injective assignment of the smaller side."""
    small, large, flip = (side_a, side_b, False) if len(side_a) <= len(side_b) else (side_b, side_a, True)
    best = (0, 0)
    for chosen in itertools.permutations(range(len(large)), len(small)):
        count = total = 0
        for i, j in enumerate(chosen):
            a, b = (large[j], small[i]) if flip else (small[i], large[j])
            if ref_feasible(a, b):
                count, total = count + 1, total + ref_score(a, b)
        best = max(best, (count, total))
    return best


def assert_accounted(result, side_a: list[Learner], side_b: list[Learner]) -> None:
    placed = [i for p in result.pairs for i in p.members] + result.waiting
    assert sorted(placed) == sorted(x.id for x in side_a + side_b)


# --- random learners ---------------------------------------------------------------------------------------------

# Few distinct values, so that pairs share slots and interests often, and ages cluster around the limits. Monday
# 00:00 in Moscow and Sunday 23:00 in Berlin wrap around the UTC week.
SLOTS = [slot_code(MON, 14), slot_code(MON, 16), slot_code(MON, 18), slot_code(MON, 0), slot_code(SUN, 22)]
SLOTS += [slot_code(SUN, 23), slot_code(MON, 12)]
AGES = st.one_of(st.integers(13 * YEARS, 15 * YEARS), st.integers(17 * YEARS, 21 * YEARS), st.integers(120, 600))
learners = st.builds(
    Learner,
    id=st.just(0),
    speaks=st.frozensets(st.sampled_from(["de", "ru", "other"]), min_size=1),
    learns=st.sampled_from(["de", "ru", "ru", "de", None]),
    level=st.integers(0, 5),
    age_months=AGES,
    interests=st.frozensets(st.sampled_from(["football", "music", "chess", "films", "dance"])),
    slots=st.frozensets(st.sampled_from(SLOTS)),
    zone=st.sampled_from([BERLIN, MOSCOW, YEKATERINBURG]),
    modes=st.frozensets(st.sampled_from(MODES)),
)
# Mostly the real case (Germans learning Russian, Russians learning German), with the odd one out.
germans = st.builds(
    lambda x, usual: dataclasses.replace(x, speaks=frozenset({"de"}), learns="ru", zone=BERLIN) if usual else x,
    learners,
    st.booleans(),
)
russians = st.builds(
    lambda x, usual: dataclasses.replace(x, speaks=frozenset({"ru"}), learns="de", zone=MOSCOW) if usual else x,
    learners,
    st.booleans(),
)
rounds = st.tuples(st.lists(germans, max_size=5), st.lists(russians, max_size=5)).map(
    lambda sides: (
        [dataclasses.replace(x, id=i + 1) for i, x in enumerate(sides[0])],
        [dataclasses.replace(x, id=101 + i) for i, x in enumerate(sides[1])],
    )
)


def random_learner(rng: random.Random, learner_id: int, home: str) -> Learner:
    """Most speak `home` and learn the other language; the rest anything at all."""
    learner = Learner(
        id=learner_id,
        speaks=frozenset(rng.sample(["de", "ru", "other"], rng.randint(1, 2))),
        learns=rng.choice(["de", "ru", None]),
        level=rng.randrange(6),
        age_months=rng.choice([rng.randint(150, 190), rng.randint(200, 260), rng.randint(120, 700)]),
        interests=frozenset(rng.sample(["football", "music", "chess", "films", "dance", "art"], rng.randint(0, 4))),
        slots=frozenset(rng.sample([slot_code(d, s) for d in range(7) for s in (0, 8, 12, 14, 16, 18, 22, 23)], 6)),
        zone=rng.choice([BERLIN, MOSCOW, YEKATERINBURG]),
        modes=frozenset(rng.sample(MODES, rng.randint(0, 3))),
    )
    if rng.random() < 0.6:
        learner = dataclasses.replace(learner, speaks=frozenset({home}), learns="ru" if home == "de" else "de")
    return learner


def random_side(seed: int, size: int, first_id: int, home: str) -> list[Learner]:
    rng = random.Random(seed)
    return [random_learner(rng, first_id + i, home) for i in range(size)]


# --- optimality ------------------------------------------------------------------------------------------------


def check_optimal(side_a: list[Learner], side_b: list[Learner]) -> None:
    result = pair_round(side_a, side_b)
    people = {x.id: x for x in side_a + side_b}
    for proposal in result.pairs:
        a, b = (people[i] for i in proposal.members)
        assert a in side_a and b in side_b
        assert ref_feasible(a, b)
        assert proposal.score == ref_score(a, b)
    found = (len(result.pairs), sum(p.score for p in result.pairs))
    assert found == brute_force(side_a, side_b)
    assert_accounted(result, side_a, side_b)


@settings(max_examples=150, deadline=None)
@given(rounds)
def test_pair_round_matches_brute_force(sides):
    check_optimal(*sides)


@pytest.mark.parametrize("seed", range(6))
def test_pair_round_matches_brute_force_on_fixed_seeds(seed):
    rng = random.Random(seed)
    check_optimal(random_side(seed, rng.randint(0, 5), 1, "de"), random_side(seed + 100, rng.randint(0, 5), 101, "ru"))


def test_more_pairs_come_before_a_better_score():
    # A1 fits B1 perfectly and B2 poorly; A2 fits only B1. Two modest pairs beat one perfect pair.
    a1 = german(1, level=2, interests={"chess", "films", "music"}, modes={"lessons"})
    a2 = german(2, level=0, age_months=17 * YEARS, slots={slot_code(SUN, 8)})
    b1 = russian(11, level=2, age_months=16 * YEARS, interests={"chess", "films", "music"}, modes={"lessons"})
    b2 = russian(12, level=5, age_months=13 * YEARS, slots={slot_code(SUN, 18)})
    assert ref_score(a1, b1) > ref_score(a1, b2) + ref_score(a2, b1)
    result = pair_round([a1, a2], [b1, b2])
    assert [p.members for p in result.pairs] == [(1, 12), (2, 11)]
    assert result.waiting == []


def test_empty_sides():
    assert pair_round([], []) == matching.RoundResult([], [])
    assert pair_round([german(1)], []).waiting == [1]
    assert pair_round([], [russian(11)]).waiting == [11]


# --- hard constraints ------------------------------------------------------------------------------------------


def test_reciprocal_languages():
    assert violations(german(1), russian(2)) == []
    both_learn_russian = russian(2, learns="ru")
    assert violations(german(1), both_learn_russian) == ["languages"]
    # "other" home languages do not count: this learner cannot help with German.
    other_at_home = russian(2, speaks={"ru", "other"}, learns="ru")
    assert violations(german(1, speaks={"other"}, learns="de"), other_at_home) == ["languages"]


def test_heritage_speakers_count_as_speakers():
    # A learner in Germany whose family speaks Russian at home learns Russian at school: German at home makes them
    # a partner for a Russian learner of German.
    heritage_in_germany = german(1, speaks={"de", "ru"}, learns="ru")
    assert violations(heritage_in_germany, russian(2)) == []
    # The Russian side's heritage German (a Russian German family) helps a German learning... German? No: the German
    # learns Russian, which the heritage speaker speaks too, and the heritage speaker learns German.
    assert violations(german(1), russian(2, speaks={"ru", "de"})) == []
    # Living in Germany is not speaking German at home: a Russian-speaking family's child cannot teach German.
    russian_at_home_in_germany = german(1, speaks={"ru"}, learns="ru")
    assert violations(russian_at_home_in_germany, russian(2)) == ["languages"]
    # ... but can swap languages with a heritage German speaker in Russia who learns Russian.
    assert violations(german(1, speaks={"ru"}, learns="de"), russian(2, speaks={"de"}, learns="ru")) == []


def test_missing_learning_language_is_never_paired():
    assert violations(german(1, learns=None), russian(2)) == ["no_learning_language"]
    assert violations(german(1), russian(2, learns=None)) == ["no_learning_language"]
    result = pair_round([german(1, learns=None), german(2)], [russian(11)], surplus="triad")
    assert result == matching.RoundResult([Proposal((2, 11), ref_score(german(2), russian(11)))], [1])


@pytest.mark.parametrize(
    ("months_a", "months_b", "fits"),
    [
        (13 * YEARS, 13 * YEARS + 24, True),
        (13 * YEARS, 13 * YEARS + 25, False),
        (17 * YEARS, 19 * YEARS, True),  # a minor and an adult 24 months older
        (17 * YEARS, 19 * YEARS + 1, False),
        (18 * YEARS - 1, 20 * YEARS, False),  # one month short of 18 is a minor
        (18 * YEARS, 60 * YEARS, True),  # adults: any gap
        (30 * YEARS, 19 * YEARS, True),
    ],
)
def test_age_rule(months_a, months_b, fits):
    a, b = german(1, age_months=months_a), russian(2, age_months=months_b)
    assert violations(a, b) == ([] if fits else ["age"])
    assert violations(b, a) == ([] if fits else ["age"])
    assert feasible_matrix(Group.of([a]), Group.of([b]))[0, 0] == fits
    assert len(pair_round([a], [b]).pairs) == int(fits)


def test_every_broken_rule_is_named():
    assert violations(german(1, age_months=12 * YEARS), russian(2, learns="ru", age_months=16 * YEARS)) == [
        "languages",
        "age",
    ]


# --- time zones --------------------------------------------------------------------------------------------------


def hours_between(a: Learner, b: Learner) -> int:
    return int(common_hours(Group.of([a]), Group.of([b]))[0, 0])


def test_slots_become_utc_hours_in_winter_and_summer():
    berlin = Group.of([german(1, slots={slot_code(MON, 14)})])
    assert np.flatnonzero(berlin.winter[0]).tolist() == [13, 14]  # CET, UTC+1
    assert np.flatnonzero(berlin.summer[0]).tolist() == [12, 13]  # CEST, UTC+2
    moscow = Group.of([russian(2, slots={slot_code(MON, 16)})])
    assert np.flatnonzero(moscow.winter[0]).tolist() == np.flatnonzero(moscow.summer[0]).tolist() == [13, 14]
    # Monday 0:00 in Moscow is Sunday 21:00 UTC: the end of the week.
    early = Group.of([russian(3, slots={slot_code(MON, 0)})])
    assert np.flatnonzero(early.winter[0]).tolist() == [165, 166]


@pytest.mark.parametrize(
    ("zone_a", "slots_a", "zone_b", "slots_b", "hours"),
    [
        # January: both 13-15 UTC; July: Berlin 12-14, Moscow 13-15.
        (BERLIN, [(MON, 14)], MOSCOW, [(MON, 16)], 1),
        # January 13-15 against 14-16 UTC; July 12-14 against 14-16: winter only counts for nothing.
        (BERLIN, [(MON, 14)], MOSCOW, [(MON, 17)], 0),
        (BERLIN, [(MON, 14)], BERLIN, [(MON, 14)], 2),
        # Neither keeps summer time: 13-15 UTC all year.
        (MOSCOW, [(MON, 16)], YEKATERINBURG, [(MON, 18)], 2),
        # Yekaterinburg is UTC+5. January: 11-13 against 11-13 UTC; July: Berlin 10-12.
        (BERLIN, [(MON, 12)], YEKATERINBURG, [(MON, 16)], 1),
        # Four Berlin hours, four Yekaterinburg hours: 4 in January, 3 in July.
        (BERLIN, [(MON, 10), (MON, 12)], YEKATERINBURG, [(MON, 14), (MON, 16)], 3),
        # January Berlin 7-9 against 5-7 UTC; July 6-8 against 5-7: summer only counts for nothing.
        (BERLIN, [(MON, 8)], YEKATERINBURG, [(MON, 10)], 0),
        # Across the end of the week: Berlin Sunday 22-24 is 21-23 UTC in January (20-22 in July),
        # Moscow Monday 0-2 is Sunday 21-23 UTC all year.
        (BERLIN, [(SUN, 22)], MOSCOW, [(MON, 0)], 1),
        (BERLIN, [(MON, 14)], MOSCOW, [(TUE, 16)], 0),
    ],
)
def test_common_hours_across_time_zones(zone_a, slots_a, zone_b, slots_b, hours):
    a = german(1, zone=zone_a, slots={slot_code(*s) for s in slots_a})
    b = russian(2, zone=zone_b, slots={slot_code(*s) for s in slots_b})
    assert hours_between(a, b) == hours_between(b, a) == ref_hours(a, b) == hours


def test_score_counts_hours_up_to_three():
    many = {slot_code(day, start) for day in range(3) for start in (14, 16)}  # 12 hours a week
    a, b = german(1, slots=many, zone=MOSCOW), russian(2, slots=many)
    assert hours_between(a, b) == 12
    assert int(score_matrix(Group.of([a]), Group.of([b]))[0, 0]) == 30 + 0 + 30 + 10  # level, -, time, mode


# --- the vectorised matrices against the reference ----------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("weights", [DEFAULT_WEIGHTS, Weights(level=9, interests=3, time=6, mode=5)])
def test_matrices_equal_the_reference(seed, weights):
    # More rows than one block (128); side B not in age order.
    side_a, side_b = random_side(seed, 300, 1, "de"), random_side(seed + 50, 40, 1001, "ru")
    a, b = Group.of(side_a), Group.of(side_b)
    assert not np.all(np.diff(b.age) >= 0)
    winter = [ref_utc_hours(x, datetime(2026, 1, 12)) for x in side_a + side_b]
    summer = [ref_utc_hours(x, datetime(2026, 7, 13)) for x in side_a + side_b]
    n = len(side_a)
    hours = np.array(
        [
            [min(len(winter[i] & winter[n + j]), len(summer[i] & summer[n + j])) for j in range(len(side_b))]
            for i in range(n)
        ]
    )
    feasible = np.array([[ref_feasible(x, y) for y in side_b] for x in side_a])
    score = np.array(
        [[ref_score(x, y, weights, hours[i, j]) for j, y in enumerate(side_b)] for i, x in enumerate(side_a)]
    )
    assert 0.1 < feasible.mean() < 0.9 and hours.max() >= 3  # the data exercise both outcomes
    assert np.array_equal(common_hours(a, b), hours)
    assert np.array_equal(feasible_matrix(a, b), feasible)
    assert np.array_equal(score_matrix(a, b, weights), score)
    big_m = (len(side_b) + 1) * weights.s_max + 1
    expected_cost = np.where(feasible, weights.s_max - score, big_m)
    cost, cost_feasible, cost_score = build_cost(a, b, weights)
    assert np.array_equal(cost, expected_cost)
    assert np.array_equal(cost_feasible, feasible) and np.array_equal(cost_score, score)
    # pair_round orders side B by age, which takes another path for the age rule: the same cost, reordered.
    order = sorted(range(len(side_b)), key=lambda j: min(side_b[j].age_months, matching.AGE_CAP))
    assert np.all(np.diff(Group.of([side_b[j] for j in order]).age) >= 0)
    by_age, _, _ = build_cost(a, Group.of([side_b[j] for j in order]), weights)
    assert np.array_equal(by_age, expected_cost[:, order])


def test_weights_are_checked():
    assert S_MAX == DEFAULT_WEIGHTS.s_max == 100
    with pytest.raises(ValueError, match="multiple of 3"):
        Weights(level=10)
    with pytest.raises(ValueError, match="non-negative"):
        Weights(mode=-1)


def test_bad_learners_are_refused():
    with pytest.raises(ValueError, match="level"):
        Group.of([german(1, level=6)])
    with pytest.raises(ValueError, match="learning language"):
        Group.of([german(1, learns="en")])
    with pytest.raises(ValueError, match="slot"):
        Group.of([german(1, slots={168})])
    with pytest.raises(ValueError, match="unique"):
        pair_round([german(1)], [russian(1)])


# --- triads, the waiting list and fixed tandems ------------------------------------------------------------------


def test_surplus_waits_or_joins_as_third():
    side_a = [german(1), german(2), german(3)]
    side_b = [russian(11), russian(12), russian(13), russian(14), russian(15)]
    waiting = pair_round(side_a, side_b, surplus="waiting")
    assert len(waiting.pairs) == 3 and all(len(p.members) == 2 for p in waiting.pairs)
    assert len(waiting.waiting) == 2
    assert_accounted(waiting, side_a, side_b)
    triad = pair_round(side_a, side_b, surplus="triad")
    assert sorted(len(p.members) for p in triad.pairs) == [2, 3, 3]
    assert triad.waiting == []
    assert_accounted(triad, side_a, side_b)
    # Each new member adds their score with their partner from the other side.
    for p in triad.pairs:
        if len(p.members) == 3:
            assert p.score == ref_score(german(p.members[0]), russian(p.members[1])) + ref_score(
                german(p.members[0]), russian(p.members[2])
            )


def test_a_third_member_fits_the_partner_from_the_other_side():
    # A pair of 13-year-olds and a pair of 16-year-olds (who share a hobby, so the spare is the other 16-year-old
    # Russian). The spare's interests suit the young German best, but only the older one is of fitting age.
    interests = {"chess", "music", "films"}
    a_young, a_old = german(1, age_months=13 * YEARS, interests=interests), german(2, age_months=16 * YEARS)
    b_young, b_old = russian(11, age_months=13 * YEARS), russian(12, age_months=16 * YEARS, interests={"hockey"})
    a_old = dataclasses.replace(a_old, interests=frozenset({"hockey"}))
    spare = russian(13, age_months=16 * YEARS, interests=interests)
    assert ref_score(a_young, spare) > ref_score(a_old, spare) and violations(a_young, spare) == ["age"]
    result = pair_round([a_young, a_old], [b_young, b_old, spare], surplus="triad")
    assert result.pairs == [
        Proposal((1, 11), ref_score(a_young, b_young)),
        Proposal((2, 12, 13), ref_score(a_old, b_old) + ref_score(a_old, spare)),
    ]
    assert result.waiting == []


def test_a_third_member_keeps_the_age_rule_with_both_members():
    # The spare (19) is 24 months older than the German (17) but 48 older than the German's partner (15): a third
    # member meets both, so the rule that protects minors holds with both.
    a = german(1, age_months=17 * YEARS, interests={"chess"})
    partner = russian(11, age_months=15 * YEARS, interests={"chess"})
    spare = russian(12, age_months=19 * YEARS)
    assert violations(a, spare) == [] and "age" in violations(partner, spare)
    result = pair_round([a], [partner, spare], surplus="triad")
    assert result == matching.RoundResult([Proposal((1, 11), ref_score(a, partner))], [12])


def test_a_third_member_needs_the_languages_of_the_other_side():
    side_a = [german(1), german(2)]
    side_b = [russian(11), russian(12), russian(13, learns="ru")]  # 13 learns Russian, as the Germans do
    result = pair_round(side_a, side_b, surplus="triad")
    assert all(len(p.members) == 2 for p in result.pairs)
    assert result.waiting == [13]


def test_spares_beyond_one_per_pair_wait():
    side_a, side_b = [german(1), german(2)], [russian(10 + i) for i in range(6)]
    result = pair_round(side_a, side_b, surplus="triad")
    assert [len(p.members) for p in result.pairs] == [3, 3]
    assert len(result.waiting) == 2
    assert_accounted(result, side_a, side_b)


def test_a_spare_german_joins_a_pair_too():
    side_a, side_b = [german(1), german(2), german(3, age_months=15 * YEARS)], [russian(11)]
    result = pair_round(side_a, side_b, surplus="triad")
    assert len(result.pairs) == 1 and len(result.pairs[0].members) == 3
    assert result.pairs[0].members[1] == 11
    assert len(result.waiting) == 1


def ref_best_thirds(pairs, spares, people) -> tuple[int, int]:
    """Best (thirds placed, their scores) over every way to give each pair at most one spare."""
    best = (0, 0)
    for choice in itertools.product([None, *range(len(pairs))], repeat=len(spares)):
        used = [c for c in choice if c is not None]
        if len(used) != len(set(used)):
            continue
        count = total = 0
        for spare, c in zip(spares, choice, strict=True):
            if c is None:
                continue
            a, b = (people[i] for i in pairs[c])
            partner, fellow = (b, a) if spare.id < 100 else (a, b)
            if not ref_feasible(spare, partner) or not ref_ages_fit(spare, fellow):
                break
            count, total = count + 1, total + ref_score(spare, partner)
        else:
            best = max(best, (count, total))
    return best


@settings(max_examples=150, deadline=None)
@given(rounds)
def test_triads_are_the_best_placement_of_the_spares(sides):
    side_a, side_b = sides
    result = pair_round(side_a, side_b, surplus="triad")
    assert_accounted(result, side_a, side_b)
    people = {x.id: x for x in side_a + side_b}
    pairs = [p.members[:2] for p in result.pairs]
    assert (len(pairs), sum(ref_score(people[a], people[b]) for a, b in pairs)) == brute_force(side_a, side_b)
    spares = [people[i] for i in people if i not in {m for p in pairs for m in p}]
    found = [(people[p.members[2]], p) for p in result.pairs if len(p.members) == 3]
    total = sum(p.score - ref_score(people[p.members[0]], people[p.members[1]]) for _, p in found)
    assert (len(found), total) == ref_best_thirds(pairs, spares, people)


@settings(max_examples=100, deadline=None)
@given(rounds, st.sampled_from(["waiting", "triad"]), st.integers(0, 2))
def test_everyone_is_placed_once(sides, surplus, fixed_count):
    side_a, side_b = sides
    fixed = list(zip([x.id for x in side_a], [x.id for x in side_b], strict=False))[:fixed_count]
    result = pair_round(side_a, side_b, surplus=surplus, fixed=fixed)
    assert_accounted(result, side_a, side_b)
    assert [p.members for p in result.pairs[: len(fixed)]] == fixed


def test_fixed_tandems_are_kept():
    side_a = [german(1, level=0), german(2, level=5)]
    side_b = [russian(11, level=0), russian(12, level=5)]
    assert {p.members for p in pair_round(side_a, side_b).pairs} == {(1, 11), (2, 12)}
    # The teacher's choice stands, even a weaker one, given in any order, and the rest is paired around it.
    result = pair_round(side_a, side_b, fixed=[(11, 2)])
    assert result.pairs[0] == Proposal((2, 11), ref_score(side_a[1], side_b[0]))
    assert result.pairs[1].members == (1, 12)
    # A fixed triad stays a triad and takes no one else.
    side_b.append(russian(13))
    result = pair_round(side_a, side_b, surplus="triad", fixed=[(1, 11, 13)])
    score = ref_score(side_a[0], side_b[0]) + ref_score(side_a[0], side_b[2])
    assert result.pairs == [Proposal((1, 11, 13), score), Proposal((2, 12), ref_score(side_a[1], side_b[1]))]
    assert result.waiting == []


@pytest.mark.parametrize("fixed", [[(1, 2)], [(11, 12)], [(1, 99)], [(1, 11), (1, 12)], [(1,)], [(1, 11, 12, 2)]])
def test_impossible_fixed_tandems_are_refused(fixed):
    with pytest.raises(ValueError, match="fixed tandem"):
        pair_round([german(1), german(2)], [russian(11), russian(12)], fixed=fixed)


# --- reasons and suggestions --------------------------------------------------------------------------------------


def test_reasons_describe_the_pair():
    a = german(1, level=1, interests={"music", "chess", "dance"}, modes={"written", "visit"}, age_months=170)
    b = russian(2, level=2, interests={"music", "chess", "films"}, modes={"visit", "written"}, age_months=160)
    b = dataclasses.replace(b, slots=frozenset({slot_code(MON, 16)}))  # one hour in common (winter 2, summer 1)
    assert reasons(a, b) == [
        Reason("languages", ("ru", "de")),
        Reason("levels", ("A2", "B1")),
        Reason("interests", ("chess", "music")),
        Reason("hours", (1,)),
        Reason("modes", ("visit", "written")),
        Reason("age_gap", (10,)),
    ]
    adults = reasons(
        dataclasses.replace(a, age_months=40 * YEARS, modes=frozenset({"lessons"}), interests=frozenset()),
        dataclasses.replace(b, age_months=20 * YEARS, slots=frozenset()),
    )
    assert [r.kind for r in adults] == ["languages", "levels", "hours"]
    assert adults[2] == Reason("hours", (0,))


def test_suggest_ranks_by_score_and_needs_a_common_hour():
    me = german(1, age_months=30 * YEARS, interests={"music", "chess"})

    def adult(learner_id: int, **fields) -> Learner:  # Monday 16-18 in Moscow: one hour in common with me
        return russian(learner_id, **{"age_months": 40 * YEARS, "slots": {slot_code(MON, 16)}, **fields})

    pool = [
        me,
        adult(2, age_months=25 * YEARS, interests={"music", "chess"}),  # the best
        adult(4, interests={"music"}),
        adult(3, interests={"music"}),  # as good as 4: the lower id first
        adult(5, interests={"music", "chess"}, slots={slot_code(MON, 8)}),  # no hour in common
        adult(6, learns="ru", interests={"music", "chess"}),  # languages do not fit
        adult(7, age_months=60 * YEARS),
    ]
    scores = {x.id: ref_score(me, x) for x in pool}
    ranked = suggest(me, pool)
    assert ranked == [(i, scores[i]) for i in (2, 3, 4, 7)]
    assert ranked[0][1] > ranked[1][1] == ranked[2][1] > ranked[3][1]
    assert suggest(me, pool, limit=2) == ranked[:2]
    assert suggest(me, [me]) == []


# --- the module stands alone ---------------------------------------------------------------------------------------


def test_matching_imports_without_flask_or_the_database():
    folder = Path(matching.__file__).parent
    code = (
        "import importlib, sys, types\n"
        "package = types.ModuleType('engine')\n"  # the folder as a bare package: its __init__ (the views) not run
        f"package.__path__ = [{str(folder)!r}]\n"
        "sys.modules['engine'] = package\n"
        "importlib.import_module('engine.matching')\n"
        "loaded = {name.split('.')[0] for name in sys.modules}\n"
        "print(sorted(loaded & {'flask', 'sqlalchemy', 'schoolpartners', 'flask_babel'}))\n"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"
